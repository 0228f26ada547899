"""Public project pages (/projects/) and the project team's edit pages (/staff/projects/)."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PROJECT_STATES, State
from mitmachstadt.tenants.models import Cluster, FieldOfAction

from . import selectors, services
from .forms import (
    STATUS_TRANSITIONS,
    DoneForm,
    ExpenditureForm,
    IndicatorForm,
    MeasurementForm,
    MilestoneForm,
    ProjectForm,
    StatusForm,
)
from .models import Expenditure, Indicator, Measurement, Milestone, Project

PAGE_SIZE = 24


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            k: [str(m) for m in ValidationError(v).messages] for k, v in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


# --- Public -------------------------------------------------------------------------------


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """All projects of the municipality, grouped by cluster, filterable by cluster and state."""
    municipality = _municipality(request)
    cluster = request.GET.get("cluster", "")
    state = request.GET.get("state", "")
    field = request.GET.get("field", "")
    projects = selectors.project_list(municipality, cluster=cluster, state=state, field=field)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    groups: list[tuple[Cluster | None, list[Idea]]] = []
    for idea in page.object_list:
        if not groups or groups[-1][0] != idea.cluster:
            groups.append((idea.cluster, []))
        groups[-1][1].append(idea)
    query = urlencode(
        {k: v for k, v in {"cluster": cluster, "state": state, "field": field}.items() if v}
    )
    return render(
        request,
        "projects/list.html",
        {
            "groups": groups,
            "count": page.paginator.count,
            "page": page,
            "query": query,
            "clusters": Cluster.objects.filter(municipality=municipality),
            "fields": FieldOfAction.objects.filter(municipality=municipality),
            "states": [(s, State(s).label) for s in State.values if s in PROJECT_STATES],
            "selected": {"cluster": cluster, "state": state, "field": field},
            "filtered": bool(cluster or state or field),
            "may_edit": services.may_edit(municipality, request.user),
        },
    )


@require_GET
def project_detail(request: HttpRequest, idea_id: int) -> HttpResponse:
    """A project page: the idea's page plus its project data."""
    municipality = _municipality(request)
    detail = selectors.project_detail(municipality, idea_id, request.user)
    if detail is None:
        raise Http404
    return render(
        request,
        "projects/detail.html",
        {
            "d": detail,
            "idea": detail.idea,
            "project": detail.project,
            "stages": [name for name, _states in selectors.STAGES],
            "may_edit": services.may_edit(municipality, request.user),
        },
    )


# --- Staff --------------------------------------------------------------------------------

staff_only = role_required(*services.PROJECT_ROLES)


@require_GET
@staff_only
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every project, with the numbers the project team keeps up to date."""
    municipality = _municipality(request)
    return render(
        request,
        "projects/staff_list.html",
        {"projects": selectors.staff_projects(municipality)},
    )


def _staff_project(request: HttpRequest, idea_id: int) -> Project:
    idea = selectors.staff_project(_municipality(request), idea_id)
    if idea is None:
        raise Http404
    return services.project_ensure(idea=idea)


def _status_options(project: Project, user: Any) -> list[str]:
    return [name for name in STATUS_TRANSITIONS if workflow.may(project.idea, name, user)]


def _edit_page(
    request: HttpRequest, project: Project, status: int = 200, **forms: Any
) -> HttpResponse:
    municipality = _municipality(request)
    options = _status_options(project, request.user)
    context: dict[str, Any] = {
        "project": project,
        "idea": project.idea,
        "project_form": ProjectForm(
            initial=ProjectForm.initial_for(project),
            municipality=municipality,
            exclude_idea=project.idea_id,
        ),
        "milestone_form": MilestoneForm(prefix="milestone"),
        "indicator_form": IndicatorForm(prefix="indicator"),
        "expenditure_form": ExpenditureForm(prefix="expenditure"),
        "status_form": StatusForm(prefix="status", options=options),
        "status_options": options,
        "milestones": list(project.milestones.all()),
        "indicators": list(project.indicators.prefetch_related("measurements")),
        "expenditures": list(project.expenditures.order_by("-spent_on", "-id")),
        "today": timezone.localdate(),
    }
    context.update(forms)
    return render(request, "projects/staff_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_only
def staff_edit(request: HttpRequest, idea_id: int) -> HttpResponse:
    """Edit a project's data: status note, progress, costs, target groups, actors, origins."""
    project = _staff_project(request, idea_id)
    if request.method != "POST":
        return _edit_page(request, project)
    form = ProjectForm(
        request.POST, municipality=_municipality(request), exclude_idea=project.idea_id
    )
    if form.is_valid():
        data = form.cleaned_data
        new = dataclasses.replace(
            services.ProjectData.of(project),
            target_groups=data["target_groups"].splitlines(),
            approach=data["approach"],
            actors=data["actors"].splitlines(),
            location_note=data["location_note"],
            cost_concept=data["cost_concept"],
            cost_investment=data["cost_investment"],
            cost_operation=data["cost_operation"],
            cost_note=data["cost_note"],
            progress=data["progress"],
            status_note=data["status_note"],
            repository_url=data["repository_url"],
            cluster=data["cluster"],
            origin_ideas=list(data["origin_ideas"]),
        )
        try:
            services.project_update(project=project, actor=request.user, data=new)
        except ValidationError as error:
            form.add_service_errors(_errors(error))
        else:
            messages.success(request, _("The project data was saved."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    return _edit_page(request, project, status=400, project_form=form)


@require_POST
@staff_only
def staff_milestone_add(request: HttpRequest, idea_id: int) -> HttpResponse:
    project = _staff_project(request, idea_id)
    form = MilestoneForm(request.POST, prefix="milestone")
    if form.is_valid():
        try:
            services.milestone_create(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(_errors(error))
        else:
            messages.success(request, _("The milestone was added."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    return _edit_page(request, project, status=400, milestone_form=form)


@require_http_methods(["GET", "POST"])
@staff_only
def staff_milestone(request: HttpRequest, idea_id: int, milestone_id: int) -> HttpResponse:
    """Edit, complete, reopen or delete one milestone."""
    project = _staff_project(request, idea_id)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MilestoneForm(
        request.POST if action == "edit" else None,
        initial={
            "title": milestone.title,
            "due": milestone.due,
            "description": milestone.description,
        },
    )
    done_form = DoneForm(request.POST if action == "done" else None, prefix="done")
    try:
        if action == "edit" and form.is_valid():
            services.milestone_update(milestone=milestone, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The milestone was changed."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
        if action == "done" and done_form.is_valid():
            services.milestone_set_done(
                milestone=milestone, actor=request.user, done_on=done_form.cleaned_data["done_on"]
            )
            messages.success(request, _("The milestone is marked as done."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
        if action == "reopen":
            services.milestone_set_done(milestone=milestone, actor=request.user, done_on=None)
            messages.success(request, _("The milestone is open again."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
        if action == "delete":
            services.milestone_delete(milestone=milestone, actor=request.user)
            messages.success(request, _("The milestone was removed."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    except ValidationError as error:
        (done_form if action == "done" else form).add_service_errors(_errors(error))
    return render(
        request,
        "projects/staff_milestone.html",
        {
            "project": project,
            "idea": project.idea,
            "milestone": milestone,
            "form": form,
            "done_form": done_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_only
def staff_indicator_add(request: HttpRequest, idea_id: int) -> HttpResponse:
    project = _staff_project(request, idea_id)
    form = IndicatorForm(request.POST, prefix="indicator")
    if form.is_valid():
        try:
            services.indicator_create(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(_errors(error))
        else:
            messages.success(request, _("The indicator was added."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    return _edit_page(request, project, status=400, indicator_form=form)


@require_http_methods(["GET", "POST"])
@staff_only
def staff_indicator(request: HttpRequest, idea_id: int, indicator_id: int) -> HttpResponse:
    """Edit or delete an indicator; record and remove its measured values."""
    project = _staff_project(request, idea_id)
    indicator = get_object_or_404(Indicator, pk=indicator_id, project=project)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = IndicatorForm(
        request.POST if action == "edit" else None,
        initial={
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": indicator.baseline.normalize(),
            "target": indicator.target.normalize(),
        },
    )
    measurement_form = MeasurementForm(
        request.POST if action == "measure" else None, prefix="measure"
    )
    back = redirect("projects:staff_indicator", idea_id=project.idea_id, indicator_id=indicator.pk)
    try:
        if action == "edit" and form.is_valid():
            services.indicator_update(indicator=indicator, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The indicator was changed."))
            return back
        if action == "measure" and measurement_form.is_valid():
            services.measurement_record(
                indicator=indicator, actor=request.user, **measurement_form.cleaned_data
            )
            messages.success(request, _("The measured value was recorded."))
            return back
        if action == "delete_measurement":
            measurement = get_object_or_404(
                Measurement, pk=request.POST.get("measurement", 0), indicator=indicator
            )
            services.measurement_delete(measurement=measurement, actor=request.user)
            messages.success(request, _("The measured value was removed."))
            return back
        if action == "delete":
            services.indicator_delete(indicator=indicator, actor=request.user)
            messages.success(request, _("The indicator was removed."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    except ValidationError as error:
        (measurement_form if action == "measure" else form).add_service_errors(_errors(error))
    return render(
        request,
        "projects/staff_indicator.html",
        {
            "project": project,
            "idea": project.idea,
            "indicator": indicator,
            "measurements": list(indicator.measurements.order_by("-measured_on")),
            "form": form,
            "measurement_form": measurement_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_only
def staff_expenditure_add(request: HttpRequest, idea_id: int) -> HttpResponse:
    project = _staff_project(request, idea_id)
    form = ExpenditureForm(request.POST, prefix="expenditure")
    if form.is_valid():
        try:
            services.expenditure_record(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(_errors(error))
        else:
            messages.success(request, _("The expenditure was booked."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    return _edit_page(request, project, status=400, expenditure_form=form)


@require_POST
@staff_only
def staff_expenditure_delete(
    request: HttpRequest, idea_id: int, expenditure_id: int
) -> HttpResponse:
    project = _staff_project(request, idea_id)
    expenditure = get_object_or_404(Expenditure, pk=expenditure_id, project=project)
    services.expenditure_delete(expenditure=expenditure, actor=request.user)
    messages.success(request, _("The expenditure was cancelled."))
    return redirect("projects:staff_edit", idea_id=project.idea_id)


@require_POST
@staff_only
def staff_status(request: HttpRequest, idea_id: int) -> HttpResponse:
    """Move the project on: funding approved, completed, scaled citywide, discontinued."""
    project = _staff_project(request, idea_id)
    options = _status_options(project, request.user)
    form = StatusForm(request.POST, prefix="status", options=options)
    if form.is_valid():
        name = form.cleaned_data["transition"]
        kwargs: dict[str, Any] = {
            "idea": project.idea,
            "actor": request.user,
            "reason": form.cleaned_data["reason"],
        }
        if name == "funding_approved":
            kwargs["document_reference"] = form.cleaned_data["document_reference"]
            kwargs["meeting_date"] = form.cleaned_data["meeting_date"]
        try:
            workflow.FUNCTIONS[name](**kwargs)
        except ValidationError as error:
            form.add_service_errors(_errors(error))
        else:
            messages.success(request, _("The project status was changed."))
            return redirect("projects:staff_edit", idea_id=project.idea_id)
    return _edit_page(request, project, status=400, status_form=form)
