"""Event pages over HTTP: lists, detail, registration, staff management, tenancy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.core import bus
from mitmachstadt.events.factories import make_event, make_format, make_place
from mitmachstadt.events.models import Event, EventDocument, Registration
from mitmachstadt.ideas.factories import make_idea
from tests.events.conftest import staff_login


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
def test_list_shows_published_events_of_this_municipality_only(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client
) -> None:
    make_event(municipality, title="Denklabor Bildung und Kultur")
    make_event(municipality, title="Entwurf Projektwerkstatt", publish=False)
    make_event(other_municipality, title="Betadorfer Hackathon")
    page = client_a.get("/events/").content.decode()
    assert "Denklabor Bildung und Kultur" in page
    assert "Entwurf Projektwerkstatt" not in page
    assert "Betadorfer Hackathon" not in page
    other = client_b.get("/events/").content.decode()
    assert "Betadorfer Hackathon" in other
    assert "Denklabor Bildung und Kultur" not in other


@pytest.mark.django_db
def test_list_filters_by_format_and_splits_upcoming_and_past(
    municipality: Any, client_a: Client
) -> None:
    hackathon = make_format(municipality, name="Hackathon")
    make_event(municipality, title="Hackathon 2027", format=hackathon)
    make_event(municipality, title="MeetUp Wissenschaft")
    past = make_event(municipality, title="Digitaltag 2025")
    Event.objects.filter(pk=past.pk).update(
        start=timezone.now() - dt.timedelta(days=30),
        end=timezone.now() - dt.timedelta(days=30, hours=-3),
    )
    filtered = client_a.get(f"/events/?format={hackathon.slug}").content.decode()
    assert "Hackathon 2027" in filtered and "MeetUp Wissenschaft" not in filtered
    upcoming = client_a.get("/events/").content.decode()
    assert "Digitaltag 2025" not in upcoming
    assert "Digitaltag 2025" in client_a.get("/events/?when=past").content.decode()
    assert "Hackathon 2027" in client_a.get(f"/events/formats/{hackathon.slug}/").content.decode()
    place_page = client_a.get(f"/events/places/{past.place.slug}/").content.decode()
    assert "Digitaltag 2025" in place_page


@pytest.mark.django_db
def test_detail_is_404_for_drafts_and_other_municipalities(
    municipality: Any, client_a: Client, client_b: Client
) -> None:
    event = make_event(municipality, title="Morgenmacher online")
    draft = make_event(municipality, publish=False)
    assert client_a.get(f"/events/{event.pk}/").status_code == 200
    assert client_b.get(f"/events/{event.pk}/").status_code == 404
    assert client_a.get(f"/events/{draft.pk}/").status_code == 404


@pytest.mark.django_db
def test_register_and_cancel_through_the_pages(
    municipality: Any, client_a: Client, participant: Any
) -> None:
    event = make_event(municipality, capacity=1)
    response = client_a.post(f"/events/{event.pk}/register/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client_a.force_login(participant)
    response = client_a.post(f"/events/{event.pk}/register/", {"note": "Rollstuhl"}, follow=True)
    registration = Registration.objects.get(event=event, user=participant)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.note == "Rollstuhl"
    assert "Sie sind angemeldet." in response.content.decode()

    other = Client(HTTP_HOST="alpha.test")
    second = UserFactory(municipality=municipality)
    other.force_login(second)
    page = other.post(f"/events/{event.pk}/register/", follow=True).content.decode()
    assert Registration.objects.get(user=second).status == Registration.Status.WAITLISTED
    assert "Sie sind Nummer 1 auf der Warteliste." in page

    assert client_a.get("/events/mine/").status_code == 200
    client_a.post(f"/events/{event.pk}/unregister/")
    assert Registration.objects.get(user=second).status == Registration.Status.CONFIRMED


@pytest.mark.django_db
def test_registration_on_another_host_is_refused(
    municipality: Any, client_b: Client, participant: Any
) -> None:
    event = make_event(municipality)
    client_b.force_login(participant)
    assert client_b.post(f"/events/{event.pk}/register/").status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_staff_pages_need_an_organiser(
    municipality: Any, client_a: Client, participant: Any
) -> None:
    assert client_a.get("/staff/events/").status_code == 302
    client_a.force_login(participant)
    assert client_a.get("/staff/events/").status_code == 403
    assert client_a.get("/staff/events/new/").status_code == 403


@pytest.mark.django_db
def test_organiser_creates_publishes_and_cancels_an_event(
    municipality: Any,
    organiser_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fmt = make_format(municipality, name="Projektwerkstatt")
    place = make_place(municipality, name="IMA Innovationsmanufaktur")
    start = timezone.now() + dt.timedelta(days=10)
    received: list[bus.Event] = []
    bus.subscribe("event.scheduled", received.append)
    try:
        response = organiser_client.post(
            "/staff/events/new/",
            {
                "title": "Projektwerkstatt Green Lab",
                "format": fmt.pk,
                "description": "Co-kreativer Projekt-Sprint zum Green Lab.",
                "mode": "hybrid",
                "place": place.pk,
                "online_url": "https://meet.example.org/green-lab",
                "start": _local(start),
                "end": _local(start + dt.timedelta(hours=3)),
                "registration_required": "on",
                "capacity": "30",
            },
        )
        assert response.status_code == 302, response.content.decode()
        event = Event.objects.get(title="Projektwerkstatt Green Lab")
        assert event.status == Event.Status.DRAFT
        assert event.municipality == municipality
        with django_capture_on_commit_callbacks(execute=True):
            organiser_client.post(f"/staff/events/{event.pk}/publish/")
        event.refresh_from_db()
        assert event.status == Event.Status.PUBLISHED
        assert [e.object_id for e in received] == [event.pk]
        assert received[0].data["title"] == "Projektwerkstatt Green Lab"
        assert received[0].municipality_id == municipality.pk
    finally:
        bus.unsubscribe("event.scheduled", received.append)

    response = organiser_client.post(f"/staff/events/{event.pk}/cancel/", {"reason": "Nö"})
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED  # reason too short
    organiser_client.post(
        f"/staff/events/{event.pk}/cancel/", {"reason": "Die Referentin ist krank."}
    )
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert (
        "Die Referentin ist krank."
        in organiser_client.get(event.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_form_errors_are_shown_at_the_fields(municipality: Any, organiser_client: Client) -> None:
    fmt = make_format(municipality)
    start = timezone.now() + dt.timedelta(days=10)
    response = organiser_client.post(
        "/staff/events/new/",
        {
            "title": "Ein Treffen",
            "format": fmt.pk,
            "description": "Beschreibung des Treffens.",
            "mode": "in_person",
            "start": _local(start),
            "end": _local(start - dt.timedelta(hours=1)),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_place_error"' in page
    assert 'id="id_end_error"' in page
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_reach_events_of_another_municipality(
    municipality: Any, other_municipality: Any, organiser_client: Client
) -> None:
    foreign = make_event(other_municipality)
    assert organiser_client.get(f"/staff/events/{foreign.pk}/").status_code == 404
    assert organiser_client.post(f"/staff/events/{foreign.pk}/publish/").status_code == 404
    assert organiser_client.get(f"/staff/events/{foreign.pk}/registrations/").status_code == 404
    client_b = staff_login(
        Client(HTTP_HOST="beta.test"),
        UserFactory(municipality=municipality, roles=(Role.ADMIN,)),
    )
    assert client_b.get("/staff/events/").status_code == 403


@pytest.mark.django_db
def test_outcome_links_ideas_and_documents_on_the_public_page(
    municipality: Any, organiser_client: Client, participant: Any
) -> None:
    event = make_event(municipality, title="Denklabor Nachhaltige Lebenswelten")
    idea = make_idea(municipality=municipality, author=participant, title="Urban Data Plattform")
    draft_idea = make_idea(
        municipality=municipality, author=participant, title="Geheimer Entwurf", submit=False
    )
    response = organiser_client.post(
        f"/staff/events/{event.pk}/outcome/",
        {"outcome": "Wir haben **drei Datenquellen** ausgewählt.", "ideas": [idea.pk]},
    )
    assert response.status_code == 302
    refused = organiser_client.post(
        f"/staff/events/{event.pk}/outcome/", {"outcome": "x", "ideas": [draft_idea.pk]}
    )
    assert refused.status_code == 200  # not a choice: drafts are not linkable
    organiser_client.post(
        f"/staff/events/{event.pk}/outcome/",
        {
            "action": "document",
            "title": "Protokoll",
            "kind": "minutes",
            "file": SimpleUploadedFile("protokoll.pdf", b"%PDF-1.4 test", "application/pdf"),
        },
    )
    organiser_client.post(
        f"/staff/events/{event.pk}/outcome/",
        {
            "action": "document",
            "title": "Virus",
            "kind": "other",
            "file": SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream"),
        },
    )
    assert list(EventDocument.objects.values_list("title", flat=True)) == ["Protokoll"]
    page = Client(HTTP_HOST="alpha.test").get(event.get_absolute_url()).content.decode()
    assert "<strong>drei Datenquellen</strong>" in page
    assert "Urban Data Plattform" in page and idea.get_absolute_url() in page
    assert "Protokoll" in page
    assert "Geheimer Entwurf" not in page


@pytest.mark.django_db
def test_registration_list_and_csv_for_organisers(
    municipality: Any, organiser_client: Client
) -> None:
    event = make_event(municipality, capacity=1)
    from mitmachstadt.events import services

    first = UserFactory(municipality=municipality, display_name="Erste Person")
    second = UserFactory(municipality=municipality, display_name="Zweite Person")
    services.registration_create(event=event, user=first)
    services.registration_create(event=event, user=second)
    page = organiser_client.get(f"/staff/events/{event.pk}/registrations/").content.decode()
    assert "Erste Person" in page and "Zweite Person" in page
    csv_text = organiser_client.get(
        f"/staff/events/{event.pk}/registrations/?format=csv"
    ).content.decode()
    assert first.email in csv_text and second.email in csv_text
    reg = Registration.objects.get(user=first)
    organiser_client.post(f"/staff/events/{event.pk}/registrations/{reg.pk}/cancel/")
    assert Registration.objects.get(user=second).status == Registration.Status.CONFIRMED
