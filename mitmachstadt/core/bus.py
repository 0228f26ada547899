"""In-process domain event bus.

Domain apps publish events; interface apps (notifications, api, kpis, ...) subscribe in their
AppConfig.ready(). Handlers run after the surrounding transaction commits, so a rolled-back write
never notifies anybody, and a failing handler never undoes an acknowledged write.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from . import pagecache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened in a municipality: `name` like "idea.submitted"."""

    name: str
    municipality_id: int
    actor_id: int | None = None
    object_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Register `handler` for events named `name` ("*" for all)."""
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    """Remove a handler (used by tests)."""
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)


def _dispatch(event: Event) -> None:
    for handler in [*_subscribers.get(event.name, []), *_subscribers.get("*", [])]:
        try:
            handler(event)
        except Exception:
            # A subscriber's failure must not break the publisher's request: the write is done.
            logger.exception("event handler %r failed for %s", handler, event.name)


def publish(event: Event) -> None:
    """Deliver `event` to its subscribers once the current transaction has committed."""
    # Events also come from writes that no audit entry records (reactions): outdate pages.
    pagecache.bump_on_commit(event.municipality_id)
    transaction.on_commit(lambda: _dispatch(event))
