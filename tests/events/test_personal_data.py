"""The privacy collector's hooks: export and erasure of registrations and applications."""

from __future__ import annotations

from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.events import personal_data, services
from mitmachstadt.events.factories import make_call, make_event
from mitmachstadt.events.models import Application, Registration


@pytest.mark.django_db
def test_export_lists_registrations_and_applications(municipality: Any, participant: Any) -> None:
    event = make_event(municipality, title="Offenes Format 2027")
    services.registration_create(event=event, user=participant, note="Induktionsschleife")
    call = make_call(municipality, title="Open Call Digitalboard")
    services.application_submit(
        call=call, user=participant, motivation="Ich bringe zehn Jahre Erfahrung mit Open Data mit."
    )
    other = UserFactory(municipality=municipality)
    services.registration_create(event=event, user=other)

    data = personal_data.export(participant)
    assert [r["event"] for r in data["event_registrations"]] == ["Offenes Format 2027"]
    assert data["event_registrations"][0]["note"] == "Induktionsschleife"
    assert [a["call"] for a in data["open_call_applications"]] == ["Open Call Digitalboard"]
    assert personal_data.export(UserFactory(municipality=municipality)) == {
        "event_registrations": [],
        "open_call_applications": [],
    }


@pytest.mark.django_db
def test_erase_frees_the_place_for_the_waiting_list(municipality: Any) -> None:
    event = make_event(municipality, capacity=1)
    leaving, waiting = (
        UserFactory(municipality=municipality),
        UserFactory(municipality=municipality),
    )
    services.registration_create(event=event, user=leaving)
    services.registration_create(event=event, user=waiting)
    services.application_submit(
        call=make_call(municipality), user=leaving, motivation="Eine ausreichend lange Antwort."
    )
    personal_data.erase(leaving, keep_content=True)
    assert not Registration.objects.filter(user=leaving).exists()
    assert not Application.objects.filter(user=leaving).exists()
    assert Registration.objects.get(user=waiting).status == Registration.Status.CONFIRMED


@pytest.mark.django_db
def test_processing_register_and_purge(municipality: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    keys = {row["key"] for row in personal_data.PROCESSING}
    assert keys == {"event_registrations", "open_call_applications"}
    for row in personal_data.PROCESSING:
        assert {"name", "purpose", "data", "legal_basis", "retention", "recipients"} <= set(row)
    event = make_event(municipality)
    services.registration_create(event=event, user=UserFactory(municipality=municipality))
    assert personal_data.purge(timezone.now()) == {"registrations": 0, "applications": 0}
    later = timezone.now() + dt.timedelta(days=400)
    assert personal_data.purge(later) == {"registrations": 1, "applications": 0}
