"""iCalendar per event and the feed at /events.ics: they parse, and they never leak."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from mitmachstadt.accounts.models import Role
from mitmachstadt.events import services
from mitmachstadt.events.factories import make_event, make_format
from mitmachstadt.events.models import Event


def _vevents(response: Any) -> list[Any]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar.get("PRODID")
    return list(calendar.walk("VEVENT"))


@pytest.mark.django_db
def test_event_ics_parses_with_times_place_and_status(municipality: Any, client_a: Client) -> None:
    start = (timezone.now() + dt.timedelta(days=7)).replace(microsecond=0)
    event = make_event(
        municipality,
        title="Hackathon: Offene Daten",
        format=make_format(municipality, name="Hackathon"),
        start=start,
        hours=26,
    )
    [vevent] = _vevents(client_a.get(f"/events/{event.pk}.ics"))
    assert str(vevent["SUMMARY"]) == "Hackathon: Offene Daten"
    assert vevent.decoded("DTSTART") == start
    assert vevent.decoded("DTEND") == start + dt.timedelta(hours=26)
    assert str(vevent["UID"]) == f"event-{event.uid}@alpha.test"
    assert "Digitaler Werkraum" in str(vevent["LOCATION"])
    assert "Blessenstätte 1" in str(vevent["LOCATION"])
    assert vevent["GEO"].latitude == pytest.approx(51.905)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]) == f"http://alpha.test/events/{event.pk}/"
    assert "Hackathon" in [str(c) for c in vevent["CATEGORIES"].cats]


@pytest.mark.django_db
def test_online_link_only_for_confirmed_participants(
    municipality: Any, client_a: Client, participant: Any
) -> None:
    event = make_event(
        municipality,
        mode=Event.Mode.ONLINE,
        online_url="https://meet.example.org/denklabor-geheim",
    )
    [anonymous] = _vevents(client_a.get(f"/events/{event.pk}.ics"))
    assert "denklabor-geheim" not in anonymous.to_ical().decode()
    assert str(anonymous["LOCATION"]) == "Online"
    assert "denklabor-geheim" not in client_a.get(f"/events/{event.pk}/").content.decode()

    services.registration_create(event=event, user=participant)
    client_a.force_login(participant)
    [registered] = _vevents(client_a.get(f"/events/{event.pk}.ics"))
    assert "denklabor-geheim" in registered.to_ical().decode().replace("\r\n ", "")
    assert "denklabor-geheim" in client_a.get(f"/events/{event.pk}/").content.decode()


@pytest.mark.django_db
def test_feed_has_public_and_cancelled_events_but_no_drafts_or_other_towns(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client
) -> None:
    from mitmachstadt.accounts.factories import UserFactory

    organiser = UserFactory(municipality=municipality, roles=(Role.ADMIN,))
    public = make_event(municipality, title="Offenes Format 2027")
    cancelled = make_event(municipality, title="Regionalkonferenz")
    services.event_cancel(event=cancelled, actor=organiser, reason="Der Saal ist nicht frei.")
    make_event(municipality, title="Entwurf: geheim", publish=False)
    make_event(other_municipality, title="Betadorf-Treffen")
    old = make_event(municipality, title="Uralt")
    Event.objects.filter(pk=old.pk).update(
        start=timezone.now() - dt.timedelta(days=800),
        end=timezone.now() - dt.timedelta(days=800) + dt.timedelta(hours=1),
    )

    response = client_a.get("/events.ics")
    events = {str(v["SUMMARY"]): v for v in _vevents(response)}
    assert set(events) == {"Offenes Format 2027", "Regionalkonferenz"}
    assert str(events["Regionalkonferenz"]["STATUS"]) == "CANCELLED"
    assert int(events["Regionalkonferenz"]["SEQUENCE"]) > int(
        events["Offenes Format 2027"]["SEQUENCE"]
    )
    assert "Der Saal ist nicht frei." in str(events["Regionalkonferenz"]["DESCRIPTION"])
    assert public.title in response.content.decode()

    other = {str(v["SUMMARY"]) for v in _vevents(client_b.get("/events.ics"))}
    assert other == {"Betadorf-Treffen"}


@pytest.mark.django_db
def test_ics_of_another_municipalitys_event_is_not_found(
    municipality: Any, other_municipality: Any, client_b: Client
) -> None:
    event = make_event(municipality)
    assert client_b.get(f"/events/{event.pk}.ics").status_code == 404
    draft = make_event(other_municipality, publish=False)
    assert client_b.get(f"/events/{draft.pk}.ics").status_code == 404
