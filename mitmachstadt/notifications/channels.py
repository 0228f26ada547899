"""Building and sending one delivery: an e-mail (plain text + HTML) or a web-push message."""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from mitmachstadt.tenants.selectors import primary_host

from . import push
from .kinds import Frequency
from .models import Delivery, Notification, NotificationSettings
from .outbox import MailSender, mark_committing
from .rendering import Rendered, describe, is_still_public, reason_text, site_url
from .tokens import make_token

SENT = "sent"
SKIPPED = "skipped"


def _language(user: Any) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _scope(notification: Notification) -> str:
    if notification.reason == Notification.Reason.FOLLOW and notification.activity.idea_id:
        return f"follow:{notification.activity.idea_id}"
    if notification.reason == Notification.Reason.SUBSCRIPTION and notification.subscription_id:
        return f"sub:{notification.subscription_id}"
    return f"kind:{notification.kind}"


def _mail_domain(municipality: Any) -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or primary_host(municipality)


def message_id(delivery: Delivery) -> str:
    """The Message-ID of a delivery's e-mail: the same on every attempt."""
    return f"<{delivery.message_key}@{_mail_domain(delivery.municipality)}>"


def _email(
    delivery: Delivery,
    *,
    subject: str,
    template: str,
    context: dict[str, Any],
    scope: str,
) -> EmailMultiAlternatives:
    municipality = delivery.municipality
    user = delivery.user
    base = site_url(municipality)
    token = make_token(user_id=user.pk, municipality_id=municipality.pk, scope=scope)
    unsubscribe_url = f"{base}/notifications/unsubscribe/{token}/"
    context = {
        **context,
        "user": user,
        "municipality": municipality,
        "site_url": base,
        "settings_url": f"{base}/accounts/notifications/",
        "inbox_url": f"{base}/notifications/",
        "unsubscribe_url": unsubscribe_url,
        "subject": subject,
        "LANGUAGE_CODE": translation.get_language(),
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    sender = formataddr(
        (municipality.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost")
    )
    message = EmailMultiAlternatives(
        subject=f"[{municipality.short_name or municipality.name}] {subject}",
        body=text,
        from_email=sender,
        to=[user.email],
        headers={
            "Message-ID": message_id(delivery),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{municipality.slug}.notifications.{_mail_domain(municipality)}",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _item(rendered: Rendered, base: str) -> dict[str, Any]:
    return {"title": rendered.title, "lines": rendered.lines, "url": base + rendered.path}


def notification_email(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The e-mail telling one notification, or None if it is no longer to be told."""
    notification = delivery.notification
    assert notification is not None
    activity = notification.activity
    if not is_still_public(activity):
        return None
    with translation.override(_language(delivery.user)):
        rendered = describe(activity, notification.kind)
        label = str(notification.subscription) if notification.subscription_id else ""
        return _email(
            delivery,
            subject=rendered.title,
            template="notification",
            context={
                "item": _item(rendered, site_url(delivery.municipality)),
                "reason": reason_text(notification.reason, label),
            },
            scope=_scope(notification),
        )


def digest_email(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The summary e-mail of a digest, or None if nothing in it is still to be told."""
    digest = delivery.digest
    assert digest is not None
    notifications = (
        Notification.objects.filter(digest=digest)
        .select_related("activity", "activity__idea")
        .order_by("created", "id")
    )
    base = site_url(delivery.municipality)
    with translation.override(_language(delivery.user)):
        items = [
            _item(describe(n.activity, n.kind), base)
            for n in notifications
            if is_still_public(n.activity)
        ]
        if not items:
            return None
        if digest.period == Frequency.WEEKLY:
            subject = _("Your weekly summary: %(count)d updates") % {"count": len(items)}
        else:
            subject = _("Your daily summary: %(count)d updates") % {"count": len(items)}
        return _email(
            delivery,
            subject=subject,
            template="digest",
            context={"items": items, "period": digest.period},
            scope=f"digest:{digest.period}",
        )


def push_payload(delivery: Delivery) -> dict[str, Any] | None:
    notification = delivery.notification
    if notification is None or not is_still_public(notification.activity):
        return None
    with translation.override(_language(delivery.user)):
        rendered = describe(notification.activity, notification.kind)
        return {
            "title": rendered.title,
            "body": " ".join(rendered.lines)[:300],
            "url": site_url(delivery.municipality) + rendered.path,
            "tag": delivery.message_key,
        }


def _email_paused(delivery: Delivery) -> bool:
    return NotificationSettings.objects.filter(
        user_id=delivery.user_id, municipality_id=delivery.municipality_id, email_paused=True
    ).exists()


def send(delivery: Delivery, mail: MailSender) -> str:
    """Send one claimed delivery; returns SENT or SKIPPED, raises outbox failures."""
    if not delivery.user.is_active:
        return SKIPPED
    if delivery.channel == Delivery.Channel.EMAIL:
        if not delivery.user.email or _email_paused(delivery):
            return SKIPPED
        message = digest_email(delivery) if delivery.digest_id else notification_email(delivery)
        if message is None:
            return SKIPPED
        mail.send(message, lambda: mark_committing(delivery))
        return SENT
    device = delivery.push_subscription
    payload = push_payload(delivery) if device is not None else None
    if device is None or payload is None:
        return SKIPPED
    try:
        push.send(
            device,
            payload,
            topic=delivery.message_key,
            contact=delivery.municipality.contact_email,
            before_request=lambda: mark_committing(delivery),
        )
    except push.EndpointGone:
        device.delete()
        return SKIPPED
    from django.utils import timezone

    type(device).objects.filter(pk=device.pk).update(last_success=timezone.now(), failures=0)
    return SENT


def on_permanent_failure(delivery: Delivery) -> None:
    """A bounce counts against the address; a refused push counts against the device."""
    from .services import record_bounce

    if delivery.channel == Delivery.Channel.EMAIL:
        record_bounce(user_id=delivery.user_id, municipality_id=delivery.municipality_id)
