"""Staff pages to configure a municipality (admins) and to add municipalities (operators)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import BaseForm, ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mitmachstadt.accounts.models import Membership, Role, User
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.accounts.selectors import has_second_factor
from mitmachstadt.accounts.services import membership_grant, membership_revoke
from mitmachstadt.geo.selectors import districts
from mitmachstadt.geo.services import districts_import
from mitmachstadt.tenants.models import Cluster, Criterion, FieldOfAction, Municipality
from mitmachstadt.tenants.selectors import clusters, criteria, fields_of_action
from mitmachstadt.tenants.services import (
    cluster_create,
    config_item_update,
    criterion_create,
    field_of_action_create,
    municipality_create,
    municipality_update,
)

from . import forms

CONFIG_KINDS: dict[str, tuple[type[models.Model], type[ModelForm], Any, Any, str]] = {
    "fields": (
        FieldOfAction,
        forms.FieldOfActionForm,
        fields_of_action,
        field_of_action_create,
        "Fields of action",
    ),
    "clusters": (Cluster, forms.ClusterForm, clusters, cluster_create, "Project clusters"),
    "criteria": (Criterion, forms.CriterionForm, criteria, criterion_create, "Criteria"),
}


def _int(value: str | None) -> int:
    """A posted id as int; anything else matches nothing (0)."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _errors_to_form(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """Municipality admins change name, branding, languages, reaction mode, answer promise."""
    municipality: Municipality = request.municipality  # type: ignore[attr-defined]
    if request.method == "POST":
        form = forms.MunicipalitySettingsForm(
            request.POST, instance=Municipality.objects.get(pk=municipality.pk)
        )
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                municipality_update(municipality=municipality, actor=request.user, **changes)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The settings have been saved."))
                return redirect("staff:settings")
    else:
        form = forms.MunicipalitySettingsForm(
            instance=municipality, initial={"languages": municipality.language_codes}
        )
    return render(
        request,
        "pages/staff/settings.html",
        {"form": form, "kinds": CONFIG_KINDS, "districts": districts(municipality)},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def config_list(request: HttpRequest, kind: str) -> HttpResponse:
    """Fields of action, clusters or criteria: list and add."""
    if kind not in CONFIG_KINDS:
        raise Http404
    _model, form_class, selector, create, title = CONFIG_KINDS[kind]
    municipality = request.municipality  # type: ignore[attr-defined]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            create(municipality=municipality, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Added."))
            return redirect("staff:config", kind=kind)
    return render(
        request,
        "pages/staff/config_list.html",
        {"kind": kind, "title": _(title), "items": selector(municipality), "form": form},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def config_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Change one field of action, cluster or criterion."""
    if kind not in CONFIG_KINDS:
        raise Http404
    model, form_class, selector, _create, title = CONFIG_KINDS[kind]
    item = selector(request.municipality).filter(pk=pk).first()  # type: ignore[attr-defined]
    if item is None:
        raise Http404
    form = form_class(request.POST or None, instance=model._default_manager.get(pk=item.pk))
    if "slug" in form.fields:
        form.fields["slug"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "slug"}
        try:
            config_item_update(item=item, actor=request.user, **changes)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:config", kind=kind)
    return render(
        request,
        "pages/staff/config_edit.html",
        {"kind": kind, "title": _(title), "item": item, "form": form},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def districts_view(request: HttpRequest) -> HttpResponse:
    """Upload district boundaries as GeoJSON; invalid files change nothing."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = forms.DistrictImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 5 * 1024 * 1024:
                raise ValidationError(_("The file may be at most 5 MB."))
            try:
                data = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValidationError(
                    _("The file is not valid JSON: %(error)s") % {"error": error}
                ) from error
            created, updated = districts_import(
                municipality=municipality, feature_collection=data, actor=request.user
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(created)d districts added, %(updated)d updated.")
                % {"created": created, "updated": updated},
            )
            return redirect("staff:districts")
    return render(
        request, "pages/staff/districts.html", {"form": form, "districts": districts(municipality)}
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def roles_view(request: HttpRequest) -> HttpResponse:
    """Grant and revoke roles in this municipality."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = forms.RoleGrantForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "revoke":
        membership = (
            Membership.objects.filter(
                municipality=municipality, pk=_int(request.POST.get("membership"))
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise Http404
        if membership.user_id == request.user.pk and membership.role == Role.ADMIN:
            messages.error(request, _("You cannot take away your own admin role."))
        else:
            membership_revoke(
                municipality=municipality,
                user=membership.user,
                role=membership.role,
                actor=request.user,
            )
            messages.success(request, _("The role has been revoked."))
        return redirect("staff:roles")
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
        if user is None:
            form.add_error("email", _("No active account has this e-mail address."))
        else:
            membership_grant(
                municipality=municipality,
                user=user,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
            messages.success(request, _("The role has been granted."))
            return redirect("staff:roles")
    members = (
        Membership.objects.filter(municipality=municipality)
        .exclude(role=Role.PARTICIPANT)
        .select_related("user")
        .order_by("role", "user__display_name")
    )
    return render(request, "pages/staff/roles.html", {"form": form, "members": members})


def _operator(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_authenticated and getattr(user, "is_operator", False)):
        raise PermissionDenied
    if not has_second_factor(request):
        raise PermissionDenied(_("Operators need two-factor authentication."))


@require_http_methods(["GET", "POST"])
def operator_view(request: HttpRequest) -> HttpResponse:
    """Operators list the installation's municipalities and add new ones ("Mandantenmodell")."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    _operator(request)
    form = forms.MunicipalityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        admin = None
        if form.cleaned_data["admin_email"]:
            admin = User.objects.filter(email__iexact=form.cleaned_data["admin_email"]).first()
            if admin is None:
                form.add_error("admin_email", _("No account has this e-mail address."))
        if not form.errors:
            try:
                created = municipality_create(
                    slug=form.cleaned_data["slug"],
                    name=form.cleaned_data["name"],
                    hosts=form.cleaned_data["hosts"],
                    actor=request.user,
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                if admin is not None:
                    membership_grant(
                        municipality=created, user=admin, role=Role.ADMIN, actor=request.user
                    )
                messages.success(
                    request,
                    _("The municipality %(name)s has been created.") % {"name": created.name},
                )
                return redirect("staff:operator")
    municipalities = Municipality.objects.prefetch_related("domains").order_by("name")
    return render(
        request, "pages/staff/operator.html", {"form": form, "municipalities": municipalities}
    )
