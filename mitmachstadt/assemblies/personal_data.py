"""Personal data of the assemblies app for the privacy collector: export and erasure.

Invitees and respondents have no account: they are reached by letter and answer with a code,
and their data follow the retention rules in retention.py. What links to an account here are
staff actions only: assemblies created and paper replies entered.
"""

from __future__ import annotations

from typing import Any

from .models import Assembly, Response, Seed, Selection


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """The assemblies the account created and the paper replies it entered (as staff)."""
    created = [
        {"municipality": a.municipality.name, "assembly": a.title, "created": a.created.isoformat()}
        for a in Assembly.objects.filter(created_by=user).select_related("municipality")
    ]
    entered = [
        {
            "municipality": r.municipality.name,
            "assembly": r.assembly.title,
            "letter": r.invitation.number,
            "entered": r.updated.isoformat(),
        }
        for r in Response.objects.filter(entered_by=user).select_related(
            "assembly", "municipality", "invitation"
        )
    ]
    return {"assemblies_created": created, "assembly_paper_replies_entered": entered}


def erase(user: Any, *, keep_content: bool) -> None:
    """Forget who did it; the assemblies and answers themselves stay (they are not the user's)."""
    Assembly.objects.filter(created_by=user).update(created_by=None)
    Response.objects.filter(entered_by=user).update(entered_by=None)
    Seed.objects.filter(announced_by=user).update(announced_by=None)
    Selection.objects.filter(created_by=user).update(created_by=None)
