"""The public REST API, /api/v1/, described at /api/v1/openapi.json (OpenAPI 3).

Routers live beside this file, one per domain (ideas.py, projects.py, ...); reads are public,
writes need a session or a personal token and the role the domain's service asks for.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

api = NinjaAPI(
    title="Mitmachstadt API",
    version="1.0.0",
    description=(
        "Everything public on a municipality's participation platform. Open data under the "
        "Datenlizenz Deutschland – Zero – 2.0. The municipality is chosen by the host name."
    ),
    urls_namespace="api-1.0.0",
    docs_url="/docs",
    # Swagger UI without deep links (each would be a link inside the operation's toggle button,
    # nested controls that screen readers cannot reach: WCAG 4.1.2) and without the coloured
    # code highlighting (its colours fail the contrast minimum); our overrides are in
    # templates/ninja/swagger.html.
    docs=Swagger(settings={"deepLinking": False, "syntaxHighlight": False}),
)


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            key: [str(m) for m in ValidationError(value).messages]
            for key, value in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Please correct the input."), "errors": _errors(exc)}, status=400
    )


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Please correct the input."), "errors": exc.errors}, status=422
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Please sign in.")}, status=401)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _register_routers() -> None:
    from .ideas import geo_router
    from .ideas import router as ideas_router

    api.add_router("/ideas", ideas_router, tags=["ideas"])
    api.add_router("", geo_router, tags=["ideas"])
    api.add_router("", "mitmachstadt.api.projects.router")


_register_routers()
