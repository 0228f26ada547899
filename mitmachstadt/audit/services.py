from __future__ import annotations

from typing import Any

from django.db import models

from mitmachstadt.core import pagecache

from .models import AuditEntry


def audit_record(
    *,
    action: str,
    municipality: Any = None,
    actor: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry; called inside the service's own transaction."""
    # Every service writes an entry: the one place that outdates the municipality's cached pages.
    # Accounts (names, erasure) and installation-wide actions concern every municipality.
    if municipality is None or action.startswith("account."):
        pagecache.bump_all_on_commit()
    else:
        pagecache.bump_on_commit(getattr(municipality, "pk", municipality))
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        municipality=municipality,
        actor=actor_obj,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        data=data or {},
    )
