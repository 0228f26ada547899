from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AuditEntry


def audit_entries(municipality: Any, *, action_prefix: str = "") -> QuerySet[AuditEntry]:
    """Audit entries of one municipality, newest first."""
    qs = AuditEntry.objects.filter(municipality=municipality).select_related("actor")
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return qs
