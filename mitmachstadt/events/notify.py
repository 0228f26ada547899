"""E-mails of the events app: rendered in the recipient's language, sent after the commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from mitmachstadt.tenants.selectors import primary_host


def absolute_url(municipality: Any, path: str) -> str:
    """A full URL on the municipality's primary host (for e-mails and calendars)."""
    scheme = "https" if getattr(settings, "SECURE_HTTPS", False) else "http"
    return f"{scheme}://{primary_host(municipality)}{path}"


def email_user(user: Any, *, municipality: Any, template: str, context: dict[str, Any]) -> None:
    """Queue a mail to `user` from `events/email/<template>.txt` once the transaction commits.

    The first line of the rendered template is the subject; the rest is the body.
    """
    if not getattr(user, "email", "") or not getattr(user, "is_active", True):
        return
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    full = {"municipality": municipality, "user": user, **context}
    with translation.override(language):
        rendered = render_to_string(f"events/email/{template}.txt", full).strip()
    subject, _, body = rendered.partition("\n")
    subject = f"{municipality.short_name or municipality.name}: {subject.strip()}"
    recipient = user.email

    def send() -> None:
        from .tasks import send_email

        send_email.enqueue(to=recipient, subject=subject, body=body.strip() + "\n")

    transaction.on_commit(send)
