"""Personal data of the events app for the privacy collector: export and erasure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Application, Registration

PROCESSING = [
    {
        "key": "event_registrations",
        "name": _("Registrations for events"),
        "purpose": _(
            "Organising events: places and the waiting list, reminders, telling you about changes."
        ),
        "data": _(
            "Your account, the event, your status (registered, waiting, cancelled) and the note "
            "for the organisers if you wrote one."
        ),
        "legal_basis": _("Art. 6(1)(e) GDPR"),
        "retention": _("Deleted one year after the event."),
        "recipients": _(
            "The organisers of the event. Registered participants see the online link."
        ),
    },
    {
        "key": "open_call_applications",
        "name": _("Applications to open calls"),
        "purpose": _(
            "Choosing the members of a participation format and telling you the decision."
        ),
        "data": _("Your account, your answers to the call, the decision and its message."),
        "legal_basis": _("Art. 6(1)(e) GDPR"),
        "retention": _("Deleted one year after the call closes."),
        "recipients": _("The organisers of the call."),
    },
]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Everything this app stores about `user`: registrations and applications."""
    registrations = [
        {
            "municipality": r.municipality.name,
            "event": r.event.title,
            "event_start": r.event.start.isoformat(),
            "status": r.status,
            "note": r.note,
            "registered": r.queued_at.isoformat(),
            "confirmed": r.confirmed_at.isoformat() if r.confirmed_at else None,
            "cancelled": r.cancelled_at.isoformat() if r.cancelled_at else None,
        }
        for r in Registration.objects.filter(user=user).select_related("event", "municipality")
    ]
    applications = [
        {
            "municipality": a.municipality.name,
            "call": a.call.title,
            "motivation": a.motivation,
            "background": a.background,
            "availability": a.availability,
            "status": a.status,
            "decision_message": a.decision_message,
            "submitted": a.created.isoformat(),
            "decided": a.decided_at.isoformat() if a.decided_at else None,
        }
        for a in Application.objects.filter(user=user).select_related("call", "municipality")
    ]
    return {"event_registrations": registrations, "open_call_applications": applications}


def purge(now: dt.datetime) -> dict[str, int]:
    """Apply the retention periods (registrations and applications after one year)."""
    from .services import retention_apply

    return retention_apply(now=now)


def erase(user: Any, *, keep_content: bool) -> None:
    """Delete the account's registrations and applications.

    Neither is public content, so `keep_content` changes nothing here: a freed place still goes
    to the waiting list, because cancelling comes before deleting.
    """
    from .services import registration_cancel

    for registration in Registration.objects.filter(
        user=user, status=Registration.Status.CONFIRMED
    ):
        registration_cancel(registration=registration, actor=user)
    Registration.objects.filter(user=user).delete()
    Application.objects.filter(user=user).delete()
