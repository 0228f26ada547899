"""Blocked accounts may read but not write; the client's IP is known to the spam check."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from mitmachstadt.core.ratelimit import client_ip

from .selectors import active_block
from .services import ensure_not_blocked

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Account management stays open: a blocked person may still sign out, change the language,
# download or delete their data (GDPR rights do not depend on good behaviour).
ALLOWED_PREFIXES = ("/accounts/", "/i18n/")

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "moderation_client_ip", default=None
)


def current_ip() -> str | None:
    """The IP address of the request being served (None outside a request)."""
    return _client_ip.get()


class BlockedAccountMiddleware:
    """Refuse unsafe requests of blocked accounts: a translated 403 page (JSON for the API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request) or None)
        try:
            refusal = self._refusal(request)
            return refusal if refusal is not None else self.get_response(request)
        finally:
            _client_ip.reset(token)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if request.method in SAFE_METHODS or request.path.startswith(ALLOWED_PREFIXES):
            return None
        user = getattr(request, "user", None)
        municipality = getattr(request, "municipality", None)
        if user is None or not user.is_authenticated or municipality is None:
            return None
        block = active_block(municipality, user)
        if block is None:
            return None
        try:
            ensure_not_blocked(municipality, user)
        except PermissionDenied as error:
            message = str(error)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        response = TemplateResponse(
            request,
            "moderation/blocked.html",
            {"current_block": block, "message": message},
            status=403,
        )
        response.render()
        return response
