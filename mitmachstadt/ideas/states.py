"""The states of an idea on its way to a built project (DESIGN.md §1). Transitions: workflow.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Project proposal")
    IN_REVIEW = "in_review", _("In review")
    CANDIDATE = "candidate", _("Project candidate")
    RETURNED = "returned", _("Back in the idea pool")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    IN_DEVELOPMENT = "in_development", _("Project in development")
    IN_IMPLEMENTATION = "in_implementation", _("Project in implementation")
    COMPLETED = "completed", _("Completed")
    SCALED_CITYWIDE = "scaled_citywide", _("Scaled citywide")
    DISCONTINUED = "discontinued", _("Discontinued")
    MERGED = "merged", _("Merged")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PUBLIC_STATES = frozenset(State.values) - {State.DRAFT, State.WITHDRAWN}
# States in which an idea is a project and carries project data (DESIGN.md "A project ...").
PROJECT_STATES = frozenset(
    {
        State.IN_DEVELOPMENT,
        State.IN_IMPLEMENTATION,
        State.COMPLETED,
        State.SCALED_CITYWIDE,
        State.DISCONTINUED,
    }
)
# Where an idea still waits for the administration (the response-time promise applies).
OPEN_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW})
