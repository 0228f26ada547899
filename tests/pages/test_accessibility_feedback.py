"""The accessibility statement and its feedback mechanism (BITV 2.0 §§ 7, 8), through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.pages import services
from mitmachstadt.pages.models import AccessibilityFeedback
from mitmachstadt.privacy import services as privacy_services
from tests.conftest import SmtpSink, message_text
from tests.pages.test_staff_settings import staff_client

pytestmark = pytest.mark.django_db

FORM = {
    "message": "Der Kartenausschnitt lässt sich mit der Tastatur nicht verschieben.",
    "page": "/map/",
    "name": "Erika Muster",
    "email": "erika@example.org",
}


def _post(client: Client, **changes: str) -> Any:
    return client.post("/accessibility/", {**FORM, **changes})


def test_statement_shows_the_form_and_the_page_a_person_came_from(client_a: Client) -> None:
    page = client_a.get("/accessibility/", HTTP_REFERER="http://alpha.test/ideas/?page=2")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="message"' in html and 'value="/ideas/"' in html
    # A foreign referrer is nobody's business here.
    foreign = client_a.get("/accessibility/", HTTP_REFERER="https://evil.example/x").content
    assert b"evil.example" not in foreign


def test_feedback_is_stored_audited_and_mailed_to_the_contact_address(
    client_a: Client,
    municipality: Any,
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    municipality.contact_email = "barrierefrei@alpha.test"
    municipality.save()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(client_a)
    assert answer.status_code == 302 and answer["Location"].endswith("/accessibility/#feedback")
    feedback = AccessibilityFeedback.objects.get()
    assert (feedback.municipality, feedback.page, feedback.email) == (
        municipality,
        "/map/",
        "erika@example.org",
    )
    assert feedback.status == AccessibilityFeedback.Status.OPEN and feedback.user is None
    entry = AuditEntry.objects.get(action="pages.accessibility_feedback.submit")
    assert entry.municipality == municipality and "erika" not in str(entry.data)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "barrierefrei@alpha.test"
    assert mail["Reply-To"] == "erika@example.org"
    body = message_text(mail)
    assert FORM["message"] in body and "/staff/accessibility-feedback/" in body
    followed = client_a.get(answer["Location"]).content.decode()
    assert "Vielen Dank" in followed


def test_without_a_contact_address_the_admins_get_it(
    municipality: Any,
    other_municipality: Any,
    smtp_server: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    UserFactory(municipality=municipality, roles=(Role.ADMIN,), email="admin@alpha.test")
    UserFactory(municipality=other_municipality, roles=(Role.ADMIN,), email="admin@beta.test")
    UserFactory(municipality=municipality, roles=(Role.MODERATOR,), email="mod@alpha.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.accessibility_feedback_submit(municipality=municipality, message="Kontrast")
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "admin@alpha.test"
    assert mail["Reply-To"] is None


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"message": "   "}, "message", "Dieses Feld ist zwingend erforderlich."),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail-Adresse"),
        ({"message": "x" * 5001}, "message", "5000"),
    ],
)
def test_bad_input_gets_a_translated_error_at_the_field_and_keeps_the_rest(
    client_a: Client, changes: dict[str, str], field: str, error: str
) -> None:
    answer = _post(client_a, **changes)
    html = answer.content.decode()
    assert answer.status_code == 400
    assert error in html
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert 'value="Erika Muster"' in html and 'value="/map/"' in html
    assert AccessibilityFeedback.objects.count() == 0


def test_english_errors(client_a: Client) -> None:
    client_a.cookies["django_language"] = "en"
    html = _post(client_a, message="").content.decode()
    assert "This field is required." in html


def test_rate_limit_answers_429_and_keeps_what_was_typed(client_a: Client, settings: Any) -> None:
    settings.RATE_LIMITS_ENABLED = True
    for _ in range(5):
        assert _post(client_a).status_code == 302
    answer = _post(client_a, message="Der sechste Hinweis")
    assert answer.status_code == 429
    html = answer.content.decode()
    assert "Der sechste Hinweis" in html and "kurzer Zeit" in html
    assert AccessibilityFeedback.objects.count() == 5


def test_the_honeypot_stops_bots(client_a: Client) -> None:
    assert _post(client_a, website="http://spam.example").status_code == 400
    assert AccessibilityFeedback.objects.count() == 0


def test_a_signed_in_person_is_linked_for_export_and_erasure(
    municipality: Any, participant: Any
) -> None:
    client = Client(HTTP_HOST="alpha.test")
    client.post("/accounts/login/", {"login": participant.email, "password": TEST_PASSWORD})
    assert _post(client).status_code == 302
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.user == participant
    exported = privacy_services.collect(participant)["pages"]["accessibility_feedback"]
    assert [row["message"] for row in exported] == [FORM["message"]]
    privacy_services.account_delete(user=participant, keep_content=True)
    assert not AccessibilityFeedback.objects.exists()


def test_retention_deletes_old_feedback(municipality: Any, settings: Any) -> None:
    old = services.accessibility_feedback_submit(municipality=municipality, message="alt")
    new = services.accessibility_feedback_submit(municipality=municipality, message="neu")
    AccessibilityFeedback.objects.filter(pk=old.pk).update(
        created=timezone.now() - dt.timedelta(days=731)
    )
    removed = privacy_services.retention_run()
    assert removed["pages.accessibility_feedback"] == 1
    assert list(AccessibilityFeedback.objects.values_list("pk", flat=True)) == [new.pk]


def test_only_admins_of_the_municipality_read_and_answer_feedback(
    municipality: Any, other_municipality: Any
) -> None:
    mine = services.accessibility_feedback_submit(
        municipality=municipality, message="<script>alert(1)</script> Alt-Texte fehlen"
    )
    theirs = services.accessibility_feedback_submit(
        municipality=other_municipality, message="Beta-Geheimnis"
    )
    for role in (Role.PARTICIPANT, Role.MODERATOR, Role.REVIEWER):
        client, _user = staff_client(municipality, "alpha.test", role)
        assert client.get("/staff/accessibility-feedback/").status_code in (302, 403)
    admin, admin_user = staff_client(municipality, "alpha.test", Role.ADMIN)
    html = admin.get("/staff/accessibility-feedback/").content.decode()
    assert "Alt-Texte fehlen" in html and "Beta-Geheimnis" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # Another municipality's row cannot be reached by its id.
    assert (
        admin.post(
            "/staff/accessibility-feedback/", {"feedback": theirs.pk, "status": "answered"}
        ).status_code
        == 404
    )
    answer = admin.post(
        "/staff/accessibility-feedback/",
        {"feedback": mine.pk, "status": "answered", "note": "Alt-Texte ergänzt"},
    )
    assert answer.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.handled_by, mine.note) == (
        "answered",
        admin_user,
        "Alt-Texte ergänzt",
    )
    assert theirs.status == "open"
    assert AuditEntry.objects.filter(action="pages.accessibility_feedback.answered").count() == 1
    answered = admin.get("/staff/accessibility-feedback/?show=answered").content.decode()
    assert "Alt-Texte fehlen" in answered
    assert "Alt-Texte fehlen" not in admin.get("/staff/accessibility-feedback/").content.decode()
    # The admin of the other municipality sees only their own.
    other_admin, _ = staff_client(other_municipality, "beta.test", Role.ADMIN)
    other_html = other_admin.get("/staff/accessibility-feedback/?show=all").content.decode()
    assert "Beta-Geheimnis" in other_html and "Alt-Texte" not in other_html


def test_bad_status_is_refused(municipality: Any) -> None:
    feedback = services.accessibility_feedback_submit(municipality=municipality, message="x")
    admin, _ = staff_client(municipality, "alpha.test", Role.ADMIN)
    admin.post("/staff/accessibility-feedback/", {"feedback": feedback.pk, "status": "deleted"})
    feedback.refresh_from_db()
    assert feedback.status == "open"
