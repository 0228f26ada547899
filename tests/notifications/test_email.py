"""E-mail over a real SMTP server: plain text + HTML, the recipient's language, a stable
Message-ID, List-Unsubscribe with RFC 8058 one-click; bounces and SMTP errors stop nothing."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.models import Follow
from mitmachstadt.notifications import outbox
from mitmachstadt.notifications.models import Delivery, NotificationSettings
from tests.conftest import _free_port, message_text

pytestmark = pytest.mark.django_db


def header(message: Message, name: str) -> str:
    """A header decoded and unfolded (the shared fixture parses with the compat32 policy)."""
    return " ".join(str(make_header(decode_header(str(message[name])))).split())


def html_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no HTML part")


def test_transition_mail_in_the_recipients_language(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    smtp_server: Any,
) -> None:
    idea = make_idea(participant)
    english = UserFactory(municipality=municipality)
    english.language = "en"
    english.save()
    idea_services.follow_create(idea=idea, user=english)
    start_review(idea, reason="Wir prüfen die Idee jetzt.")
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    by_to = {str(m["To"]): m for m in messages}
    german, english_mail = by_to[participant.email], by_to[english.email]

    assert header(german, "Subject").startswith("[Alphastadt] „Bike lanes on the ring road“ ist")
    assert "Hallo " in message_text(german) and "Weiterlesen:" in message_text(german)
    assert header(english_mail, "Subject") == (
        "[Alphastadt] “Bike lanes on the ring road” is now: In review"
    )
    assert "Read more:" in message_text(english_mail)
    assert "Wir prüfen die Idee jetzt." in message_text(german)
    for message in messages:
        assert message.get_content_type() == "multipart/alternative"
        assert f"http://alpha.test/ideas/{idea.pk}/" in message_text(message)
        assert f'href="http://alpha.test/ideas/{idea.pk}/"' in html_part(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert header(message, "List-Unsubscribe").startswith(
            "<http://alpha.test/notifications/unsubscribe/"
        )
        assert message["Auto-Submitted"] == "auto-generated"
        assert header(message, "From").startswith("Alphastadt <")
    ids = {header(m, "Message-ID") for m in messages}
    stored = {f"<{d.message_key}@localhost>" for d in Delivery.objects.all()}
    assert ids == stored


def test_one_click_unsubscribe_from_a_delivered_mail(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    smtp_server: Any,
    client_a: Any,
    client_b: Any,
) -> None:
    idea = make_idea(participant)
    start_review(idea)
    message = smtp_server.wait_for(1)[0]
    url = header(message, "List-Unsubscribe").strip("<>")
    path = url.removeprefix("http://alpha.test")
    # Another municipality's host does not accept the token.
    assert client_b.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 404
    # A link checker's GET changes nothing.
    page = client_a.get(path)
    assert page.status_code == 200
    assert Follow.objects.filter(idea=idea, user=participant).exists()
    # The mail client's one-click POST (no cookies, no CSRF token) does.
    response = client_a.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Follow.objects.filter(idea=idea, user=participant).exists()
    # A changed token is refused.
    assert client_a.post(path[:-3] + "xx/").status_code == 404


class RefusingSmtp:
    """A real SMTP server that refuses some recipients for good (550), some for now (451)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = _free_port()
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("gone"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@pytest.fixture
def refusing_smtp(settings: Any) -> Iterator[RefusingSmtp]:
    server = RefusingSmtp()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        server.controller.stop()


def test_bounces_and_smtp_errors_are_recorded_and_retried(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    refusing_smtp: RefusingSmtp,
) -> None:
    idea = make_idea(participant)
    gone = UserFactory(municipality=municipality, email="gone@example.org")
    busy = UserFactory(municipality=municipality, email="busy@example.org")
    for user in (gone, busy):
        idea_services.follow_create(idea=idea, user=user)
    start_review(idea)  # runs the delivery task at once (immediate backend in tests)

    by_user = {d.user_id: d for d in Delivery.objects.all()}
    assert by_user[participant.pk].status == Delivery.Status.SENT
    assert by_user[gone.pk].status == Delivery.Status.FAILED
    assert "550" in by_user[gone.pk].last_error
    assert by_user[busy.pk].status == Delivery.Status.PENDING
    assert "451" in by_user[busy.pk].last_error
    assert by_user[busy.pk].next_attempt_at > timezone.now() + dt.timedelta(seconds=30)
    assert [str(m["To"]) for m in refusing_smtp.messages] == [participant.email]
    assert NotificationSettings.objects.get(user=gone).bounce_count == 1

    # The retry comes after the back-off; after the last attempt the delivery is given up.
    for _attempt in range(outbox.MAX_ATTEMPTS):
        Delivery.objects.filter(user=busy).update(next_attempt_at=timezone.now())
        outbox.process()
    busy_delivery = Delivery.objects.get(user=busy)
    assert busy_delivery.status == Delivery.Status.FAILED
    assert busy_delivery.attempts == outbox.MAX_ATTEMPTS


def test_unreachable_server_is_a_temporary_failure(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    idea = make_idea(participant)
    start_review(idea)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "connect" in delivery.last_error


def test_repeated_bounces_pause_email(municipality: Any) -> None:
    from mitmachstadt.notifications.services import BOUNCES_BEFORE_PAUSE, record_bounce

    user = UserFactory(municipality=municipality)
    for _n in range(BOUNCES_BEFORE_PAUSE):
        record_bounce(user_id=user.pk, municipality_id=municipality.pk)
    assert NotificationSettings.objects.get(user=user).email_paused
