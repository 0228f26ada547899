"""Template helpers of the review process: labels and the published assessment of an idea."""

from __future__ import annotations

from typing import Any

from django import template

from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.states import State

from .. import selectors

register = template.Library()


@register.filter
def transition_label(name: str) -> str:
    """The human label of a transition name ("accept" -> "Accept as candidate")."""
    rule = workflow.TRANSITIONS.get(name)
    return str(rule.label) if rule else name


@register.filter
def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


@register.inclusion_tag("reviews/includes/published.html")
def published_assessment(idea: Any, level: int = 2) -> dict[str, Any]:
    """The idea's published criteria assessments (latest first), for public pages."""
    assessments = selectors.published_assessments(idea.municipality, idea)
    return {"assessments": assessments, "level": level, "idea": idea}
