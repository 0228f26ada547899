"""Reads of privacy. Selectors about a municipality take it first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.audit.selectors import audit_entries

from . import registry
from .models import ConsentRecord, DataExport


@dataclass
class ConsentState:
    purpose: str
    label: str
    description: str
    granted: bool
    since: dt.datetime | None


def consent_states(municipality: Any, user: Any) -> list[ConsentState]:
    """For every optional purpose: does the person agree now, and since when."""
    latest: dict[str, ConsentRecord] = {}
    for row in ConsentRecord.objects.filter(user=user, municipality=municipality).order_by(
        "created", "id"
    ):
        latest[row.purpose] = row
    states = []
    for entry in registry.consent_purposes():
        record = latest.get(entry["purpose"])
        states.append(
            ConsentState(
                purpose=entry["purpose"],
                label=str(entry["label"]),
                description=str(entry["description"]),
                granted=bool(record and record.granted),
                since=record.created if record else None,
            )
        )
    return states


def consent_history(municipality: Any, user: Any) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(user=user, municipality=municipality)


def has_consent(municipality: Any, user: Any, purpose: str) -> bool:
    """True if `user` currently agrees to `purpose` in `municipality`."""
    record = (
        ConsentRecord.objects.filter(user=user, municipality=municipality, purpose=purpose)
        .order_by("-created", "-id")
        .first()
    )
    return bool(record and record.granted)


def exports_of(user: Any) -> QuerySet[DataExport]:
    """The account's data exports that can still be downloaded or are being prepared."""
    cutoff = timezone.now() - dt.timedelta(days=settings.RETENTION_EXPORT_DAYS)
    return DataExport.objects.filter(user=user, created__gte=cutoff)


def export_for_download(user: Any, pk: Any) -> DataExport | None:
    return exports_of(user).filter(pk=pk, status=DataExport.Status.READY).first()


def third_parties() -> list[dict[str, str]]:
    """Servers other than this one that a visitor's browser talks to (from the configuration)."""
    hosts = []
    tiles = urlparse(getattr(settings, "MAP_TILE_URL", "") or "")
    if tiles.netloc:
        hosts.append(
            {"host": tiles.netloc, "what": "map", "attribution": settings.MAP_TILE_ATTRIBUTION}
        )
    return hosts


@dataclass
class AuditFilter:
    action: str = ""
    target_type: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_actions(municipality: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(municipality=municipality)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_log(municipality: Any, flt: AuditFilter) -> QuerySet[AuditEntry]:
    """The municipality's audit entries with filters, newest first."""
    qs = audit_entries(municipality)
    if flt.action:
        qs = qs.filter(action__startswith=flt.action)
    if flt.target_type:
        qs = qs.filter(target_type=flt.target_type)
    if flt.actor:
        qs = qs.filter(actor__display_name__iexact=flt.actor)
    if flt.date_from:
        qs = qs.filter(created__date__gte=flt.date_from)
    if flt.date_to:
        qs = qs.filter(created__date__lte=flt.date_to)
    return qs.order_by("-created", "-id")
