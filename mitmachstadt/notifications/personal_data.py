"""Personal data held by notifications, for the privacy app's export and erasure."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .kinds import Kind
from .models import (
    Activity,
    Delivery,
    Digest,
    Notification,
    NotificationSettings,
    PushSubscription,
    Subscription,
)
from .rendering import describe


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Everything notifications store about `user`, as plain JSON-able rows."""
    subscriptions = [
        {
            "municipality": sub.municipality_id,
            "type": sub.type,
            "name": str(sub),
            "field": sub.field.slug if sub.field else None,
            "district": sub.district.slug if sub.district else None,
            "lat": sub.lat,
            "lon": sub.lon,
            "radius_m": sub.radius_m,
            "search": sub.search,
            "include_updates": sub.include_updates,
            "created": _iso(sub.created),
        }
        for sub in Subscription.objects.filter(user=user).select_related("field", "district")
    ]
    settings_rows = [
        {
            "municipality": row.municipality_id,
            "channels": row.prefs,
            "email_paused": row.email_paused,
            "bounces": row.bounce_count,
        }
        for row in NotificationSettings.objects.filter(user=user)
    ]
    notifications = []
    for item in Notification.objects.filter(user=user).select_related("activity", "activity__idea"):
        rendered = describe(item.activity, item.kind)
        notifications.append(
            {
                "municipality": item.municipality_id,
                "kind": item.kind,
                "title": rendered.title,
                "link": rendered.path,
                "reason": item.reason,
                "created": _iso(item.created),
                "read": _iso(item.read_at),
            }
        )
    devices = [
        {
            "municipality": device.municipality_id,
            "device": device.user_agent,
            "endpoint": device.endpoint,
            "created": _iso(device.created),
            "last_success": _iso(device.last_success),
        }
        for device in PushSubscription.objects.filter(user=user)
    ]
    deliveries = [
        {
            "municipality": row.municipality_id,
            "channel": row.channel,
            "status": row.status,
            "attempts": row.attempts,
            "sent": _iso(row.sent_at),
            "created": _iso(row.created),
        }
        for row in Delivery.objects.filter(user=user)
    ]
    return {
        "notification_subscriptions": subscriptions,
        "notification_settings": settings_rows,
        "notifications": notifications,
        "push_devices": devices,
        "notification_deliveries": deliveries,
    }


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Delete the person's subscriptions, inbox, devices and settings; in what others were told
    about their comments, drop the name (and, without `keep_content`, the whole item)."""
    told = Activity.objects.filter(actor=user, kind=Kind.COMMENT)
    if keep_content:
        for activity in told:
            activity.data = {**activity.data, "author": "", "anonymous": True}
            activity.save(update_fields=["data"])
    else:
        told.delete()
    Delivery.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    Digest.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()


def processing() -> list[dict[str, Any]]:
    """The processing activities of notifications, for the register and the privacy page."""
    from .scheduler import RETENTION_DAYS

    return [
        {
            "key": "notifications",
            "name": _("Notifications and subscriptions"),
            "purpose": _(
                "Telling you, as you chose, about ideas you follow, your subscriptions and "
                "replies to your comments: in your inbox, by e-mail and as push messages."
            ),
            "data": _(
                "Your subscriptions (fields, districts, a point with a radius, searches), your "
                "channel choices, your inbox, the delivery state of each message, and the "
                "addresses and keys of the browsers you switched push messages on for."
            ),
            "legal_basis": _("Art. 6(1)(a) GDPR: you ask for it, and can stop it at any time."),
            "retention": _(
                "Inbox items and delivery records for %(days)d days; subscriptions, settings "
                "and devices until you remove them or delete your account."
            )
            % {"days": RETENTION_DAYS},
            "recipients": _(
                "The municipality's mail server; for push messages, the push service of your "
                "browser's vendor (it sees only encrypted content)."
            ),
        }
    ]


def purge(now: Any) -> dict[str, int]:
    """Apply the retention period of inbox items and delivery records."""
    from .scheduler import RETENTION_DAYS
    from .services import prune

    return {"notifications": prune(days=RETENTION_DAYS)}
