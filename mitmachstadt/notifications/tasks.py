"""Background tasks (django-tasks). They only wake the work up: its state lives in our tables,
so a task lost with a killed worker is made good by the scheduler (scheduler.py)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task(queue_name="default")
def deliver(ids: list[int] | None = None) -> dict[str, int]:
    """Send due deliveries (those in `ids`, or all), then queue a follow-up if some are left."""
    from . import outbox

    result = outbox.process(ids=ids)
    if ids is None and outbox.has_due():
        deliver.enqueue()
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


@task(queue_name="default")
def fan_out(activity_id: int) -> int:
    """Finish an interrupted fan-out of an activity."""
    from . import services
    from .models import Activity

    activity = Activity.objects.filter(pk=activity_id, fanned_out_at__isnull=True).first()
    if activity is None or not services.activity_claim(activity):
        return 0
    activity.refresh_from_db()
    ids = services.activity_fan_out(activity)
    if ids:
        deliver.enqueue()
    return len(ids)


@task(queue_name="default")
def build_digests(period: str, key: str) -> int:
    """Build the digests of a window and queue their sending."""
    from . import services

    made = services.digests_build(period=period, key=key)
    if made:
        deliver.enqueue()
    return made


@task(queue_name="default")
def prune(days: int) -> int:
    """Forget old notifications (data minimisation)."""
    from . import services

    return services.prune(days=days)


def enqueue_delivery(ids: list[int] | None = None) -> None:
    """Queue sending once the current transaction has committed."""

    def go() -> None:
        try:
            deliver.enqueue(ids=ids)
        except Exception:
            # The rows are in the outbox; the worker's scheduler will find them.
            logger.exception("could not queue the delivery task")

    transaction.on_commit(go)
