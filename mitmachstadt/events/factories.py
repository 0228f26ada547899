"""Test and demo helpers: events, places, formats and calls created through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from . import services
from .models import Event, Format, OpenCall, Place


def make_format(municipality: Any, name: str = "Denklabor", **kwargs: Any) -> Format:
    return services.format_create(municipality=municipality, name=name, **kwargs)


def make_place(municipality: Any, name: str = "Digitaler Werkraum", **kwargs: Any) -> Place:
    kwargs.setdefault("address", "Blessenstätte 1, 33330 Gütersloh")
    kwargs.setdefault("lat", 51.905)
    kwargs.setdefault("lon", 8.3795)
    return services.place_create(
        municipality=municipality, actor=None, name=name, check_role=False, **kwargs
    )


def make_event(
    municipality: Any,
    *,
    title: str = "Denklabor Mobilität",
    capacity: int | None = 10,
    start: dt.datetime | None = None,
    hours: float = 2,
    publish: bool = True,
    format: Format | None = None,
    place: Place | None = None,
    mode: str = Event.Mode.IN_PERSON,
    **kwargs: Any,
) -> Event:
    """A (published) event three days ahead unless told otherwise."""
    start = start or timezone.now() + dt.timedelta(days=3)
    format = format or make_format(municipality)
    if place is None and mode != Event.Mode.ONLINE:
        place = make_place(municipality)
    kwargs.setdefault("description", "Wir denken gemeinsam über die Mobilität von morgen nach.")
    event = services.event_create(
        municipality=municipality,
        actor=None,
        check_role=False,
        title=title,
        format=format,
        start=start,
        end=start + dt.timedelta(hours=hours),
        capacity=capacity,
        place=place,
        mode=mode,
        **kwargs,
    )
    if publish:
        event.status = Event.Status.PUBLISHED
        event.published_at = timezone.now()
        event.save(update_fields=["status", "published_at"])
    return event


def make_call(
    municipality: Any,
    *,
    title: str = "Open Call: Denklabor 2027",
    open: bool = True,
    format: Format | None = None,
    closes: dt.datetime | None = None,
    **kwargs: Any,
) -> OpenCall:
    kwargs.setdefault(
        "description", "Wir suchen Stadtexpertinnen und Stadtexperten für das Denklabor."
    )
    call = services.open_call_create(
        municipality=municipality,
        actor=None,
        check_role=False,
        format=format or make_format(municipality, name=f"Format für {title}"),
        title=title,
        closes=closes or timezone.now() + dt.timedelta(days=14),
        **kwargs,
    )
    if open:
        call.status = OpenCall.Status.OPEN
        call.published_at = timezone.now()
        call.save(update_fields=["status", "published_at"])
    return call
