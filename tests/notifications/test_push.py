"""Web push against a local push service that checks VAPID and decrypts the message with the
subscription's keys, like a browser's push service and the browser together would."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from mitmachstadt.notifications import push
from mitmachstadt.notifications.models import Delivery, PushSubscription, VapidKey

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """What a browser keeps for one push subscription: its ECDH key and auth secret."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    vapid_claims: dict[str, Any]


class PushService:
    """Answers per path: 201 (deliver), or a status set for that path (410 gone, 503 busy)."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.status: dict[str, int] = {}
        self.received: list[Received] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = service.status.get(self.path, 201)
                if status == 201:
                    service.receive(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> None:
        browser = self.browsers[path]
        scheme, _sep, params = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        assert Vapid02.verify(headers["authorization"]), "VAPID signature"
        parts = dict(p.split("=", 1) for p in params.split(","))
        claims = json.loads(unb64(parts["t"].split(".")[1]))
        claims["k"] = parts["k"]
        plain = http_ece.decrypt(
            body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
        )
        self.received.append(Received(path, headers, json.loads(plain), claims))

    def endpoint(self, name: str) -> tuple[str, Browser]:
        path = f"/push/{name}"
        self.browsers[path] = Browser()
        return self.base + path, self.browsers[path]


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()


def register(client: Any, endpoint: str, browser: Browser) -> Any:
    return client.post(
        "/notifications/push/subscribe/",
        data=json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64(browser.auth)}}
        ),
        content_type="application/json",
        HTTP_USER_AGENT="Firefox on a test phone",
    )


def test_push_is_encrypted_for_the_device_and_signed_with_vapid(
    municipality: Any,
    participant: Any,
    client_a: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    push_service: PushService,
    mailbox: list[Any],
) -> None:
    client_a.force_login(participant)
    endpoint, browser = push_service.endpoint("phone")
    assert register(client_a, endpoint, browser).status_code == 201
    idea = make_idea(participant)
    start_review(idea)

    assert len(push_service.received) == 1
    got = push_service.received[0]
    delivery = Delivery.objects.get(channel=Delivery.Channel.PUSH)
    assert delivery.status == Delivery.Status.SENT
    assert got.payload["url"] == f"http://alpha.test/ideas/{idea.pk}/"
    assert "Bike lanes on the ring road" in got.payload["title"]
    assert got.payload["tag"] == delivery.message_key
    assert got.headers["content-encoding"] == "aes128gcm"
    assert got.headers["topic"] == delivery.message_key
    assert int(got.headers["ttl"]) == push.TTL_SECONDS
    assert got.vapid_claims["aud"] == push_service.base
    assert got.vapid_claims["sub"].startswith("mailto:")
    # The key the browser was given to subscribe with is the one that signed.
    assert got.vapid_claims["k"] == push.public_key() == VapidKey.objects.get().public_key
    # E-mail went out too (channels are independent).
    assert len(mailbox) == 1


def test_gone_endpoints_are_forgotten_and_busy_ones_retried(
    municipality: Any,
    participant: Any,
    client_a: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    push_service: PushService,
    mailbox: list[Any],
) -> None:
    client_a.force_login(participant)
    gone, gone_browser = push_service.endpoint("old-laptop")
    busy, busy_browser = push_service.endpoint("tablet")
    register(client_a, gone, gone_browser)
    register(client_a, busy, busy_browser)
    push_service.status["/push/old-laptop"] = 410
    push_service.status["/push/tablet"] = 503
    start_review(make_idea(participant))

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [busy]
    retry = Delivery.objects.get(channel=Delivery.Channel.PUSH)
    assert retry.status == Delivery.Status.PENDING and "503" in retry.last_error

    push_service.status.pop("/push/tablet")
    Delivery.objects.filter(pk=retry.pk).update(next_attempt_at=None)
    from mitmachstadt.notifications import outbox

    assert outbox.process().sent == 1
    assert [r.path for r in push_service.received] == ["/push/tablet"]


def test_vapid_key_from_the_environment(monkeypatch: Any) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    private = b64(key.private_numbers().private_value.to_bytes(32, "big"))
    monkeypatch.setenv("VAPID_PRIVATE_KEY", private)
    public = b64(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    assert push.vapid_keys() == (private, public)
    assert not VapidKey.objects.exists()


def test_push_endpoints_need_an_account_and_stay_in_their_municipality(
    municipality: Any,
    other_municipality: Any,
    participant: Any,
    client_a: Any,
    client_b: Any,
    push_service: PushService,
) -> None:
    endpoint, browser = push_service.endpoint("phone")
    assert register(client_a, endpoint, browser).status_code == 401
    client_a.force_login(participant)
    assert register(client_a, "javascript:alert(1)", browser).status_code == 400
    assert register(client_a, endpoint, browser).status_code == 201
    device = PushSubscription.objects.get()
    assert device.municipality == municipality and device.user_agent == "Firefox on a test phone"
    # The settings page of B does not show A's device; removing it from B's host fails.
    client_b.force_login(participant)
    assert (
        "Firefox on a test phone" not in client_b.get("/accounts/notifications/").content.decode()
    )
    assert client_b.post(f"/accounts/notifications/devices/{device.pk}/delete/").status_code == 404
    response = client_a.post(
        "/notifications/push/unsubscribe/",
        data=json.dumps({"endpoint": endpoint}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not PushSubscription.objects.exists()


def test_service_worker_is_served_from_the_root(client_a: Any) -> None:
    response = client_a.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert 'addEventListener("push"' in body and "showNotification" in body
