"""New ideas and comments are scored; suspicious ones are held for review, never deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Idea
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import ModerationAction, Report, SpamCheck
from mitmachstadt.moderation.selectors import moderation_settings

SPAM = "Jetzt billig kaufen: https://a.example https://b.example https://c.example"


@pytest.mark.django_db
def test_ordinary_comment_is_scored_and_stays_visible(
    idea: Any, participant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = idea_services.comment_create(idea=idea, author=participant, text="Gute Idee!")
    check = SpamCheck.objects.get(comment=comment)
    assert (check.score, check.held, check.author) == (0, False, participant)
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_spam_comment_is_held_and_queued(
    idea: Any, participant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = idea_services.comment_create(idea=idea, author=participant, text=SPAM)
    comment.refresh_from_db()
    assert comment.is_hidden
    assert comment.hidden_reason == "Zur Prüfung durch die Moderation zurückgehalten."
    report = Report.objects.get()
    assert (report.source, report.reason, report.comment) == ("filter", "spam", comment)
    assert "enthält drei oder mehr Links" in report.details
    hold = ModerationAction.objects.get(action="hold")
    assert hold.moderator is None and hold.data["signals"][0] == "links_many"


@pytest.mark.django_db
def test_submitted_idea_with_blocked_term_is_held_and_released_by_dismissal(
    municipality: Any, author: Any, moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    config = moderation_settings(municipality)
    config.blocked_terms = "Wundermittel\nschnelles Geld"
    config.save()
    draft = make_idea(
        municipality=municipality,
        author=author,
        title="Schnelles Geld für alle",
        text="Mit diesem Trick verdienen Sie schnelles   Geld, ganz ohne Arbeit und Risiko.",
        submit=False,
    )
    assert not SpamCheck.objects.exists()  # drafts are private: not scored
    with django_capture_on_commit_callbacks(execute=True):
        idea_services.idea_submit(idea=draft, actor=author)
    draft.refresh_from_db()
    assert draft.is_hidden and not Idea.objects.filter(pk=draft.pk).public().exists()
    report = Report.objects.get(source="filter")
    services.report_dismiss(report=report, actor=moderator, note="Ironie, kein Spam")
    draft.refresh_from_db()
    assert not draft.is_hidden
    assert ModerationAction.objects.filter(action="restore", idea=draft).exists()


@pytest.mark.django_db
def test_staff_posts_are_not_held(
    idea: Any, moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = idea_services.comment_create(idea=idea, author=moderator, text=SPAM)
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not SpamCheck.objects.exists()


@pytest.mark.django_db
def test_copies_and_bursts_are_held(
    idea: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    text = "Bitte unterschreiben Sie alle unsere Petition gegen den Bau hier im Viertel."
    first, second = UserFactory(municipality=municipality), UserFactory(municipality=municipality)
    with django_capture_on_commit_callbacks(execute=True):
        idea_services.comment_create(idea=idea, author=first, text=text)
        idea_services.comment_create(idea=idea, author=second, text=text.upper() + "!!!")
    checks = list(SpamCheck.objects.order_by("id"))
    assert checks[0].signals == []
    assert "duplicate" in checks[1].signals and "shouting" in checks[1].signals
    assert checks[1].held


@pytest.mark.django_db
def test_hold_first_posts_setting(
    idea: Any, municipality: Any, participant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    config = moderation_settings(municipality)
    config.hold_first_posts = True
    config.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = idea_services.comment_create(
            idea=idea, author=participant, text="Mein erster Beitrag"
        )
        second = idea_services.comment_create(idea=idea, author=participant, text="Mein zweiter")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_hidden and not second.is_hidden


@pytest.mark.django_db(transaction=True)
def test_ip_address_of_the_request_is_kept_and_shared_addresses_count(
    municipality: Any, idea: Any
) -> None:
    people = [UserFactory(municipality=municipality) for _ in range(3)]
    for number, person in enumerate(people):
        client = Client(HTTP_HOST="alpha.test", REMOTE_ADDR="192.0.2.44")
        client.force_login(person)
        response = client.post(
            f"/api/v1/ideas/{idea.pk}/comments",
            {"text": f"Beitrag Nummer {number} zur Idee, ganz normal."},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    checks = list(SpamCheck.objects.filter(kind="comment").order_by("id"))
    assert [c.ip_address for c in checks] == ["192.0.2.44"] * 3
    assert "shared_ip" not in checks[1].signals
    assert "shared_ip" in checks[2].signals
    assert Comment.objects.count() == 3


@pytest.mark.django_db
def test_seeded_demo_content_is_not_scored(
    idea: Any, participant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(12):
            idea_services.comment_create(
                idea=idea, author=participant, text=f"Demo {number}", is_demo=True
            )
    assert not SpamCheck.objects.exists()
    assert not Comment.objects.filter(is_hidden=True).exists()
