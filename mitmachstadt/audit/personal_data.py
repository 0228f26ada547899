"""Personal data in the audit log (privacy protocol).

The audit log is append-only for everybody, with one exception the law makes: when a person
deletes their account, entries lose the link to them and any copy of their e-mail address.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

PROCESSING = [
    {
        "key": "audit",
        "name": _("Audit log"),
        "purpose": _(
            "Accountability: who changed what and when (staff decisions, moderation, sign-ups), "
            "to detect misuse and to answer questions about decisions."
        ),
        "data": _("Account number of the person acting, the action, the object, the time."),
        "legal_basis": _("Art. 6(1)(c) and (e) GDPR, Art. 5(2) GDPR (accountability)"),
        "retention": _("Append-only; the link to a person is removed when the account is deleted."),
        "recipients": _("Administrators of the municipality."),
    }
]

ERASED = "[erased]"


def _entries_about(user: Any) -> Any:
    return AuditEntry.objects.filter(
        Q(actor=user) | Q(target_type="accounts.user", target_id=str(user.pk))
    )


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Audit entries by or about the account."""
    return {
        "audit_entries": [
            {
                "time": e.created.isoformat(),
                "municipality": e.municipality_id,
                "action": e.action,
                "object": f"{e.target_type}:{e.target_id}" if e.target_type else "",
                "by_you": e.actor_id == user.pk,
                "details": e.data,
            }
            for e in _entries_about(user).order_by("created", "id")
        ]
    }


def _scrub(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        return ERASED if any(n in value.casefold() for n in needles) else value
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    return value


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Unlink the entries from the person and remove copies of their address and name."""
    needles = [n.casefold() for n in (user.email, user.display_name) if n]
    for entry in _entries_about(user).iterator():
        data = _scrub(entry.data, needles)
        if data != entry.data:
            # A queryset update: the one sanctioned change to an append-only entry.
            AuditEntry.objects.filter(pk=entry.pk).update(data=data)
    AuditEntry.objects.filter(actor=user).update(actor=None)
