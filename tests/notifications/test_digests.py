"""Daily and weekly digests: `mitmachstadt send-digests` and the worker's scheduler; once per
window; personal data export and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.notifications import outbox, personal_data, scheduler, services
from mitmachstadt.notifications.kinds import Frequency
from mitmachstadt.notifications.models import (
    Delivery,
    Digest,
    DigestRun,
    Notification,
    Subscription,
)
from tests.conftest import message_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber(municipality: Any, field: Any) -> Any:
    user = UserFactory(municipality=municipality)
    services.subscription_create(user=user, municipality=municipality, type="field", field=field)
    return user


def test_daily_digest_by_command_once_per_day(
    municipality: Any,
    participant: Any,
    subscriber: Any,
    make_idea: Callable[..., Any],
    smtp_server: Any,
) -> None:
    make_idea(participant, title="Repair café in the library")
    make_idea(participant, title="Open data portal for the city")
    assert smtp_server.messages == []  # new ideas wait for the summary
    out = StringIO()
    call_command("send-digests", "--period", "daily", stdout=out)
    assert "1 daily digests built" in out.getvalue() and "sent 1" in out.getvalue()
    message = smtp_server.wait_for(1)[0]
    text = message_text(message)
    assert str(message["To"]) == subscriber.email
    assert "Repair café in the library" in text and "Open data portal for the city" in text
    assert "Übersicht" in text  # German by default
    assert "/notifications/unsubscribe/" in str(message["List-Unsubscribe"])
    # Running again the same day sends nothing more; a new idea waits for tomorrow.
    make_idea(participant, title="Benches in the park please")
    call_command("send-digests", "--period", "daily", stdout=StringIO())
    assert len(smtp_server.messages) == 1
    tomorrow = services.digest_key(Frequency.DAILY, timezone.now() + dt.timedelta(days=1))
    call_command("send-digests", "--period", "daily", "--key", tomorrow, stdout=StringIO())
    assert len(smtp_server.messages) == 2
    assert "Benches in the park please" in message_text(smtp_server.messages[1])
    assert Digest.objects.count() == 2


def test_weekly_digest_and_nothing_left_to_tell(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    weekly = UserFactory(municipality=municipality)
    services.subscription_create(user=weekly, municipality=municipality, type="events")
    idea = make_idea(participant)
    idea_services.follow_create(idea=idea, user=weekly)
    from mitmachstadt.core.bus import Event
    from mitmachstadt.notifications.handlers import on_event

    on_event(
        Event(
            name="event.scheduled",
            municipality_id=municipality.pk,
            object_id=5,
            data={"title": "MeetUp", "start": "2025-06-01T18:00:00+02:00", "url": "/events/5/"},
        )
    )
    note = Notification.objects.get(user=weekly)
    assert note.digest_period == Frequency.WEEKLY  # events default to the weekly summary
    assert services.digests_build(period=Frequency.WEEKLY) == 1
    assert outbox.process().sent == 1
    assert "MeetUp" in mailbox[0].body and "/events/5/" in mailbox[0].body
    # A digest whose only item was hidden meanwhile is not sent.
    other = UserFactory(municipality=municipality)
    idea_services.follow_create(idea=idea, user=other)
    services.settings_update(
        user=other,
        municipality=municipality,
        prefs={k: {"email": "daily", "push": False, "inbox": True} for k in services.Kind.values},
    )
    from mitmachstadt.ideas import workflow
    from mitmachstadt.ideas.models import Idea

    reviewer = UserFactory(municipality=municipality, roles=("reviewer",))
    workflow.start_review(idea=idea, actor=reviewer)
    activity = services.activity_record(
        Event(
            name="idea.transition",
            municipality_id=municipality.pk,
            object_id=idea.pk,
            data={"transition": "start_review", "from": "submitted", "to": "in_review"},
        )
    )
    assert activity is not None
    services.activity_fan_out(activity)
    Idea.objects.filter(pk=idea.pk).update(is_hidden=True)
    assert services.digests_build(period=Frequency.DAILY) >= 1
    result = outbox.process()
    assert result.sent == 0 and result.skipped >= 1


def test_scheduler_starts_due_digests_once(
    municipality: Any,
    participant: Any,
    subscriber: Any,
    make_idea: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    make_idea(participant)
    local = timezone.localtime()
    monday_morning = local.replace(hour=scheduler.DIGEST_HOUR + 1) - dt.timedelta(
        days=local.weekday()
    )
    early = monday_morning.replace(hour=max(scheduler.DIGEST_HOUR - 1, 0))
    assert scheduler.due_windows(early) == []
    windows = scheduler.due_windows(monday_morning)
    assert [period for period, _key in windows] == ["daily", "weekly"]
    first = scheduler.tick(monday_morning)
    assert first["digest_runs"] == 2
    assert len(mailbox) == 1  # the immediate backend ran build and delivery at once
    assert scheduler.tick(monday_morning)["digest_runs"] == 0
    assert DigestRun.objects.filter(completed_at__isnull=False).count() == 2


def test_scheduler_finishes_interrupted_fan_outs(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    from mitmachstadt.notifications.models import Activity

    idea = make_idea(participant)
    activity = Activity.objects.create(
        municipality=municipality,
        kind="transition",
        source="idea.transition",
        idea=idea,
        data={"transition": "start_review", "to": "in_review", "title": idea.title},
        claimed_by="deadbeefdeadbeef/999999/00",
        lease_until=timezone.now() - dt.timedelta(1),
    )
    done = scheduler.tick()
    assert done["fan_outs"] == 1
    activity.refresh_from_db()
    assert activity.fanned_out_at is not None
    assert [m.to[0] for m in mailbox] == [participant.email]


def test_worker_process_detection() -> None:
    assert scheduler.is_worker_process(["mitmachstadt", "worker", "--interval", "1"])
    assert scheduler.is_worker_process(["manage.py", "db_worker"])
    assert not scheduler.is_worker_process(["mitmachstadt", "serve"])


def test_personal_data_export_and_erase(
    municipality: Any,
    participant: Any,
    subscriber: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    idea = make_idea(participant)
    idea_services.follow_create(idea=idea, user=subscriber)
    start_review(idea)
    data = personal_data.export(subscriber)
    assert set(data) >= {"notification_subscriptions", "notifications", "push_devices"}
    assert data["notification_subscriptions"][0]["type"] == "field"
    assert len(data["notifications"]) == 2  # the new idea and its review
    assert data["notification_deliveries"][0]["channel"] == "email"
    personal_data.erase(subscriber, keep_content=True)
    assert personal_data.export(subscriber) == {key: [] for key in data}
    assert not Subscription.objects.filter(user=subscriber).exists()
    assert Delivery.objects.filter(user=participant).exists()  # others keep theirs


def test_scheduler_command_runs_one_round(
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
    settings: Any,
) -> None:
    # Deliveries queued while nothing ran them (a backend that drops tasks) ...
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    start_review(make_idea(participant))
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    # ... are found and sent by one round of the clock.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out = StringIO()
    call_command("notifications-scheduler", "--once", stdout=out)
    assert "'woken': 1" in out.getvalue()
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert [m.to[0] for m in mailbox] == [participant.email]


def test_old_notifications_are_forgotten(
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    start_review(make_idea(participant))
    old = Notification.objects.get()
    Notification.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=400))
    start_review(make_idea(participant, title="A second idea for the town"))
    assert services.prune(days=365) == 2  # the notification and its delivery
    assert list(Notification.objects.all()) != [old]
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1


def test_erasing_a_commenter_leaves_no_name_in_others_notifications(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    run_commits: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    from mitmachstadt.notifications.models import Activity
    from mitmachstadt.notifications.rendering import describe

    idea = make_idea(participant)
    commenter = UserFactory(municipality=municipality, display_name="Zaunkoenig Qx")
    run_commits(idea_services.comment_create, idea=idea, author=commenter, text="Schön!")
    activity = Activity.objects.get(kind="comment")
    assert "Zaunkoenig Qx" in describe(activity).title
    personal_data.erase(commenter, keep_content=True)
    activity.refresh_from_db()
    assert "Zaunkoenig" not in str(activity.data)
    assert Notification.objects.filter(user=participant, activity=activity).exists()
    personal_data.erase(commenter, keep_content=False)
    assert not Activity.objects.filter(kind="comment").exists()
    rows = personal_data.processing()
    assert rows[0]["key"] == "notifications" and "legal_basis" in rows[0]
    assert personal_data.purge(timezone.now()) == {"notifications": 0}
