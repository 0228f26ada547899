"""iCalendar (RFC 5545) for one event and for the municipality's feed at /events.ics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as ICalEvent

from mitmachstadt.core.markup import plain_text
from mitmachstadt.tenants.selectors import primary_host

from .models import Event
from .notify import absolute_url

PRODID = "-//Mitmachstadt//Events//DE"


def _utc(value: dt.datetime) -> dt.datetime:
    # UTC times need no VTIMEZONE block and every client converts them correctly.
    return value.astimezone(dt.UTC)


def _component(event: Event, host: str, *, show_link: bool) -> ICalEvent:
    item = ICalEvent()
    item.add("uid", f"event-{event.uid}@{host}")
    item.add("dtstamp", _utc(event.updated or timezone.now()))
    item.add("last-modified", _utc(event.updated or timezone.now()))
    item.add("created", _utc(event.created or timezone.now()))
    item.add("sequence", event.sequence)
    item.add("dtstart", _utc(event.start))
    item.add("dtend", _utc(event.end))
    item.add("summary", event.title)
    url = absolute_url(event.municipality, event.get_absolute_url())
    item.add("url", url)
    description = plain_text(event.description)
    if event.status == Event.Status.CANCELLED and event.cancel_reason:
        description = f"{event.cancel_reason}\n\n{description}"
    if show_link and event.online_url:
        description = f"{description}\n\n{event.online_url}"
    item.add("description", f"{description}\n\n{url}")
    item.add("categories", [event.format.name])
    item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    if event.has_place and event.place is not None:
        place = event.place
        item.add("location", ", ".join(p for p in (place.name, place.address) if p))
        if place.has_location:
            item.add("geo", (place.lat, place.lon))
    elif event.is_online:
        item.add("location", "Online")
    return item


def calendar_bytes(
    municipality: Any, events: Iterable[Event], *, name: str, links_for: set[int] | None = None
) -> bytes:
    """One VCALENDAR with a VEVENT per event; online links only for ids in `links_for`."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    host = primary_host(municipality)
    for event in events:
        cal.add_component(_component(event, host, show_link=event.pk in (links_for or set())))
    return bytes(cal.to_ical())
