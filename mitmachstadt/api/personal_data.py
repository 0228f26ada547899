"""Personal data of the API (privacy protocol): personal access tokens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import ApiToken

PROCESSING = [
    {
        "key": "api_tokens",
        "name": _("Personal API tokens"),
        "purpose": _("Letting your own scripts and apps act for your account through the API."),
        "data": _("Name of the token, its first characters, when it was made and last used."),
        "legal_basis": _("Art. 6(1)(b) GDPR"),
        "retention": _("Until you delete the token or your account."),
        "recipients": _("Nobody."),
    }
]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """The account's API tokens (never the secret: only its hash is stored)."""
    return {
        "api_tokens": [
            {
                "municipality": t.municipality_id,
                "name": t.name,
                "prefix": t.prefix,
                "created": t.created.isoformat(),
                "last_used": t.last_used.isoformat() if t.last_used else None,
            }
            for t in ApiToken.objects.filter(user=user)
        ]
    }


def erase(user: Any, *, keep_content: bool) -> None:
    """Delete the account's tokens."""
    ApiToken.objects.filter(user=user).delete()
