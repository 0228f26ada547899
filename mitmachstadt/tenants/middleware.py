from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation

from .selectors import municipality_for_host

# Paths that work without a municipality (load balancer probes, static files).
_TENANTLESS_PREFIXES = ("/healthz", "/static/", "/media/")


class MunicipalityMiddleware:
    """Resolve the municipality from the Host header; unknown hosts get a friendly 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_TENANTLESS_PREFIXES):
            # Probes must answer even when the database is down; they need no municipality.
            request.municipality = None  # type: ignore[attr-defined]
            return self.get_response(request)
        request.municipality = municipality_for_host(request.get_host())  # type: ignore[attr-defined]
        if request.municipality is None:  # type: ignore[attr-defined]
            with translation.override("de"):
                response = TemplateResponse(
                    request, "tenants/unknown_host.html", {"host": request.get_host()}, status=404
                )
                response.render()
            return response
        return self.get_response(request)
