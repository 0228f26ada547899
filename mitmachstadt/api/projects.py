"""API for projects, criteria assessments and committee decisions.

Reads are public (assessments once published, decisions always); writes need a session or a
token and the role the service asks for (project team, reviewer, committee clerk).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.core import ratelimit
from mitmachstadt.core.markup import plain_text
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.ideas.states import State
from mitmachstadt.projects import selectors as project_selectors
from mitmachstadt.projects import services as project_services
from mitmachstadt.projects.models import Indicator, Milestone, Project
from mitmachstadt.reviews import selectors as review_selectors
from mitmachstadt.reviews import services as review_services
from mitmachstadt.reviews.models import Assessment
from mitmachstadt.tenants.models import Cluster, Criterion

from .auth import write_auth

router = Router()
projects_router = Router(tags=["projects"])
reviews_router = Router(tags=["reviews"])
decisions_router = Router(tags=["decisions"])


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _abs(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _limit(request: HttpRequest) -> None:
    if not ratelimit.hit(request, "api_write"):
        from ninja.errors import HttpError

        raise HttpError(429, _("Too many requests. Please wait a moment and try again."))


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- Schemas ------------------------------------------------------------------------------


class CostsOut(Schema):
    concept: float | None = Field(description="EUR; null: not quantified")
    investment: float | None
    operation: float | None
    planned: float
    spent: float
    note: str


class MilestoneOut(Schema):
    id: int
    title: str
    description: str
    due: dt.date
    done_on: dt.date | None
    overdue: bool


class MeasurementOut(Schema):
    date: dt.date
    value: float
    note: str


class IndicatorOut(Schema):
    id: int
    indicator: str
    unit: str
    baseline: float
    target: float
    measurements: list[MeasurementOut]


class ProjectOut(Schema):
    id: int
    title: str
    state: str
    state_label: str
    cluster: str | None = Field(description="Slug of the cluster")
    cluster_name: str | None
    url: str = Field(description="The project page")
    idea_url: str = Field(description="The idea's page (discussion, versions)")
    progress: int | None
    costs: CostsOut | None


class ProjectListOut(Schema):
    items: list[ProjectOut]
    count: int
    page: int
    page_size: int


class OriginOut(Schema):
    id: int
    title: str
    url: str


class TimelineOut(Schema):
    kind: Literal["transition", "answer"]
    date: dt.datetime
    name: str | None
    label: str
    to_state: str | None
    reason: str
    document_reference: str
    meeting_date: dt.date | None


class ProjectDetailOut(ProjectOut):
    text: str
    html: str
    fields: list[str]
    district: str | None
    citywide: bool
    target_groups: list[str]
    approach: str
    actors: list[str]
    location_note: str
    status_note: str
    repository_url: str
    origin_ideas: list[OriginOut]
    milestones: list[MilestoneOut]
    indicators: list[IndicatorOut]
    timeline: list[TimelineOut]


class ProjectPatchIn(Schema):
    target_groups: list[str] | None = None
    approach: str | None = None
    actors: list[str] | None = None
    location_note: str | None = None
    cost_concept: Decimal | None = None
    cost_investment: Decimal | None = None
    cost_operation: Decimal | None = None
    cost_note: str | None = None
    progress: int | None = None
    status_note: str | None = None
    repository_url: str | None = None
    cluster: str | None = Field(None, description='Cluster slug; "" removes the cluster')
    origin_ideas: list[int] | None = None


class MilestoneIn(Schema):
    title: str
    due: dt.date
    description: str = ""


class MilestonePatchIn(Schema):
    title: str | None = None
    due: dt.date | None = None
    description: str | None = None
    done: bool | None = None
    done_on: dt.date | None = Field(None, description="Defaults to today when done is true")


class IndicatorIn(Schema):
    indicator: str
    unit: str
    baseline: Decimal
    target: Decimal


class MeasurementIn(Schema):
    date: dt.date
    value: Decimal
    note: str = ""


class ExpenditureIn(Schema):
    date: dt.date
    amount: Decimal
    category: Literal["concept", "investment", "operation"]
    note: str = ""


class ExpenditureOut(Schema):
    id: int
    date: dt.date
    amount: float
    category: str
    note: str


class ProjectListParams(Schema):
    cluster: str | None = None
    state: str | None = None
    field: str | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class CriterionOut(Schema):
    slug: str
    name: str
    description: str
    group: str


class VerdictOut(Schema):
    criterion: str | None = Field(description="Slug of the criterion (null if since removed)")
    criterion_name: str
    verdict: str
    verdict_label: str
    justification: str


class AssessmentOut(Schema):
    round: int
    published: bool
    decision: str | None
    decided_at: dt.datetime | None
    summary: str
    verdicts: list[VerdictOut]


class AssessmentListOut(Schema):
    idea: int
    items: list[AssessmentOut]
    missing: list[str] | None = Field(
        None, description="Reviewers only: criteria still without a verdict in the open round"
    )


class VerdictIn(Schema):
    verdict: Literal["met", "partly", "not_met", "not_applicable"]
    justification: str


class ReasonIn(Schema):
    reason: str = ""


class ReviewDecisionIn(Schema):
    decision: Literal["accept", "return"]
    reason: str
    summary: str | None = None


class DecisionOut(Schema):
    idea: int
    title: str
    url: str
    decision: str
    label: str
    to_state: str
    reason: str
    meeting_date: dt.date | None
    document_reference: str
    recorded: dt.datetime


class DecisionListOut(Schema):
    items: list[DecisionOut]
    count: int


class DecisionIn(Schema):
    idea: int
    decision: Literal[
        "committee_approve", "committee_revise", "committee_reject", "funding_approved"
    ]
    reason: str
    meeting_date: dt.date
    document_reference: str = Field(description="Paper number or OParl URL")


class AgendaItemOut(Schema):
    id: int
    title: str
    url: str
    excerpt: str
    cluster: str | None
    candidate_since: dt.datetime | None
    recommendation: str
    assessment: AssessmentOut | None


# --- Helpers ------------------------------------------------------------------------------


def _costs(project: Project | None) -> dict[str, Any] | None:
    if project is None:
        return None
    return {
        "concept": _money(project.cost_concept),
        "investment": _money(project.cost_investment),
        "operation": _money(project.cost_operation),
        "planned": float(project.cost_planned),
        "spent": float(project.spent),
        "note": project.cost_note,
    }


def project_out(request: HttpRequest, idea: Idea) -> dict[str, Any]:
    project = project_selectors.project_of(idea)
    return {
        "id": idea.pk,
        "title": idea.title,
        "state": idea.state,
        "state_label": str(State(idea.state).label),
        "cluster": idea.cluster.slug if idea.cluster else None,
        "cluster_name": idea.cluster.name if idea.cluster else None,
        "url": _abs(request, f"/projects/{idea.pk}/"),
        "idea_url": _abs(request, idea.get_absolute_url()),
        "progress": project.progress if project else None,
        "costs": _costs(project),
    }


def _milestone_out(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "description": m.description,
        "due": m.due,
        "done_on": m.done_on,
        "overdue": m.is_overdue(),
    }


def _project_for_write(request: HttpRequest, idea_id: int) -> Project:
    idea = project_selectors.staff_project(_municipality(request), idea_id)
    if idea is None:
        raise Http404
    return project_services.project_ensure(idea=idea)


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    criteria = {
        c.pk: c.slug for c in Criterion.objects.filter(municipality_id=assessment.municipality_id)
    }
    return {
        "round": assessment.round,
        "published": assessment.is_published,
        "decision": assessment.decision_name or None,
        "decided_at": assessment.decided_at,
        "summary": assessment.summary,
        "verdicts": [
            {
                "criterion": criteria.get(v.criterion_id) if v.criterion_id else None,
                "criterion_name": v.criterion_name,
                "verdict": v.verdict,
                "verdict_label": str(v.get_verdict_display()),
                "justification": v.justification,
            }
            for v in assessment.verdicts.all()
        ],
    }


def _decision_out(request: HttpRequest, record: Transition) -> dict[str, Any]:
    return {
        "idea": record.idea_id,
        "title": record.idea.title,
        "url": _abs(request, record.idea.get_absolute_url()),
        "decision": record.name,
        "label": str(workflow.TRANSITIONS[record.name].label),
        "to_state": record.to_state,
        "reason": record.reason,
        "meeting_date": record.meeting_date,
        "document_reference": record.document_reference,
        "recorded": record.created,
    }


def _staff_idea(request: HttpRequest, idea_id: int) -> Idea:
    idea = (
        Idea.objects.filter(municipality=_municipality(request), pk=idea_id)
        .exclude(state__in=[State.DRAFT, State.WITHDRAWN])
        .select_related("municipality")
        .first()
    )
    if idea is None:
        raise Http404
    return idea


def _visible_idea(request: HttpRequest, idea_id: int) -> Idea:
    municipality = _municipality(request)
    idea = _staff_idea(request, idea_id)
    if idea.is_hidden and not has_role(municipality, request.user, Role.MODERATOR, Role.REVIEWER):
        raise Http404
    return idea


# --- Projects -----------------------------------------------------------------------------


@projects_router.get("", response=ProjectListOut, summary="List projects")
def list_projects(request: HttpRequest, params: Query[ProjectListParams]) -> dict[str, Any]:
    """Ideas in development and later, with cluster, state, progress and costs (paged)."""
    ideas = project_selectors.project_list(
        _municipality(request),
        cluster=params.cluster or "",
        state=params.state or "",
        field=params.field or "",
    )
    start = (params.page - 1) * params.page_size
    return {
        "items": [project_out(request, i) for i in ideas[start : start + params.page_size]],
        "count": ideas.count(),
        "page": params.page,
        "page_size": params.page_size,
    }


@projects_router.get("/{int:idea_id}", response=ProjectDetailOut, summary="One project")
def get_project(request: HttpRequest, idea_id: int) -> dict[str, Any]:
    """A project with its idea text, profile, milestones, KPIs and timeline."""
    detail = project_selectors.project_detail(_municipality(request), idea_id, request.user)
    if detail is None:
        raise Http404
    idea, project = detail.idea, detail.project
    data = project_out(request, idea)
    timeline = []
    for entry in detail.timeline:
        if entry.transition is not None:
            t = entry.transition
            timeline.append(
                {
                    "kind": "transition",
                    "date": t.created,
                    "name": t.name,
                    "label": str(workflow.TRANSITIONS[t.name].label)
                    if t.name in workflow.TRANSITIONS
                    else t.name,
                    "to_state": t.to_state,
                    "reason": t.reason,
                    "document_reference": t.document_reference,
                    "meeting_date": t.meeting_date,
                }
            )
        elif entry.answer is not None:
            timeline.append(
                {
                    "kind": "answer",
                    "date": entry.answer.created,
                    "name": None,
                    "label": _("Official answer"),
                    "to_state": None,
                    "reason": entry.answer.text,
                    "document_reference": "",
                    "meeting_date": None,
                }
            )
    data.update(
        text=idea.text,
        html=idea.text_html,
        fields=[f.slug for f in idea.fields.all()],
        district=idea.district.slug if idea.district else None,
        citywide=idea.citywide,
        target_groups=list(project.target_groups) if project else [],
        approach=project.approach if project else "",
        actors=list(project.actors) if project else [],
        location_note=project.location_note if project else "",
        status_note=project.status_note if project else "",
        repository_url=project.repository_url if project else "",
        origin_ideas=[
            {"id": o.pk, "title": o.title, "url": _abs(request, o.get_absolute_url())}
            for o in detail.origin_ideas
        ],
        milestones=[_milestone_out(m) for m in detail.milestones],
        indicators=[
            {
                "id": view.indicator.pk,
                "indicator": view.indicator.name,
                "unit": view.indicator.unit,
                "baseline": float(view.indicator.baseline),
                "target": float(view.indicator.target),
                "measurements": [
                    {"date": m.measured_on, "value": float(m.value), "note": m.note}
                    for m in view.measurements
                ],
            }
            for view in detail.indicators
        ],
        timeline=timeline,
    )
    return data


@projects_router.patch(
    "/{int:idea_id}", response=ProjectDetailOut, auth=write_auth, summary="Change project data"
)
def patch_project(request: HttpRequest, idea_id: int, payload: ProjectPatchIn) -> dict[str, Any]:
    """Change some of a project's data (project team: reviewers and municipality admins)."""
    _limit(request)
    project = _project_for_write(request, idea_id)
    changes = payload.dict(exclude_unset=True)
    data = project_services.ProjectData.of(project)
    municipality = _municipality(request)
    if "cluster" in changes:
        slug = changes.pop("cluster") or ""
        cluster = Cluster.objects.filter(municipality=municipality, slug=slug).first()
        if slug and cluster is None:
            raise ValidationError({"cluster": _("Unknown cluster.")})
        data = dataclasses.replace(data, cluster=cluster)
    if "origin_ideas" in changes:
        ids = changes.pop("origin_ideas") or []
        origins = list(Idea.objects.filter(municipality=municipality, pk__in=ids))
        if len(origins) != len(set(ids)):
            raise ValidationError({"origin_ideas": _("Unknown idea.")})
        data = dataclasses.replace(data, origin_ideas=origins)
    for key in ("target_groups", "actors"):
        if key in changes and changes[key] is None:
            changes[key] = []
    for key in ("approach", "location_note", "cost_note", "status_note", "repository_url"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "progress" in changes and changes["progress"] is None:
        changes.pop("progress")
    data = dataclasses.replace(data, **changes)
    project_services.project_update(project=project, actor=request.user, data=data)
    return get_project(request, idea_id)


@projects_router.post(
    "/{int:idea_id}/milestones",
    response={201: MilestoneOut},
    auth=write_auth,
    summary="Plan a milestone",
)
def create_milestone(
    request: HttpRequest, idea_id: int, payload: MilestoneIn
) -> Status[dict[str, Any]]:
    _limit(request)
    project = _project_for_write(request, idea_id)
    milestone = project_services.milestone_create(
        project=project,
        actor=request.user,
        title=payload.title,
        due=payload.due,
        description=payload.description,
    )
    return Status(201, _milestone_out(milestone))


@projects_router.patch(
    "/{int:idea_id}/milestones/{int:milestone_id}",
    response=MilestoneOut,
    auth=write_auth,
    summary="Change or complete a milestone",
)
def patch_milestone(
    request: HttpRequest, idea_id: int, milestone_id: int, payload: MilestonePatchIn
) -> dict[str, Any]:
    """Change title, due date or description; `done: true` marks it done (publishes an event)."""
    _limit(request)
    project = _project_for_write(request, idea_id)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    if payload.title is not None or payload.due is not None or payload.description is not None:
        milestone = project_services.milestone_update(
            milestone=milestone,
            actor=request.user,
            title=payload.title if payload.title is not None else milestone.title,
            due=payload.due or milestone.due,
            description=payload.description
            if payload.description is not None
            else milestone.description,
        )
    if payload.done is not None:
        from django.utils import timezone

        milestone = project_services.milestone_set_done(
            milestone=milestone,
            actor=request.user,
            done_on=(payload.done_on or timezone.localdate()) if payload.done else None,
        )
    return _milestone_out(milestone)


@projects_router.delete(
    "/{int:idea_id}/milestones/{int:milestone_id}",
    response={204: None},
    auth=write_auth,
    summary="Remove a milestone",
)
def delete_milestone(request: HttpRequest, idea_id: int, milestone_id: int) -> Status[None]:
    _limit(request)
    project = _project_for_write(request, idea_id)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    project_services.milestone_delete(milestone=milestone, actor=request.user)
    return Status(204, None)


@projects_router.post(
    "/{int:idea_id}/indicators",
    response={201: IndicatorOut},
    auth=write_auth,
    summary="Add a key performance indicator",
)
def create_indicator(
    request: HttpRequest, idea_id: int, payload: IndicatorIn
) -> Status[dict[str, Any]]:
    _limit(request)
    project = _project_for_write(request, idea_id)
    indicator = project_services.indicator_create(
        project=project,
        actor=request.user,
        name=payload.indicator,
        unit=payload.unit,
        baseline=payload.baseline,
        target=payload.target,
    )
    return Status(
        201,
        {
            "id": indicator.pk,
            "indicator": indicator.name,
            "unit": indicator.unit,
            "baseline": float(indicator.baseline),
            "target": float(indicator.target),
            "measurements": [],
        },
    )


@projects_router.post(
    "/{int:idea_id}/indicators/{int:indicator_id}/measurements",
    response={201: MeasurementOut},
    auth=write_auth,
    summary="Record a measured value",
)
def create_measurement(
    request: HttpRequest, idea_id: int, indicator_id: int, payload: MeasurementIn
) -> Status[dict[str, Any]]:
    _limit(request)
    project = _project_for_write(request, idea_id)
    indicator = get_object_or_404(Indicator, pk=indicator_id, project=project)
    measurement = project_services.measurement_record(
        indicator=indicator,
        actor=request.user,
        measured_on=payload.date,
        value=payload.value,
        note=payload.note,
    )
    return Status(
        201,
        {
            "date": measurement.measured_on,
            "value": float(measurement.value),
            "note": measurement.note,
        },
    )


@projects_router.post(
    "/{int:idea_id}/expenditures",
    response={201: ExpenditureOut},
    auth=write_auth,
    summary="Book money spent",
)
def create_expenditure(
    request: HttpRequest, idea_id: int, payload: ExpenditureIn
) -> Status[dict[str, Any]]:
    _limit(request)
    project = _project_for_write(request, idea_id)
    expenditure = project_services.expenditure_record(
        project=project,
        actor=request.user,
        spent_on=payload.date,
        amount=payload.amount,
        category=payload.category,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": expenditure.pk,
            "date": expenditure.spent_on,
            "amount": float(expenditure.amount),
            "category": expenditure.category,
            "note": expenditure.note,
        },
    )


# --- Reviews ------------------------------------------------------------------------------


@reviews_router.get("/criteria", response=list[CriterionOut], summary="The criteria checklist")
def list_criteria(request: HttpRequest) -> list[dict[str, Any]]:
    """The municipality's selection criteria that reviewers assess every idea against."""
    return [
        {"slug": c.slug, "name": c.name, "description": c.description, "group": c.group}
        for c in Criterion.objects.filter(municipality=_municipality(request))
    ]


@reviews_router.get(
    "/assessments/{int:idea_id}", response=AssessmentListOut, summary="Assessments of an idea"
)
def get_assessments(request: HttpRequest, idea_id: int) -> dict[str, Any]:
    """Published assessments (newest first); reviewers also see the open round."""
    municipality = _municipality(request)
    idea = _visible_idea(request, idea_id)
    items = [_assessment_out(a) for a in review_selectors.published_assessments(municipality, idea)]
    missing = None
    if has_role(municipality, request.user, Role.REVIEWER):
        current = review_selectors.open_assessment(municipality, idea)
        if current is not None:
            items.insert(0, _assessment_out(current))
        if idea.state == State.IN_REVIEW:
            missing = [c.slug for c in review_services.missing_criteria(idea)]
    return {"idea": idea.pk, "items": items, "missing": missing}


@reviews_router.put(
    "/assessments/{int:idea_id}/verdicts/{criterion}",
    response=VerdictOut,
    auth=write_auth,
    summary="Set the verdict on one criterion",
)
def put_verdict(
    request: HttpRequest, idea_id: int, criterion: str, payload: VerdictIn
) -> dict[str, Any]:
    """Reviewers record a verdict and its justification in the idea's open review round."""
    _limit(request)
    idea = _staff_idea(request, idea_id)
    found = get_object_or_404(Criterion, municipality=_municipality(request), slug=criterion)
    row = review_services.verdict_set(
        idea=idea,
        criterion=found,
        actor=request.user,
        verdict=payload.verdict,
        justification=payload.justification,
    )
    return {
        "criterion": found.slug,
        "criterion_name": row.criterion_name,
        "verdict": row.verdict,
        "verdict_label": str(row.get_verdict_display()),
        "justification": row.justification,
    }


@reviews_router.post(
    "/assessments/{int:idea_id}/start",
    response=AssessmentListOut,
    auth=write_auth,
    summary="Start the review of a submitted idea",
)
def start_review(request: HttpRequest, idea_id: int, payload: ReasonIn) -> dict[str, Any]:
    _limit(request)
    idea = _staff_idea(request, idea_id)
    review_services.review_start(idea=idea, actor=request.user, reason=payload.reason)
    return get_assessments(request, idea_id)


@reviews_router.post(
    "/assessments/{int:idea_id}/decision",
    response=AssessmentListOut,
    auth=write_auth,
    summary="Accept or return an idea, publishing its assessment",
)
def review_decision(
    request: HttpRequest, idea_id: int, payload: ReviewDecisionIn
) -> dict[str, Any]:
    """The transition with its assessment: "accept" needs every criterion assessed."""
    _limit(request)
    idea = _staff_idea(request, idea_id)
    review_services.review_decide(
        idea=idea,
        actor=request.user,
        decision=payload.decision,
        reason=payload.reason,
        summary=payload.summary,
    )
    return get_assessments(request, idea_id)


@reviews_router.get("/agenda", response=list[AgendaItemOut], summary="The committee's agenda")
def get_agenda(request: HttpRequest) -> list[dict[str, Any]]:
    """Project candidates waiting for the committee, with their published assessments."""
    return [
        {
            "id": item.idea.pk,
            "title": item.idea.title,
            "url": _abs(request, item.idea.get_absolute_url()),
            "excerpt": plain_text(item.idea.text)[:400],
            "cluster": item.idea.cluster.slug if item.idea.cluster else None,
            "candidate_since": item.accepted.created if item.accepted else None,
            "recommendation": item.accepted.reason if item.accepted else "",
            "assessment": _assessment_out(item.assessment) if item.assessment else None,
        }
        for item in review_selectors.agenda(_municipality(request))
    ]


# --- Committee decisions ------------------------------------------------------------------


@decisions_router.get("", response=DecisionListOut, summary="Committee decisions")
def list_decisions(
    request: HttpRequest, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Recorded committee decisions and funding approvals, newest first."""
    records = [
        r
        for r in review_selectors.decisions(_municipality(request), since=since, until=until)
        if r.idea.is_public
    ]
    return {"items": [_decision_out(request, r) for r in records], "count": len(records)}


@decisions_router.post(
    "", response={201: DecisionOut}, auth=write_auth, summary="Record a committee decision"
)
def create_decision(request: HttpRequest, payload: DecisionIn) -> Status[dict[str, Any]]:
    """The committee clerk records a decision with its meeting date and committee document."""
    _limit(request)
    idea = _staff_idea(request, payload.idea)
    record = review_services.committee_decide(
        idea=idea,
        actor=request.user,
        decision=payload.decision,
        reason=payload.reason,
        meeting_date=payload.meeting_date,
        document_reference=payload.document_reference,
    )
    record.idea = idea
    return Status(201, _decision_out(request, record))


router.add_router("/projects", projects_router)
router.add_router("", reviews_router)
router.add_router("/decisions", decisions_router)

__all__ = ["router"]
