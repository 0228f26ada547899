"""Personal data of the pages app (privacy protocol): feedback on barriers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import AccessibilityFeedback


def retention_days() -> int:
    return int(getattr(settings, "RETENTION_ACCESSIBILITY_FEEDBACK_DAYS", 730))


def processing() -> list[dict[str, Any]]:
    return [
        {
            "key": "accessibility_feedback",
            "name": _("Feedback on accessibility"),
            "purpose": _("Answering reports of barriers and removing the barriers (BITV 2.0 § 7)."),
            "data": _(
                "Your message and the page concerned; your name and e-mail address only if you "
                "give them; your account if you are signed in."
            ),
            "legal_basis": _("Art. 6(1)(c) and (e) GDPR with BITV 2.0 § 7"),
            "retention": _("Deleted %(days)d days after it arrived.") % {"days": retention_days()},
            "recipients": _("The municipality's contact address and its admins."),
        }
    ]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    rows = AccessibilityFeedback.objects.filter(user=user).order_by("created")
    return {
        "accessibility_feedback": [
            {
                "municipality": row.municipality_id,
                "received": row.created.isoformat(),
                "page": row.page,
                "name": row.name,
                "email": row.email,
                "message": row.message,
                "status": row.status,
            }
            for row in rows
        ]
    }


def erase(user: Any, *, keep_content: bool) -> None:
    # A report of a barrier is no public contribution: it goes with the account either way.
    AccessibilityFeedback.objects.filter(user=user).delete()


def purge(now: dt.datetime) -> dict[str, int]:
    cutoff = now - dt.timedelta(days=retention_days())
    deleted, _rows = AccessibilityFeedback.objects.filter(created__lt=cutoff).delete()
    return {"accessibility_feedback": deleted}
