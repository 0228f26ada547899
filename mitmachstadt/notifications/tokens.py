"""Signed unsubscribe tokens: who, in which municipality, what to stop (no expiry, RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "mitmachstadt.notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    municipality_id: int
    # "follow:<idea id>", "sub:<subscription id>", "kind:<kind>", "digest:<period>" or "all"
    scope: str


def make_token(*, user_id: int, municipality_id: int, scope: str) -> str:
    """A URL-safe token that names one person's e-mail stream to stop."""
    return signing.dumps({"u": user_id, "m": municipality_id, "s": scope}, salt=SALT, compress=True)


def read_token(token: str) -> Unsubscribe | None:
    """The request in a token, or None if it was not made by us (or was changed)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    try:
        return Unsubscribe(int(data["u"]), int(data["m"]), str(data["s"]))
    except (KeyError, TypeError, ValueError):
        return None
