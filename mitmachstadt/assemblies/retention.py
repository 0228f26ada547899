"""Retention rules for the personal data of a citizens' assembly (tested in test_retention).

1. The register extract is deleted in the same transaction that draws the invitations.
2. Names and addresses of invitees who did not answer, or declined, are deleted when the
   answers close.
3. All remaining names, addresses and contact details are deleted when the assembly concludes,
   and at the latest RETENTION_DAYS after the answer deadline, whatever the stage.
What remains are pseudonyms with features: the published audit record needs them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mitmachstadt.audit.services import audit_record

from .models import Assembly, Invitation, RegisterEntry, RegisterImport, Response

RETENTION_DAYS = 365


def purge_register(register: RegisterImport) -> int:
    """Rule 1: delete every row of the extract; only its hash and counts remain."""
    deleted, _ = RegisterEntry.objects.filter(register=register).delete()
    register.purged_at = timezone.now()
    register.save(update_fields=["purged_at"])
    return deleted


def _erase_addresses(invitations: QuerySet[Invitation], now: dt.datetime) -> int:
    return invitations.filter(address_erased_at__isnull=True).update(
        name="", street="", postcode="", city="", address_erased_at=now
    )


def after_answers_closed(assembly: Assembly) -> int:
    """Rule 2: forget invitees who are not in the pool."""
    in_pool = Response.objects.filter(
        assembly=assembly, willing=True, consent=True, withdrawn_at__isnull=True
    ).values("invitation_id")
    return _erase_addresses(
        Invitation.objects.filter(assembly=assembly).exclude(pk__in=in_pool), timezone.now()
    )


def erase_all(assembly: Assembly) -> dict[str, int]:
    """Rule 3: no names, addresses or contact details left; pseudonymous answers stay."""
    now = timezone.now()
    addresses = _erase_addresses(Invitation.objects.filter(assembly=assembly), now)
    contacts = (
        Response.objects.filter(assembly=assembly)
        .exclude(contact_email="", contact_phone="")
        .update(contact_email="", contact_phone="")
    )
    for register in RegisterImport.objects.filter(assembly=assembly, purged_at__isnull=True):
        purge_register(register)
    return {"addresses": addresses, "contacts": contacts}


@transaction.atomic
def retention_apply(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Apply rule 3 to every assembly whose answer deadline is RETENTION_DAYS past."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=RETENTION_DAYS)
    done: dict[str, Any] = {}
    for assembly in Assembly.objects.filter(response_deadline__lt=limit):
        counts = erase_all(assembly)
        if any(counts.values()):
            audit_record(
                action="assembly.retention",
                municipality=assembly.municipality,
                target=assembly,
                data=counts,
            )
            done[str(assembly.pk)] = counts
    return done
