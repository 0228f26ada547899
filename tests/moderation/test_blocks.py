"""Blocked accounts may read but not post, comment, react or report, until the block ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import Block, ModerationAction, Reason, Report
from mitmachstadt.moderation.selectors import active_block

from .helpers import login, make_moderator


def _block(municipality: Any, user: Any, moderator: Any, **kwargs: Any) -> Block:
    return services.account_block(
        municipality=municipality,
        user=user,
        actor=moderator,
        reason="Wiederholte Beleidigungen",
        **kwargs,
    )


@pytest.mark.django_db
def test_block_is_logged_mailed_and_ends_at_its_date(
    municipality: Any, participant: Any, moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ends = timezone.now() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        block = _block(municipality, participant, moderator, ends_at=ends, note="intern")
    assert active_block(municipality, participant) == block
    entry = ModerationAction.objects.get(action="block")
    assert (entry.profile, entry.public_reason, entry.note) == (
        participant,
        "Wiederholte Beleidigungen",
        "intern",
    )
    [message] = mail.outbox
    assert message.to == [participant.email]
    assert "Wiederholte Beleidigungen" in message.body and "gesperrt" in message.subject
    # After the end date the block no longer applies, without anybody doing anything.
    assert active_block(municipality, participant) == block
    assert not block.is_active(now=ends + dt.timedelta(seconds=1))
    assert Block.objects.filter(pk=block.pk).active(now=ends + dt.timedelta(seconds=1)).count() == 0


@pytest.mark.django_db
def test_unblock_lifts_early(
    municipality: Any, participant: Any, moderator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    block = _block(municipality, participant, moderator)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_unblock(block=block, actor=moderator, note="Einsicht gezeigt")
    assert active_block(municipality, participant) is None
    assert "nicht mehr gesperrt" in mail.outbox[-1].subject
    with pytest.raises(ValidationError):
        services.account_unblock(block=block, actor=moderator)


@pytest.mark.django_db
def test_block_rules(municipality: Any, participant: Any, moderator: Any) -> None:
    with pytest.raises(ValidationError):
        _block(municipality, participant, moderator, ends_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError):
        _block(municipality, moderator, moderator)
    other_moderator = make_moderator(municipality)
    with pytest.raises(ValidationError):
        _block(municipality, other_moderator, moderator)
    _block(municipality, participant, moderator)
    with pytest.raises(ValidationError):
        _block(municipality, participant, moderator)


@pytest.mark.django_db
def test_blocked_account_cannot_write_through_the_services(
    municipality: Any, idea: Any, participant: Any, moderator: Any, author: Any
) -> None:
    comment = idea_services.comment_create(idea=idea, author=participant, text="Vorher geschrieben")
    draft = make_idea(municipality=municipality, author=participant, submit=False)
    _block(municipality, participant, moderator)
    with pytest.raises(PermissionDenied, match="gesperrt"):
        idea_services.comment_create(idea=idea, author=participant, text="Hallo")
    with pytest.raises(PermissionDenied):
        idea_services.comment_edit(comment=comment, actor=participant, text="Geändert")
    with pytest.raises(PermissionDenied):
        idea_services.reaction_set(idea=idea, user=participant, value=1)
    with pytest.raises(PermissionDenied):
        make_idea(municipality=municipality, author=participant)
    with pytest.raises(PermissionDenied):
        services.report_create(
            municipality=municipality, target=idea, reporter=participant, reason=Reason.SPAM
        )
    # Even a co-author cannot make the blocked person's draft public.
    with pytest.raises(ValidationError, match="gesperrt"):
        workflow.submit(idea=draft, actor=participant)
    # Others are not affected.
    idea_services.comment_create(idea=idea, author=author, text="Ich darf")


@pytest.mark.django_db
def test_a_block_in_one_town_does_not_apply_in_another(
    municipality: Any, other_municipality: Any, participant: Any, moderator: Any
) -> None:
    from mitmachstadt.accounts.models import Membership, Role

    Membership.objects.create(
        user=participant, municipality=other_municipality, role=Role.PARTICIPANT
    )
    _block(municipality, participant, moderator)
    other_idea = make_idea(municipality=other_municipality, author=participant)
    idea_services.comment_create(idea=other_idea, author=participant, text="In Betadorf geht es")
    assert active_block(other_municipality, participant) is None


@pytest.mark.django_db
def test_middleware_refuses_unsafe_requests_with_a_translated_403(
    municipality: Any, idea: Any, participant: Any, moderator: Any
) -> None:
    _block(municipality, participant, moderator, ends_at=timezone.now() + dt.timedelta(days=2))
    client = login("alpha.test", participant)
    # Reading works.
    assert client.get(f"/report/idea/{idea.pk}/").status_code == 200
    response = client.post(f"/report/idea/{idea.pk}/", {"reason": "spam"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ihr Konto ist gesperrt" in page and "Wiederholte Beleidigungen" in page
    assert not Report.objects.exists()
    english = login("alpha.test", participant)
    english.cookies["django_language"] = "en"
    assert "Your account is blocked" in english.post("/ideas/new/", {}).content.decode()
    api = client.post(
        f"/api/v1/ideas/{idea.pk}/comments", {"text": "x"}, content_type="application/json"
    )
    assert api.status_code == 403
    assert "gesperrt" in api.json()["detail"]
    # Account management stays open: language, sign-out, privacy.
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    assert client.get("/accounts/privacy/").status_code == 200


@pytest.mark.django_db
def test_api_token_writes_of_blocked_accounts_are_refused(
    municipality: Any, idea: Any, participant: Any, moderator: Any
) -> None:
    from mitmachstadt.api.models import ApiToken

    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=participant,
        municipality=municipality,
        name="Skript",
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
    )
    _block(municipality, participant, moderator)
    client = Client(HTTP_HOST="alpha.test", HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.post(
        f"/api/v1/ideas/{idea.pk}/comments",
        {"text": "Über die API"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not idea.comments.exists()


@pytest.mark.django_db
def test_block_and_unblock_through_the_staff_page(
    municipality: Any, participant: Any, mod_client: Client, client_b: Client
) -> None:
    page = mod_client.get(f"/staff/moderation/accounts/{participant.pk}/")
    assert page.status_code == 200
    until = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = mod_client.post(
        f"/staff/moderation/accounts/{participant.pk}/",
        {"action": "block", "block-until": until, "block-reason": "Spam", "block-note": ""},
    )
    assert response.status_code == 302
    block = Block.objects.get()
    assert timezone.localtime(block.ends_at).date().isoformat() > until  # inclusive: next midnight
    assert "gesperrt" in mod_client.get("/staff/moderation/blocks/").content.decode()
    mod_client.post(
        f"/staff/moderation/accounts/{participant.pk}/", {"action": "unblock", "unblock-note": ""}
    )
    block.refresh_from_db()
    assert block.lifted_at is not None
    # Empty reason: the form shows the error at the field.
    bad = mod_client.post(
        f"/staff/moderation/accounts/{participant.pk}/", {"action": "block", "block-reason": ""}
    )
    assert bad.status_code == 200 and "field-errors" in bad.content.decode()
