"""Anonymous page cache, invalidated per municipality by a generation token.

Every cached page (and any other cached public response, e.g. API answers) is stored under a
key that contains its municipality's current *generation*. A write that can change a public page
bumps the generation once its transaction has committed, so every earlier entry of that
municipality becomes unreachable at once; nothing needs to know which pages a write touched.

Generations are random tokens, never counters: two processes bumping at the same moment can
never bring back a value that was current before a write (an increment race could).

Where generations live: in the default cache when it is shared between processes (Redis),
otherwise in one small file per municipality under VAR_DIR, so that the sync workers of one
host (each with its own process-local cache) agree on them.

Public API for other apps:
    generation(municipality_id) -> str      the token to put into a cache key
    bump(municipality_id)                   invalidate now (outside transactions)
    bump_on_commit(municipality_id)         invalidate after the current transaction commits
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

GENERATION_PREFIX = "pagecache:gen:"


def _shared_cache() -> BaseCache | None:
    """The default cache if every process sees the same one, else None."""
    cache = caches["default"]
    if isinstance(cache, (LocMemCache, DummyCache)):
        return None
    return cache


def _new_token() -> str:
    # Fixed length (see _write_file); the time in front tells its age (see generation_age).
    return f"{time.time_ns() // 1_000_000:012x}-{secrets.token_hex(6)}"


def _generation_file(municipality_id: int) -> str:
    return os.path.join(settings.VAR_DIR, "pagecache", str(int(municipality_id)))


def _write_file(municipality_id: int, token: str) -> None:
    path = _generation_file(municipality_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Overwritten in place: creating and renaming a file costs a millisecond, this ten
    # microseconds. Tokens have one length, so a reader racing the write sees the old token,
    # the new one or a mix of both, which matches no stored page: never a stale hit.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, token.encode("ascii"), 0)
    finally:
        os.close(fd)


def _read_file(municipality_id: int) -> str:
    try:
        fd = os.open(_generation_file(municipality_id), os.O_RDONLY)
    except FileNotFoundError:
        return ""
    try:
        return os.read(fd, 64).decode("ascii", "replace")
    finally:
        os.close(fd)


def generation(municipality_id: int) -> str:
    """The municipality's current generation token; part of every cache key of its pages."""
    shared = _shared_cache()
    if shared is not None:
        key = f"{GENERATION_PREFIX}{int(municipality_id)}"
        token = shared.get(key)
        if token is None:
            token = _new_token()
            # add(): of two processes starting a generation at once, one token wins for both.
            if not shared.add(key, token, timeout=None):
                token = shared.get(key) or token
        return str(token)
    token = _read_file(municipality_id)
    if len(token) != len(_new_token()):
        # Never fall back to a constant: a deleted file must not revive entries made under it.
        token = _new_token()
        _write_file(municipality_id, token)
    return token


def generation_age(token: str) -> float:
    """Seconds since the generation `token` was made (inf if it carries no time)."""
    try:
        made_ms = int(token.split("-", 1)[0], 16)
    except ValueError:
        return float("inf")
    return max(0.0, time.time() - made_ms / 1000)


def bump(municipality_id: int) -> None:
    """Start a new generation now: every cached page of the municipality is outdated."""
    token = _new_token()
    shared = _shared_cache()
    if shared is not None:
        shared.set(f"{GENERATION_PREFIX}{int(municipality_id)}", token, timeout=None)
    else:
        _write_file(municipality_id, token)


def _pending(connection: Any, municipality_id: int) -> bool:
    for entry in connection.run_on_commit:
        if getattr(entry[1], "pagecache_municipality", None) == municipality_id:
            return True
    return False


def bump_on_commit(municipality_id: int | None) -> None:
    """Outdate the municipality's cached pages once the current transaction has committed.

    A page rendered before the commit from the old data is stored under a generation nobody
    asks for afterwards. One transaction bumps a municipality once, however many rows it writes.
    """
    if municipality_id is None:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump(municipality_id)
        return
    if getattr(connection.atomic_blocks[0], "_from_testcase", False):
        # A test case's transaction is rolled back, never committed: without bumping now the
        # test's next request would be answered from before its own writes.
        bump(municipality_id)
        return
    if _pending(connection, municipality_id):
        return

    def after_commit() -> None:
        bump(municipality_id)

    after_commit.pagecache_municipality = municipality_id  # type: ignore[attr-defined]
    transaction.on_commit(after_commit)
