"""Reads of events, places, formats and open calls. The municipality always comes first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PROJECT_STATES, PUBLIC_STATES

from .models import Application, Event, EventDocument, Format, OpenCall, Place, Registration

#: How far back the calendar feed reaches.
FEED_PAST_DAYS = 365


def formats(municipality: Any) -> QuerySet[Format]:
    return Format.objects.filter(municipality=municipality)


def format_by_slug(municipality: Any, slug: str) -> Format | None:
    return formats(municipality).filter(slug=slug).first()


def places(municipality: Any) -> QuerySet[Place]:
    return Place.objects.filter(municipality=municipality)


def place_by_slug(municipality: Any, slug: str) -> Place | None:
    return places(municipality).filter(slug=slug).first()


def _with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("format", "place").annotate(
        confirmed_count=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
        ),
        waitlist_count=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
    )


def public_events(
    municipality: Any,
    *,
    when: str = "upcoming",
    format_slug: str = "",
    mode: str = "",
    place: Place | None = None,
) -> QuerySet[Event]:
    """Published and cancelled events: "upcoming" (not yet ended) soonest first, or "past"."""
    now = timezone.now()
    qs = Event.objects.filter(municipality=municipality).public()
    if format_slug:
        qs = qs.filter(format__slug=format_slug)
    if mode in Event.Mode.values:
        qs = qs.filter(mode=mode)
    if place is not None:
        qs = qs.filter(place=place)
    if when == "past":
        qs = qs.filter(end__lt=now).order_by("-start", "-id")
    else:
        qs = qs.filter(end__gte=now).order_by("start", "id")
    return _with_counts(qs)


def feed_events(municipality: Any) -> QuerySet[Event]:
    """Events of the calendar feed: public, from a year back on."""
    since = timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)
    return (
        Event.objects.filter(municipality=municipality, end__gte=since)
        .public()
        .select_related("format", "place", "municipality")
        .order_by("start", "id")
    )


def event_for_viewer(municipality: Any, pk: int, *, staff: bool) -> Event | None:
    """One event of this municipality; drafts only for the organisers."""
    qs = Event.objects.filter(municipality=municipality)
    if not staff:
        qs = qs.public()
    return _with_counts(qs).filter(pk=pk).first()


def staff_events(municipality: Any) -> QuerySet[Event]:
    """All events of the municipality for the organisers, newest start first."""
    return _with_counts(Event.objects.filter(municipality=municipality)).order_by("-start", "-id")


def registration_of(event: Event, user: Any) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, user=user).first()


def registrations(event: Event) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(event=event)
        .select_related("user")
        .order_by("status", "queued_at", "id")
    )


def registrations_of_user(municipality: Any, user: Any) -> QuerySet[Registration]:
    """The account's active registrations in this municipality, soonest first."""
    return (
        Registration.objects.filter(municipality=municipality, user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event", "event__format", "event__place")
        .order_by("event__start", "event_id")
    )


def linked_ideas(event: Event) -> tuple[list[Idea], list[Idea]]:
    """(ideas, projects) linked to an event, public ones only."""
    items = list(event.ideas.filter(state__in=PUBLIC_STATES, is_hidden=False).order_by("title"))
    projects = [i for i in items if i.state in PROJECT_STATES]
    return [i for i in items if i.state not in PROJECT_STATES], projects


def linkable_ideas(municipality: Any) -> QuerySet[Idea]:
    """Ideas an event can be linked to: the municipality's public ideas."""
    return Idea.objects.filter(
        municipality=municipality, state__in=PUBLIC_STATES, is_hidden=False
    ).order_by("title")


def documents(event: Event) -> QuerySet[EventDocument]:
    return EventDocument.objects.filter(event=event)


def public_calls(municipality: Any) -> QuerySet[OpenCall]:
    """Open calls first (closing soonest), then closed ones."""
    return (
        OpenCall.objects.filter(
            municipality=municipality, status__in=[OpenCall.Status.OPEN, OpenCall.Status.CLOSED]
        )
        .select_related("format")
        .order_by("status", "closes", "id")
    )


def call_for_viewer(municipality: Any, pk: int, *, staff: bool) -> OpenCall | None:
    qs = OpenCall.objects.filter(municipality=municipality).select_related("format")
    if not staff:
        qs = qs.exclude(status=OpenCall.Status.DRAFT)
    return qs.filter(pk=pk).first()


def staff_calls(municipality: Any) -> QuerySet[OpenCall]:
    return (
        OpenCall.objects.filter(municipality=municipality)
        .select_related("format")
        .annotate(
            submitted_count=Count(
                "applications", filter=Q(applications__status=Application.Status.SUBMITTED)
            ),
            accepted_count=Count(
                "applications", filter=Q(applications__status=Application.Status.ACCEPTED)
            ),
        )
        .order_by("-closes", "-id")
    )


def application_of(call: OpenCall, user: Any) -> Application | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Application.objects.filter(call=call, user=user).first()


def applications(call: OpenCall, *, status: str = "") -> QuerySet[Application]:
    qs = Application.objects.filter(call=call).select_related("user", "decided_by")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("created", "id")
