"""Web push (RFC 8030) with message encryption (RFC 8291) and VAPID (RFC 8292) via pywebpush.

The VAPID key pair comes from VAPID_PRIVATE_KEY (raw P-256 key, base64url; the public key is
derived) or, without it, is generated once and kept in the database.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import PushSubscription, VapidKey
from .outbox import PermanentFailure, TemporaryFailure

TTL_SECONDS = 24 * 3600
TIMEOUT_SECONDS = 10


class EndpointGone(Exception):
    """The browser unsubscribed (404/410): the device is to be forgotten."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_from_private(private_b64: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    vapid = Vapid.from_raw(private_b64.encode("ascii"))
    return _b64(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _generate() -> tuple[str, str]:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = _b64(key.private_numbers().private_value.to_bytes(32, "big"))
    return private, _public_from_private(private)


def vapid_keys() -> tuple[str, str]:
    """(private, public) VAPID keys, base64url; the public one is the applicationServerKey."""
    env_private = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
    if env_private:
        return env_private, _public_from_private(env_private)
    row = VapidKey.objects.filter(name="default").first()
    if row is None:
        private, public = _generate()
        try:
            with transaction.atomic():
                row = VapidKey.objects.create(
                    name="default", private_key=private, public_key=public
                )
        except IntegrityError:
            # Another process made the key first; everyone uses that one.
            row = VapidKey.objects.get(name="default")
    return row.private_key, row.public_key


def public_key() -> str:
    return vapid_keys()[1]


def _subject(contact: str) -> str:
    address = contact or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return f"mailto:{address}"


def send(
    device: PushSubscription,
    payload: dict[str, Any],
    *,
    topic: str,
    contact: str = "",
    before_request: Callable[[], None] | None = None,
) -> None:
    """Encrypt `payload` for `device` and hand it to its push service."""
    import requests
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    private, _public = vapid_keys()
    if before_request is not None:
        before_request()
    try:
        webpush(
            subscription_info={
                "endpoint": device.endpoint,
                "keys": {"p256dh": device.p256dh, "auth": device.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=Vapid.from_raw(private.encode("ascii")),
            vapid_claims={"sub": _subject(contact)},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            # A repeated message (after a crash) replaces the first while it is still queued.
            headers={"Topic": topic[:32], "Urgency": "normal"},
        )
    except WebPushException as error:
        status = error.status_code
        if status in {404, 410}:
            raise EndpointGone(str(error)) from error
        if status is None or status == 429 or status >= 500:
            raise TemporaryFailure(f"push service: {status}") from error
        raise PermanentFailure(f"push service refused the message: {status}") from error
    except requests.RequestException as error:
        raise TemporaryFailure(f"push service unreachable: {error}") from error
    except (ValueError, TypeError) as error:
        raise PermanentFailure(f"invalid push subscription: {error}") from error
