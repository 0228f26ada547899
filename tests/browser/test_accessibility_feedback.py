"""Reporting a barrier through the accessibility statement (BITV 2.0 § 7), as people do it:
with the keyboard alone and without JavaScript; the municipality's admin reads the message
in the staff area and marks it as answered."""

from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory, enable_totp
from mitmachstadt.accounts.models import Role
from mitmachstadt.pages.models import AccessibilityFeedback
from tests.browser.person import Person
from tests.conftest import SmtpSink

pytestmark = pytest.mark.browser

CONTACT = "barrierefrei@teststadt.example"
MESSAGE = "Die Karte lässt sich mit der Bildschirmlupe kaum bedienen; die Liste darunter hilft."


@pytest.mark.parametrize("mode", ["keyboard", "nojs"])
def test_a_barrier_is_reported_and_answered(
    browser: Any, site: Any, smtp_server: SmtpSink, mode: str
) -> None:
    site.contact_email = CONTACT
    site.save(update_fields=["contact_email"])
    admin = UserFactory(municipality=site, roles=(Role.PARTICIPANT, Role.ADMIN))
    admin_secret = enable_totp(admin)
    checked: set[str] = set()
    visitor = Person(browser, site.live_url, mode, checked=checked)
    staff = Person(browser, site.live_url, mode, checked=checked)
    try:
        # From the page with the barrier, through the footer link, to the statement.
        visitor.open("/map/")
        visitor.press("footer a[href='/accessibility/']")
        visitor.axe("statement")
        assert visitor.page.locator("#id_page").input_value() == "/map/"
        visitor.press(".toc a[href='#feedback']", navigates=False)
        assert visitor.path() == "/accessibility/#feedback"

        # Sent without a description: the error is announced and tied to the field.
        visitor.press("#feedback form button[type=submit]")
        visitor.sees("Bitte korrigieren Sie die markierten Felder.", within="#feedback")
        message = visitor.page.locator("#id_message")
        assert message.get_attribute("aria-invalid") == "true"
        assert "id_message_error" in (message.get_attribute("aria-describedby") or "")
        assert visitor.text_of("#id_message_error") == "Dieses Feld ist zwingend erforderlich."
        assert visitor.page.locator("#id_page").input_value() == "/map/"  # nothing is lost
        assert visitor.page.title().startswith("Fehler:")
        visitor.axe("statement-errors")

        visitor.type("#id_message", MESSAGE)
        visitor.type("#id_name", "Erika Muster")
        visitor.type("#id_email", "erika@example.org")
        visitor.press("#feedback form button[type=submit]")
        visitor.message("Vielen Dank. Ihre Nachricht wurde an Teststadt gesendet.")
        assert visitor.page.locator("#id_message").input_value() == ""
        visitor.axe("statement-sent")

        # The municipality gets it by e-mail at once; answering replies to the sender.
        smtp_server.wait_for(1)
        [mail] = [m for m in smtp_server.messages if m["To"] == CONTACT]
        subject = str(make_header(decode_header(mail["Subject"])))
        assert subject == "[Mitmachstadt] Rückmeldung zur Barrierefreiheit: /map/", subject
        assert mail["Reply-To"] == "erika@example.org"

        # The admin reads it in the staff area and marks it as answered.
        staff.sign_in(admin.email, TEST_PASSWORD, admin_secret)
        staff.press("nav.main-nav a[href='/staff/']")
        staff.press("main a[href='/staff/accessibility-feedback/']")
        staff.axe("staff-feedback")
        assert "Offen (1)" in staff.text_of("main nav.subnav")
        item = staff.page.locator(".feedback-item").first
        assert MESSAGE in item.inner_text()
        assert "Erika Muster" in item.inner_text() and "erika@example.org" in item.inner_text()
        assert item.locator("a[href='/map/']").inner_text() == "/map/"
        feedback = AccessibilityFeedback.objects.get(municipality=site)
        staff.type(f"#note-{feedback.pk}", "Per E-Mail geantwortet; Lupe wird geprüft.")
        staff.press(".feedback-item button[name=status][value=answered]")
        staff.message("Als beantwortet markiert.")
        assert "Offen (0)" in staff.text_of("main nav.subnav")
        assert "Beantwortet (1)" in staff.text_of("main nav.subnav")
        staff.press("main nav.subnav a[href='?show=answered']")
        answered = staff.text_of(".feedback-item")
        assert "Beantwortet" in answered and admin.display_name in answered
        staff.axe("staff-feedback-answered")
    finally:
        visitor.close()
        staff.close()
    feedback.refresh_from_db()
    assert feedback.status == "answered" and feedback.handled_by == admin
    assert feedback.note == "Per E-Mail geantwortet; Lupe wird geprüft."
