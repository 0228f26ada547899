"""Staff pages under /staff/events/: events, registrations, outcomes, places, formats, calls."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mitmachstadt.accounts.permissions import role_required

from . import selectors, services
from .forms import (
    CancelEventForm,
    DecisionForm,
    DocumentForm,
    EventForm,
    FormatForm,
    OpenCallForm,
    OutcomeForm,
    PlaceForm,
    apply_errors,
)
from .models import Application, Event, EventDocument, Format, OpenCall, Place, Registration

organiser_required = role_required(*services.ORGANISER_ROLES)


def _m(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _get(model: Any, request: HttpRequest, pk: int) -> Any:
    obj = model.objects.filter(municipality=_m(request), pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@organiser_required
def index(request: HttpRequest) -> HttpResponse:
    """Overview for organisers: events, open calls, places and formats."""
    municipality = _m(request)
    return render(
        request,
        "events/staff/index.html",
        {
            "events": selectors.staff_events(municipality),
            "calls": selectors.staff_calls(municipality),
            "places": selectors.places(municipality),
            "formats": selectors.formats(municipality),
        },
    )


@organiser_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    """Create a new event (as a draft)."""
    municipality = _m(request)
    form = EventForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                municipality=municipality, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The event is saved as a draft."))
            return redirect("events:staff_event", pk=event.pk)
    return render(request, "events/staff/event_form.html", {"form": form, "event": None})


@organiser_required
@require_http_methods(["GET", "POST"])
def event_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an event; publish or cancel it."""
    municipality = _m(request)
    event = _get(Event, request, pk)
    if request.method == "POST":
        form = EventForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.event_update(event=event, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The event is saved."))
                return redirect("events:staff_event", pk=event.pk)
    else:
        form = EventForm(initial=EventForm.initial_for(event), municipality=municipality)
    return render(
        request,
        "events/staff/event_form.html",
        {"form": form, "event": event, "cancel_form": CancelEventForm()},
    )


@organiser_required
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get(Event, request, pk)
    try:
        services.event_publish(event=event, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The event is published."))
    return redirect("events:staff_event", pk=event.pk)


@organiser_required
@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get(Event, request, pk)
    form = CancelEventForm(request.POST)
    if form.is_valid():
        try:
            services.event_cancel(
                event=event, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The event is cancelled; everyone registered is told."))
    else:
        messages.error(request, _("Please give a public reason for the cancellation."))
    return redirect("events:staff_event", pk=event.pk)


@organiser_required
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is registered and waiting; as a page or as CSV (an attendance list)."""
    event = _get(Event, request, pk)
    items = list(selectors.registrations(event))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="registrations-{event.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow([_("Name"), _("E-mail"), _("Status"), _("Note"), _("Registered")])
        for r in items:
            if r.status != Registration.Status.CANCELLED:
                writer.writerow(
                    [
                        r.user.display_name,
                        r.user.email,
                        r.get_status_display(),
                        r.note,
                        r.queued_at.isoformat(timespec="minutes"),
                    ]
                )
        return response
    return render(
        request,
        "events/staff/registrations.html",
        {
            "event": event,
            "confirmed": [r for r in items if r.status == Registration.Status.CONFIRMED],
            "waiting": [r for r in items if r.status == Registration.Status.WAITLISTED],
            "cancelled": [r for r in items if r.status == Registration.Status.CANCELLED],
        },
    )


@organiser_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = _get(Event, request, pk)
    registration = Registration.objects.filter(event=event, pk=registration_pk).first()
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The registration is cancelled."))
    return redirect("events:staff_registrations", pk=event.pk)


@organiser_required
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome of an event, link ideas and projects, attach documents."""
    municipality = _m(request)
    event = _get(Event, request, pk)
    form = OutcomeForm(
        initial={"outcome": event.outcome, "ideas": list(event.ideas.all())},
        municipality=municipality,
    )
    document_form = DocumentForm()
    if request.method == "POST" and request.POST.get("action") == "document":
        document_form = DocumentForm(request.POST, request.FILES)
        if document_form.is_valid():
            data = document_form.cleaned_data
            try:
                services.event_document_add(
                    event=event,
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    file=data["file"],
                    url=data["url"],
                )
            except ValidationError as error:
                apply_errors(document_form, error)
            else:
                messages.success(request, _("The document is attached."))
                return redirect("events:staff_outcome", pk=event.pk)
    elif request.method == "POST":
        form = OutcomeForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.event_record_outcome(
                    event=event,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    ideas=form.cleaned_data["ideas"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The outcome is saved."))
                return redirect("events:staff_outcome", pk=event.pk)
    return render(
        request,
        "events/staff/outcome.html",
        {
            "event": event,
            "form": form,
            "document_form": document_form,
            "documents": selectors.documents(event),
        },
    )


@organiser_required
@require_POST
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    event = _get(Event, request, pk)
    document = EventDocument.objects.filter(event=event, pk=document_pk).first()
    if document is None:
        raise Http404
    services.event_document_remove(document=document, actor=request.user)
    messages.success(request, _("The document is removed."))
    return redirect("events:staff_outcome", pk=event.pk)


@organiser_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (pk None) or edit a place."""
    municipality = _m(request)
    place = _get(Place, request, pk) if pk is not None else None
    initial = (
        {
            "name": place.name,
            "address": place.address,
            "lat": place.lat,
            "lon": place.lon,
            "description": place.description,
            "accessibility": place.accessibility,
        }
        if place
        else None
    )
    form = PlaceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if place is None:
                services.place_create(
                    municipality=municipality, actor=request.user, **form.cleaned_data
                )
            else:
                services.place_update(place=place, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The place is saved."))
            return redirect("events:staff")
    return render(request, "events/staff/place_form.html", {"form": form, "place": place})


@organiser_required
@require_http_methods(["GET", "POST"])
def format_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (pk None) or edit a participation format."""
    municipality = _m(request)
    fmt = _get(Format, request, pk) if pk is not None else None
    initial = {"name": fmt.name, "description": fmt.description} if fmt else None
    form = FormatForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if fmt is None:
                services.format_create(
                    municipality=municipality,
                    actor=request.user,
                    position=selectors.formats(municipality).count(),
                    **form.cleaned_data,
                )
            else:
                services.format_update(format=fmt, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The format is saved."))
            return redirect("events:staff")
    return render(request, "events/staff/format_form.html", {"form": form, "format": fmt})


@organiser_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    municipality = _m(request)
    form = OpenCallForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.open_call_create(
                municipality=municipality, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The open call is saved as a draft."))
            return redirect("events:staff_call", pk=call.pk)
    return render(request, "events/staff/call.html", {"form": form, "call": None})


@organiser_required
@require_http_methods(["GET", "POST"])
def call_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an open call, open or close it, and see its applications."""
    municipality = _m(request)
    call = _get(OpenCall, request, pk)
    if request.method == "POST" and request.POST.get("status"):
        try:
            services.open_call_set_status(
                call=call, actor=request.user, status=request.POST["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The status of the call is changed."))
        return redirect("events:staff_call", pk=call.pk)
    if request.method == "POST":
        form = OpenCallForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.open_call_update(call=call, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The open call is saved."))
                return redirect("events:staff_call", pk=call.pk)
    else:
        form = OpenCallForm(
            initial={
                "title": call.title,
                "format": call.format_id,
                "description": call.description,
                "question": call.question,
                "seats": call.seats,
                "closes": call.closes,
            },
            municipality=municipality,
        )
    status = request.GET.get("status", "")
    return render(
        request,
        "events/staff/call.html",
        {
            "form": form,
            "call": call,
            "applications": selectors.applications(call, status=status),
            "status_filter": status,
            "statuses": Application.Status.choices,
        },
    )


@organiser_required
@require_http_methods(["GET", "POST"])
def application_review(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    """Read one application and accept or decline it (the applicant gets an e-mail)."""
    call = _get(OpenCall, request, pk)
    application = (
        Application.objects.filter(call=call, pk=application_pk).select_related("user").first()
    )
    if application is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_decide(
                application=application,
                actor=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The decision is saved and the applicant is told."))
            return redirect("events:staff_call", pk=call.pk)
    return render(
        request,
        "events/staff/application.html",
        {"call": call, "application": application, "form": form},
    )
