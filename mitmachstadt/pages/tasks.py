"""Background work of the pages app (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_feedback_email(*, to: list[str], subject: str, body: str, reply_to: list[str]) -> None:
    """Send feedback on a barrier to the municipality; answers go straight to the sender."""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to or None,
    ).send()
