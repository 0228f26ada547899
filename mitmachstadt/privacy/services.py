"""Writes of privacy: consent, data export, account deletion, retention."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import User
from mitmachstadt.audit.services import audit_record
from mitmachstadt.tenants.models import Domain

from . import registry
from .models import ConsentRecord, DataExport

logger = logging.getLogger(__name__)
EXPORT_FORMAT = "mitmachstadt-export/1"
# One export at a time per account, and not more often than this.
EXPORT_INTERVAL = dt.timedelta(minutes=10)


# --- Consent --------------------------------------------------------------------------------


@transaction.atomic
def consent_set(
    *, user: Any, municipality: Any, purpose: str, granted: bool
) -> ConsentRecord | None:
    """Give or withdraw consent for one purpose; records only a change (None if unchanged)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in."))
    purposes = {p["purpose"]: p for p in registry.consent_purposes()}
    if purpose not in purposes:
        raise ValidationError(_("Unknown purpose."))
    latest = (
        ConsentRecord.objects.filter(user=user, municipality=municipality, purpose=purpose)
        .order_by("-created", "-id")
        .first()
    )
    if (latest.granted if latest else False) == granted:
        return None
    entry = purposes[purpose]
    record = ConsentRecord.objects.create(
        user=user,
        municipality=municipality,
        purpose=purpose,
        granted=granted,
        wording=f"{entry['label']}: {entry['description']}",
    )
    audit_record(
        action="privacy.consent",
        municipality=municipality,
        actor=user,
        target=record,
        data={"purpose": purpose, "granted": granted},
    )
    return record


# --- Data export ----------------------------------------------------------------------------


@transaction.atomic
def export_request(*, user: Any, municipality: Any) -> DataExport:
    """Ask for a ZIP of everything about the account; it is built in the background."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in."))
    busy = DataExport.objects.filter(
        user=user, status__in=[DataExport.Status.PENDING, DataExport.Status.RUNNING]
    )
    if busy.exists():
        raise ValidationError(_("Your data export is being prepared. Please wait a moment."))
    if DataExport.objects.filter(user=user, created__gte=timezone.now() - EXPORT_INTERVAL).exists():
        raise ValidationError(
            _("You asked for an export a few minutes ago. Please try again in a little while.")
        )
    export = DataExport.objects.create(user=user, municipality=municipality)
    audit_record(
        action="privacy.export_request", municipality=municipality, actor=user, target=export
    )
    from .tasks import build_export

    transaction.on_commit(lambda: build_export.enqueue(str(export.pk)))
    return export


def collect(user: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Everything the apps hold about `user`, per app label."""
    return {c.label: c.module.export(user) for c in registry.exporters()}


def _export_readme(user: Any, files: list[str]) -> str:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return render_to_string(
            "privacy/export_readme.txt", {"user": user, "files": files, "now": timezone.now()}
        )


def build_zip(user: Any) -> bytes:
    """The export: one JSON file per app, a manifest and a README."""
    data = collect(user)
    buffer = io.BytesIO()
    files = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for label, content in data.items():
            name = f"{label}.json"
            files.append(name)
            archive.writestr(
                name, json.dumps(content, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            )
        manifest = {
            "format": EXPORT_FORMAT,
            "created": timezone.now().isoformat(),
            "account": user.pk,
            "files": files,
            "counts": {
                label: {key: len(rows) for key, rows in content.items()}
                for label, content in data.items()
            },
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("README.txt", _export_readme(user, files))
    return buffer.getvalue()


def _absolute(municipality: Any, path: str) -> str:
    domain = (
        Domain.objects.filter(municipality=municipality).order_by("-is_primary", "host").first()
        if municipality is not None
        else None
    )
    if domain is None:
        return path
    scheme = "https" if settings.SECURE_HTTPS else "http"
    return f"{scheme}://{domain.host}{path}"


def export_build(*, export_id: str) -> DataExport | None:
    """Build the ZIP of an export request and tell the person it is ready."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update().select_related("user").filter(pk=export_id)
        ).first()
        if export is None:
            return None  # the account was deleted in the meantime
        if export.status != DataExport.Status.PENDING:
            return export
        export.status = DataExport.Status.RUNNING
        export.save(update_fields=["status"])
    user = export.user
    try:
        content = build_zip(user)
        export.file.save(f"{export.pk}.zip", ContentFile(content), save=False)
    except Exception:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, finished=timezone.now()
        )
        raise
    export.size = len(content)
    export.status = DataExport.Status.READY
    export.finished = timezone.now()
    export.save(update_fields=["file", "size", "status", "finished"])
    from django.urls import reverse

    link = _absolute(export.municipality, reverse("privacy:export"))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Your data export is ready")
        send_mail(
            f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            _(
                "Hello,\n\nthe export of your data is ready. Sign in and download it here "
                "within %(days)d days:\n\n%(link)s\n\nIf you did not ask for it, please change "
                "your password.\n"
            )
            % {"days": settings.RETENTION_EXPORT_DAYS, "link": link},
            None,
            [user.email],
            fail_silently=True,
        )
    return export


def export_delete_file(export: DataExport) -> None:
    if export.file and export.file.name:
        export.file.storage.delete(export.file.name)


# --- Account deletion -----------------------------------------------------------------------


def account_delete(*, user: User, keep_content: bool, municipality: Any = None) -> None:
    """Erase the account: every app removes the person, then the account itself goes."""
    pk = user.pk
    with transaction.atomic():
        for contributor in registry.erasers():
            contributor.module.erase(user, keep_content=keep_content)
        User.objects.filter(pk=pk).delete()
        # Only the fact and the choice are kept: no name, no address.
        audit_record(
            action="account.delete",
            municipality=municipality,
            data={"account": pk, "keep_content": keep_content},
        )


# --- Retention ------------------------------------------------------------------------------


def retention_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every app's retention periods; returns how many rows each rule removed."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    for contributor in registry.purgers():
        with transaction.atomic():
            for rule, count in contributor.module.purge(now).items():
                results[f"{contributor.label}.{rule}"] = count
    if any(results.values()):
        audit_record(action="privacy.retention", data=results)
    return results
