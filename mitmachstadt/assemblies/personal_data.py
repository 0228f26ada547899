"""Personal data of the assemblies app for the privacy collector: export and erasure.

Invitees and respondents have no account: they are reached by letter and answer with a code,
and their data follow the retention rules in retention.py. What links to an account here are
staff actions only: assemblies created and paper replies entered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Assembly, Response, Seed, Selection

PROCESSING = [
    {
        "key": "assembly_register",
        "name": _("Citizens' assembly: extract from the population register"),
        "purpose": _("Drawing the residents who are invited to a citizens' assembly."),
        "data": _("Name, address, district and year of birth of the residents in the extract."),
        "legal_basis": _("Art. 6(1)(e) GDPR with the state's registration law (group information)"),
        "retention": _(
            "Deleted in the same step that draws the invitations; only the file's hash remains."
        ),
        "recipients": _("The organisers; the letters go to a printing office if one is used."),
    },
    {
        "key": "assembly_invitations",
        "name": _("Citizens' assembly: invitations and answers"),
        "purpose": _(
            "Inviting people by letter, taking their answers, drawing the panel and contacting "
            "its members."
        ),
        "data": _(
            "Name and address of the invited, the personal response code; from those who answer: "
            "yes or no, the features the quotas ask for, e-mail address or telephone if given."
        ),
        "legal_basis": _("Art. 6(1)(a) and (e) GDPR (the answers with consent)"),
        "retention": _(
            "Names and addresses of people who did not answer or declined: deleted when the "
            "answers close. All other names, addresses and contact details: deleted when the "
            "assembly concludes, at the latest one year after the answer deadline. The features "
            "stay without names, under a random lottery number, in the published audit record."
        ),
        "recipients": _(
            "The organisers. Published: lottery numbers with features and chances, no names."
        ),
    },
]


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


def purge(now: dt.datetime) -> dict[str, int]:
    """Apply the retention rules to every assembly past its deadline (see retention.py)."""
    from .retention import retention_apply

    done = retention_apply(now=now)
    return {
        "assembly_addresses": sum(d["addresses"] for d in done.values()),
        "assembly_contacts": sum(d["contacts"] for d in done.values()),
    }


def erase(user: Any, *, keep_content: bool) -> None:
    """Forget who did it; the assemblies and answers themselves stay (they are not the user's)."""
    Assembly.objects.filter(created_by=user).update(created_by=None)
    Response.objects.filter(entered_by=user).update(entered_by=None)
    Seed.objects.filter(announced_by=user).update(announced_by=None)
    Selection.objects.filter(created_by=user).update(created_by=None)
