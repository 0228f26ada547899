"""Reads of reviews, committee decisions and the answer-time promise (municipality first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.ideas.states import OPEN_STATES, State
from mitmachstadt.tenants.models import Criterion

from .models import Assessment, CriterionVerdict, Verdict
from .services import RECORDED_DECISIONS

# Staff see ideas whose answer is due within this many days before they become overdue.
DUE_SOON_DAYS = 3


@dataclass
class QueueItem:
    idea: Idea
    assessed: int
    total: int
    since: dt.datetime | None

    @property
    def complete(self) -> bool:
        return self.assessed >= self.total


@dataclass
class ReviewQueue:
    submitted: list[QueueItem]
    in_review: list[QueueItem]
    revision_requested: list[QueueItem]


def _entered(idea_ids: list[int], states: Collection[str]) -> dict[int, dt.datetime]:
    """When each idea last entered one of `states` (from its transitions)."""
    entered: dict[int, dt.datetime] = {}
    rows = Transition.objects.filter(idea_id__in=idea_ids, to_state__in=states).values_list(
        "idea_id", "created"
    )
    for idea_id, created in rows:
        if idea_id not in entered or created > entered[idea_id]:
            entered[idea_id] = created
    return entered


def review_queue(municipality: Any) -> ReviewQueue:
    """Ideas waiting for reviewers: to take up, being assessed, back after a revision request."""
    states = {State.SUBMITTED, State.IN_REVIEW, State.REVISION_REQUESTED}
    ideas = list(
        Idea.objects.filter(municipality=municipality, state__in=states)
        .select_related("district", "cluster")
        .order_by("submitted_at", "id")
    )
    total = Criterion.objects.filter(municipality=municipality).count()
    open_counts = dict(
        Assessment.objects.filter(
            municipality=municipality,
            idea__in=[i.pk for i in ideas if i.state == State.IN_REVIEW],
            decided_at__isnull=True,
        )
        .annotate(n=Count("verdicts", filter=Q(verdicts__criterion__isnull=False)))
        .values_list("idea_id", "n")
    )
    entered = _entered([i.pk for i in ideas], states)
    queue = ReviewQueue([], [], [])
    for idea in ideas:
        item = QueueItem(idea, open_counts.get(idea.pk, 0), total, entered.get(idea.pk))
        if idea.state == State.SUBMITTED:
            item.since = idea.submitted_at
            queue.submitted.append(item)
        elif idea.state == State.IN_REVIEW:
            queue.in_review.append(item)
        else:
            queue.revision_requested.append(item)
    return queue


@dataclass
class CommitteeQueue:
    candidates: list[tuple[Idea, dt.datetime | None]]
    awaiting_funding: list[tuple[Idea, dt.datetime | None]]


def committee_queue(municipality: Any) -> CommitteeQueue:
    """Candidates waiting for the committee, and approved projects waiting for funding."""
    ideas = list(
        Idea.objects.filter(
            municipality=municipality, state__in=[State.CANDIDATE, State.IN_DEVELOPMENT]
        )
        .select_related("cluster", "district")
        .order_by("id")
    )
    entered = _entered([i.pk for i in ideas], {State.CANDIDATE, State.IN_DEVELOPMENT})
    ideas.sort(key=lambda i: (entered.get(i.pk) or i.created, i.pk))
    return CommitteeQueue(
        candidates=[(i, entered.get(i.pk)) for i in ideas if i.state == State.CANDIDATE],
        awaiting_funding=[(i, entered.get(i.pk)) for i in ideas if i.state != State.CANDIDATE],
    )


def _with_verdicts(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return qs.select_related("decision", "decision__actor").prefetch_related(
        Prefetch("verdicts", queryset=CriterionVerdict.objects.order_by("position", "id"))
    )


def published_assessments(municipality: Any, idea: Idea) -> list[Assessment]:
    """The idea's assessments that were published with a decision, newest first."""
    qs = Assessment.objects.filter(
        municipality=municipality, idea=idea, decided_at__isnull=False
    ).order_by("-round")
    return list(_with_verdicts(qs))


def published_assessments_for(municipality: Any, idea_ids: list[int]) -> dict[int, Assessment]:
    """The latest published assessment of each of the ideas (for lists and the agenda)."""
    qs = Assessment.objects.filter(
        municipality=municipality, idea_id__in=idea_ids, decided_at__isnull=False
    ).order_by("idea_id", "round")
    latest: dict[int, Assessment] = {}
    for assessment in _with_verdicts(qs):
        latest[assessment.idea_id] = assessment
    return latest


def open_assessment(municipality: Any, idea: Idea) -> Assessment | None:
    """The round reviewers are working on (staff only: it is not public yet)."""
    qs = Assessment.objects.filter(municipality=municipality, idea=idea, decided_at__isnull=True)
    return _with_verdicts(qs).order_by("-round").first()


def verdict_summary(assessment: Assessment) -> list[tuple[str, str, int]]:
    """(verdict, label, count) for every verdict kind, in a fixed order."""
    counts: dict[str, int] = {}
    for row in assessment.verdicts.all():
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    return [(value, str(label), counts.get(value, 0)) for value, label in Verdict.choices]


def decisions(
    municipality: Any,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    names: tuple[str, ...] = RECORDED_DECISIONS,
) -> QuerySet[Transition]:
    """Recorded committee decisions (and funding approvals), newest first."""
    qs = Transition.objects.filter(idea__municipality=municipality, name__in=names)
    if since is not None:
        qs = qs.filter(
            Q(meeting_date__gte=since) | Q(meeting_date__isnull=True, created__date__gte=since)
        )
    if until is not None:
        qs = qs.filter(
            Q(meeting_date__lte=until) | Q(meeting_date__isnull=True, created__date__lte=until)
        )
    return qs.select_related("idea", "actor").order_by("-meeting_date", "-created", "-id")


@dataclass
class AgendaItem:
    idea: Idea
    accepted: Transition | None
    assessment: Assessment | None


def agenda(municipality: Any) -> list[AgendaItem]:
    """The committee's agenda: every project candidate with its published assessment."""
    ideas = list(
        Idea.objects.filter(municipality=municipality, state=State.CANDIDATE, is_hidden=False)
        .select_related("cluster", "district")
        .prefetch_related("fields")
        .order_by("id")
    )
    ids = [i.pk for i in ideas]
    accepted: dict[int, Transition] = {}
    for record in Transition.objects.filter(idea_id__in=ids, name="accept").order_by("created"):
        accepted[record.idea_id] = record
    assessments = published_assessments_for(municipality, ids)
    items = [AgendaItem(i, accepted.get(i.pk), assessments.get(i.pk)) for i in ideas]
    items.sort(key=lambda item: item.accepted.created if item.accepted else item.idea.created)
    return items


# --- The answer-time promise --------------------------------------------------------------


@dataclass
class OverdueIdea:
    idea: Idea
    deadline: dt.datetime
    days_overdue: int


def answer_deadline(municipality: Any, submitted_at: dt.datetime) -> dt.datetime:
    return submitted_at + dt.timedelta(days=municipality.answer_days)


def _waiting(municipality: Any) -> QuerySet[Idea]:
    # The promise applies while an idea waits for the administration (ideas.states.OPEN_STATES).
    return Idea.objects.filter(
        municipality=municipality,
        state__in=OPEN_STATES,
        is_hidden=False,
        first_answer_at__isnull=True,
        submitted_at__isnull=False,
    )


def overdue_ideas(municipality: Any, *, now: dt.datetime | None = None) -> list[OverdueIdea]:
    """Ideas still without an official first answer after the promised days, oldest first."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=municipality.answer_days)
    rows = (
        _waiting(municipality)
        .filter(submitted_at__lt=limit)
        .select_related("district", "cluster")
        .order_by("submitted_at", "id")
    )
    result = []
    for idea in rows:
        assert idea.submitted_at is not None
        deadline = answer_deadline(municipality, idea.submitted_at)
        result.append(OverdueIdea(idea, deadline, (now - deadline).days))
    return result


def due_soon_ideas(municipality: Any, *, now: dt.datetime | None = None) -> list[OverdueIdea]:
    """Ideas whose answer is due within the next few days (not overdue yet)."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=municipality.answer_days)
    soon = limit + dt.timedelta(days=DUE_SOON_DAYS)
    rows = (
        _waiting(municipality)
        .filter(submitted_at__gte=limit, submitted_at__lt=soon)
        .order_by("submitted_at", "id")
    )
    result = []
    for idea in rows:
        assert idea.submitted_at is not None
        deadline = answer_deadline(municipality, idea.submitted_at)
        result.append(OverdueIdea(idea, deadline, -((deadline - now).days)))
    return result
