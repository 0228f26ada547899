"""Personal data in reviews (privacy protocol): which staff account recorded which verdict.

Verdicts are acts of the administration and part of the public record once published, so they
stay when an account is erased; only the link to the account goes (in both erase modes).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import CriterionVerdict

PROCESSING = [
    {
        "key": "assessments",
        "name": _("Criteria assessments of ideas"),
        "purpose": _(
            "Documenting who in the administration assessed an idea against the selection "
            "criteria, so that the review can be traced."
        ),
        "data": _("The staff account that recorded a verdict, and when."),
        "legal_basis": _("Art. 6(1)(e) GDPR with the municipality's participation statute"),
        "retention": _(
            "As long as the idea exists; when the account is deleted, the verdicts stay "
            "without the account."
        ),
        "recipients": _(
            "The public sees verdicts and justifications, never the account that recorded them."
        ),
    }
]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """The verdicts the account recorded as reviewer."""
    rows = CriterionVerdict.objects.filter(assessor=user).select_related("assessment")
    return {
        "assessment_verdicts": [
            {
                "idea": row.assessment.idea_id,
                "round": row.assessment.round,
                "criterion": row.criterion_name,
                "verdict": row.verdict,
                "justification": row.justification,
                "updated": row.updated.isoformat(),
            }
            for row in rows.order_by("assessment__idea_id", "assessment__round", "position")
        ]
    }


def erase(user: Any, *, keep_content: bool) -> None:
    """Remove the account from the verdicts it recorded; the verdicts stay (public record)."""
    CriterionVerdict.objects.filter(assessor=user).update(assessor=None)
