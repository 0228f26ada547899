"""Reads of the pages app; the municipality comes first, always."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from mitmachstadt.tenants.models import Municipality

from .models import AccessibilityFeedback


def accessibility_feedback(
    municipality: Municipality, *, status: str | None = None
) -> QuerySet[AccessibilityFeedback]:
    """Feedback on barriers, newest first; optionally only one status."""
    rows = AccessibilityFeedback.objects.filter(municipality=municipality).select_related(
        "handled_by"
    )
    if status:
        rows = rows.filter(status=status)
    return rows


def accessibility_feedback_counts(municipality: Municipality) -> dict[str, int]:
    """How many messages are open and answered."""
    counts = dict.fromkeys(AccessibilityFeedback.Status.values, 0)
    rows = (
        AccessibilityFeedback.objects.filter(municipality=municipality)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
