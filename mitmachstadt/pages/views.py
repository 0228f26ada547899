from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from mitmachstadt.accounts.models import STAFF_ROLES, Role
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.accounts.selectors import has_role, roles_of
from mitmachstadt.ideas.views import home_sections


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A lively start: call to action, newest, most supported and random ideas, projects."""
    return render(request, "pages/home.html", home_sections(request))


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    """The municipality's colours as CSS custom properties (CSP forbids inline styles)."""
    municipality = request.municipality  # type: ignore[attr-defined]
    color = municipality.primary_color if municipality else "#0b5394"
    response = HttpResponse(f":root {{ --brand: {color}; }}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _static_page(template: str) -> Callable[[HttpRequest], HttpResponse]:
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template)

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


imprint = _static_page("pages/imprint.html")
privacy = _static_page("pages/privacy.html")
accessibility = _static_page("pages/accessibility.html")


# Staff tools of other apps, listed when their URL exists and the role fits.
# (url name, label, roles)
STAFF_TOOLS = [
    ("reviews:queue", _("Review queue"), (Role.REVIEWER,)),
    ("reviews:committee", _("Committee decisions"), (Role.COMMITTEE_CLERK,)),
    ("moderation:queue", _("Moderation queue"), (Role.MODERATOR,)),
    ("events:staff", _("Events and open calls"), (Role.ADMIN,)),
    ("assemblies:staff", _("Citizens' assemblies"), (Role.ADMIN,)),
    ("reviews:overdue", _("Overdue answers"), (Role.REVIEWER, Role.MODERATOR)),
    ("projects:staff_list", _("Projects"), (Role.REVIEWER, Role.ADMIN)),
    ("privacy:audit", _("Audit log"), (Role.ADMIN,)),
]


def _staff_tools(request: HttpRequest) -> list[dict[str, str]]:
    from django.urls import NoReverseMatch, reverse

    municipality = request.municipality  # type: ignore[attr-defined]
    tools = []
    for name, label, roles in STAFF_TOOLS:
        if not has_role(municipality, request.user, *roles):
            continue
        try:
            tools.append({"url": reverse(name), "label": str(label)})
        except NoReverseMatch:
            continue
    return tools


@role_required(*STAFF_ROLES)
def staff_index(request: HttpRequest) -> HttpResponse:
    """Landing page of the staff area: the tools of the roles the account holds here."""
    municipality = request.municipality  # type: ignore[attr-defined]
    return render(
        request,
        "pages/staff_index.html",
        {
            "roles": sorted(Role(r).label for r in roles_of(municipality, request.user)),
            "is_admin": has_role(municipality, request.user, Role.ADMIN),
            "tools": _staff_tools(request),
        },
    )
