"""Who hears about what: follows, subscriptions (field, district, radius, saved search, events),
replies, milestones, committee documents; never across municipalities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.geo.geometry import haversine_m
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas import workflow
from mitmachstadt.notifications import services
from mitmachstadt.notifications.kinds import Frequency, Kind
from mitmachstadt.notifications.models import Delivery, Notification, Subscription
from mitmachstadt.tenants.factories import FieldOfActionFactory

from .conftest import CENTRE

pytestmark = pytest.mark.django_db


def kinds_of(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def offset(lat: float, lon: float, north_m: float) -> tuple[float, float]:
    """A point `north_m` metres north of (lat, lon)."""
    return lat + north_m / 111_195.0, lon


def test_followers_hear_of_steps_but_not_the_one_who_took_it(
    municipality: Any,
    participant: Any,
    reviewer: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    idea = make_idea(participant)
    follower = UserFactory(municipality=municipality)
    idea_services.follow_create(idea=idea, user=follower)
    idea_services.follow_create(idea=idea, user=reviewer)
    start_review(idea)
    assert kinds_of(participant) == [Kind.TRANSITION]
    assert kinds_of(follower) == [Kind.TRANSITION]
    assert kinds_of(reviewer) == []
    assert sorted(m.to[0] for m in mailbox) == sorted([participant.email, follower.email])
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_unfollowing_stops_it(
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    idea = make_idea(participant)
    services.idea_unfollow(idea=idea, user=participant)
    start_review(idea)
    assert kinds_of(participant) == []
    assert mailbox == []


def test_radius_delivers_only_ideas_inside(
    municipality: Any, participant: Any, make_idea: Callable[..., Any], mailbox: list[Any]
) -> None:
    neighbour = UserFactory(municipality=municipality)
    sub = services.subscription_create(
        user=neighbour,
        municipality=municipality,
        type=Subscription.Type.RADIUS,
        lat=CENTRE[0],
        lon=CENTRE[1],
        radius_m=1000,
    )
    inside = offset(*CENTRE, 950)
    outside = offset(*CENTRE, 1050)
    assert haversine_m(*CENTRE, *inside) < 1000 < haversine_m(*CENTRE, *outside)
    near = make_idea(participant, title="Bench by the fountain", lat=inside[0], lon=inside[1])
    make_idea(participant, title="Bench by the far pond", lat=outside[0], lon=outside[1])
    make_idea(participant, title="Benches for the whole city", citywide=True)
    got = Notification.objects.filter(user=neighbour)
    assert [n.activity.idea_id for n in got] == [near.pk]
    assert got[0].kind == Kind.NEW_IDEA and got[0].subscription_id == sub.pk
    # New ideas go into the daily summary by default, not into an e-mail each.
    assert got[0].digest_period == Frequency.DAILY
    assert mailbox == []


def test_field_district_and_saved_search(
    municipality: Any,
    participant: Any,
    field: Any,
    other_field: Any,
    district: Any,
    make_idea: Callable[..., Any],
) -> None:
    by_field = UserFactory(municipality=municipality)
    by_district = UserFactory(municipality=municipality)
    by_search = UserFactory(municipality=municipality)
    by_other_search = UserFactory(municipality=municipality)
    services.subscription_create(
        user=by_field, municipality=municipality, type="field", field=other_field
    )
    services.subscription_create(
        user=by_district, municipality=municipality, type="district", district=district
    )
    services.subscription_create(
        user=by_search,
        municipality=municipality,
        type="search",
        search={"q": "Fahrradwege", "field": other_field.slug},
    )
    services.subscription_create(
        user=by_other_search,
        municipality=municipality,
        type="search",
        search={"q": "Spielplatz"},
    )
    idea = make_idea(
        participant,
        title="Sichere Fahrradwege zur Schule",
        text="Getrennte Fahrradwege auf dem Schulweg, damit Kinder sicher ankommen.",
        fields=[field, other_field],
        lat=CENTRE[0],
        lon=CENTRE[1],
    )
    assert idea.district_id == district.pk
    for user in (by_field, by_district, by_search):
        assert kinds_of(user) == [Kind.NEW_IDEA], user
    assert kinds_of(by_other_search) == []
    # The author is not told about their own idea.
    assert kinds_of(participant) == []


def test_updates_of_matching_ideas_only_when_asked(
    municipality: Any,
    participant: Any,
    field: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
) -> None:
    quiet = UserFactory(municipality=municipality)
    keen = UserFactory(municipality=municipality)
    services.subscription_create(user=quiet, municipality=municipality, type="field", field=field)
    services.subscription_create(
        user=keen, municipality=municipality, type="field", field=field, include_updates=True
    )
    idea = make_idea(participant)
    start_review(idea)
    assert kinds_of(quiet) == [Kind.NEW_IDEA]
    assert kinds_of(keen) == [Kind.NEW_IDEA, Kind.TRANSITION]


def test_comments_reach_followers_and_replies_the_parent_author(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    run_commits: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    idea = make_idea(participant)
    first = UserFactory(municipality=municipality)
    second = UserFactory(municipality=municipality)
    parent = run_commits(idea_services.comment_create, idea=idea, author=first, text="Good idea!")
    # The first commenter now follows and stops again; a reply still reaches them.
    idea_services.follow_delete(idea=idea, user=first)
    run_commits(
        idea_services.comment_create, idea=idea, author=second, text="Agreed.", parent=parent
    )
    assert kinds_of(participant) == [Kind.COMMENT, Kind.COMMENT]
    assert kinds_of(first) == [Kind.REPLY]
    assert kinds_of(second) == []
    reply = Notification.objects.get(user=first)
    assert reply.reason == Notification.Reason.REPLY
    # Replies are e-mailed at once by default, comments go into the daily summary.
    assert [m.to[0] for m in mailbox] == [first.email]
    assert "hat auf Ihren Kommentar" in mailbox[0].subject  # in the recipient's German


def test_official_answer_and_committee_document(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    run_commits: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    from mitmachstadt.ideas.models import Idea
    from mitmachstadt.ideas.states import State

    idea = make_idea(participant)
    staff = UserFactory(municipality=municipality, roles=(Role.REVIEWER, Role.COMMITTEE_CLERK))
    run_commits(idea_services.answer_create, idea=idea, actor=staff, text="Thank you, we check.")
    assert [m.to[0] for m in mailbox] == [participant.email]
    assert kinds_of(participant) == [Kind.ANSWER]
    # Someone who wants committee documents at once but state changes only weekly.
    services.settings_update(
        user=participant,
        municipality=municipality,
        prefs={
            **{k: {"email": Frequency.NEVER, "push": False, "inbox": True} for k in Kind.values},
            Kind.TRANSITION: {"email": Frequency.WEEKLY, "push": False, "inbox": True},
            Kind.DOCUMENT: {"email": Frequency.IMMEDIATELY, "push": False, "inbox": True},
        },
    )
    mailbox.clear()
    run_commits(workflow.start_review, idea=idea, actor=staff)
    run_commits(workflow.return_to_pool, idea=idea, actor=staff, reason="Not yet concrete.")
    assert mailbox == []
    # (The review itself is the reviews app's business; here the idea simply is a candidate.)
    Idea.objects.filter(pk=idea.pk).update(state=State.CANDIDATE)
    idea.refresh_from_db()
    run_commits(
        workflow.committee_approve,
        idea=idea,
        actor=staff,
        reason="Approved.",
        document_reference="Drucksache 123/2025",
    )
    assert len(mailbox) == 1
    assert "Drucksache 123/2025" in mailbox[0].body
    weekly = Notification.objects.filter(user=participant, digest_period=Frequency.WEEKLY)
    assert weekly.count() == 2


def test_milestone_and_event_from_the_bus(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    run_commits: Callable[..., Any],
) -> None:
    idea = make_idea(participant)
    everything = UserFactory(municipality=municipality)
    services.subscription_create(user=everything, municipality=municipality, type="events")

    def milestone() -> None:
        publish(
            Event(
                name="project.milestone_done",
                municipality_id=municipality.pk,
                object_id=idea.pk,
                data={"milestone_id": 7, "title": "Pilot street open", "done_on": "2025-05-13"},
            )
        )

    def scheduled() -> None:
        publish(
            Event(
                name="event.scheduled",
                municipality_id=municipality.pk,
                object_id=9999,
                data={
                    "title": "Hackathon",
                    "start": "2025-06-01T10:00:00+02:00",
                    "place": "Digitaler Werkraum",
                    "url": "/events/9999/",
                    "ideas": [idea.pk],
                },
            )
        )

    run_commits(milestone)
    run_commits(scheduled)
    assert kinds_of(participant) == [Kind.MILESTONE, Kind.EVENT]
    assert kinds_of(everything) == [Kind.EVENT]
    event_note = Notification.objects.get(user=everything)
    assert event_note.reason == Notification.Reason.SUBSCRIPTION


def test_nothing_crosses_municipalities(
    municipality: Any,
    other_municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    run_commits: Callable[..., Any],
    mailbox: list[Any],
) -> None:
    beta_user = UserFactory(municipality=other_municipality)
    beta_field = FieldOfActionFactory(municipality=other_municipality, slug="mobility")
    services.subscription_create(
        user=beta_user,
        municipality=other_municipality,
        type="radius",
        lat=CENTRE[0],
        lon=CENTRE[1],
        radius_m=5000,
    )
    services.subscription_create(
        user=beta_user, municipality=other_municipality, type="field", field=beta_field
    )
    services.subscription_create(
        user=beta_user, municipality=other_municipality, type="search", search={"q": "bike"}
    )
    services.subscription_create(user=beta_user, municipality=other_municipality, type="events")
    make_idea(participant, lat=CENTRE[0], lon=CENTRE[1])
    run_commits(
        lambda: publish(
            Event(
                name="event.scheduled",
                municipality_id=municipality.pk,
                object_id=1,
                data={"title": "Alpha meetup", "start": "2025-06-01T10:00:00+02:00"},
            )
        )
    )
    assert Notification.objects.filter(user=beta_user).count() == 0
    with pytest.raises(Exception):  # noqa: B017 - a field of B cannot be subscribed to in A
        services.subscription_create(
            user=participant, municipality=municipality, type="field", field=beta_field
        )


def test_hidden_idea_is_not_told(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    mailbox: list[Any],
    run_commits: Callable[..., Any],
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    idea = make_idea(participant)
    start_review(idea)
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 1
    type(idea).objects.filter(pk=idea.pk).update(is_hidden=True)
    from mitmachstadt.notifications import outbox

    result = outbox.process()
    assert (result.sent, result.skipped) == (0, 1)
    assert mailbox == []


def test_fan_out_is_idempotent(participant: Any, make_idea: Callable[..., Any]) -> None:
    from mitmachstadt.notifications.models import Activity

    idea = make_idea(participant)
    idea_services.follow_create(idea=idea, user=UserFactory(municipality=idea.municipality))
    activity = services.activity_record(
        Event(
            name="idea.answered",
            municipality_id=idea.municipality_id,
            object_id=idea.pk,
            data={"answer_id": 0},
        )
    )
    assert activity is None  # no such answer: nothing to tell
    activity = Activity.objects.create(
        municipality=idea.municipality,
        kind=Kind.TRANSITION,
        source="test",
        idea=idea,
        data={"transition": "start_review", "to": "in_review"},
    )
    first = services.activity_fan_out(activity)
    again = services.activity_fan_out(activity)
    assert len(first) == 2 and again == []
    assert Notification.objects.filter(activity=activity).count() == 2
