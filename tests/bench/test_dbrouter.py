"""The read-replica router: reads to the replica, writes and read-your-writes to the primary.

The routing decisions are checked here without a second database (the router only names an
alias); the benchmark's scale-out run checks them against a real streaming replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from mitmachstadt.core import dbrouter
from mitmachstadt.core.dbrouter import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    PrimaryReplicaRouter,
    ReplicaRoutingMiddleware,
)
from mitmachstadt.ideas.models import Idea

router = PrimaryReplicaRouter()


def _through_middleware(
    request: HttpRequest, view: Callable[[HttpRequest], Any]
) -> tuple[HttpResponse, list[str]]:
    """Run `view` inside the middleware; returns the response and the aliases it was given."""
    seen: list[str] = []

    def get_response(req: HttpRequest) -> HttpResponse:
        seen.extend(view(req) or [])
        return HttpResponse("ok")

    response = ReplicaRoutingMiddleware(get_response)(request)
    return response, seen


def test_reads_of_a_safe_request_go_to_the_replica() -> None:
    request = RequestFactory().get("/ideas/")
    response, seen = _through_middleware(request, lambda r: [router.db_for_read(Idea)])
    assert seen == [REPLICA]
    assert PIN_COOKIE not in response.cookies


def test_a_write_sends_the_rest_of_the_request_and_the_next_seconds_to_the_primary() -> None:
    def view(request: HttpRequest) -> list[str]:
        before = router.db_for_read(Idea)
        written = router.db_for_write(Idea)
        after = router.db_for_read(Idea)
        return [before, written, after]

    response, seen = _through_middleware(RequestFactory().get("/ideas/1/"), view)
    assert seen == [REPLICA, PRIMARY, PRIMARY]
    pin = response.cookies[PIN_COOKIE]
    assert int(pin["max-age"]) == dbrouter.pin_seconds() > 0
    assert pin["httponly"]
    # The browser sends the cookie back: its next reads see its own write.
    follow_up = RequestFactory().get("/ideas/1/")
    follow_up.COOKIES[PIN_COOKIE] = pin.value
    _response, seen = _through_middleware(follow_up, lambda r: [router.db_for_read(Idea)])
    assert seen == [PRIMARY]


def test_an_expired_or_forged_pin_cookie_does_not_pin() -> None:
    for value in (str(int(time.time()) - 1), "nonsense", ""):
        request = RequestFactory().get("/")
        request.COOKIES[PIN_COOKIE] = value
        _response, seen = _through_middleware(request, lambda r: [router.db_for_read(Idea)])
        assert seen == [REPLICA], value


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_requests_read_from_the_primary_and_pin(method: str) -> None:
    request = getattr(RequestFactory(), method)("/api/v1/ideas/1/reaction")
    response, seen = _through_middleware(request, lambda r: [router.db_for_read(Idea)])
    assert seen == [PRIMARY]
    assert PIN_COOKIE in response.cookies


def test_reads_inside_a_transaction_stay_on_the_primary() -> None:
    primary = connections[PRIMARY]

    def view(request: HttpRequest) -> list[str]:
        primary.in_atomic_block = True  # what transaction.atomic() sets, without a database
        try:
            return [router.db_for_read(Idea)]
        finally:
            primary.in_atomic_block = False

    _response, seen = _through_middleware(RequestFactory().get("/"), view)
    assert seen == [PRIMARY]


def test_outside_web_requests_everything_uses_the_primary() -> None:
    # Commands and the task worker: a task must see what its request has just written.
    assert router.db_for_read(Idea) == PRIMARY
    assert router.db_for_write(Idea) == PRIMARY
    assert dbrouter.reads_from_replica() is False


def test_routing_state_does_not_leak_into_the_next_request() -> None:
    _through_middleware(RequestFactory().get("/"), lambda r: [router.db_for_write(Idea)])
    _response, seen = _through_middleware(
        RequestFactory().get("/"), lambda r: [router.db_for_read(Idea)]
    )
    assert seen == [REPLICA]
    assert router.db_for_read(Idea) == PRIMARY  # and none after the request


def test_the_state_is_reset_when_the_view_raises() -> None:
    def view(request: HttpRequest) -> list[str]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _through_middleware(RequestFactory().get("/"), view)
    assert router.db_for_read(Idea) == PRIMARY


def test_migrations_only_on_the_primary_and_relations_allowed() -> None:
    assert router.allow_migrate(PRIMARY, "ideas") is True
    assert router.allow_migrate(REPLICA, "ideas") is False
    assert router.allow_relation(Idea(), Idea()) is True
