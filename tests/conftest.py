"""Shared fixtures: municipalities, accounts, a real SMTP server, clients per host."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.tenants.factories import MunicipalityFactory


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test starts with empty caches (rate limits, host lookup, search vocabulary, pages)."""
    from django.core.cache import caches

    from mitmachstadt.ideas import search

    for cache in caches.all():
        cache.clear()
    search.forget_vocabulary()
    yield
    for cache in caches.all():
        cache.clear()
    search.forget_vocabulary()


@pytest.fixture
def municipality(db: Any) -> Any:
    return MunicipalityFactory(slug="alpha", name="Alphastadt", hosts=["alpha.test"])


@pytest.fixture
def other_municipality(db: Any) -> Any:
    return MunicipalityFactory(slug="beta", name="Betadorf", hosts=["beta.test"])


@pytest.fixture
def client_a(municipality: Any) -> Client:
    return Client(HTTP_HOST="alpha.test")


@pytest.fixture
def client_b(other_municipality: Any) -> Client:
    return Client(HTTP_HOST="beta.test")


@pytest.fixture
def participant(municipality: Any) -> Any:
    return UserFactory(municipality=municipality)


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Message]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback; Django sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=_free_port())
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with lock:
                sink.messages.append(message_from_bytes(envelope.original_content))
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


def message_text(message: Message) -> str:
    """The plain-text body of an e-mail."""
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                return payload.decode(part.get_content_charset() or "utf-8")  # type: ignore[union-attr]
    payload = message.get_payload(decode=True)
    return payload.decode(message.get_content_charset() or "utf-8")  # type: ignore[union-attr]
