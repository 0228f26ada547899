"""`mitmachstadt notifications-scheduler [--once]`: the notification clock on its own.

`mitmachstadt worker` runs this clock in a thread already. Run it separately when tasks go to
another backend (e.g. Redis), or from cron with --once.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from mitmachstadt.notifications import scheduler


class Command(BaseCommand):
    help = "Recover interrupted deliveries, wake the outbox and start due digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument("--interval", type=float, default=scheduler.INTERVAL)

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        while True:
            self.stdout.write(f"{scheduler.tick()}")
            if once:
                return
            time.sleep(interval)
            close_old_connections()
