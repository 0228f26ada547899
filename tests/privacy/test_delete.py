"""Account deletion: personal data erased everywhere, public content kept or removed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory
from mitmachstadt.accounts.models import User
from mitmachstadt.api.models import ApiToken
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.events.factories import make_event
from mitmachstadt.events.services import registration_create
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Idea, Reaction
from mitmachstadt.moderation import services as moderation
from mitmachstadt.moderation.models import ModerationAction, Report, SpamCheck
from mitmachstadt.privacy import services
from mitmachstadt.privacy.models import DataExport
from tests.moderation.helpers import make_moderator

from .dbscan import tables_containing

EMAIL = "zaunkoenig.qx@example.org"
NAME = "Zaunkoenig Qx"
IP = "203.0.113.77"


def _scenario(municipality: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """A person who did a bit of everything, signed in from one IP address."""
    person = UserFactory(municipality=municipality, email=EMAIL, display_name=NAME)
    other = UserFactory(municipality=municipality, display_name="Nachbarin")
    moderator = make_moderator(municipality)
    own = make_idea(municipality=municipality, author=person, title="Trinkbrunnen im Park")
    project = make_idea(municipality=municipality, author=person, title="Digitale Bürgerbank")
    Idea.objects.filter(pk=project.pk).update(state="in_development")
    make_idea(municipality=municipality, author=person, title="Mein privater Entwurf", submit=False)
    shared = make_idea(municipality=municipality, author=other, title="Gemeinsam mehr Grün")
    idea_services.idea_add_coauthor(idea=shared, actor=other, user=person)
    idea_services.reaction_set(idea=shared, user=person, value=1)
    idea_services.reaction_set(idea=shared, user=other, value=1)
    comment = idea_services.comment_create(idea=shared, author=person, text="Mein Kommentar dazu")
    idea_services.comment_create(idea=shared, author=other, text="Eine Antwort", parent=comment)
    registration_create(event=make_event(municipality), user=person)
    services.consent_set(user=person, municipality=municipality, purpose="contact", granted=True)
    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=person,
        municipality=municipality,
        name="Skript",
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
    )

    visitor = Client(HTTP_HOST="alpha.test", REMOTE_ADDR=IP)
    visitor.post(f"/report/idea/{shared.pk}/", {"reason": "off_topic"})  # before signing in
    client = Client(HTTP_HOST="alpha.test", REMOTE_ADDR=IP)
    assert (
        client.post("/accounts/login/", {"login": EMAIL, "password": TEST_PASSWORD}).status_code
        == 302
    )
    client.post(f"/report/comment/{comment.pk}/", {"reason": "spam"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/privacy/export/")
    moderation.spam_check(target=comment, author=person, ip_address=IP)
    moderation.profile_reset_name(
        municipality=municipality, user=person, actor=moderator, note=f"{NAME} war beleidigend"
    )
    User.objects.filter(pk=person.pk).update(display_name=NAME)  # chose the name again
    moderation.account_block(
        municipality=municipality,
        user=person,
        actor=moderator,
        reason="Beleidigungen",
        note=f"Mail an {EMAIL} geschickt",
        ends_at=timezone.now() + dt.timedelta(days=3),
    )
    assert Report.objects.filter(reporter_ip=IP).count() == 2
    assert SpamCheck.objects.filter(ip_address=IP).exists()
    assert DataExport.objects.get(user=person).file
    for needle in (EMAIL, NAME, IP):
        assert tables_containing(needle), needle
    return {
        "person": person,
        "client": client,
        "own": own,
        "project": project,
        "shared": shared,
        "comment": comment,
    }


def _delete(client: Client, content: str) -> Any:
    return client.post(
        "/accounts/privacy/delete/",
        {"content": content, "password": TEST_PASSWORD, "confirm": "on"},
    )


def _assert_gone(person_pk: int) -> None:
    for needle in (EMAIL, NAME, IP):
        assert tables_containing(needle) == [], needle
    assert not User.objects.filter(pk=person_pk).exists()
    assert AuditEntry.objects.filter(action="account.delete", data__account=person_pk).exists()


@pytest.mark.django_db
def test_delete_keeping_content_as_deleted_account(
    municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = _scenario(municipality, django_capture_on_commit_callbacks)
    person = world["person"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(world["client"], "keep")
    assert response["Location"] == "/accounts/privacy/deleted/"
    _assert_gone(person.pk)
    own = Idea.objects.get(pk=world["own"].pk)
    assert own.is_public and own.created_by is None and not own.author_links.exists()
    comment = Comment.objects.get(pk=world["comment"].pk)
    assert comment.text == "Mein Kommentar dazu" and comment.author is None
    shared = Idea.objects.get(pk=world["shared"].pk)
    # The reaction is gone and the counters say so.
    assert shared.up_count == Reaction.objects.filter(idea=shared).count() == 1
    assert not Idea.objects.filter(title="Mein privater Entwurf").exists()
    # The session is gone: the client is signed out.
    assert world["client"].get("/accounts/privacy/").status_code == 302
    assert not ModerationAction.objects.filter(note__contains=NAME).exists()


@pytest.mark.django_db
def test_delete_removing_content(
    municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = _scenario(municipality, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _delete(world["client"], "remove")
    _assert_gone(world["person"].pk)
    assert not Idea.objects.filter(pk=world["own"].pk).exists()
    # A project stays, without the name; a co-authored idea stays with its other author.
    assert Idea.objects.get(pk=world["project"].pk).created_by is None
    assert Idea.objects.get(pk=world["shared"].pk).author_links.count() == 1
    comment = Comment.objects.get(pk=world["comment"].pk)
    assert comment.text == "" and comment.deleted_at is not None
    assert Comment.objects.get(text="Eine Antwort").parent_id == comment.pk
    shared = Idea.objects.get(pk=world["shared"].pk)
    assert shared.comment_count == 1


@pytest.mark.django_db
def test_wrong_password_or_missing_confirmation_deletes_nothing(participant: Any) -> None:
    client = Client(HTTP_HOST="alpha.test")
    client.force_login(participant)
    page = client.get("/accounts/privacy/delete/")
    assert page.status_code == 200
    wrong = client.post(
        "/accounts/privacy/delete/", {"content": "keep", "password": "falsch", "confirm": "on"}
    )
    assert wrong.status_code == 200 and "Das Passwort ist nicht richtig." in wrong.content.decode()
    unconfirmed = client.post(
        "/accounts/privacy/delete/", {"content": "keep", "password": TEST_PASSWORD}
    )
    assert unconfirmed.status_code == 200
    assert User.objects.filter(pk=participant.pk).exists()
