"""Reads of projects. Every selector takes the municipality first and never crosses it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from mitmachstadt.ideas import selectors as idea_selectors
from mitmachstadt.ideas.models import Idea, OfficialAnswer, Transition
from mitmachstadt.ideas.states import PROJECT_STATES, State
from mitmachstadt.tenants.models import Cluster

from .models import Expenditure, Indicator, Measurement, Milestone, Project

# The four stages of the strategy's process "Von der Projektidee zur Umsetzung".
STAGES: list[tuple[str, frozenset[str]]] = [
    ("proposal", frozenset({State.SUBMITTED, State.IN_REVIEW})),
    ("candidate", frozenset({State.CANDIDATE, State.REVISION_REQUESTED})),
    ("development", frozenset({State.IN_DEVELOPMENT})),
    (
        "implementation",
        frozenset(
            {
                State.IN_IMPLEMENTATION,
                State.COMPLETED,
                State.SCALED_CITYWIDE,
                State.DISCONTINUED,
            }
        ),
    ),
]


def project_of(idea: Idea) -> Project | None:
    """The idea's project record, or None if no project data was entered yet."""
    try:
        project: Project = getattr(idea, "project")  # noqa: B009 - reverse one-to-one
        return project
    except ObjectDoesNotExist:
        return None


def public_projects(municipality: Any) -> QuerySet[Idea]:
    """Ideas that are projects (in development or later) and visible to everyone."""
    return Idea.objects.filter(
        municipality=municipality, state__in=PROJECT_STATES, is_hidden=False
    ).select_related("cluster", "district", "project")


def project_list(
    municipality: Any, *, cluster: str = "", state: str = "", field: str = ""
) -> QuerySet[Idea]:
    """Public projects, filtered, in cluster order, then by title."""
    qs = public_projects(municipality)
    if cluster:
        qs = qs.filter(cluster__slug=cluster)
    if state:
        states = [s for s in state.split(",") if s in PROJECT_STATES]
        qs = qs.filter(state__in=states or ["-"])
    if field:
        qs = qs.filter(pk__in=Idea.objects.filter(fields__slug=field).values("pk"))
    return qs.prefetch_related("fields").order_by(
        F("cluster__position").asc(nulls_last=True), "cluster__name", Lower("title"), "pk"
    )


def clusters_in_use(municipality: Any) -> list[Cluster]:
    return list(Cluster.objects.filter(municipality=municipality))


@dataclass
class TimelineEntry:
    when: dt.datetime
    kind: str  # "transition" or "answer"
    transition: Transition | None = None
    answer: OfficialAnswer | None = None


def timeline(transitions: list[Transition], answers: list[OfficialAnswer]) -> list[TimelineEntry]:
    """Every step and official answer of an idea, oldest first."""
    entries = [TimelineEntry(t.created, "transition", transition=t) for t in transitions]
    entries += [TimelineEntry(a.created, "answer", answer=a) for a in answers]
    entries.sort(key=lambda e: (e.when, 0 if e.kind == "transition" else 1))
    return entries


@dataclass
class IndicatorView:
    indicator: Indicator
    measurements: list[Measurement]

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def progress_share(self) -> float | None:
        """How far the latest value has come from baseline to target (0..1, may overshoot)."""
        latest = self.latest
        span = self.indicator.target - self.indicator.baseline
        if latest is None or span == 0:
            return None
        return float((latest.value - self.indicator.baseline) / span)


@dataclass
class ProjectDetail:
    idea: Idea
    project: Project | None
    detail: idea_selectors.IdeaDetail
    milestones: list[Milestone]
    indicators: list[IndicatorView]
    expenditures: list[Expenditure]
    origin_ideas: list[Idea]
    timeline: list[TimelineEntry]
    stage: str
    today: dt.date

    @property
    def overdue_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.is_overdue(self.today)]

    @property
    def done_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.is_done]

    @property
    def spent_by_category(self) -> dict[str, Decimal]:
        totals = {c: Decimal("0") for c in Expenditure.Category.values}
        for e in self.expenditures:
            totals[e.category] += e.amount
        return totals


def stage_of(state: str) -> str:
    for name, states in STAGES:
        if state in states:
            return name
    return ""


def project_detail(municipality: Any, idea_id: int, user: Any) -> ProjectDetail | None:
    """A public project with its idea page content and all project data, or None."""
    idea = public_projects(municipality).filter(pk=idea_id).first()
    if idea is None:
        return None
    detail = idea_selectors.idea_detail(municipality, idea, user)
    project = project_of(idea)
    milestones: list[Milestone] = []
    indicators: list[IndicatorView] = []
    expenditures: list[Expenditure] = []
    origins: list[Idea] = []
    if project is not None:
        milestones = list(project.milestones.all())
        for indicator in project.indicators.prefetch_related("measurements"):
            indicators.append(IndicatorView(indicator, list(indicator.measurements.all())))
        expenditures = list(project.expenditures.all())
        origins = [o for o in project.origin_ideas.order_by("title") if o.is_public]
    return ProjectDetail(
        idea=detail.idea,
        project=project,
        detail=detail,
        milestones=milestones,
        indicators=indicators,
        expenditures=expenditures,
        origin_ideas=origins,
        timeline=timeline(detail.transitions, detail.answers),
        stage=stage_of(idea.state),
        today=timezone.localdate(),
    )


def projects_of_origin(municipality: Any, idea: Idea) -> list[Idea]:
    """Public projects that name `idea` as one of their origin ideas."""
    return list(public_projects(municipality).filter(project__origin_ideas=idea).order_by("title"))


def staff_projects(municipality: Any) -> list[Idea]:
    """Every project of the municipality, hidden ones included (for the project team)."""
    return list(
        Idea.objects.filter(municipality=municipality, state__in=PROJECT_STATES)
        .select_related("cluster", "project")
        .order_by("title")
    )


def staff_project(municipality: Any, idea_id: int) -> Idea | None:
    return (
        Idea.objects.filter(municipality=municipality, state__in=PROJECT_STATES, pk=idea_id)
        .select_related("cluster", "municipality", "district")
        .first()
    )
