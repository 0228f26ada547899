"""Subscriptions, the inbox and the outbox of notifications.

The flow: a domain event becomes one `Activity`; fanning it out creates one `Notification` per
recipient (the inbox item, unique per activity and account); each notification that is to go out
at once gets one `Delivery` per channel (e-mail, each web-push device) - the outbox. Digests
collect notifications and go out as one `Delivery` of their own. Workers claim deliveries one at a
time, so a killed worker leaves at most one delivery in doubt (see outbox.py for the argument).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned

from .kinds import Frequency, Kind

MAX_RADIUS_M = 50_000
MIN_RADIUS_M = 50


class Subscription(MunicipalityOwned):
    """Something a person wants to hear about beyond the ideas they follow."""

    class Type(models.TextChoices):
        FIELD = "field", _("Field of action")
        DISTRICT = "district", _("District")
        RADIUS = "radius", _("Area around a point")
        SEARCH = "search", _("Saved search")
        EVENTS = "events", _("All events")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    field = models.ForeignKey(
        "tenants.FieldOfAction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("field of action"),
    )
    district = models.ForeignKey(
        "geo.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("district"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius in metres"), null=True, blank=True)
    # Bounding box of the circle, so that matching can pre-filter in SQL on both databases.
    min_lat = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    search = models.JSONField(_("search filter"), default=dict, blank=True)
    label = models.CharField(_("name"), max_length=120, blank=True)
    include_updates = models.BooleanField(
        _("also tell me how matching ideas progress"),
        default=False,
        help_text=_("State changes, official answers and milestones of matching ideas."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["municipality", "type"]),
            models.Index(fields=["user", "municipality"]),
        ]

    def __str__(self) -> str:
        return self.label or self.get_type_display()


class NotificationSettings(MunicipalityOwned):
    """One person's channels per kind in one municipality (absent: kinds.DEFAULTS)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prefs = models.JSONField(default=dict, blank=True)
    email_paused = models.BooleanField(_("no e-mails at all"), default=False)
    bounce_count = models.PositiveSmallIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"], name="notification_settings_unique"
            )
        ]


class Activity(MunicipalityOwned):
    """One thing that happened and is worth telling (the fan-out's unit of work)."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    idea = models.ForeignKey(
        "ideas.Idea", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["fanned_out_at", "created"])]


class Digest(MunicipalityOwned):
    """A summary e-mail collecting one person's notifications of a day or a week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=12, choices=Frequency.choices)
    key = models.CharField(max_length=12)  # "2025-05-13" (daily) or "2025-W20" (weekly)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "period", "key"], name="digest_unique"
            )
        ]


class DigestRun(models.Model):
    """That the digests of one period window were built (so that the scheduler does it once)."""

    period = models.CharField(max_length=12, choices=Frequency.choices)
    key = models.CharField(max_length=12)
    started = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    digests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "key"], name="digest_run_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.key}"


class Notification(MunicipalityOwned):
    """One activity for one person: the inbox item and the source of e-mail and push."""

    class Reason(models.TextChoices):
        FOLLOW = "follow", _("you follow this idea")
        SUBSCRIPTION = "subscription", _("it matches your subscription")
        REPLY = "reply", _("someone replied to your comment")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_inbox = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digest_period = models.CharField(max_length=8, blank=True)
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="notification_unique")
        ]
        indexes = [
            models.Index(fields=["user", "municipality", "in_inbox", "-created"]),
            models.Index(fields=["user", "municipality", "read_at"]),
            models.Index(fields=["digest_period", "digest"]),
        ]


class PushSubscription(MunicipalityOwned):
    """A browser's web-push endpoint with its keys (RFC 8030, RFC 8291)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("device"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_success = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("web-push device")
        verbose_name_plural = _("web-push devices")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "endpoint"], name="push_subscription_endpoint_unique"
            )
        ]


class VapidKey(models.Model):
    """The installation's VAPID key pair when none is given in the environment (made once)."""

    name = models.CharField(max_length=20, unique=True, default="default")
    private_key = models.CharField(max_length=100)  # raw 32 bytes, base64url
    public_key = models.CharField(max_length=120)  # uncompressed point, base64url
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


def _message_id() -> str:
    return uuid.uuid4().hex


class Delivery(MunicipalityOwned):
    """The outbox: one message to send over one channel, with its state and attempts."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PUSH = "push", _("web push")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not needed any more")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    push_subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Stable across retries: the Message-ID of the e-mail, the Topic of the push message.
    message_key = models.CharField(max_length=32, default=_message_id, unique=True)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set while the message's last byte is on its way (see outbox.py): after a crash, a delivery
    # with this set may have arrived; without it, it certainly has not.
    committing_at = models.DateTimeField(null=True, blank=True)
    uncertain_resends = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(notification__isnull=False, push_subscription__isnull=True),
                name="delivery_notification_channel_unique",
            ),
            models.UniqueConstraint(
                fields=["notification", "push_subscription"],
                condition=Q(notification__isnull=False, push_subscription__isnull=False),
                name="delivery_notification_device_unique",
            ),
            models.UniqueConstraint(
                fields=["digest", "channel"],
                condition=Q(digest__isnull=False),
                name="delivery_digest_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at", "id"])]
