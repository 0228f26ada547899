"""Rate limits per account and per IP address, on the shared cache (Redis in production).

Limits are configured in settings.RATE_LIMITS as {"scope": "count/seconds"}; a view asks
`hit(request, "comment")` and answers 429 with a translated message when it returns False.
The IP address is hashed before it is used as a cache key: no raw IP is ever stored.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMITS = {
    "idea": "10/3600",
    "comment": "30/600",
    "reaction": "120/60",
    "report": "20/3600",
    "api_write": "120/60",
    "similar": "120/60",
    "accessibility_feedback": "5/3600",
}


def _parse(spec: str) -> tuple[int, int]:
    count, seconds = spec.split("/")
    return int(count), int(seconds)


def limit_for(scope: str) -> tuple[int, int]:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}
    return _parse(limits[scope])


def client_ip(request: HttpRequest) -> str:
    # Behind the load balancer the first X-Forwarded-For hop is the client (see settings).
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _keys(request: HttpRequest, scope: str) -> list[str]:
    salt = settings.SECRET_KEY[:16]
    ip_hash = hashlib.sha256(f"{salt}:{client_ip(request)}".encode()).hexdigest()[:24]
    keys = [f"rl:{scope}:ip:{ip_hash}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"rl:{scope}:user:{user.pk}")
    return keys


def hit(request: HttpRequest, scope: str) -> bool:
    """Count one action in `scope`; False when the account or IP is over its limit."""
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return True
    count, seconds = limit_for(scope)
    window = int(time.time() // seconds)
    allowed = True
    for key in _keys(request, scope):
        bucket = f"{key}:{window}"
        current = 1
        if not cache.add(bucket, 1, seconds + 1):
            try:
                current = cache.incr(bucket)
            except ValueError:  # expired between add and incr: a fresh window
                cache.add(bucket, 1, seconds + 1)
        if current > count:
            allowed = False
    return allowed


def reset(request: HttpRequest, scope: str) -> None:
    """Forget the counts of this request's account and IP (used by tests)."""
    _count, seconds = limit_for(scope)
    window = int(time.time() // seconds)
    for key in _keys(request, scope):
        cache.delete(f"{key}:{window}")
