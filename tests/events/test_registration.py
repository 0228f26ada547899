"""Registration with capacity, the waiting list, cancellation, reminders and retention."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.events import services
from mitmachstadt.events.factories import make_call, make_event
from mitmachstadt.events.models import Application, Event, Registration
from tests.conftest import message_text

Status = Registration.Status


def _statuses(event: Event) -> dict[int, str]:
    return dict(Registration.objects.filter(event=event).values_list("user_id", "status"))


@pytest.mark.django_db
def test_places_first_then_the_waiting_list_in_order(municipality: Any) -> None:
    event = make_event(municipality, capacity=2)
    people = [UserFactory(municipality=municipality) for _ in range(4)]
    registrations = [services.registration_create(event=event, user=p) for p in people]
    assert [r.status for r in registrations] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]
    assert [services.waitlist_position(r) for r in registrations] == [0, 0, 1, 2]


@pytest.mark.django_db
def test_cancelling_a_place_moves_the_first_waiting_person_up_and_tells_them(
    municipality: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    event = make_event(municipality, capacity=1, title="Denklabor Vernetzte Mobilität")
    first, second, third = (UserFactory(municipality=municipality) for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        taken = services.registration_create(event=event, user=first)
        services.registration_create(event=event, user=second)
        services.registration_create(event=event, user=third)
    smtp_server.wait_for(3)
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=taken, actor=first)

    assert _statuses(event) == {
        first.pk: Status.CANCELLED,
        second.pk: Status.CONFIRMED,
        third.pk: Status.WAITLISTED,
    }
    promoted = Registration.objects.get(event=event, user=second)
    assert services.waitlist_position(Registration.objects.get(user=third, event=event)) == 1
    assert promoted.confirmed_at is not None
    mails = smtp_server.wait_for(1)
    assert [m["To"] for m in mails] == [second.email]
    assert "Denklabor Vernetzte Mobilität" in message_text(mails[0])
    assert AuditEntry.objects.filter(action="event.registration_promote").count() == 1


@pytest.mark.django_db
def test_leaving_the_waiting_list_promotes_nobody(municipality: Any) -> None:
    event = make_event(municipality, capacity=1)
    a, b, c = (UserFactory(municipality=municipality) for _ in range(3))
    services.registration_create(event=event, user=a)
    waiting = services.registration_create(event=event, user=b)
    services.registration_create(event=event, user=c)
    services.registration_cancel(registration=waiting, actor=b)
    assert _statuses(event) == {
        a.pk: Status.CONFIRMED,
        b.pk: Status.CANCELLED,
        c.pk: Status.WAITLISTED,
    }


@pytest.mark.django_db
def test_registering_again_after_cancelling_queues_at_the_end(municipality: Any) -> None:
    event = make_event(municipality, capacity=1)
    a, b, c = (UserFactory(municipality=municipality) for _ in range(3))
    first = services.registration_create(event=event, user=a)
    services.registration_create(event=event, user=b)
    services.registration_cancel(registration=first, actor=a)  # b moves up
    services.registration_create(event=event, user=c)
    again = services.registration_create(event=event, user=a)
    assert again.status == Status.WAITLISTED
    assert services.waitlist_position(again) == 2


@pytest.mark.django_db
def test_no_double_registration_and_no_registration_when_closed(municipality: Any) -> None:
    event = make_event(municipality, capacity=5)
    user = UserFactory(municipality=municipality)
    services.registration_create(event=event, user=user)
    with pytest.raises(ValidationError):
        services.registration_create(event=event, user=user)
    draft = make_event(municipality, publish=False)
    with pytest.raises(ValidationError):
        services.registration_create(event=draft, user=user)
    closed = make_event(municipality, registration_closes=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.registration_create(event=closed, user=user)
    free_entry = make_event(municipality, registration_required=False)
    with pytest.raises(ValidationError):
        services.registration_create(event=free_entry, user=user)


@pytest.mark.django_db
def test_unlimited_events_confirm_everyone(municipality: Any) -> None:
    event = make_event(municipality, capacity=None)
    people = [UserFactory(municipality=municipality) for _ in range(5)]
    assert {services.registration_create(event=event, user=p).status for p in people} == {
        Status.CONFIRMED
    }


@pytest.mark.django_db
def test_more_places_move_the_waiting_list_up(municipality: Any) -> None:
    organiser = UserFactory(municipality=municipality, roles=(Role.ADMIN,))
    event = make_event(municipality, capacity=1)
    people = [UserFactory(municipality=municipality) for _ in range(4)]
    for p in people:
        services.registration_create(event=event, user=p)
    services.event_update(
        event=event,
        actor=organiser,
        title=event.title,
        format=event.format,
        description=event.description,
        start=event.start,
        end=event.end,
        mode=event.mode,
        place=event.place,
        online_url="",
        capacity=3,
        registration_required=True,
        registration_closes=None,
    )
    statuses = _statuses(event)
    assert [statuses[p.pk] for p in people] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]


@pytest.mark.django_db
def test_only_the_person_or_an_organiser_may_cancel(municipality: Any) -> None:
    event = make_event(municipality)
    owner, stranger = UserFactory(municipality=municipality), UserFactory(municipality=municipality)
    registration = services.registration_create(event=event, user=owner)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, actor=stranger)
    organiser = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    services.registration_cancel(registration=registration, actor=organiser)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=registration, actor=owner)


@pytest.mark.django_db
def test_organisers_of_another_municipality_have_no_power(
    municipality: Any, other_municipality: Any
) -> None:
    event = make_event(municipality)
    foreign = UserFactory(municipality=other_municipality, roles=(Role.ADMIN,))
    registration = services.registration_create(
        event=event, user=UserFactory(municipality=municipality)
    )
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, actor=foreign)
    with pytest.raises(PermissionDenied):
        services.event_cancel(event=event, actor=foreign, reason="Keine Lust mehr")


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_overbook_and_cancellations_move_the_list_up(
    municipality: Any,
) -> None:
    event = make_event(municipality, capacity=10)
    people = [UserFactory(municipality=municipality) for _ in range(40)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def run(chunk: list[Any], action: Any) -> None:
        try:
            barrier.wait(timeout=30)
            for item in chunk:
                action(item)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def in_parallel(items: list[Any], action: Any) -> None:
        threads = [threading.Thread(target=run, args=(items[i::8], action)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    in_parallel(people, lambda p: services.registration_create(event=event, user=p))
    assert not errors, errors[:3]
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    waiting = Registration.objects.filter(event=event, status=Status.WAITLISTED)
    assert confirmed.count() == 10
    assert waiting.count() == 30
    # The waiting list is one strict order without ties.
    positions = sorted(services.waitlist_position(r) for r in waiting)
    assert positions == list(range(1, 31))

    leaving = list(confirmed[:6])
    first_waiting = [r.user_id for r in waiting.order_by("queued_at", "id")[:6]]
    in_parallel(leaving, lambda r: services.registration_cancel(registration=r, actor=r.user))
    assert not errors, errors[:3]
    now_confirmed = set(
        Registration.objects.filter(event=event, status=Status.CONFIRMED).values_list(
            "user_id", flat=True
        )
    )
    assert len(now_confirmed) == 10
    assert set(first_waiting) <= now_confirmed
    assert Registration.objects.filter(event=event, status=Status.WAITLISTED).count() == 24


@pytest.mark.django_db
def test_reminders_go_once_to_confirmed_participants_of_events_starting_soon(
    municipality: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    soon = make_event(
        municipality,
        title="Projektwerkstatt morgen",
        capacity=2,
        start=timezone.now() + dt.timedelta(hours=10),
    )
    later = make_event(municipality, title="Später", start=timezone.now() + dt.timedelta(days=5))
    people = [UserFactory(municipality=municipality) for _ in range(3)]
    for p in people:
        services.registration_create(event=soon, user=p)  # the third waits
    services.registration_create(event=later, user=people[0])

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.reminders_send(hours=24)
    assert sent == 2
    mails = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in mails) == sorted(p.email for p in people[:2])
    assert "Projektwerkstatt morgen" in message_text(mails[0])
    assert f"/events/{soon.pk}.ics" in message_text(mails[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(hours=24) == 0


@pytest.mark.django_db
def test_reminder_command_runs(municipality: Any) -> None:
    from django.core.management import call_command

    event = make_event(municipality, start=timezone.now() + dt.timedelta(hours=2))
    services.registration_create(event=event, user=UserFactory(municipality=municipality))
    call_command("event_reminders", "--hours", "3")
    assert Registration.objects.get(event=event).reminded_at is not None


@pytest.mark.django_db
def test_retention_deletes_old_registrations_and_applications(municipality: Any) -> None:
    user = UserFactory(municipality=municipality)
    recent = make_event(municipality, title="Neulich")
    services.registration_create(event=recent, user=user)
    old = make_event(municipality, title="Lange her")
    services.registration_create(event=old, user=user)
    Event.objects.filter(pk=old.pk).update(
        start=timezone.now() - dt.timedelta(days=400),
        end=timezone.now() - dt.timedelta(days=400) + dt.timedelta(hours=2),
    )
    call = make_call(municipality)
    services.application_submit(call=call, user=user, motivation="Ich möchte gern mitmachen!!")
    result = services.retention_apply(now=timezone.now() + dt.timedelta(days=300))
    assert result == {"registrations": 1, "applications": 0}
    assert list(Registration.objects.values_list("event_id", flat=True)) == [recent.pk]
    result = services.retention_apply(now=timezone.now() + dt.timedelta(days=400))
    assert Application.objects.count() == 0
    assert result["applications"] == 1
