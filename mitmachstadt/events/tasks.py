"""Background work of the events app (django-tasks): e-mails and reminders."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text e-mail."""
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


@task()
def send_reminders(*, hours: int = 24) -> int:
    """Remind confirmed participants of events starting within `hours` (idempotent)."""
    from .services import reminders_send

    return reminders_send(hours=hours)
