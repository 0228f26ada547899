"""Data export: a ZIP with everything about the account, built in the background."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.events.factories import make_event
from mitmachstadt.events.services import registration_create
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Follow, IdeaAuthor, Reaction
from mitmachstadt.moderation import services as moderation
from mitmachstadt.privacy import services
from mitmachstadt.privacy.models import ConsentRecord, DataExport
from tests.moderation.helpers import login


def _person_with_everything(municipality: Any) -> Any:
    person = UserFactory(municipality=municipality, display_name="Exportierende")
    other = UserFactory(municipality=municipality)
    own = make_idea(municipality=municipality, author=person, title="Radweg an der Dalke")
    make_idea(municipality=municipality, author=person, title="Noch ein Entwurf hier", submit=False)
    shared = make_idea(municipality=municipality, author=other, title="Gemeinsame Idee am Markt")
    idea_services.idea_add_coauthor(idea=shared, actor=other, user=person)
    foreign = make_idea(municipality=municipality, author=other, title="Idee von jemand anderem")
    idea_services.comment_create(idea=foreign, author=person, text="Erster Kommentar")
    reply_to = idea_services.comment_create(idea=foreign, author=other, text="Antwort darauf?")
    idea_services.comment_create(idea=foreign, author=person, text="Ja!", parent=reply_to)
    idea_services.reaction_set(idea=foreign, user=person, value=1)
    idea_services.reaction_set(idea=shared, user=person, value=-1)
    idea_services.follow_create(idea=own, user=person)
    registration_create(event=make_event(municipality), user=person, note="Rollstuhl")
    services.consent_set(user=person, municipality=municipality, purpose="contact", granted=True)
    services.consent_set(user=person, municipality=municipality, purpose="contact", granted=False)
    moderation.report_create(
        municipality=municipality, target=shared, reporter=person, reason="off_topic"
    )
    return person


def _read_zip(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: (
                json.loads(archive.read(name))
                if name.endswith(".json")
                else archive.read(name).decode()
            )
            for name in archive.namelist()
        }


@pytest.mark.django_db
def test_export_contains_every_record_of_the_person(
    municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = _person_with_everything(municipality)
    client = login("alpha.test", person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/privacy/export/")
    assert response.status_code == 302
    export = DataExport.objects.get(user=person)
    assert export.status == DataExport.Status.READY and export.size > 0
    [message] = [m for m in mail.outbox if "Datenexport" in m.subject]
    assert message.to == [person.email] and "/accounts/privacy/export/" in message.body

    page = client.get("/accounts/privacy/export/").content.decode()
    assert f"/accounts/privacy/export/{export.pk}/" in page
    download = client.get(f"/accounts/privacy/export/{export.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    files = _read_zip(b"".join(download.streaming_content))
    manifest = files["manifest.json"]
    assert manifest["account"] == person.pk and "ideas.json" in manifest["files"]
    assert "README.txt" in files and "Exportierende" in files["README.txt"]

    account = files["accounts.json"]["account"][0]
    assert (account["email"], account["display_name"]) == (person.email, "Exportierende")
    ideas = files["ideas.json"]
    assert {i["id"] for i in ideas["ideas"]} == set(
        IdeaAuthor.objects.filter(user=person).values_list("idea_id", flat=True)
    )
    assert len(ideas["ideas"]) == 3
    assert {c["id"] for c in ideas["comments"]} == set(
        Comment.objects.filter(author=person).values_list("pk", flat=True)
    )
    assert {(r["idea"], r["value"]) for r in ideas["reactions"]} == set(
        Reaction.objects.filter(user=person).values_list("idea_id", "value")
    )
    assert {f["idea"] for f in ideas["follows"]} == set(
        Follow.objects.filter(user=person).values_list("idea_id", flat=True)
    )
    [registration] = files["events.json"]["event_registrations"]
    assert registration["note"] == "Rollstuhl"
    consents = files["privacy.json"]["consents"]
    assert [c["granted"] for c in consents] == list(
        ConsentRecord.objects.filter(user=person)
        .order_by("created", "id")
        .values_list("granted", flat=True)
    )
    assert [r["reason"] for r in files["moderation.json"]["reports_made"]] == ["off_topic"]
    assert files["audit.json"]["audit_entries"]
    assert "notifications.json" in files


@pytest.mark.django_db
def test_only_the_owner_can_download_and_requests_are_spaced(
    municipality: Any, participant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login("alpha.test", participant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/privacy/export/")
    export = DataExport.objects.get()
    other = login("alpha.test", UserFactory(municipality=municipality))
    assert other.get(f"/accounts/privacy/export/{export.pk}/").status_code == 404
    assert (
        Client(HTTP_HOST="alpha.test").get(f"/accounts/privacy/export/{export.pk}/").status_code
        == 302
    )
    again = client.post("/accounts/privacy/export/", follow=True)
    assert "vor wenigen Minuten" in again.content.decode()
    assert DataExport.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_build_is_marked_and_a_vanished_request_is_ignored(
    municipality: Any, participant: Any, settings: Any, tmp_path: Any
) -> None:
    from mitmachstadt.privacy.tasks import build_export

    export = services.export_request(user=participant, municipality=municipality)
    # The storage directory cannot be created: a file is in the way.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.PRIVATE_ROOT = blocker
    with pytest.raises(OSError):
        services.export_build(export_id=str(export.pk))
    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    assert build_export.call("00000000-0000-0000-0000-000000000000") == "gone"
