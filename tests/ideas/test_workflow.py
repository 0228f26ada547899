"""The state machine as a table: every transition × every state × every kind of actor.

The expectations are written out by hand from DESIGN.md §1 (not derived from
workflow.TRANSITIONS), so that a change to the table in the code shows up here as a failure.
Allowed steps change the state and record a Transition, an audit entry and an event; forbidden
ones raise a clear error and change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.core import bus
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, IdeaAuthor, Transition
from mitmachstadt.ideas.states import State
from mitmachstadt.reviews import services as reviews
from mitmachstadt.tenants.factories import CriterionFactory
from tests.reviews.helpers import assess_all

pytestmark = pytest.mark.django_db

STAFF = {"reviewer", "committee_clerk", "moderator", "municipality_admin"}
# Municipality admins hold every staff role of their municipality; operators every role of
# every municipality. Neither is an author.
REVIEW = {"reviewer", "municipality_admin", "operator"}
CLERK = {"committee_clerk", "municipality_admin", "operator"}
ADMIN = {"municipality_admin", "operator"}
ALL_PUBLIC = {
    "submitted",
    "in_review",
    "candidate",
    "returned",
    "revision_requested",
    "in_development",
    "in_implementation",
    "completed",
    "scaled_citywide",
    "discontinued",
    "merged",
}

# transition: (states it starts from, actors who may, state it leads to)
EXPECTED: dict[str, tuple[set[str], set[str], str]] = {
    "submit": ({"draft"}, {"author"}, "submitted"),
    "start_review": ({"submitted"}, REVIEW, "in_review"),
    "accept": ({"in_review"}, REVIEW, "candidate"),
    "return": ({"in_review"}, REVIEW, "returned"),
    "committee_approve": ({"candidate"}, CLERK, "in_development"),
    "committee_revise": ({"candidate"}, CLERK, "revision_requested"),
    "committee_reject": ({"candidate"}, CLERK, "returned"),
    "resubmit": ({"revision_requested"}, {"author", *REVIEW}, "in_review"),
    "revise_and_resubmit": ({"returned"}, {"author"}, "submitted"),
    "funding_approved": ({"in_development"}, CLERK, "in_implementation"),
    "complete": ({"in_implementation"}, ADMIN, "completed"),
    "scale_citywide": ({"in_implementation"}, ADMIN, "scaled_citywide"),
    "discontinue": ({"in_implementation"}, ADMIN, "discontinued"),
    "merge": (ALL_PUBLIC - {"merged"}, {"moderator", *ADMIN}, "merged"),
    "withdraw": (
        {"draft", "submitted", "in_review", "returned", "revision_requested", "candidate"},
        {"author"},
        "withdrawn",
    ),
}
STATES = [
    "draft",
    "submitted",
    "in_review",
    "candidate",
    "returned",
    "revision_requested",
    "in_development",
    "in_implementation",
    "completed",
    "scaled_citywide",
    "discontinued",
    "merged",
    "withdrawn",
]
ACTORS = [
    "anonymous",
    "participant",
    "author",
    "moderator",
    "reviewer",
    "committee_clerk",
    "municipality_admin",
    "operator",
    "staff_elsewhere",
]
CASES = [(name, state, actor) for name in EXPECTED for state in STATES for actor in ACTORS]


def test_the_table_covers_the_code_and_every_state() -> None:
    assert set(EXPECTED) == set(workflow.TRANSITIONS) == set(workflow.FUNCTIONS)
    assert set(STATES) == set(State.values)


@pytest.fixture
def events() -> Iterator[list[bus.Event]]:
    seen: list[bus.Event] = []
    bus.subscribe("idea.transition", seen.append)
    yield seen
    bus.unsubscribe("idea.transition", seen.append)


def _actor(kind: str, municipality: Any, request: Any, author: Any) -> Any:
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "author":
        return author
    if kind == "participant":
        return UserFactory(municipality=municipality)
    if kind == "operator":
        return UserFactory(municipality=None, is_operator=True)
    if kind == "staff_elsewhere":
        return UserFactory(
            municipality=request.getfixturevalue("other_municipality"),
            roles=(
                Role.PARTICIPANT,
                Role.MODERATOR,
                Role.REVIEWER,
                Role.COMMITTEE_CLERK,
                Role.ADMIN,
            ),
        )
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, kind))


def _idea_in(state: str, municipality: Any, author: Any) -> Idea:
    """An idea put straight into `state` (the walk there is not what this test is about)."""
    idea = Idea.objects.create(
        municipality=municipality,
        title="Mehr Sitzbänke in der Innenstadt",
        text="Auf dem Weg zum Markt fehlen Bänke zum Ausruhen.",
        state=state,
    )
    if state != "draft":
        Idea.objects.filter(pk=idea.pk).update(submitted_at=idea.created)
        idea.refresh_from_db()
    IdeaAuthor.objects.create(idea=idea, user=author, is_owner=True)
    return idea


def _kwargs(name: str, idea: Idea, actor: Any, municipality: Any) -> dict[str, Any]:
    # Everything a step may take, valid, so that only state and role decide.
    kwargs: dict[str, Any] = {"idea": idea, "actor": actor}
    if name != "submit":
        kwargs["reason"] = "Öffentliche Begründung dieses Schritts."
    if name.startswith("committee_") or name == "funding_approved":
        kwargs["document_reference"] = "Drucksache 395/2017"
        kwargs["meeting_date"] = dt.date(2024, 5, 14)
    if name == "merge":
        kwargs["into"] = _idea_in("submitted", municipality, UserFactory(municipality=municipality))
    return kwargs


@pytest.mark.parametrize(("name", "state", "actor_kind"), CASES)
def test_transition_table(
    name: str,
    state: str,
    actor_kind: str,
    municipality: Any,
    request: Any,
    events: list[bus.Event],
    django_capture_on_commit_callbacks: Any,
) -> None:
    sources, allowed_actors, target = EXPECTED[name]
    author = UserFactory(municipality=municipality)
    idea = _idea_in(state, municipality, author)
    if name == "accept" and state == "in_review":
        # "accept" needs a complete criteria assessment (reviews guard), so give it one.
        CriterionFactory(municipality=municipality, name="Umsetzbar")
        reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
        assess_all(idea, reviewer)
    actor = _actor(actor_kind, municipality, request, author)
    kwargs = _kwargs(name, idea, actor, municipality)
    transitions_before = Transition.objects.count()
    audit_before = AuditEntry.objects.filter(action=f"idea.{name}").count()
    allowed = state in sources and actor_kind in allowed_actors

    with django_capture_on_commit_callbacks(execute=True):
        if allowed:
            record = workflow.FUNCTIONS[name](**kwargs)
        else:
            with pytest.raises(ValidationError) as caught:
                workflow.FUNCTIONS[name](**kwargs)

    stored = Idea.objects.get(pk=idea.pk)
    if allowed:
        assert stored.state == target
        assert Transition.objects.count() == transitions_before + 1
        assert (record.name, record.from_state, record.to_state) == (name, state, target)
        assert record.actor_id == actor.pk and record.idea_id == idea.pk
        assert record.reason == kwargs.get("reason", "")
        assert record.document_reference == kwargs.get("document_reference", "")
        assert record.meeting_date == kwargs.get("meeting_date")
        entry = AuditEntry.objects.filter(action=f"idea.{name}", target_id=str(idea.pk)).get()
        assert entry.actor_id == actor.pk and entry.data["from"] == state
        assert [(e.name, e.object_id, e.data["transition"]) for e in events] == [
            ("idea.transition", idea.pk, name)
        ]
        if name == "merge":
            assert stored.merged_into_id == kwargs["into"].pk
    else:
        error = caught.value
        message = " ".join(error.messages)
        label = str(workflow.TRANSITIONS[name].label)
        if state not in sources:
            assert error.code == "state"
            assert label in message and str(State(state).label) in message
        else:
            assert error.code == "permission"
            assert label in message
        assert stored.state == state
        assert Transition.objects.count() == transitions_before
        assert AuditEntry.objects.filter(action=f"idea.{name}").count() == audit_before
        assert events == []


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_available_lists_exactly_the_allowed_steps(
    state: str, actor_kind: str, municipality: Any, request: Any
) -> None:
    author = UserFactory(municipality=municipality)
    idea = _idea_in(state, municipality, author)
    actor = _actor(actor_kind, municipality, request, author)
    expected = [
        name
        for name, (sources, actors, _target) in EXPECTED.items()
        if state in sources and actor_kind in actors
    ]
    assert workflow.available(idea, actor) == expected


@pytest.mark.parametrize(
    "name",
    [n for n, rule in workflow.TRANSITIONS.items() if rule.reason_required and n != "merge"],
)
def test_steps_that_need_a_public_reason_refuse_without(name: str, municipality: Any) -> None:
    sources, _actors, _target = EXPECTED[name]
    state = sorted(sources)[0]
    author = UserFactory(municipality=municipality)
    idea = _idea_in(state, municipality, author)
    operator = UserFactory(municipality=None, is_operator=True)
    kwargs = _kwargs(name, idea, operator, municipality)
    kwargs["reason"] = "   "
    with pytest.raises(ValidationError) as caught:
        workflow.FUNCTIONS[name](**kwargs)
    assert caught.value.code == "reason"
    assert Idea.objects.get(pk=idea.pk).state == state
    assert not Transition.objects.filter(idea=idea).exists()


def test_reasons_are_required_exactly_where_designed() -> None:
    required = {n for n, rule in workflow.TRANSITIONS.items() if rule.reason_required}
    assert required == {
        "accept",
        "return",
        "committee_approve",
        "committee_revise",
        "committee_reject",
        "funding_approved",
        "complete",
        "scale_citywide",
        "discontinue",
        "merge",
    }


def test_accept_needs_a_complete_assessment(municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    first = CriterionFactory(municipality=municipality, name="Umsetzbar", position=1)
    second = CriterionFactory(municipality=municipality, name="Klimarelevanz", position=2)
    idea = _idea_in("in_review", municipality, author)
    reviews.verdict_set(
        idea=idea,
        criterion=first,
        actor=reviewer,
        verdict="met",
        justification="Mit vorhandenen Mitteln umsetzbar.",
    )
    with pytest.raises(ValidationError) as caught:
        workflow.accept(idea=idea, actor=reviewer, reason="Passt.")
    assert caught.value.code == "assessment"
    assert "Klimarelevanz" in caught.value.messages[0]
    assert "Umsetzbar" not in caught.value.messages[0]
    assert Idea.objects.get(pk=idea.pk).state == "in_review"
    reviews.verdict_set(
        idea=idea,
        criterion=second,
        actor=reviewer,
        verdict="partly",
        justification="Mittelbarer Beitrag zum Klimaschutz.",
    )
    workflow.accept(idea=idea, actor=reviewer, reason="Passt.")
    assert Idea.objects.get(pk=idea.pk).state == "candidate"


def test_accept_without_a_checklist_has_nothing_to_assess(municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    idea = _idea_in("in_review", municipality, author)
    workflow.accept(idea=idea, actor=reviewer, reason="Passt.")
    assert Idea.objects.get(pk=idea.pk).state == "candidate"


def test_merge_stays_inside_the_municipality(municipality: Any, other_municipality: Any) -> None:
    moderator = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    idea = _idea_in("submitted", municipality, UserFactory(municipality=municipality))
    elsewhere = _idea_in(
        "submitted", other_municipality, UserFactory(municipality=other_municipality)
    )
    with pytest.raises(ValidationError):
        workflow.merge(idea=idea, into=elsewhere, actor=moderator, reason="Doppelt.")
    with pytest.raises(ValidationError):
        workflow.merge(idea=idea, into=idea, actor=moderator, reason="Doppelt.")
    assert Idea.objects.get(pk=idea.pk).state == "submitted"


def test_a_rejected_idea_returns_to_the_pool_and_can_be_resubmitted(municipality: Any) -> None:
    from tests.reviews.helpers import idea_in, staff

    author = UserFactory(municipality=municipality)
    reviewer = staff(municipality, Role.REVIEWER)
    clerk = staff(municipality, Role.COMMITTEE_CLERK)
    CriterionFactory(municipality=municipality, name="Umsetzbar")
    idea = idea_in("candidate", municipality=municipality, author=author, reviewer=reviewer)
    reviews.committee_decide(
        idea=idea,
        actor=clerk,
        decision="committee_reject",
        reason="Der Ausschuss sieht derzeit keinen Bedarf.",
        meeting_date=dt.date(2025, 2, 11),
        document_reference="https://ratsinfo.example.org/oparl/paper/77",
    )
    assert Idea.objects.get(pk=idea.pk).state == "returned"
    workflow.revise_and_resubmit(idea=idea, actor=author)
    assert Idea.objects.get(pk=idea.pk).state == "submitted"
    names = list(Transition.objects.filter(idea=idea).values_list("name", flat=True))
    assert names == [
        "submit",
        "start_review",
        "accept",
        "committee_reject",
        "revise_and_resubmit",
    ]
