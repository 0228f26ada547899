"""Writes of the pages app: feedback on barriers (accessibility statement)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Membership, Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.tenants.models import Municipality
from mitmachstadt.tenants.selectors import primary_host

from .models import MAX_MESSAGE, MAX_PAGE, AccessibilityFeedback


def feedback_recipients(municipality: Municipality) -> list[str]:
    """Where feedback goes: the contact address, else the municipality's admins."""
    if municipality.contact_email:
        return [municipality.contact_email]
    emails = (
        Membership.objects.filter(municipality=municipality, role=Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def _absolute(municipality: Municipality, path: str) -> str:
    scheme = "https" if getattr(settings, "SECURE_HTTPS", False) else "http"
    return f"{scheme}://{primary_host(municipality)}{path}"


def _send_later(feedback: AccessibilityFeedback) -> None:
    recipients = feedback_recipients(feedback.municipality)
    if not recipients:
        return
    municipality = feedback.municipality
    # The administration reads it in the platform's default language, whatever the sender used.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Feedback on accessibility: %(page)s") % {
            "page": (feedback.page or _("no page given"))[:80]
        }
        body = render_to_string(
            "pages/email/accessibility_feedback.txt",
            {
                "feedback": feedback,
                "municipality": municipality,
                "staff_url": _absolute(municipality, reverse("staff:accessibility_feedback")),
            },
        )
    reply_to = [feedback.email] if feedback.email else []
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")

    def send() -> None:
        from .tasks import send_feedback_email

        send_feedback_email.enqueue(
            to=recipients, subject=f"{prefix}{subject}", body=body, reply_to=reply_to
        )

    transaction.on_commit(send)


@transaction.atomic
def accessibility_feedback_submit(
    *,
    municipality: Municipality,
    message: str,
    page: str = "",
    name: str = "",
    email: str = "",
    user: Any = None,
    language: str = "",
) -> AccessibilityFeedback:
    """Store feedback on a barrier and e-mail it to the municipality after the commit."""
    message = (message or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not message:
        errors["message"] = [_("Please describe the barrier.")]
    elif len(message) > MAX_MESSAGE:
        errors["message"] = [_("Please write at most %(n)d characters.") % {"n": MAX_MESSAGE}]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Please enter a valid e-mail address or leave the field empty.")]
    if errors:
        raise ValidationError(errors)
    author = user if getattr(user, "is_authenticated", False) else None
    feedback = AccessibilityFeedback.objects.create(
        municipality=municipality,
        message=message,
        page=(page or "").strip()[:MAX_PAGE],
        name=(name or "").strip()[:150],
        email=email,
        language=(language or "")[:10],
        user=author,
    )
    # No personal data in the audit log: the row itself holds what the sender chose to give.
    audit_record(
        action="pages.accessibility_feedback.submit",
        municipality=municipality,
        actor=author,
        target=feedback,
    )
    _send_later(feedback)
    return feedback


@transaction.atomic
def accessibility_feedback_set_status(
    *, feedback: AccessibilityFeedback, actor: Any, status: str, note: str | None = None
) -> AccessibilityFeedback:
    """Mark feedback as answered (or open again); municipality admins only."""
    if not has_role(feedback.municipality, actor, Role.ADMIN):
        raise PermissionDenied(_("Only the municipality's admins handle accessibility feedback."))
    if status not in AccessibilityFeedback.Status.values:
        raise ValidationError(_("Unknown status."))
    feedback = AccessibilityFeedback.objects.select_for_update().get(pk=feedback.pk)
    feedback.status = status
    if status == AccessibilityFeedback.Status.ANSWERED:
        feedback.handled_by = actor
        feedback.handled_at = timezone.now()
    else:
        feedback.handled_by = None
        feedback.handled_at = None
    if note is not None:
        feedback.note = note.strip()[:2000]
    feedback.save(update_fields=["status", "handled_by", "handled_at", "note"])
    audit_record(
        action=f"pages.accessibility_feedback.{status}",
        municipality=feedback.municipality,
        actor=actor,
        target=feedback,
    )
    return feedback
