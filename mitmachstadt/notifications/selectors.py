"""Reads of subscriptions, settings and the inbox. Every selector takes the municipality first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mitmachstadt.ideas.models import Follow
from mitmachstadt.ideas.states import PROJECT_STATES

from .kinds import DEFAULTS, Frequency, Kind
from .models import Notification, NotificationSettings, PushSubscription, Subscription

CHANNELS = ("email", "push", "inbox")


def effective_prefs(row: NotificationSettings | None) -> dict[str, dict[str, Any]]:
    """Channels per kind: the stored choices over the defaults (unknown values ignored)."""
    prefs = {kind: dict(values) for kind, values in DEFAULTS.items()}
    stored = row.prefs if row is not None and isinstance(row.prefs, dict) else {}
    for kind, values in stored.items():
        if kind not in prefs or not isinstance(values, dict):
            continue
        if values.get("email") in Frequency.values:
            prefs[kind]["email"] = values["email"]
        for channel in ("push", "inbox"):
            if isinstance(values.get(channel), bool):
                prefs[kind][channel] = values[channel]
    return prefs


def settings_row(municipality: Any, user: Any) -> NotificationSettings | None:
    return NotificationSettings.objects.filter(municipality=municipality, user=user).first()


def settings_for(municipality: Any, user: Any) -> tuple[dict[str, dict[str, Any]], bool]:
    """(prefs per kind, e-mail paused) of `user` in `municipality`."""
    row = settings_row(municipality, user)
    return effective_prefs(row), bool(row and row.email_paused)


def subscriptions_of(municipality: Any, user: Any) -> QuerySet[Subscription]:
    return Subscription.objects.filter(municipality=municipality, user=user).select_related(
        "field", "district"
    )


def follows_of(municipality: Any, user: Any) -> list[dict[str, Any]]:
    """The ideas and projects `user` follows here, newest first."""
    rows = (
        Follow.objects.filter(user=user, idea__municipality=municipality)
        .select_related("idea")
        .order_by("-created", "-id")
    )
    return [
        {"idea": row.idea, "is_project": row.idea.state in PROJECT_STATES, "since": row.created}
        for row in rows
    ]


def is_following(municipality: Any, user: Any, idea: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or idea.municipality_id != municipality.pk:
        return False
    return Follow.objects.filter(user=user, idea=idea).exists()


def push_devices(municipality: Any, user: Any) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(municipality=municipality, user=user).order_by(
        "-created"
    )


def inbox(municipality: Any, user: Any) -> QuerySet[Notification]:
    """The account's inbox here, newest first."""
    return (
        Notification.objects.filter(municipality=municipality, user=user, in_inbox=True)
        .select_related("activity", "activity__idea", "activity__actor")
        .order_by("-created", "-id")
    )


def unread_count(municipality: Any, user: Any) -> int:
    if municipality is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(
        municipality=municipality, user=user, in_inbox=True, read_at__isnull=True
    ).count()


def notification_of(municipality: Any, user: Any, pk: int) -> Notification | None:
    return (
        Notification.objects.filter(municipality=municipality, user=user, pk=pk)
        .select_related("activity", "activity__idea")
        .first()
    )


KIND_ORDER = list(Kind)
