"""Moderator actions: hide, restore, correct, merge, rename, answer; each logged and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Follow, Idea, IdeaLink, IdeaVersion, Reaction
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import ModerationAction, Reason, Report
from mitmachstadt.tenants.models import ReactionMode

from .helpers import make_moderator


@pytest.mark.django_db
def test_hide_and_restore_an_idea_with_public_reason(
    idea: Any, moderator: Any, participant: Any
) -> None:
    report = services.report_create(
        municipality=idea.municipality, target=idea, reporter=participant, reason=Reason.INSULT
    )
    services.content_hide(
        target=idea,
        actor=moderator,
        public_reason="Beleidigt andere Menschen.",
        reason=Reason.INSULT,
        note="Zweite Meldung",
    )
    idea.refresh_from_db()
    assert idea.is_hidden and idea.hidden_reason == "Beleidigt andere Menschen."
    assert not Idea.objects.filter(pk=idea.pk).public().exists()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED and report.handled_by == moderator
    entry = ModerationAction.objects.get(action="hide")
    assert (entry.idea, entry.moderator, entry.reason) == (idea, moderator, Reason.INSULT)
    assert entry.note == "Zweite Meldung"
    assert AuditEntry.objects.filter(action="moderation.hide", target_id=str(idea.pk)).exists()

    services.content_restore(target=idea, actor=moderator, note="Meldung unbegründet")
    idea.refresh_from_db()
    assert not idea.is_hidden and idea.hidden_reason == ""
    assert ModerationAction.objects.filter(action="restore", idea=idea).count() == 1
    with pytest.raises(ValidationError):
        services.content_restore(target=idea, actor=moderator)


@pytest.mark.django_db
def test_hiding_needs_a_public_reason(comment: Any, moderator: Any) -> None:
    with pytest.raises(ValidationError):
        services.content_hide(target=comment, actor=moderator, public_reason="  ")
    comment.refresh_from_db()
    assert not comment.is_hidden


@pytest.mark.django_db
def test_participants_and_moderators_of_other_towns_may_not_moderate(
    idea: Any, comment: Any, participant: Any, other_municipality: Any, author: Any
) -> None:
    foreign = make_moderator(other_municipality)
    for actor in (participant, foreign):
        with pytest.raises(PermissionDenied):
            services.content_hide(target=idea, actor=actor, public_reason="x")
        with pytest.raises(PermissionDenied):
            services.content_hide(target=comment, actor=actor, public_reason="x")
        with pytest.raises(PermissionDenied):
            services.idea_edit(idea=idea, actor=actor, title="Neuer Titel", text="x" * 30, note="t")
        with pytest.raises(PermissionDenied):
            services.account_block(
                municipality=idea.municipality, user=author, actor=actor, reason="x"
            )
        with pytest.raises(PermissionDenied):
            services.answer_template_save(
                municipality=idea.municipality, actor=actor, title="Danke", text="Danke für alles."
            )
    # A moderator of B cannot reach A's accounts through B either.
    with pytest.raises(PermissionDenied):
        services.account_block(
            municipality=other_municipality, user=author, actor=foreign, reason="x"
        )
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db
def test_correcting_an_idea_keeps_a_version_and_shows_a_note(idea: Any, moderator: Any) -> None:
    services.idea_edit(
        idea=idea,
        actor=moderator,
        title="Mehr Sitzbänke in der Innenstadt",
        text="Auf dem Weg zum Markt fehlen Bänke zum Ausruhen, vor allem für ältere Menschen!",
        note="Tippfehler korrigiert",
    )
    idea.refresh_from_db()
    assert idea.version == 2
    assert "Am " in idea.text_html and "Tippfehler korrigiert" in idea.text_html
    assert 'class="moderation-note"' in idea.text_html
    version = IdeaVersion.objects.get(idea=idea, number=2)
    assert version.author == moderator
    assert "Tippfehler korrigiert" in version.note
    entry = ModerationAction.objects.get(action="edit")
    assert entry.public_reason == "Tippfehler korrigiert"
    assert entry.data["changed"] == ["text"]
    with pytest.raises(ValidationError):
        services.idea_edit(idea=idea, actor=moderator, title="Titel", text="x" * 40, note="")


@pytest.mark.django_db
def test_correcting_a_comment_marks_it_edited(comment: Any, moderator: Any) -> None:
    services.comment_edit(
        comment=comment,
        actor=moderator,
        text="Gute Idee, aber bitte auch am Bahnhof!",
        note="Telefonnummer entfernt",
    )
    comment.refresh_from_db()
    assert comment.edited_at is not None
    assert "Telefonnummer entfernt" in comment.text_html
    assert comment.text == "Gute Idee, aber bitte auch am Bahnhof!"


def _react(idea: Any, user: Any, value: int) -> None:
    idea_services.reaction_set(idea=idea, user=user, value=value)


@pytest.mark.django_db
def test_merge_moves_followers_reactions_and_comments_and_recounts_exactly(
    municipality: Any, moderator: Any
) -> None:
    people = [UserFactory(municipality=municipality) for _ in range(5)]
    source = make_idea(municipality=municipality, author=people[0], title="Mehr Bänke am Markt")
    target = make_idea(municipality=municipality, author=people[1], title="Sitzbänke in der Stadt")
    # people[2] reacts to both (the target's reaction wins), people[3] only to the source.
    _react(source, people[2], -1)
    _react(target, people[2], 1)
    _react(source, people[3], 1)
    _react(source, people[4], -1)
    idea_services.follow_create(idea=source, user=people[2])
    idea_services.follow_create(idea=target, user=people[2])
    first = idea_services.comment_create(idea=source, author=people[3], text="Unbedingt!")
    idea_services.comment_create(idea=source, author=people[4], text="Ja.", parent=first)
    deleted = idea_services.comment_create(idea=source, author=people[4], text="Weg damit")
    idea_services.comment_delete(comment=deleted, actor=people[4])
    idea_services.comment_create(idea=target, author=people[2], text="Gut.")

    services.idea_merge(idea=source, into=target, actor=moderator, reason="Dieselbe Idee.")

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.state == "merged" and source.merged_into == target
    assert IdeaLink.objects.filter(source=source, target=target, kind="duplicate_of").exists()
    # Reactions: target keeps people[2] (+1), gains people[3] (+1) and people[4] (-1).
    assert dict(Reaction.objects.filter(idea=target).values_list("user_id", "value")) == {
        people[2].pk: 1,
        people[3].pk: 1,
        people[4].pk: -1,
    }
    assert (target.up_count, target.down_count) == (2, 1)
    assert not Reaction.objects.filter(idea=source).exists()
    assert (source.up_count, source.down_count, source.comment_count) == (0, 0, 0)
    # Followers: authors and commenters of both, each once.
    followers = set(Follow.objects.filter(idea=target).values_list("user_id", flat=True))
    assert followers == {people[0].pk, people[1].pk, people[2].pk, people[3].pk, people[4].pk}
    assert target.follower_count == 5
    # Comments: 3 moved + 1 own, the thread intact, the deleted one not counted.
    assert Comment.objects.filter(idea=target).count() == 4
    assert target.comment_count == 3
    reply = Comment.objects.get(text="Ja.")
    assert reply.idea == target and reply.parent == first
    entry = ModerationAction.objects.get(action="merge")
    assert entry.data == {"into": target.pk, "reactions": 2, "follows": 3, "comments": 3}


@pytest.mark.django_db
def test_merge_recounts_stars(municipality: Any, moderator: Any) -> None:
    municipality.reaction_mode = ReactionMode.STARS
    municipality.save()
    people = [UserFactory(municipality=municipality) for _ in range(3)]
    source = make_idea(municipality=municipality, author=people[0])
    target = make_idea(municipality=municipality, author=people[0], title="Andere Bänke bitte")
    _react(source, people[1], 5)
    _react(source, people[2], 2)
    _react(target, people[1], 3)
    services.idea_merge(idea=source, into=target, actor=moderator, reason="Doppelt.")
    target.refresh_from_db()
    assert (target.star_count, target.star_sum, target.up_count, target.down_count) == (2, 5, 0, 1)
    assert target.rated_score > 0


@pytest.mark.django_db
def test_merge_refuses_other_municipalities_and_non_moderators(
    idea: Any, other_municipality: Any, author: Any, participant: Any, moderator: Any
) -> None:
    foreign = make_idea(
        municipality=other_municipality, author=UserFactory(municipality=other_municipality)
    )
    with pytest.raises(ValidationError):
        services.idea_merge(idea=idea, into=foreign, actor=moderator, reason="x")
    other = make_idea(municipality=idea.municipality, author=author, title="Noch eine Idee hier")
    with pytest.raises(PermissionDenied):
        services.idea_merge(idea=idea, into=other, actor=participant, reason="x")
    idea.refresh_from_db()
    assert idea.state == "submitted"


@pytest.mark.django_db
def test_reset_display_name(idea: Any, author: Any, moderator: Any, participant: Any) -> None:
    services.report_create(
        municipality=idea.municipality, target=author, reporter=participant, reason=Reason.NAME
    )
    services.profile_reset_name(municipality=idea.municipality, user=author, actor=moderator)
    author.refresh_from_db()
    assert author.display_name == f"Teilnehmende {author.pk}"
    assert Report.objects.get().status == Report.Status.RESOLVED
    assert ModerationAction.objects.get(action="rename").profile == author


@pytest.mark.django_db
def test_answer_templates_and_official_answer(idea: Any, moderator: Any) -> None:
    template = services.answer_template_save(
        municipality=idea.municipality,
        actor=moderator,
        title="Eingang bestätigt",
        text="Danke für „{title}“. {municipality} prüft die Idee.",
    )
    with pytest.raises(ValidationError):
        services.answer_template_save(
            municipality=idea.municipality,
            actor=moderator,
            title="eingang bestätigt",
            text="x" * 20,
        )
    text = services.fill_template(template, idea)
    assert text == f"Danke für „{idea.title}“. Alphastadt prüft die Idee."
    answer = services.answer_publish(idea=idea, actor=moderator, text=text, template=template)
    idea.refresh_from_db()
    assert idea.first_answer_at == answer.created
    entry = ModerationAction.objects.get(action="answer")
    assert entry.data == {"answer": answer.pk, "template": template.pk}
    services.answer_template_delete(template=template, actor=moderator)
    assert not services.AnswerTemplate.objects.exists()


@pytest.mark.django_db
def test_reports_assign_resolve_dismiss(idea: Any, moderator: Any, participant: Any) -> None:
    report = services.report_create(
        municipality=idea.municipality, target=idea, reporter=participant, reason=Reason.SPAM
    )
    with pytest.raises(ValidationError):
        services.report_assign(report=report, actor=moderator, assignee=participant)
    services.report_assign(report=report, actor=moderator, assignee=moderator)
    assert Report.objects.get().assigned_to == moderator
    services.report_dismiss(report=report, actor=moderator, note="Kein Spam")
    report.refresh_from_db()
    assert (report.status, report.note) == (Report.Status.DISMISSED, "Kein Spam")
    with pytest.raises(ValidationError):
        services.report_resolve(report=report, actor=moderator)
    assert list(ModerationAction.objects.values_list("action", flat=True).order_by("id")) == [
        "assign",
        "dismiss",
    ]


@pytest.mark.django_db
def test_authors_and_reporters_get_feedback_by_mail(
    idea: Any,
    comment: Any,
    author: Any,
    participant: Any,
    moderator: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core import mail

    english = UserFactory(municipality=idea.municipality)
    english.language = "en"
    english.save()
    services.report_create(
        municipality=idea.municipality, target=idea, reporter=participant, reason=Reason.INSULT
    )
    services.report_create(
        municipality=idea.municipality, target=idea, reporter=english, reason=Reason.INSULT
    )
    other = services.report_create(
        municipality=idea.municipality, target=comment, reporter=author, reason=Reason.SPAM
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.content_hide(target=idea, actor=moderator, public_reason="Beleidigt andere.")
    by_recipient = {m.to[0]: m for m in mail.outbox}
    to_author = by_recipient[author.email]
    assert "ausgeblendet" in to_author.subject
    assert "Beleidigt andere." in to_author.body and idea.title in to_author.body
    assert "Maßnahme ergriffen" in by_recipient[participant.email].body
    assert "taken action" in by_recipient[english.email].body
    assert moderator.email not in by_recipient
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_dismiss(report=other, actor=moderator)
        services.content_restore(target=idea, actor=moderator)
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("bearbeitet" in s for s in subjects)  # to the reporter: no violation
    assert any("wieder sichtbar" in s for s in subjects)  # to the idea's author
    assert "keinen Verstoß" in next(m.body for m in mail.outbox if "bearbeitet" in m.subject)


@pytest.mark.django_db
def test_every_moderator_action_is_refused_to_participants_and_foreign_moderators(
    idea: Any,
    comment: Any,
    author: Any,
    participant: Any,
    moderator: Any,
    other_municipality: Any,
) -> None:
    town = idea.municipality
    report = services.report_create(
        municipality=town, target=idea, reporter=participant, reason=Reason.SPAM
    )
    block = services.account_block(municipality=town, user=author, actor=moderator, reason="x")
    services.content_hide(target=comment, actor=moderator, public_reason="Weg.")
    template = services.answer_template_save(
        municipality=town, actor=moderator, title="Danke", text="Danke für Ihre Idee."
    )
    other_idea = make_idea(municipality=town, author=participant, title="Eine zweite Idee")
    before = ModerationAction.objects.count()
    actions = [
        lambda actor: services.report_assign(report=report, actor=actor, assignee=None),
        lambda actor: services.report_resolve(report=report, actor=actor),
        lambda actor: services.report_dismiss(report=report, actor=actor),
        lambda actor: services.reports_bulk(
            municipality=town, actor=actor, report_ids=[report.pk], action="dismiss"
        ),
        lambda actor: services.content_restore(target=comment, actor=actor),
        lambda actor: services.comment_edit(comment=comment, actor=actor, text="x", note="y"),
        lambda actor: services.idea_merge(idea=idea, into=other_idea, actor=actor, reason="x"),
        lambda actor: services.profile_reset_name(municipality=town, user=author, actor=actor),
        lambda actor: services.account_unblock(block=block, actor=actor),
        lambda actor: services.answer_publish(idea=idea, actor=actor, text="Eine Antwort hier."),
        lambda actor: services.answer_template_delete(template=template, actor=actor),
        lambda actor: services.settings_update(
            municipality=town,
            actor=actor,
            spam_threshold=0.5,
            blocked_terms="",
            hold_first_posts=False,
        ),
    ]
    foreign = make_moderator(other_municipality)
    for action in actions:
        for actor in (participant, foreign):
            with pytest.raises(PermissionDenied):
                action(actor)
    assert ModerationAction.objects.count() == before
    report.refresh_from_db()
    comment.refresh_from_db()
    assert report.status == Report.Status.OPEN and comment.is_hidden
