"""Anonymous page cache, invalidated per municipality by a generation token.

Every cached page (and any other cached public response, e.g. API answers) is stored under a
key that contains its municipality's current *generation*. A write that can change a public page
bumps the generation once its transaction has committed, so every earlier entry of that
municipality becomes unreachable at once; nothing needs to know which pages a write touched.

Generations are random tokens, never counters: two processes bumping at the same moment can
never bring back a value that was current before a write (an increment race could).

Where generations live: in the default cache when it is shared between processes (Redis),
otherwise in one small file per municipality (settings.PAGECACHE_DIR, under VAR_DIR), so that
the sync workers of one host (each with its own process-local cache) agree on them.

Public API for other apps:
    generation(municipality_id) -> str      the token to put into a cache key
    bump(municipality_id)                   invalidate now (outside transactions)
    bump_on_commit(municipality_id)         invalidate after the current transaction commits
    may_store(token) -> bool                False while a read replica may lag behind the bump
    cacheable(view)                         mark a view whose anonymous GETs may be cached

Who bumps: `audit.services.audit_record` (every service writes an audit entry),
`core.bus.publish` (domain events, e.g. reactions, which update counters without saving a
model), and, as a catch-all for everything else (follows, settings, code that saves models
directly), a receiver of every save and many-to-many change of our models and of every entry
of the Django admin's log, deletions included (`connect_signals`). Deletes elsewhere go through
services (audited) or bump explicitly (`ideas.services.follow_delete`). A write that none of
them sees and that changes a public page is a bug: bump explicitly.
Deliberately not bumping: the random order's exposure counter (`ideas.services.record_exposure`):
it does not change any page (each seed's order is frozen), and bumping on every first page of
a random list would empty the cache for everybody all the time.

The middleware (PageCacheMiddleware, after LocaleMiddleware) serves and stores whole pages:

* only for views marked `@cacheable`, GET (served also for HEAD), a known municipality;
* only for visitors without a session cookie, without the replica pin cookie (someone who has
  just written), without an Authorization header, and not for htmx requests (fragments);
* only 200 responses that set no cookie, did not touch the CSRF token or the CSP nonce, did
  not change the session, are not private/no-store/no-cache, vary at most by Cookie and
  Accept-Language, and were rendered in the language the key was made for;
* key: municipality, its generation, language, scheme, host, full path with query;
* kept PAGECACHE_SECONDS (60 s by default): a safety net for relative times, not for writes;
* in the worker's memory and in a store all workers share (see `stores`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt

GENERATION_PREFIX = "pagecache:gen:"
PAGE_PREFIX = "pagecache:page:"
PAGES_ALIAS = "pages"
SHARED_ALIAS = "pages-shared"
# The replica pin cookie of core/dbrouter.py: its holder has just written something.
PIN_COOKIE = "mms_primary"
# Honoured only with MITMACHSTADT_BENCH=1: lets the benchmark measure the cost of a render.
BYPASS_HEADER = "HTTP_X_BENCH_CACHE"
# How a response may vary and still be cached: the key holds the language, and only visitors
# without a session cookie are served.
_ALLOWED_VARY = frozenset({"cookie", "accept-language", "accept-encoding"})
_UNCACHEABLE_CONTROL = ("private", "no-store", "no-cache")
_V = TypeVar("_V", bound=Callable[..., Any])


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
    directory = getattr(settings, "PAGECACHE_DIR", None) or os.path.join(
        settings.VAR_DIR, "pagecache"
    )
    return os.path.join(directory, str(int(municipality_id)))


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


# --- Marking views ------------------------------------------------------------------------


def cacheable(view: _V) -> _V:
    """Mark a view whose anonymous GET responses may be served from the page cache.

    Only for views whose anonymous GETs change nothing (except through the session, which
    keeps such a response out of the cache): a hit never reaches the view.
    """
    view.pagecache = True  # type: ignore[attr-defined]
    return view


def _is_cacheable_view(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return bool(getattr(match.func, "pagecache", False))


# --- The middleware -----------------------------------------------------------------------


def pages() -> BaseCache:
    """The first page store: the worker's own memory where configured."""
    return stores()[0]


def clear() -> None:
    """Forget every stored page (all municipalities)."""
    for cache in stores():
        cache.clear()


def stores() -> list[BaseCache]:
    """Where pages are kept, nearest first: the worker's memory ("pages"), then a store that
    all workers share ("pages-shared": files or Redis), so a page is rendered once per host (or
    installation), not once per worker; without either alias the default cache."""
    found = [caches[alias] for alias in (PAGES_ALIAS, SHARED_ALIAS) if alias in settings.CACHES]
    return found or [caches["default"]]


def _ttl() -> int:
    return int(getattr(settings, "PAGECACHE_SECONDS", 60))


def _anonymous_candidate(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "municipality", None) is None:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or PIN_COOKIE in cookies or "messages" in cookies:
        return False
    meta = request.META
    if "HTTP_AUTHORIZATION" in meta or "HTTP_HX_REQUEST" in meta:
        return False
    if meta.get(BYPASS_HEADER) == "bypass" and getattr(settings, "PAGECACHE_BENCH_BYPASS", False):
        return False
    return _is_cacheable_view(request)


def page_key(request: HttpRequest, token: str, language: str) -> str:
    """The cache key of this request's page under the generation `token`."""
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    municipality_id = request.municipality.pk  # type: ignore[attr-defined]
    return f"{PAGE_PREFIX}{municipality_id}:{token}:{language}:{digest}"


def _storable(request: HttpRequest, response: HttpResponseBase, language: str) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.method != "GET" or request.META.get("CSRF_COOKIE_USED"):
        return False
    if getattr(request, "_csp_nonce", None) is not None:
        # The header of a hit would carry a fresh nonce, the page the stored one.
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in _UNCACHEABLE_CONTROL):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _ALLOWED_VARY:
        return False
    return get_language() == language


def may_store(token: str) -> bool:
    """Whether what is read now may be cached under generation `token`: not while a read
    replica may still miss the write that began it (core/dbrouter.py pins writers as long)."""
    if "replica" not in settings.DATABASES:
        return True
    return generation_age(token) >= float(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 5))


class PageCacheMiddleware:
    """Serve anonymous GETs of `@cacheable` views from the cache; store what is safe to share."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _anonymous_candidate(request):
            return self.get_response(request)
        municipality_id = request.municipality.pk  # type: ignore[attr-defined]
        token = generation(municipality_id)
        language = getattr(request, "LANGUAGE_CODE", "") or get_language()
        key = page_key(request, token, language)
        levels = stores()
        stored = None
        for level, cache in enumerate(levels):
            stored = cache.get(key)
            if stored is not None:
                for nearer in levels[:level]:
                    nearer.set(key, stored, _ttl())
                break
        if stored is not None:
            content, headers = stored
            hit = HttpResponse(content, status=200)
            for name, value in headers:
                hit[name] = value
            hit["X-Page-Cache"] = "hit"
            patch_vary_headers(hit, ["Cookie"])
            return hit
        storable_now = may_store(token)
        response = self.get_response(request)
        if _storable(request, response, language):
            response["X-Page-Cache"] = "miss"
            # Signed-in people get other pages at the same address: shared caches must know.
            patch_vary_headers(response, ["Cookie"])
            if storable_now:
                headers = [(k, v) for k, v in response.items() if k.lower() != "x-page-cache"]
                page = (response.content, headers)  # type: ignore[attr-defined]
                for cache in levels:
                    cache.set(key, page, _ttl())
        return response


# --- Invalidation by saves (the catch-all) -------------------------------------------------


def _owners(instance: Model, depth: int = 2) -> set[int] | None:
    """The municipalities a row belongs to; None if it cannot be told (then: all of them).

    From the row's municipality, else from related rows already in memory, else one query
    for the municipality of the row it points to.
    """
    municipality_model = apps.get_model("tenants", "Municipality")
    if isinstance(instance, municipality_model):
        return {instance.pk}
    owner = getattr(instance, "municipality_id", None)
    if owner is not None:
        return {owner}
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.related_model is None:
            continue
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        related: Any = field.related_model
        cached = instance._state.fields_cache.get(field.name)
        if cached is not None:
            found = _owners(cached, depth - 1) if depth > 0 else None
            if found:
                return found
            continue
        if related is municipality_model:
            return {value}
        if "municipality_id" not in {f.attname for f in related._meta.concrete_fields}:
            continue
        row = related._base_manager.filter(pk=value).values_list("municipality_id").first()
        return {row[0]} if row else None
    return None


def bump_all_on_commit() -> None:
    """Outdate the cached pages of every municipality (for writes that concern all of them)."""
    municipalities = apps.get_model("tenants", "Municipality")._base_manager
    for municipality_id in municipalities.values_list("pk", flat=True):
        bump_on_commit(municipality_id)


def _bump_for(instance: Model) -> None:
    owners = _owners(instance)
    if owners is None:
        bump_all_on_commit()
        return
    for municipality_id in owners:
        bump_on_commit(municipality_id)


# Saves that change nothing anybody else sees; signing in must not empty the cache.
_PRIVATE_UPDATES = frozenset({"last_login"})


def _tracked(model: type[Model]) -> bool:
    """Our own models; Django's (sessions, tasks) and libraries' never show on pages."""
    return model.__module__.startswith("mitmachstadt.")


def _on_save(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or not _tracked(sender):
        return
    fields = kwargs.get("update_fields")
    if fields and set(fields) <= _PRIVATE_UPDATES:
        return
    _bump_for(instance)


def _on_m2m(sender: type[Model], instance: Model, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and _tracked(type(instance)):
        _bump_for(instance)


def _on_admin_log(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    # The technical admin logs every change, also deletions, whose rows are gone: all towns.
    bump_all_on_commit()


def connect_signals() -> None:
    """Bump on every save of our models and every change in the technical admin.

    Deletes are not caught by a signal: a post_delete receiver would switch off Django's fast
    bulk delete for every model (retention purges would load every row). Services that delete
    public content write an audit entry or publish an event; the admin is covered by its log.
    """
    post_save.connect(_on_save, dispatch_uid="pagecache-save")
    m2m_changed.connect(_on_m2m, dispatch_uid="pagecache-m2m")
    if apps.is_installed("django.contrib.admin"):
        post_save.connect(
            _on_admin_log, sender="admin.LogEntry", dispatch_uid="pagecache-admin-log"
        )


# --- Language switch ----------------------------------------------------------------------


def _same_origin(request: HttpRequest) -> bool:
    own = f"{request.scheme}://{request.get_host()}"
    trusted = {own, *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin in trusted
    referer = request.META.get("HTTP_REFERER")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in trusted
    # Browsers send Origin with every POST; without both headers it is no cross-site form.
    return True


@csrf_exempt
def set_language(request: HttpRequest) -> HttpResponseBase:
    """Django's language switch without a CSRF token, checked by Origin/Referer instead.

    A token in the header of every page would make every page personal (and uncacheable).
    The switch changes only the language cookie; a same-origin check protects it.
    """
    if request.method == "POST" and not _same_origin(request):
        return HttpResponseForbidden("Cross-site request refused.")
    return i18n.set_language(request)
