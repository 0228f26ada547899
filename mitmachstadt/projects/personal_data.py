"""Personal data in projects (privacy protocol): who booked spending and measured KPIs.

Bookings and measured values are figures of the administration that the dashboard and the
monitoring report rely on, so they stay when an account is erased; only the link goes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Expenditure, Measurement

PROCESSING = [
    {
        "key": "project_records",
        "name": _("Project spending and key figures"),
        "purpose": _("Tracing who in the administration booked spending or recorded a value."),
        "data": _("The staff account that made the booking or recorded the value, and when."),
        "legal_basis": _("Art. 6(1)(e) GDPR with the municipality's participation statute"),
        "retention": _(
            "As long as the project exists; when the account is deleted, the figures stay "
            "without the account."
        ),
        "recipients": _("The public sees the figures, never the account that recorded them."),
    }
]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """The bookings and measured values the account recorded."""
    return {
        "project_expenditures": [
            {
                "project": e.project.idea_id,
                "date": e.spent_on.isoformat(),
                "amount": str(e.amount),
                "category": e.category,
                "note": e.note,
                "created": e.created.isoformat(),
            }
            for e in Expenditure.objects.filter(recorded_by=user).select_related("project")
        ],
        "project_measurements": [
            {
                "project": m.indicator.project.idea_id,
                "indicator": m.indicator.name,
                "date": m.measured_on.isoformat(),
                "value": str(m.value),
                "note": m.note,
                "created": m.created.isoformat(),
            }
            for m in Measurement.objects.filter(recorded_by=user).select_related(
                "indicator__project"
            )
        ],
    }


def erase(user: Any, *, keep_content: bool) -> None:
    """Remove the account from bookings and values; the figures stay (public record)."""
    Expenditure.objects.filter(recorded_by=user).update(recorded_by=None)
    Measurement.objects.filter(recorded_by=user).update(recorded_by=None)
