from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.models import Cluster

from .models import Expenditure

# Project status steps the project team takes on the project page.
STATUS_TRANSITIONS = ("funding_approved", "complete", "scale_citywide", "discontinue")


class AccessibleForm(forms.Form):
    """Ties help texts and error messages to their fields with the ids that the form
    include gives them (`<id>_help`, `<id>_errors`)."""

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


def _lines(value: list[str]) -> str:
    return "\n".join(value)


class ProjectForm(AccessibleForm):
    cluster = forms.ModelChoiceField(
        label=_("Cluster"), queryset=Cluster.objects.none(), required=False
    )
    status_note = forms.CharField(
        label=_("Current status"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the project stands, in two or three sentences."),
    )
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    target_groups = forms.CharField(
        label=_("Target groups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
    )
    approach = forms.CharField(
        label=_("Approach"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    actors = forms.CharField(
        label=_("Actors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
    )
    location_note = forms.CharField(
        label=_("Location"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cost_concept = forms.DecimalField(
        label=_("Concept costs (EUR)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=14,
        help_text=_("Leave empty if not quantified."),
    )
    cost_investment = forms.DecimalField(
        label=_("Investment costs (EUR)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=14,
        help_text=_("Leave empty if not quantified."),
    )
    cost_operation = forms.DecimalField(
        label=_("Operating costs (EUR)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=14,
        help_text=_("Leave empty if not quantified."),
    )
    cost_note = forms.CharField(
        label=_("Note on the cost estimate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    repository_url = forms.URLField(
        label=_("Source code repository"),
        required=False,
        assume_scheme="https",
        help_text=_("Web address of the project's open-source repository."),
    )
    origin_ideas = forms.ModelMultipleChoiceField(
        label=_("Origin ideas"),
        queryset=Idea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The ideas from the idea pool that this project grew out of."),
    )

    def __init__(self, *args: Any, municipality: Any, exclude_idea: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = Cluster.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )
        self.fields["origin_ideas"].queryset = (  # type: ignore[attr-defined]
            Idea.objects.filter(municipality=municipality)
            .public()
            .exclude(pk=exclude_idea)
            .order_by("title")
        )
        self.describe_fields()

    @staticmethod
    def initial_for(project: Any) -> dict[str, Any]:
        return {
            "cluster": project.idea.cluster_id,
            "status_note": project.status_note,
            "progress": project.progress,
            "target_groups": _lines(project.target_groups),
            "approach": project.approach,
            "actors": _lines(project.actors),
            "location_note": project.location_note,
            "cost_concept": project.cost_concept,
            "cost_investment": project.cost_investment,
            "cost_operation": project.cost_operation,
            "cost_note": project.cost_note,
            "repository_url": project.repository_url,
            "origin_ideas": [i.pk for i in project.origin_ideas.all()],
        }


class MilestoneForm(AccessibleForm):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DoneForm(AccessibleForm):
    done_on = forms.DateField(
        label=_("Done on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )


class IndicatorForm(AccessibleForm):
    name = forms.CharField(label=_("Indicator"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=60)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=4)
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=4)


class MeasurementForm(AccessibleForm):
    measured_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    value = forms.DecimalField(label=_("Measured value"), max_digits=16, decimal_places=4)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ExpenditureForm(AccessibleForm):
    spent_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    amount = forms.DecimalField(
        label=_("Amount (EUR)"), min_value=0, max_digits=14, decimal_places=2
    )
    category = forms.ChoiceField(label=_("Category"), choices=Expenditure.Category.choices)
    note = forms.CharField(label=_("What for"), max_length=300, required=False)


class StatusForm(AccessibleForm):
    transition = forms.ChoiceField(label=_("Step"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Public reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Shown on the project page and sent to its followers."),
    )
    document_reference = forms.CharField(
        label=_("Committee document (funding approval)"),
        required=False,
        max_length=300,
        help_text=_("Paper number or OParl URL, if there is one."),
    )
    meeting_date = forms.DateField(
        label=_("Date of the decision (funding approval)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, options: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = [  # type: ignore[attr-defined]
            (name, workflow.TRANSITIONS[name].label) for name in options
        ]
        if len(options) == 1:
            self.fields["transition"].initial = options[0]
