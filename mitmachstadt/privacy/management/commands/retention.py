from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Apply the retention periods: erase IP addresses, unverified accounts, old data exports "
        "and expired sessions (run daily, e.g. from cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the work to the task worker instead of doing it now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from mitmachstadt.privacy.tasks import run_retention

            result = run_retention.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        from mitmachstadt.privacy.services import retention_run

        results = retention_run()
        for rule, count in sorted(results.items()):
            self.stdout.write(f"{rule}: {count}")
        self.stdout.write(self.style.SUCCESS(f"removed {sum(results.values())} items"))
