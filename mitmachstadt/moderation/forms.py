from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.core.antispam import AntiSpamMixin

from .models import AnswerTemplate, ModerationAction, Reason, Report, TargetKind

# Which reasons make sense for which kind of content.
REASONS_BY_KIND = {
    TargetKind.IDEA: [r for r in Reason if r != Reason.NAME],
    TargetKind.COMMENT: [r for r in Reason if r not in {Reason.NAME, Reason.DUPLICATE}],
    TargetKind.PROFILE: [
        Reason.NAME,
        Reason.SPAM,
        Reason.INSULT,
        Reason.HATE,
        Reason.PRIVACY,
        Reason.ILLEGAL,
        Reason.OTHER,
    ],
}


class ReportForm(AntiSpamMixin, forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), widget=forms.RadioSelect)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional, unless you chose “Something else”. Please do not repeat insults; a short "
            "description is enough."
        ),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reasons = REASONS_BY_KIND[TargetKind(kind)]
        self.fields["reason"].choices = [(r.value, r.label) for r in reasons]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only moderators see it."),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *Reason.choices], required=True
    )
    public_reason = forms.CharField(
        label=_("Public reason"),
        max_length=300,
        help_text=_("Shown in place of the content: “Hidden by moderation: …”."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EditIdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    note = forms.CharField(
        label=_("What was changed"),
        max_length=200,
        help_text=_("Shown publicly under the text, e.g. “corrected typos”."),
    )


class EditCommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}))
    note = forms.CharField(
        label=_("What was changed"),
        max_length=200,
        help_text=_("Shown publicly under the comment."),
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the idea to merge into"),
        min_value=1,
        help_text=_("The number in the address of the idea: /ideas/<number>/."),
    )
    reason = forms.CharField(
        label=_("Public reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=AnswerTemplate.objects.none(),
        required=False,
        empty_label="—",
    )
    text = forms.CharField(
        label=_("Official answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Leave empty and choose a template to start from its text."),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = AnswerTemplate.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )


class AnswerTemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown. {title} becomes the idea's title, {municipality} the name of the "
            "municipality."
        ),
    )


class BlockForm(forms.Form):
    until = forms.DateField(
        label=_("Blocked until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to block until the block is lifted."),
    )
    reason = forms.CharField(
        label=_("Reason given to the account"),
        max_length=300,
        help_text=_("The account holder sees this reason and receives it by e-mail."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_until(self) -> dt.date | None:
        until: dt.date | None = self.cleaned_data.get("until")
        if until is not None and until < timezone.localdate():
            raise forms.ValidationError(_("Please choose today or a later day."))
        return until

    def ends_at(self) -> dt.datetime | None:
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        # Inclusive: the block ends when the chosen day ends, in the municipality's time zone.
        return timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))


class SettingsForm(forms.Form):
    spam_threshold = forms.FloatField(
        label=_("Spam score that holds a post for review"),
        min_value=0.1,
        max_value=10,
        help_text=_("Lower is stricter. 1.0 holds posts with two or three clear spam signals."),
    )
    blocked_terms = forms.CharField(
        label=_("Terms that hold a post for review"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One term per line; matched case-insensitively as a whole word or phrase."),
    )
    hold_first_posts = forms.BooleanField(
        label=_("Hold the first post of every new account for review"), required=False
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *Report.Status.choices]
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("all")), *Reason.choices]
    )
    kind = forms.ChoiceField(
        label=_("Content"), required=False, choices=[("", _("all")), *TargetKind.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("all")), *Report.Source.choices]
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("anyone")), ("me", _("to me")), ("none", _("to nobody"))],
    )


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("all")), *ModerationAction.Kind.choices],
    )
    kind = forms.ChoiceField(
        label=_("Content"), required=False, choices=[("", _("all")), *TargetKind.choices]
    )
    moderator = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[("", _("anyone")), ("me", _("me")), ("filter", _("the spam filter"))],
    )
