"""Criteria assessments, their publication with the decision, and committee decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.reviews import selectors, services
from mitmachstadt.reviews.models import Assessment, CriterionVerdict

from .helpers import assess_all, criteria, idea_in, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(municipality: Any) -> Any:
    return staff(municipality, Role.REVIEWER)


@pytest.fixture
def clerk(municipality: Any) -> Any:
    return staff(municipality, Role.COMMITTEE_CLERK)


@pytest.fixture
def checklist(municipality: Any) -> list[Any]:
    return criteria(municipality, 3)


def test_reviewer_records_verdicts_in_an_open_round(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    row = services.verdict_set(
        idea=idea,
        criterion=checklist[0],
        actor=reviewer,
        verdict="partly",
        justification="Teilweise: der Betrieb ist noch offen.",
    )
    assert (row.verdict, row.assessor_id, row.criterion_name) == (
        "partly",
        reviewer.pk,
        checklist[0].name,
    )
    current = selectors.open_assessment(municipality, idea)
    assert current is not None and current.round == 1 and not current.is_published
    assert [c.pk for c in services.missing_criteria(idea)] == [c.pk for c in checklist[1:]]
    # Changing a verdict keeps one row per criterion.
    services.verdict_set(
        idea=idea,
        criterion=checklist[0],
        actor=reviewer,
        verdict="met",
        justification="Der Betrieb ist geklärt worden.",
    )
    assert CriterionVerdict.objects.filter(assessment=current).count() == 1
    assert (
        AuditEntry.objects.filter(action="assessment.verdict", target_id=str(idea.pk)).count() == 2
    )


def test_assessment_form_save_validates_every_row(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    with pytest.raises(ValidationError) as caught:
        services.assessment_save(
            idea=idea,
            actor=reviewer,
            entries=[
                services.VerdictInput(checklist[0], "met", "kurz"),
                services.VerdictInput(checklist[1], "", "Begründung ohne Urteil zum Kriterium."),
                services.VerdictInput(checklist[2], "bogus", "Eine ausreichend lange Begründung."),
            ],
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        f"justification_{checklist[0].slug}",
        f"verdict_{checklist[1].slug}",
        f"verdict_{checklist[2].slug}",
    }
    assert not CriterionVerdict.objects.exists()
    # Emptied rows are removed again.
    assess_all(idea, reviewer)
    assert CriterionVerdict.objects.count() == 3
    services.assessment_save(
        idea=idea, actor=reviewer, entries=[services.VerdictInput(checklist[0], "", "")]
    )
    assert CriterionVerdict.objects.count() == 2


def test_only_reviewers_of_the_municipality_assess(
    municipality: Any, other_municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    outsiders = [
        UserFactory(municipality=municipality),
        staff(municipality, Role.MODERATOR),
        staff(municipality, Role.COMMITTEE_CLERK),
        staff(other_municipality, Role.REVIEWER, Role.ADMIN),
    ]
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            services.verdict_set(
                idea=idea,
                criterion=checklist[0],
                actor=outsider,
                verdict="met",
                justification="Ein Versuch von außen.",
            )
    assert not CriterionVerdict.objects.exists()
    admin = staff(municipality, Role.ADMIN)
    services.verdict_set(
        idea=idea,
        criterion=checklist[0],
        actor=admin,
        verdict="met",
        justification="Die Verwaltungsleitung prüft mit.",
    )


def test_criteria_of_another_municipality_are_refused(
    municipality: Any, other_municipality: Any, reviewer: Any
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    foreign = criteria(other_municipality, 1)[0]
    with pytest.raises(ValidationError):
        services.verdict_set(
            idea=idea,
            criterion=foreign,
            actor=reviewer,
            verdict="met",
            justification="Fremdes Kriterium.",
        )


def test_no_assessing_outside_the_review(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("submitted", municipality=municipality, reviewer=reviewer)
    with pytest.raises(ValidationError):
        services.verdict_set(
            idea=idea,
            criterion=checklist[0],
            actor=reviewer,
            verdict="met",
            justification="Zu früh: noch nicht in Prüfung.",
        )


def test_the_assessment_is_published_with_the_decision(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    assess_all(idea, reviewer)
    assert selectors.published_assessments(municipality, idea) == []
    record = services.review_decide(
        idea=idea,
        actor=reviewer,
        decision="accept",
        reason="Alle Kriterien erfüllt.",
        summary="Empfehlung an den Ausschuss.",
    )
    published = selectors.published_assessments(municipality, idea)
    assert len(published) == 1
    assessment = published[0]
    assert assessment.decision_id == record.pk and assessment.decision_name == "accept"
    assert assessment.decided_at == record.created
    assert assessment.summary == "Empfehlung an den Ausschuss."
    assert [v.criterion_name for v in assessment.verdicts.all()] == [c.name for c in checklist]
    assert Idea.objects.get(pk=idea.pk).state == "candidate"
    assert AuditEntry.objects.filter(action="assessment.publish").count() == 1


def test_a_return_publishes_what_was_assessed(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    services.verdict_set(
        idea=idea,
        criterion=checklist[0],
        actor=reviewer,
        verdict="not_met",
        justification="Passt nicht zu den Zielen der Agenda.",
    )
    services.review_decide(
        idea=idea, actor=reviewer, decision="return", reason="Passt nicht zu den Zielen."
    )
    (assessment,) = selectors.published_assessments(municipality, idea)
    assert assessment.decision_name == "return"
    assert [v.verdict for v in assessment.verdicts.all()] == ["not_met"]


def test_a_refused_accept_publishes_nothing(
    municipality: Any, reviewer: Any, checklist: list[Any]
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    with pytest.raises(ValidationError):
        services.review_decide(idea=idea, actor=reviewer, decision="accept", reason="Passt.")
    assert selectors.published_assessments(municipality, idea) == []
    assert not Transition.objects.filter(idea=idea, name="accept").exists()


def test_accept_through_the_plain_workflow_publishes_after_commit(
    municipality: Any,
    reviewer: Any,
    checklist: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    assess_all(idea, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.accept(idea=idea, actor=reviewer, reason="Über die Ideen-API entschieden.")
    (assessment,) = selectors.published_assessments(municipality, idea)
    assert assessment.decision_name == "accept"


def test_a_second_review_round_keeps_the_first_published(
    municipality: Any, reviewer: Any, clerk: Any, checklist: list[Any]
) -> None:
    idea = idea_in("revision_requested", municipality=municipality, reviewer=reviewer, clerk=clerk)
    workflow.resubmit(idea=idea, actor=reviewer)
    services.verdict_set(
        idea=idea,
        criterion=checklist[0],
        actor=reviewer,
        verdict="partly",
        justification="Nach der Überarbeitung teilweise erfüllt.",
    )
    rounds = list(Assessment.objects.filter(idea=idea).order_by("round"))
    assert [(a.round, a.is_published) for a in rounds] == [(1, True), (2, False)]
    assert len(rounds[0].verdicts.all()) == 3
    assert [c.pk for c in services.missing_criteria(idea)] == [c.pk for c in checklist[1:]]


def test_committee_decision_needs_meeting_date_and_document(
    municipality: Any, reviewer: Any, clerk: Any, checklist: list[Any]
) -> None:
    idea = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.committee_decide(
            idea=idea,
            actor=clerk,
            decision="committee_approve",
            reason="",
            meeting_date=tomorrow,
            document_reference="x",
        )
    assert set(caught.value.message_dict) == {"meeting_date", "document_reference", "reason"}
    with pytest.raises(ValidationError) as caught:
        services.committee_decide(
            idea=idea,
            actor=clerk,
            decision="committee_approve",
            reason="Beschlossen.",
            meeting_date=None,
            document_reference="https://not a url",
        )
    assert set(caught.value.message_dict) == {"meeting_date", "document_reference"}
    assert Idea.objects.get(pk=idea.pk).state == "candidate"
    record = services.committee_decide(
        idea=idea,
        actor=clerk,
        decision="committee_approve",
        reason="Der Ausschuss hat einstimmig zugestimmt.",
        meeting_date=dt.date(2025, 6, 3),
        document_reference="https://ratsinfo.example.org/oparl/v1/paper/4711",
    )
    assert (record.meeting_date, record.document_reference) == (
        dt.date(2025, 6, 3),
        "https://ratsinfo.example.org/oparl/v1/paper/4711",
    )
    assert Idea.objects.get(pk=idea.pk).state == "in_development"
    assert list(selectors.decisions(municipality)) == [record]


def test_only_the_clerk_records_committee_decisions(
    municipality: Any, other_municipality: Any, reviewer: Any, clerk: Any, checklist: list[Any]
) -> None:
    idea = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    for outsider in [
        reviewer,
        staff(municipality, Role.MODERATOR),
        staff(other_municipality, Role.COMMITTEE_CLERK),
    ]:
        with pytest.raises(PermissionDenied):
            services.committee_decide(
                idea=idea,
                actor=outsider,
                decision="committee_reject",
                reason="Abgelehnt.",
                meeting_date=dt.date(2025, 1, 1),
                document_reference="Drucksache 1/2025",
            )
    assert Idea.objects.get(pk=idea.pk).state == "candidate"


def test_overdue_ideas_follow_the_municipality_promise(municipality: Any, reviewer: Any) -> None:
    from mitmachstadt.ideas import services as idea_services

    municipality.answer_days = 10
    municipality.save()
    now = timezone.now()
    old = idea_in("submitted", municipality=municipality, title="Lange wartende Idee")
    fresh = idea_in("submitted", municipality=municipality, title="Gerade eingereichte Idee")
    answered = idea_in("in_review", municipality=municipality, title="Schon beantwortete Idee")
    soon = idea_in("submitted", municipality=municipality, title="Bald fällige Idee")
    Idea.objects.filter(pk=old.pk).update(submitted_at=now - dt.timedelta(days=12))
    Idea.objects.filter(pk=answered.pk).update(submitted_at=now - dt.timedelta(days=30))
    Idea.objects.filter(pk=soon.pk).update(submitted_at=now - dt.timedelta(days=8))
    idea_services.answer_create(
        idea=answered, actor=reviewer, text="Vielen Dank, wir prüfen die Idee."
    )
    overdue = selectors.overdue_ideas(municipality, now=now)
    assert [(o.idea.pk, o.days_overdue) for o in overdue] == [(old.pk, 2)]
    assert [o.idea.pk for o in selectors.due_soon_ideas(municipality, now=now)] == [soon.pk]
    assert fresh.pk not in [o.idea.pk for o in overdue]


def test_queues_show_each_idea_where_it_waits(
    municipality: Any, other_municipality: Any, reviewer: Any, clerk: Any, checklist: list[Any]
) -> None:
    submitted = idea_in("submitted", municipality=municipality, title="Neue Idee zum Prüfen")
    reviewing = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    services.verdict_set(
        idea=reviewing,
        criterion=checklist[0],
        actor=reviewer,
        verdict="met",
        justification="Erfüllt nach erster Sicht.",
    )
    candidate = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    project = idea_in("in_development", municipality=municipality, reviewer=reviewer, clerk=clerk)
    idea_in("in_review", municipality=other_municipality, title="Idee in Betadorf")
    queue = selectors.review_queue(municipality)
    assert [i.idea.pk for i in queue.submitted] == [submitted.pk]
    assert [(i.idea.pk, i.assessed, i.total) for i in queue.in_review] == [(reviewing.pk, 1, 3)]
    committee = selectors.committee_queue(municipality)
    assert [i.pk for i, _since in committee.candidates] == [candidate.pk]
    assert [i.pk for i, _since in committee.awaiting_funding] == [project.pk]
    agenda = selectors.agenda(municipality)
    assert [(a.idea.pk, a.assessment is not None) for a in agenda] == [(candidate.pk, True)]
