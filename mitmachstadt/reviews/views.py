"""Staff pages for reviewers (/staff/review/) and the committee clerk (/staff/committee/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import Criterion

from . import selectors, services
from .forms import AssessmentForm, CommitteeDecisionForm, ReasonForm, ReviewDecisionForm


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _staff_idea(request: HttpRequest, idea_id: int) -> Idea:
    idea = (
        Idea.objects.filter(municipality=_municipality(request), pk=idea_id)
        .exclude(state=State.DRAFT)
        .select_related("municipality", "cluster", "district")
        .prefetch_related("fields")
        .first()
    )
    if idea is None:
        raise Http404
    return idea


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            k: [str(m) for m in ValidationError(v).messages] for k, v in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


# --- Reviewers ----------------------------------------------------------------------------


@require_GET
@role_required(Role.REVIEWER)
def review_queue(request: HttpRequest) -> HttpResponse:
    """The reviewers' work list: new proposals, ideas in review, revisions."""
    municipality = _municipality(request)
    return render(
        request,
        "reviews/queue.html",
        {
            "queue": selectors.review_queue(municipality),
            "overdue_count": len(selectors.overdue_ideas(municipality)),
        },
    )


def _verdict_inputs(form: AssessmentForm) -> list[services.VerdictInput]:
    data = form.cleaned_data
    return [
        services.VerdictInput(
            criterion=c,
            verdict=data.get(f"verdict_{c.slug}", ""),
            justification=data.get(f"justification_{c.slug}", ""),
        )
        for c in form.criteria
    ]


@require_http_methods(["GET", "POST"])
@role_required(Role.REVIEWER)
def review_idea(request: HttpRequest, idea_id: int) -> HttpResponse:
    """Assess one idea against the criteria and decide on it."""
    municipality = _municipality(request)
    idea = _staff_idea(request, idea_id)
    criteria = list(Criterion.objects.filter(municipality=municipality))
    current = selectors.open_assessment(municipality, idea)
    by_criterion = {
        v.criterion_id: v for v in (current.verdicts.all() if current else []) if v.criterion_id
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    status = 200

    assessment_form = AssessmentForm(
        request.POST if action == "save" else None,
        criteria=criteria,
        current=by_criterion,
        initial={"summary": current.summary if current else ""},
    )
    decision_form = ReviewDecisionForm(request.POST if action == "decide" else None)
    start_form = ReasonForm(request.POST if action == "start" else None, prefix="start")
    resubmit_form = ReasonForm(request.POST if action == "resubmit" else None, prefix="resubmit")

    try:
        if action == "save" and assessment_form.is_valid():
            services.assessment_save(
                idea=idea,
                actor=request.user,
                entries=_verdict_inputs(assessment_form),
                summary=assessment_form.cleaned_data["summary"],
            )
            messages.success(request, _("The assessment was saved."))
            return redirect("reviews:idea", idea_id=idea.pk)
        if action == "start" and start_form.is_valid():
            services.review_start(
                idea=idea, actor=request.user, reason=start_form.cleaned_data["reason"]
            )
            messages.success(request, _("The review has started."))
            return redirect("reviews:idea", idea_id=idea.pk)
        if action == "resubmit" and resubmit_form.is_valid():
            workflow.resubmit(
                idea=idea, actor=request.user, reason=resubmit_form.cleaned_data["reason"]
            )
            messages.success(request, _("The idea is back in review."))
            return redirect("reviews:idea", idea_id=idea.pk)
        if action == "decide" and decision_form.is_valid():
            services.review_decide(
                idea=idea,
                actor=request.user,
                decision=decision_form.cleaned_data["decision"],
                reason=decision_form.cleaned_data["reason"],
            )
            messages.success(request, _("The decision was recorded and the assessment published."))
            return redirect("reviews:idea", idea_id=idea.pk)
    except ValidationError as error:
        form = {
            "save": assessment_form,
            "decide": decision_form,
            "start": start_form,
            "resubmit": resubmit_form,
        }[action]
        errors = _errors(error)
        if "reason" not in errors and getattr(error, "code", "") == "reason":
            errors = {"reason": errors.get("__all__", [])}
        form.add_service_errors(errors)
    if request.method == "POST":
        status = 400

    missing = services.missing_criteria(idea) if idea.state == State.IN_REVIEW else []
    return render(
        request,
        "reviews/review_idea.html",
        {
            "idea": idea,
            "criteria": criteria,
            "current": current,
            "missing": missing,
            "assessment_form": assessment_form,
            "decision_form": decision_form,
            "start_form": start_form,
            "resubmit_form": resubmit_form,
            "may_start": workflow.may(idea, "start_review", request.user),
            "may_decide": workflow.may(idea, "accept", request.user),
            "may_resubmit": workflow.may(idea, "resubmit", request.user),
            "published": selectors.published_assessments(municipality, idea),
            "transitions": list(idea.transitions.all()),
            "labels": {name: rule.label for name, rule in workflow.TRANSITIONS.items()},
        },
        status=status,
    )


@require_GET
@role_required(Role.REVIEWER, Role.MODERATOR)
def overdue(request: HttpRequest) -> HttpResponse:
    """Ideas still waiting for their official first answer after the promised days."""
    municipality = _municipality(request)
    return render(
        request,
        "reviews/overdue.html",
        {
            "overdue": selectors.overdue_ideas(municipality),
            "due_soon": selectors.due_soon_ideas(municipality),
            "answer_days": municipality.answer_days,
        },
    )


# --- Committee clerk ----------------------------------------------------------------------


@require_GET
@role_required(Role.COMMITTEE_CLERK)
def committee_queue(request: HttpRequest) -> HttpResponse:
    """Candidates for the committee, projects awaiting funding, decisions recorded."""
    municipality = _municipality(request)
    return render(
        request,
        "reviews/committee_queue.html",
        {
            "queue": selectors.committee_queue(municipality),
            "decisions": list(selectors.decisions(municipality)[:30]),
            "labels": {name: rule.label for name, rule in workflow.TRANSITIONS.items()},
        },
    )


def _committee_options(idea: Idea, user: Any) -> list[str]:
    return [name for name in services.RECORDED_DECISIONS if workflow.may(idea, name, user)]


@require_http_methods(["GET", "POST"])
@role_required(Role.COMMITTEE_CLERK)
def committee_idea(request: HttpRequest, idea_id: int) -> HttpResponse:
    """Record the committee's decision on one candidate (or the funding approval)."""
    municipality = _municipality(request)
    idea = _staff_idea(request, idea_id)
    options = _committee_options(idea, request.user)
    form = CommitteeDecisionForm(
        request.POST if request.method == "POST" else None, decisions=options
    )
    status = 200
    if request.method == "POST":
        if not options:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.committee_decide(
                    idea=idea,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    meeting_date=form.cleaned_data["meeting_date"],
                    document_reference=form.cleaned_data["document_reference"],
                )
            except ValidationError as error:
                form.add_service_errors(_errors(error))
            else:
                messages.success(request, _("The committee decision was recorded."))
                return redirect("reviews:committee")
        status = 400
    return render(
        request,
        "reviews/committee_idea.html",
        {
            "idea": idea,
            "form": form,
            "options": options,
            "published": selectors.published_assessments(municipality, idea),
            "transitions": list(idea.transitions.all()),
            "labels": {name: rule.label for name, rule in workflow.TRANSITIONS.items()},
        },
        status=status,
    )


# --- Public -------------------------------------------------------------------------------


@require_GET
def public_assessment(request: HttpRequest, idea_id: int) -> HttpResponse:
    """The published criteria assessments of a public idea."""
    municipality = _municipality(request)
    idea = (
        Idea.objects.filter(municipality=municipality, pk=idea_id)
        .public()
        .select_related("cluster")
        .first()
    )
    if idea is None:
        raise Http404
    return render(
        request,
        "reviews/public_assessment.html",
        {"idea": idea, "assessments": selectors.published_assessments(municipality, idea)},
    )
