from __future__ import annotations

import datetime
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from mitmachstadt.accounts.models import STAFF_ROLES, Role
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.accounts.selectors import has_role, roles_of
from mitmachstadt.core import ratelimit
from mitmachstadt.core.pagecache import cacheable
from mitmachstadt.ideas.views import home_sections

from . import selectors, services
from .forms import AccessibilityFeedbackForm
from .models import MAX_PAGE, AccessibilityFeedback


@cacheable
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


# --- Accessibility statement and feedback on barriers (BITV 2.0 §§ 7, 8) -------------------

# The date of the last review of the statement (BITV 2.0 asks for it); update after each audit.
STATEMENT_REVIEWED = datetime.date(2026, 11, 22)


def _page_concerned(request: HttpRequest) -> str:
    """The page a person came from (same host only), to prefill "page concerned"."""
    candidate = request.GET.get("page", "") or request.META.get("HTTP_REFERER", "")
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return ""
    path = urlsplit(candidate).path
    if path == reverse("pages:accessibility"):
        return ""
    return path[:MAX_PAGE]


@require_http_methods(["GET", "POST"])
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, with a form to report barriers."""
    municipality = request.municipality  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = AccessibilityFeedbackForm(request.POST)
        if not ratelimit.hit(request, "accessibility_feedback"):
            # What was typed comes back, so nothing is lost while waiting.
            form.is_valid()
            form.add_error(
                None,
                _(
                    "You have sent several messages in a short time. Please wait a while and "
                    "send again, or write to us by e-mail."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                services.accessibility_feedback_submit(
                    municipality=municipality,
                    message=form.cleaned_data["message"],
                    page=form.cleaned_data["page"],
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    user=request.user,
                    language=get_language() or "",
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Thank you. Your message has been sent to %(name)s.")
                    % {"name": municipality.name},
                )
                return redirect(reverse("pages:accessibility") + "#feedback")
        else:
            status = 400
    else:
        form = AccessibilityFeedbackForm(initial={"page": _page_concerned(request)})
    return render(
        request,
        "pages/accessibility.html",
        {
            "form": form,
            "reviewed": STATEMENT_REVIEWED,
            "has_errors": bool(form.errors),
            "field_errors": any(name != NON_FIELD_ERRORS for name in form.errors),
        },
        status=status,
    )


def _service_errors(form: AccessibilityFeedbackForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def accessibility_feedback(request: HttpRequest) -> HttpResponse:
    """Municipality admins read feedback on barriers and mark it as answered."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if request.method == "POST":
        feedback = (
            selectors.accessibility_feedback(municipality)
            .filter(pk=_int(request.POST.get("feedback")))
            .first()
        )
        if feedback is None:
            raise Http404
        status = request.POST.get("status", "")
        try:
            services.accessibility_feedback_set_status(
                feedback=feedback, actor=request.user, status=status, note=request.POST.get("note")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Marked as answered.")
                if status == AccessibilityFeedback.Status.ANSWERED
                else _("Open again."),
            )
        return redirect(f"{reverse('staff:accessibility_feedback')}?show={_show(request)}")
    show = _show(request)
    rows = selectors.accessibility_feedback(municipality, status=None if show == "all" else show)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/staff/accessibility_feedback.html",
        {
            "page_obj": page,
            "show": show,
            "counts": selectors.accessibility_feedback_counts(municipality),
            "Status": AccessibilityFeedback.Status,
        },
    )


def _show(request: HttpRequest) -> str:
    show = request.POST.get("show") or request.GET.get("show") or "open"
    return show if show in {"open", "answered", "all"} else "open"


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


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
    ("staff:accessibility_feedback", _("Feedback on accessibility"), (Role.ADMIN,)),
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
