"""Pages of privacy: the privacy policy, consent, export, deletion, and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.permissions import role_required

from . import registry, selectors, services
from .forms import AuditFilterForm, ConsentForm, DeleteAccountForm


@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    """The privacy policy, generated from the processing the apps actually do."""
    return render(
        request,
        "privacy/policy.html",
        {
            "activities": registry.processing_activities(),
            "consents": registry.consent_purposes(),
            "third_parties": selectors.third_parties(),
            "retention": {
                "ip": settings.RETENTION_IP_DAYS,
                "unverified": settings.RETENTION_UNVERIFIED_DAYS,
                "exports": settings.RETENTION_EXPORT_DAYS,
                "reports": settings.RETENTION_REPORT_DAYS,
            },
        },
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Your data: consent, download, deletion."""
    return render(request, "privacy/overview.html")


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """Give or withdraw consent for optional processing; every change is recorded."""
    municipality = request.municipality  # type: ignore[attr-defined]
    states = selectors.consent_states(municipality, request.user)
    form = ConsentForm(states=states)
    if request.method == "POST":
        form = ConsentForm(request.POST, states=states)
        if form.is_valid():
            changed = 0
            for state in states:
                record = services.consent_set(
                    user=request.user,
                    municipality=municipality,
                    purpose=state.purpose,
                    granted=form.cleaned_data[state.purpose],
                )
                changed += record is not None
            messages.success(
                request,
                _("Your choice has been saved.") if changed else _("Nothing has changed."),
            )
            return redirect("privacy:consent")
    return render(
        request,
        "privacy/consent.html",
        {"form": form, "history": selectors.consent_history(municipality, request.user)[:50]},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """Ask for a ZIP of everything about your account, and download it when it is ready."""
    if request.method == "POST":
        try:
            services.export_request(user=request.user, municipality=request.municipality)  # type: ignore[attr-defined]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your data export is being prepared. We send you an e-mail when it is ready."),
            )
        return redirect("privacy:export")
    exports = list(selectors.exports_of(request.user))
    busy = any(e.status in {"pending", "running"} for e in exports)
    return render(
        request,
        "privacy/export.html",
        {"exports": exports, "busy": busy, "days": settings.RETENTION_EXPORT_DAYS},
    )


@never_cache
@login_required
@require_GET
def export_download(request: HttpRequest, pk: str) -> FileResponse:
    """The ZIP file, only for its owner."""
    item = selectors.export_for_download(request.user, pk)
    if item is None or not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    stamp = item.created.strftime("%Y-%m-%d")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"mitmachstadt-data-{stamp}.zip",
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    """Delete your account: personal data erased, public content kept anonymous or removed."""
    form = DeleteAccountForm(user=request.user)
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            user = request.user
            logout(request)
            services.account_delete(
                user=user,  # type: ignore[arg-type]
                keep_content=form.cleaned_data["content"] == DeleteAccountForm.KEEP,
                municipality=request.municipality,  # type: ignore[attr-defined]
            )
            return redirect("privacy:deleted")
    return render(request, "privacy/delete.html", {"form": form})


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    """Confirmation after an account was deleted."""
    return render(request, "privacy/deleted.html")


@role_required(Role.ADMIN)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log of the municipality: who did what to which object, when (read-only)."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET, actions=selectors.audit_actions(municipality))
    flt = selectors.AuditFilter()
    if form.is_valid():
        flt = selectors.AuditFilter(
            action=form.cleaned_data["action"] or "",
            actor=form.cleaned_data["actor"].strip(),
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    page = Paginator(selectors.audit_log(municipality, flt), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
