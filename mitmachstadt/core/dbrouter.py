"""Read replicas: reads to the replica, writes and read-your-writes to the primary.

Active when DATABASE_REPLICA_URL is set (settings add the "replica" alias, this router and the
middleware). Only reads of a safe web request (GET, HEAD, OPTIONS) may go to the replica, and
only while nothing suggests the replica could be behind what the person expects to see:

* writes always go to the primary, and after the first write of a request its reads do too;
* a request within PIN_SECONDS after the same browser wrote reads from the primary (a cookie),
  so that people see their own comment or reaction at once although the replica lags a little;
* every read inside a transaction on the primary (atomic blocks, select_for_update) stays there;
* outside web requests (commands, the task worker, tests) everything uses the primary, because a
  task reading what its request has just written must never miss it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "mms_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def pin_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 5))


@dataclass
class RequestRouting:
    replica_ok: bool
    wrote: bool = False


_routing: ContextVar[RequestRouting | None] = ContextVar("mitmachstadt_db_routing", default=None)


def reads_from_replica() -> bool:
    """True if a read now would go to the replica (for diagnostics and tests)."""
    routing = _routing.get()
    if routing is None or not routing.replica_ok or routing.wrote:
        return False
    return not connections[PRIMARY].in_atomic_block


class PrimaryReplicaRouter:
    """Database router for one primary ("default") and one streaming replica ("replica")."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return REPLICA if reads_from_replica() else PRIMARY

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        routing = _routing.get()
        if routing is not None:
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data: the replica is a copy of the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica receives the schema through replication, never by migrating it.
        return db == PRIMARY


class ReplicaRoutingMiddleware:
    """Decides per request whether reads may use the replica; pins a writer to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        routing = RequestRouting(
            replica_ok=request.method in SAFE_METHODS and not self._recent_writer(request)
        )
        token = _routing.set(routing)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        if routing.wrote or request.method not in SAFE_METHODS:
            seconds = pin_seconds()
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
            )
        return response

    @staticmethod
    def _recent_writer(request: HttpRequest) -> bool:
        value = request.COOKIES.get(PIN_COOKIE, "")
        try:
            # Forging the cookie only sends one's own reads to the primary: harmless.
            return int(value) >= time.time()
        except ValueError:
            return False
