"""Pages of moderation: report forms, the staff queue and tools, netiquette, transparency."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitmachstadt.accounts.models import Membership, Role
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.core import ratelimit
from mitmachstadt.ideas.models import Comment, Idea
from mitmachstadt.ideas.states import PUBLIC_STATES

from . import selectors, services
from .forms import (
    AnswerForm,
    AnswerTemplateForm,
    BlockForm,
    EditCommentForm,
    EditIdeaForm,
    HideForm,
    LogFilterForm,
    MergeForm,
    NoteForm,
    QueueFilterForm,
    ReportForm,
    SettingsForm,
)
from .middleware import current_ip
from .models import AnswerTemplate, Report, TargetKind

PAGE_SIZE = 25
moderator_required = role_required(Role.MODERATOR)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field if the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- Public pages ---------------------------------------------------------------------------


@require_GET
def netiquette(request: HttpRequest) -> HttpResponse:
    """How we talk with each other here, and what moderation does."""
    return render(request, "moderation/netiquette.html", {"reasons": services.Reason.choices})


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Public counts of reports, actions and reasons per month."""
    report = selectors.transparency_report(request.municipality)  # type: ignore[attr-defined]
    return render(request, "moderation/transparency.html", {"report": report})


@require_GET
def transparency_csv(request: HttpRequest) -> HttpResponse:
    """The transparency report as open data (CSV, one row per month and figure)."""
    report = selectors.transparency_report(request.municipality)  # type: ignore[attr-defined]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="transparency.csv"'
    writer = csv.writer(response)
    writer.writerow(["month", "figure", "key", "count"])
    for row in report.months:
        month = row.month.strftime("%Y-%m")
        writer.writerow([month, "reports", "", row.reports])
        writer.writerow([month, "filter_holds", "", row.filter_holds])
        for key, count in sorted(row.reports_by_reason.items()):
            writer.writerow([month, "reports_by_reason", key, count])
        for key, count in sorted(row.actions.items()):
            writer.writerow([month, "actions", key, count])
        for key, count in sorted(row.hidden_by_reason.items()):
            writer.writerow([month, "hidden_by_reason", key, count])
        if row.median_hours is not None:
            writer.writerow([month, "median_hours_to_handle", "", row.median_hours])
    return response


def _report_target(municipality: Any, kind: str, pk: int) -> Model | None:
    if kind == TargetKind.IDEA:
        return Idea.objects.filter(
            municipality=municipality, pk=pk, state__in=PUBLIC_STATES
        ).first()
    if kind == TargetKind.COMMENT:
        return (
            Comment.objects.filter(
                idea__municipality=municipality,
                pk=pk,
                idea__state__in=PUBLIC_STATES,
                deleted_at__isnull=True,
            )
            .select_related("idea")
            .first()
        )
    if kind == TargetKind.PROFILE:
        account = selectors.account_for_moderation(municipality, pk)
        return account if account is not None and account.is_active else None
    return None


def _public_url(target: Model) -> str:
    if isinstance(target, Idea):
        return target.get_absolute_url()
    if isinstance(target, Comment):
        return f"{target.idea.get_absolute_url()}#comment-{target.pk}"
    return reverse("home")


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Report an idea, a comment or a profile to the moderators."""
    municipality = request.municipality  # type: ignore[attr-defined]
    target = _report_target(municipality, kind, pk)
    if target is None:
        raise Http404
    back = _safe_next(request, _public_url(target))
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, kind=kind)
        if not ratelimit.hit(request, "report"):
            # Nothing is lost: the form comes back with what was typed.
            form.is_valid()
            form.add_error(
                None,
                _(
                    "You have sent many reports in a short time. "
                    "Please wait a while and send again."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                services.report_create(
                    municipality=municipality,
                    target=target,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                    ip_address=current_ip(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            else:
                messages.success(
                    request, _("Thank you. The moderation team will look at your report.")
                )
                return redirect(back)
    else:
        form = ReportForm(kind=kind)
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "kind": kind, "back": back},
        status=status,
    )


# --- Staff: queue and reports ----------------------------------------------------------------


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@moderator_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The moderation queue: filters, assignment and bulk actions."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
        action = request.POST.get("bulk_action", "")
        if not ids:
            messages.error(request, _("Please select at least one report."))
        else:
            try:
                changed = services.reports_bulk(
                    municipality=municipality,
                    actor=request.user,
                    report_ids=ids,
                    action=action,
                    public_reason=request.POST.get("public_reason", ""),
                    reason=request.POST.get("reason", ""),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(n)d reports changed.") % {"n": changed})
        return redirect(_safe_next(request, reverse("moderation:queue")))
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = Report.Status.OPEN
    filter_form = QueueFilterForm(data)
    filter_form.is_valid()
    flt = selectors.QueueFilter(**{k: v or "" for k, v in filter_form.cleaned_data.items()})
    page = _page(request, selectors.report_queue(municipality, flt, request.user))
    counts = selectors.reports_per_target(municipality, list(page.object_list))
    rows = [
        (r, counts.get((r.kind, r.idea_id or r.comment_id or r.profile_id or 0), 0)) for r in page
    ]
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/queue.html",
        {
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "hide_form": HideForm(auto_id="bulk_%s"),
            "open_count": selectors.open_report_count(municipality),
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: what was reported, by how many, and the decision."""
    municipality = request.municipality  # type: ignore[attr-defined]
    item = selectors.report_for(municipality, pk)
    if item is None:
        raise Http404
    note_form = NoteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        note_form = NoteForm(request.POST)
        try:
            if action == "assign_me":
                services.report_assign(report=item, actor=request.user, assignee=request.user)
            elif action == "unassign":
                services.report_assign(report=item, actor=request.user, assignee=None)
            elif action in {"resolve", "dismiss"} and note_form.is_valid():
                handler = (
                    services.report_resolve if action == "resolve" else services.report_dismiss
                )
                handler(report=item, actor=request.user, note=note_form.cleaned_data["note"])
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The report has been updated."))
        return redirect("moderation:report_detail", pk=item.pk)
    others = selectors.reports_on(
        municipality, kind=item.kind, pk=item.idea_id or item.comment_id or item.profile_id or 0
    ).exclude(pk=item.pk)
    return render(
        request,
        "moderation/report_detail.html",
        {"report": item, "others": others, "note_form": note_form},
    )


# --- Staff: ideas, comments, accounts --------------------------------------------------------


def _report_from_post(request: HttpRequest, municipality: Any) -> Report | None:
    value = request.POST.get("report", "")
    return selectors.report_for(municipality, int(value)) if value.isdigit() else None


@moderator_required
@require_http_methods(["GET", "POST"])
def idea_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Moderate one idea: hide or restore, correct, merge, answer officially."""
    municipality = request.municipality  # type: ignore[attr-defined]
    idea = selectors.idea_for_moderation(municipality, pk)
    if idea is None:
        raise Http404
    here = reverse("moderation:idea", args=[idea.pk])
    hide_form = HideForm(prefix="hide")
    edit_form = EditIdeaForm(prefix="edit", initial={"title": idea.title, "text": idea.text})
    merge_form = MergeForm(prefix="merge")
    answer_form = AnswerForm(prefix="answer", municipality=municipality)
    restore_form = NoteForm(prefix="restore")
    if request.method == "GET" and request.GET.get("template", "").isdigit():
        template = (
            selectors.answer_templates(municipality).filter(pk=request.GET["template"]).first()
        )
        if template is not None:
            answer_form = AnswerForm(
                prefix="answer",
                municipality=municipality,
                initial={"template": template, "text": services.fill_template(template, idea)},
            )
    if request.method == "POST":
        action = request.POST.get("action", "")
        report = _report_from_post(request, municipality)
        form: forms.Form | None = None
        try:
            if action == "hide":
                form = hide_form = HideForm(request.POST, prefix="hide")
                if form.is_valid():
                    services.content_hide(
                        target=idea, actor=request.user, report=report, **form.cleaned_data
                    )
                    messages.success(request, _("The idea is hidden."))
                    return redirect(_safe_next(request, here))
            elif action == "restore":
                form = restore_form = NoteForm(request.POST, prefix="restore")
                if form.is_valid():
                    services.content_restore(
                        target=idea, actor=request.user, note=form.cleaned_data["note"]
                    )
                    messages.success(request, _("The idea is visible again."))
                    return redirect(_safe_next(request, here))
            elif action == "edit":
                form = edit_form = EditIdeaForm(request.POST, prefix="edit")
                if form.is_valid():
                    services.idea_edit(idea=idea, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("The idea has been corrected."))
                    return redirect(here)
            elif action == "merge":
                form = merge_form = MergeForm(request.POST, prefix="merge")
                if form.is_valid():
                    into = selectors.idea_for_moderation(municipality, form.cleaned_data["into"])
                    if into is None:
                        raise ValidationError({"into": _("There is no idea with this number.")})
                    services.idea_merge(
                        idea=idea, into=into, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The idea has been merged."))
                    return redirect(here)
            elif action in {"answer", "use_template"}:
                form = answer_form = AnswerForm(
                    request.POST, prefix="answer", municipality=municipality
                )
                if form.is_valid():
                    template = form.cleaned_data["template"]
                    text = form.cleaned_data["text"]
                    if action == "use_template" or (template and not text.strip()):
                        if template is None:
                            raise ValidationError({"template": _("Please choose a template.")})
                        answer_form = AnswerForm(
                            prefix="answer",
                            municipality=municipality,
                            initial={
                                "template": template,
                                "text": services.fill_template(template, idea),
                            },
                        )
                    else:
                        services.answer_publish(
                            idea=idea, actor=request.user, text=text, template=template
                        )
                        messages.success(request, _("The official answer is published."))
                        return redirect(here)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            if form is not None:
                add_service_errors(form, error)
            else:
                messages.error(request, " ".join(error.messages))
        idea.refresh_from_db()
    return render(
        request,
        "moderation/idea.html",
        {
            "idea": idea,
            "authors": [link.user for link in idea.author_links.select_related("user")],
            "reports": selectors.reports_on(municipality, kind=TargetKind.IDEA, pk=idea.pk),
            "log": selectors.log_of(municipality, kind=TargetKind.IDEA, pk=idea.pk)[:50],
            "hide_form": hide_form,
            "restore_form": restore_form,
            "edit_form": edit_form,
            "merge_form": merge_form,
            "answer_form": answer_form,
            "templates": {
                t.pk: services.fill_template(t, idea)
                for t in selectors.answer_templates(municipality)
            },
            "next": _safe_next(request, here),
            "report_id": request.GET.get("report", ""),
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def comment_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Moderate one comment: hide or restore, correct."""
    municipality = request.municipality  # type: ignore[attr-defined]
    comment = selectors.comment_for_moderation(municipality, pk)
    if comment is None:
        raise Http404
    here = reverse("moderation:comment", args=[comment.pk])
    hide_form = HideForm(prefix="hide")
    restore_form = NoteForm(prefix="restore")
    edit_form = EditCommentForm(prefix="edit", initial={"text": comment.text})
    if request.method == "POST":
        action = request.POST.get("action", "")
        report = _report_from_post(request, municipality)
        form: forms.Form | None = None
        try:
            if action == "hide":
                form = hide_form = HideForm(request.POST, prefix="hide")
                if form.is_valid():
                    services.content_hide(
                        target=comment, actor=request.user, report=report, **form.cleaned_data
                    )
                    messages.success(request, _("The comment is hidden."))
                    return redirect(_safe_next(request, here))
            elif action == "restore":
                form = restore_form = NoteForm(request.POST, prefix="restore")
                if form.is_valid():
                    services.content_restore(
                        target=comment, actor=request.user, note=form.cleaned_data["note"]
                    )
                    messages.success(request, _("The comment is visible again."))
                    return redirect(_safe_next(request, here))
            elif action == "edit":
                form = edit_form = EditCommentForm(request.POST, prefix="edit")
                if form.is_valid():
                    services.comment_edit(comment=comment, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("The comment has been corrected."))
                    return redirect(here)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            if form is not None:
                add_service_errors(form, error)
            else:
                messages.error(request, " ".join(error.messages))
        comment.refresh_from_db()
    return render(
        request,
        "moderation/comment.html",
        {
            "comment": comment,
            "reports": selectors.reports_on(municipality, kind=TargetKind.COMMENT, pk=comment.pk),
            "log": selectors.log_of(municipality, kind=TargetKind.COMMENT, pk=comment.pk)[:50],
            "hide_form": hide_form,
            "restore_form": restore_form,
            "edit_form": edit_form,
            "next": _safe_next(request, here),
            "report_id": request.GET.get("report", ""),
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def account_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Moderate one account: block or unblock, reset an inappropriate display name."""
    municipality = request.municipality  # type: ignore[attr-defined]
    account = selectors.account_for_moderation(municipality, pk)
    if account is None:
        raise Http404
    here = reverse("moderation:account", args=[account.pk])
    block_form = BlockForm(prefix="block")
    unblock_form = NoteForm(prefix="unblock")
    rename_form = NoteForm(prefix="rename")
    block = selectors.active_block(municipality, account)
    if request.method == "POST":
        action = request.POST.get("action", "")
        report = _report_from_post(request, municipality)
        form: forms.Form | None = None
        try:
            if action == "block":
                form = block_form = BlockForm(request.POST, prefix="block")
                if form.is_valid():
                    services.account_block(
                        municipality=municipality,
                        user=account,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        ends_at=block_form.ends_at(),
                        note=form.cleaned_data["note"],
                        report=report,
                    )
                    messages.success(request, _("The account is blocked."))
                    return redirect(here)
            elif action == "unblock" and block is not None:
                form = unblock_form = NoteForm(request.POST, prefix="unblock")
                if form.is_valid():
                    services.account_unblock(
                        block=block, actor=request.user, note=form.cleaned_data["note"]
                    )
                    messages.success(request, _("The block has been lifted."))
                    return redirect(here)
            elif action == "rename":
                form = rename_form = NoteForm(request.POST, prefix="rename")
                if form.is_valid():
                    services.profile_reset_name(
                        municipality=municipality,
                        user=account,
                        actor=request.user,
                        note=form.cleaned_data["note"],
                    )
                    messages.success(request, _("The display name has been reset."))
                    return redirect(here)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            if form is not None:
                add_service_errors(form, error)
            else:
                messages.error(request, " ".join(error.messages))
    return render(
        request,
        "moderation/account.html",
        {
            "account": account,
            "current_block": block,
            "history": selectors.blocks(municipality).filter(user=account),
            "roles": Membership.objects.filter(user=account, municipality=municipality),
            "ideas": Idea.objects.filter(municipality=municipality, author_links__user=account)
            .exclude(state="draft")
            .order_by("-created")[:20],
            "comments": Comment.objects.filter(idea__municipality=municipality, author=account)
            .select_related("idea")
            .order_by("-created")[:20],
            "reports": selectors.reports_on(municipality, kind=TargetKind.PROFILE, pk=account.pk),
            "log": selectors.log_of(municipality, kind=TargetKind.PROFILE, pk=account.pk)[:50],
            "block_form": block_form,
            "unblock_form": unblock_form,
            "rename_form": rename_form,
            "report_id": request.GET.get("report", ""),
        },
    )


@moderator_required
@require_GET
def blocks(request: HttpRequest) -> HttpResponse:
    """Blocked accounts now and before; find an account by its display name."""
    municipality = request.municipality  # type: ignore[attr-defined]
    name = request.GET.get("name", "").strip()
    if name:
        from mitmachstadt.accounts.models import User

        found = (
            User.objects.filter(display_name__iexact=name, memberships__municipality=municipality)
            .distinct()
            .first()
        )
        if found is not None:
            return redirect("moderation:account", pk=found.pk)
        messages.error(request, _("No account with this display name takes part here."))
    everything = selectors.blocks(municipality)
    return render(
        request,
        "moderation/blocks.html",
        {
            "active": list(selectors.blocks(municipality, active_only=True)),
            "page": _page(request, everything),
            "name": name,
        },
    )


@moderator_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The moderation log: every action, newest first."""
    municipality = request.municipality  # type: ignore[attr-defined]
    filter_form = LogFilterForm(request.GET)
    filter_form.is_valid()
    flt = selectors.LogFilter(**{k: v or "" for k, v in filter_form.cleaned_data.items()})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/log.html",
        {
            "filter_form": filter_form,
            "page": _page(request, selectors.moderation_log(municipality, flt, request.user)),
            "query": query.urlencode(),
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    """Answer templates: list and create."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = AnswerTemplateForm()
    if request.method == "POST":
        form = AnswerTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.answer_template_save(
                    municipality=municipality, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The template has been saved."))
                return redirect("moderation:templates")
    return render(
        request,
        "moderation/templates.html",
        {"form": form, "templates": selectors.answer_templates(municipality)},
    )


def _template_or_404(request: HttpRequest, pk: int) -> AnswerTemplate:
    template = selectors.answer_templates(request.municipality).filter(pk=pk).first()  # type: ignore[attr-defined]
    if template is None:
        raise Http404
    return template


@moderator_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an answer template."""
    template = _template_or_404(request, pk)
    form = AnswerTemplateForm(initial={"title": template.title, "text": template.text})
    if request.method == "POST":
        form = AnswerTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.answer_template_save(
                    municipality=request.municipality,  # type: ignore[attr-defined]
                    actor=request.user,
                    template=template,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The template has been saved."))
                return redirect("moderation:templates")
    return render(request, "moderation/template_edit.html", {"form": form, "template": template})


@moderator_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an answer template."""
    services.answer_template_delete(template=_template_or_404(request, pk), actor=request.user)
    messages.success(request, _("The template has been removed."))
    return redirect("moderation:templates")


@moderator_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """How strict the spam filter is."""
    municipality = request.municipality  # type: ignore[attr-defined]
    config = selectors.moderation_settings(municipality)
    form = SettingsForm(
        initial={
            "spam_threshold": config.spam_threshold,
            "blocked_terms": config.blocked_terms,
            "hold_first_posts": config.hold_first_posts,
        }
    )
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_update(
                    municipality=municipality, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The settings have been saved."))
                return redirect("moderation:settings")
    return render(request, "moderation/settings.html", {"form": form})
