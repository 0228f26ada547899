from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mitmachstadt.ideas import workflow
from mitmachstadt.tenants.models import Criterion

from .models import CriterionVerdict, Verdict
from .services import MAX_DOCUMENT_REFERENCE, MAX_JUSTIFICATION


class AccessibleForm(forms.Form):
    """Ties help texts and error messages to their fields with the ids that
    includes/form.html gives them (`<id>_help`, `<id>_errors`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.describe_fields()

    def full_clean(self) -> None:
        super().full_clean()
        self.describe_fields()

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show a service's ValidationError on the matching fields (others on the form)."""
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
        self.describe_fields()

    def describe_fields(self) -> None:
        # Only errors already found: asking for self.errors here would validate the form
        # before subclasses have added their fields and choices.
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_help")
            if name in errors:
                ids.append(f"{bound.auto_id}_errors")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)


class AssessmentForm(AccessibleForm):
    """One verdict and one justification per criterion of the checklist."""

    summary = forms.CharField(
        label=_("Summary (optional)"),
        required=False,
        max_length=MAX_JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        current: dict[int, CriterionVerdict],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            row = current.get(criterion.pk)
            self.fields[f"verdict_{criterion.slug}"] = forms.ChoiceField(
                label=_("Verdict"),
                choices=[("", _("not yet assessed")), *Verdict.choices],
                required=False,
                initial=row.verdict if row else "",
                widget=forms.RadioSelect,
            )
            self.fields[f"justification_{criterion.slug}"] = forms.CharField(
                label=_("Justification"),
                required=False,
                max_length=MAX_JUSTIFICATION,
                initial=row.justification if row else "",
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.describe_fields()

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [
            (c, self[f"verdict_{c.slug}"], self[f"justification_{c.slug}"]) for c in self.criteria
        ]


class ReasonForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Public reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the idea's page and sent to its authors and followers."),
    )


class ReviewDecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", workflow.TRANSITIONS["accept"].label),
            ("return", workflow.TRANSITIONS["return"].label),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["decision", "reason"]


class CommitteeDecisionForm(AccessibleForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    meeting_date = forms.DateField(
        label=_("Date of the meeting"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document_reference = forms.CharField(
        label=_("Committee document"),
        max_length=MAX_DOCUMENT_REFERENCE,
        help_text=_("The paper number (e.g. “Drucksache 395/2017”) or the OParl URL of the paper."),
    )
    reason = forms.CharField(
        label=_("Public reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the committee decided and why, in plain words."),
    )

    def __init__(self, *args: Any, decisions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [  # type: ignore[attr-defined]
            (name, workflow.TRANSITIONS[name].label) for name in decisions
        ]
        if len(decisions) == 1:
            self.fields["decision"].initial = decisions[0]
