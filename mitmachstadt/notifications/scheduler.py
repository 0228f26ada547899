"""The worker's clock: recover interrupted work, wake the outbox, start digests when they are due.

django-tasks has no periodic tasks, and a task that a killed worker was running stays "running"
for ever. So every `mitmachstadt worker` runs this loop in a thread beside its task loop: at
start (which recovers what a killed predecessor left) and then every
NOTIFICATIONS_SCHEDULER_INTERVAL seconds. Several workers may run it at once: every step is
idempotent (digest windows are unique, claims are compare-and-set).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
import time

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from . import outbox, services, tasks
from .kinds import Frequency
from .models import DigestRun

logger = logging.getLogger(__name__)

INTERVAL = float(os.environ.get("NOTIFICATIONS_SCHEDULER_INTERVAL", "30"))
DIGEST_HOUR = int(os.environ.get("NOTIFICATIONS_DIGEST_HOUR", "7"))
DIGEST_WEEKDAY = int(os.environ.get("NOTIFICATIONS_DIGEST_WEEKDAY", "0"))  # Monday
RETENTION_DAYS = int(os.environ.get("NOTIFICATIONS_RETENTION_DAYS", "365"))
STALE_RUN = dt.timedelta(minutes=30)

_started = threading.Event()


def due_windows(now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """The digest windows whose sending time has come: (period, key)."""
    local = timezone.localtime(now or timezone.now())
    windows = []
    if local.hour >= DIGEST_HOUR:
        windows.append((Frequency.DAILY.value, services.digest_key(Frequency.DAILY, local)))
    weekday = local.weekday()
    if weekday > DIGEST_WEEKDAY or (weekday == DIGEST_WEEKDAY and local.hour >= DIGEST_HOUR):
        windows.append((Frequency.WEEKLY.value, services.digest_key(Frequency.WEEKLY, local)))
    return windows


def _delivery_task_waiting() -> bool:
    """True if a delivery task is already queued (database backend only)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the backend is a dependency
        return False
    return DBTaskResult.objects.ready().filter(task_path=tasks.deliver.module_path).exists()


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """One round of the clock; returns what it did (for logs and tests)."""
    done = {"released": outbox.recover_orphans(), "fan_outs": 0, "digest_runs": 0, "woken": 0}
    for activity in services.pending_fan_outs():
        tasks.fan_out.enqueue(activity.pk)
        done["fan_outs"] += 1
    now = now or timezone.now()
    for period, key in due_windows(now):
        try:
            with transaction.atomic():
                run, created = DigestRun.objects.get_or_create(period=period, key=key)
        except IntegrityError:
            continue
        if created or (run.completed_at is None and run.started < now - STALE_RUN):
            if not created:
                DigestRun.objects.filter(pk=run.pk).update(started=now)
            tasks.build_digests.enqueue(period, key)
            done["digest_runs"] += 1
            if created and period == Frequency.DAILY:
                # Once a day is often enough to forget what is old.
                tasks.prune.enqueue(RETENTION_DAYS)
    if outbox.has_due() and not _delivery_task_waiting():
        tasks.deliver.enqueue()
        done["woken"] = 1
    return done


def _loop(interval: float) -> None:
    while True:
        try:
            close_old_connections()
            result = tick()
            if any(result.values()):
                logger.info("notifications scheduler: %s", result)
        except Exception:
            logger.exception("notifications scheduler round failed")
        finally:
            connection.close()
        time.sleep(interval)


def is_worker_process(argv: list[str] | None = None) -> bool:
    """True in `mitmachstadt worker` and `manage.py db_worker`."""
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and argv[1] in {"worker", "db_worker"}


def start_in_background(interval: float = INTERVAL) -> bool:
    """Start the clock thread once per process (a daemon: it dies with the worker)."""
    if _started.is_set():
        return False
    _started.set()
    thread = threading.Thread(
        target=_loop, args=(interval,), name="notifications-scheduler", daemon=True
    )
    thread.start()
    return True
