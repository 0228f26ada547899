"""Forms of the assembly pages. They collect input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PUBLIC_STATES

from .letters import consent_text
from .models import Assembly, QuotaCategory, Recommendation, Seed
from .services import DISTRICT_FEATURES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where possible."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.messages[0] if hasattr(item, "messages") else item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AssemblyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    guiding_question = forms.CharField(
        label=_("Guiding question"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The one question the assembly answers for the council."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    panel_size = forms.IntegerField(label=_("Members of the panel"), min_value=2, max_value=500)
    invitations = forms.IntegerField(
        label=_("Invitations to send"),
        min_value=2,
        max_value=100_000,
        help_text=_("Usually 10 to 20 times the panel size: most people invited do not answer."),
    )
    stratify_by_district = forms.BooleanField(
        label=_("Draw invitations per district"),
        required=False,
        help_text=_("Every district gets invitations in proportion to its population."),
    )
    one_per_household = forms.BooleanField(
        label=_("At most one member per household"), required=False
    )
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=99)
    algorithm = forms.ChoiceField(
        label=_("Selection algorithm"), choices=Assembly.Algorithm.choices
    )
    response_deadline = forms.DateTimeField(
        label=_("Answers accepted until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
    )
    selection_date = forms.DateField(
        label=_("Selection (public draw)"), required=False, widget=DateInput()
    )
    first_meeting = forms.DateField(label=_("First meeting"), required=False, widget=DateInput())
    last_meeting = forms.DateField(label=_("Last meeting"), required=False, widget=DateInput())
    recommendations_due = forms.DateField(
        label=_("Recommendations due"), required=False, widget=DateInput()
    )

    @classmethod
    def initial_for(cls, assembly: Assembly) -> dict[str, Any]:
        return {name: getattr(assembly, name) for name in cls.base_fields}


class QuotaForm(forms.Form):
    text = forms.CharField(
        label=_("Quotas (CSV)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "One line per value: feature,value,min,max and optionally a label for the value "
            "and, on the first line of a feature, the question respondents are asked."
        ),
    )


class SeedForm(forms.Form):
    purpose = forms.ChoiceField(widget=forms.HiddenInput, choices=Seed.Purpose.choices)
    kind = forms.ChoiceField(
        label=_("Kind of seed"),
        choices=Seed.Kind.choices,
        widget=forms.RadioSelect,
        initial=Seed.Kind.PUBLIC,
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Seed._meta.get_field("source").help_text,
    )
    commitment = forms.CharField(
        label=_("SHA-256 commitment (optional)"),
        max_length=64,
        required=False,
        help_text=_(
            "For commit and reveal: the hash of your secret. Leave empty and a secret is "
            "generated and shown to you once."
        ),
    )


class RevealForm(forms.Form):
    value = forms.CharField(
        label=_("Value of the seed"),
        max_length=400,
        help_text=_("Exactly as described in the announcement."),
    )


class RegisterForm(forms.Form):
    file = forms.FileField(
        label=_("Register extract (CSV)"),
        help_text=_(
            "Columns: vorname, nachname, strasse, hausnummer, plz, ort, stadtteil, geburtsjahr "
            "(or the English names). Comma or semicolon separated, UTF-8."
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your personal code"),
        max_length=20,
        help_text=_("It is printed in your letter, for example 7KQ2-M9XD-4RTB."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ResponseForm(forms.Form):
    willing = forms.TypedChoiceField(
        label=_("Would you like to take part in the citizens' assembly?"),
        choices=[("yes", _("Yes, I would like to take part.")), ("no", _("No, thank you."))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: Any, categories: list[QuotaCategory], district: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            field = forms.ChoiceField(
                label=category.question,
                choices=[(v.value, v.label) for v in category.values.all()],
                required=False,
                widget=forms.RadioSelect,
            )
            if district and category.name.casefold() in DISTRICT_FEATURES:
                match = [
                    v.value
                    for v in category.values.all()
                    if v.value.casefold() == district.casefold()
                ]
                if match:
                    field.initial = match[0]
            self.fields[f"feature_{category.pk}"] = field
        self.fields["contact_email"] = forms.EmailField(
            label=_("E-mail address"),
            required=False,
            help_text=_(
                "So that we can tell you if you are drawn. Optional: a telephone number works too."
            ),
        )
        self.fields["contact_phone"] = forms.CharField(
            label=_("Telephone"), max_length=40, required=False
        )
        self.fields["consent"] = forms.BooleanField(label=consent_text(), required=False)

    def answers(self) -> dict[str, str]:
        return {c.name: self.cleaned_data.get(f"feature_{c.pk}") or "" for c in self.categories}


class DropForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RecommendationForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    support = forms.CharField(
        label=_("Support in the assembly"),
        max_length=100,
        required=False,
        help_text=_("For example: 38 of 40 members in favour."),
    )
    ideas = forms.ModelMultipleChoiceField(
        label=_("Ideas and projects it refers to"),
        queryset=Idea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision = forms.ChoiceField(
        label=_("Council decision"), choices=Recommendation.Decision.choices
    )
    decision_reference = forms.CharField(
        label=_("Committee document"),
        max_length=300,
        required=False,
        help_text=_("Paper number or OParl URL of the decision."),
    )
    decision_date = forms.DateField(
        label=_("Date of the decision"), required=False, widget=DateInput()
    )
    decision_note = forms.CharField(
        label=_("Explanation of the decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = Idea.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, state__in=PUBLIC_STATES, is_hidden=False
        ).order_by("title")
