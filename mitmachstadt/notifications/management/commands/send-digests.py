"""`mitmachstadt send-digests --period daily|weekly`: build and send the summary e-mails (cron)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import IntegrityError

from mitmachstadt.notifications import outbox, services
from mitmachstadt.notifications.kinds import Frequency
from mitmachstadt.notifications.models import DigestRun


class Command(BaseCommand):
    help = "Build the daily or weekly digests and send them (idempotent per day or week)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period", choices=[Frequency.DAILY.value, Frequency.WEEKLY.value], required=True
        )
        parser.add_argument(
            "--key", default="", help="The window, e.g. 2025-05-13 or 2025-W20 (default: now)."
        )
        parser.add_argument(
            "--queue-only",
            action="store_true",
            help="Only put the digests in the outbox; the worker sends them.",
        )

    def handle(self, *args: Any, period: str, key: str, queue_only: bool, **options: Any) -> None:
        key = key or services.digest_key(period)
        with contextlib.suppress(IntegrityError):
            DigestRun.objects.get_or_create(period=period, key=key)
        made = services.digests_build(period=period, key=key)
        self.stdout.write(f"{made} {period} digests built for {key}")
        if queue_only:
            return
        outbox.recover_orphans()
        result = outbox.process()
        self.stdout.write(
            f"sent {result.sent}, failed {result.failed}, retrying {result.retried}, "
            f"skipped {result.skipped}"
        )
