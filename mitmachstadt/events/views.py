"""Public pages of events, formats, places and open calls, and the calendar files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import ApplicationForm, RegistrationForm, apply_errors
from .ical import calendar_bytes
from .models import Event, Registration

PAGE_SIZE = 20


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _event_or_404(request: HttpRequest, pk: int) -> Event:
    municipality = _municipality(request)
    staff = services.is_organiser(municipality, request.user)
    event = selectors.event_for_viewer(municipality, pk, staff=staff)
    if event is None:
        raise Http404
    return event


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming (or past) events, filterable by format and kind."""
    municipality = _municipality(request)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    format_slug = request.GET.get("format", "")
    mode = request.GET.get("mode", "")
    events = selectors.public_events(municipality, when=when, format_slug=format_slug, mode=mode)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/list.html",
        {
            "page": page,
            "when": when,
            "format_slug": format_slug,
            "mode": mode,
            "formats": selectors.formats(municipality),
            "modes": Event.Mode.choices,
            "query": query.urlencode(),
            "calls": selectors.public_calls(municipality).filter(status="open")[:3],
        },
    )


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event with registration, outcome, documents and linked ideas."""
    event = _event_or_404(request, pk)
    registration = selectors.registration_of(event, request.user)
    ideas, projects = selectors.linked_ideas(event)
    confirmed = event.confirmed_count  # type: ignore[attr-defined]
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "registration": registration,
            "position": services.waitlist_position(registration) if registration else 0,
            "form": RegistrationForm(),
            "free": None if event.capacity is None else max(0, event.capacity - confirmed),
            "ideas": ideas,
            "projects": projects,
            "documents": selectors.documents(event),
            "is_organiser": services.is_organiser(_municipality(request), request.user),
            "show_link": bool(
                event.online_url
                and (
                    (registration and registration.status == Registration.Status.CONFIRMED)
                    or services.is_organiser(_municipality(request), request.user)
                )
            ),
        },
    )


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One event as an iCalendar file (with the online link for confirmed participants)."""
    event = _event_or_404(request, pk)
    registration = selectors.registration_of(event, request.user)
    links = (
        {event.pk}
        if (registration and registration.status == Registration.Status.CONFIRMED)
        or services.is_organiser(_municipality(request), request.user)
        else set()
    )
    content = calendar_bytes(_municipality(request), [event], name=event.title, links_for=links)
    return _ics_response(content, f"event-{event.pk}.ics")


@require_GET
def feed_ics(request: HttpRequest) -> HttpResponse:
    """The municipality's public event calendar (a subscribable feed)."""
    municipality = _municipality(request)
    name = _("Events – %(name)s") % {"name": municipality.name}
    content = calendar_bytes(municipality, selectors.feed_events(municipality), name=name)
    response = _ics_response(content, "events.ics")
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_POST
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the signed-in account (or put it on the waiting list)."""
    event = _event_or_404(request, pk)
    form = RegistrationForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        registration = services.registration_create(event=event, user=request.user, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You are registered. We have sent you a confirmation."))
        else:
            messages.info(
                request,
                _("The event is fully booked: you are number %(n)d on the waiting list.")
                % {"n": services.waitlist_position(registration)},
            )
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def event_unregister(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the signed-in account's registration."""
    event = _event_or_404(request, pk)
    registration = selectors.registration_of(event, request.user)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(event.get_absolute_url())


@login_required
@require_GET
def my_events(request: HttpRequest) -> HttpResponse:
    """The signed-in account's registrations in this municipality."""
    registrations = list(selectors.registrations_of_user(_municipality(request), request.user))
    for registration in registrations:
        registration.position = services.waitlist_position(registration)  # type: ignore[attr-defined]
    return render(request, "events/mine.html", {"registrations": registrations})


@require_GET
def format_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A participation format: what it is, its events and open calls."""
    municipality = _municipality(request)
    fmt = selectors.format_by_slug(municipality, slug)
    if fmt is None:
        raise Http404
    return render(
        request,
        "events/format.html",
        {
            "format": fmt,
            "upcoming": selectors.public_events(municipality, format_slug=slug)[:20],
            "past": selectors.public_events(municipality, when="past", format_slug=slug)[:20],
            "calls": selectors.public_calls(municipality).filter(format=fmt),
        },
    )


@require_GET
def format_list(request: HttpRequest) -> HttpResponse:
    """All participation formats of the municipality."""
    return render(
        request, "events/formats.html", {"formats": selectors.formats(_municipality(request))}
    )


@require_GET
def place_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A place: address, accessibility, and its events."""
    municipality = _municipality(request)
    place = selectors.place_by_slug(municipality, slug)
    if place is None:
        raise Http404
    return render(
        request,
        "events/place.html",
        {
            "place": place,
            "upcoming": selectors.public_events(municipality, place=place)[:20],
            "past": selectors.public_events(municipality, when="past", place=place)[:20],
        },
    )


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """Open calls: invitations to apply for a format."""
    return render(
        request, "events/calls.html", {"calls": selectors.public_calls(_municipality(request))}
    )


@require_http_methods(["GET", "POST"])
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An open call with its application form (for signed-in accounts)."""
    municipality = _municipality(request)
    call = selectors.call_for_viewer(
        municipality, pk, staff=services.is_organiser(municipality, request.user)
    )
    if call is None:
        raise Http404
    application = selectors.application_of(call, request.user)
    form = ApplicationForm(question=call.question)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={call.get_absolute_url()}")
        form = ApplicationForm(request.POST, question=call.question)
        if form.is_valid():
            try:
                services.application_submit(call=call, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Thank you! Your application has been received."))
                return redirect(call.get_absolute_url())
    return render(
        request,
        "events/call_detail.html",
        {"call": call, "application": application, "form": form},
    )


@login_required
@require_POST
def call_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the signed-in account's application."""
    municipality = _municipality(request)
    call = selectors.call_for_viewer(municipality, pk, staff=False)
    application = selectors.application_of(call, request.user) if call else None
    if call is None or application is None:
        raise Http404
    try:
        services.application_withdraw(application=application, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect(call.get_absolute_url())
