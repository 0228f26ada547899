from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mitmachstadt.events.services import reminders_send, retention_apply


class Command(BaseCommand):
    help = (
        "Send reminders for events starting within --hours (default 24) to confirmed "
        "participants, once each; then apply the retention rule. Run it hourly (cron or timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)
        parser.add_argument("--no-retention", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send(hours=options["hours"])
        self.stdout.write(f"reminders sent: {sent}")
        if not options["no_retention"]:
            deleted = retention_apply()
            self.stdout.write(
                f"deleted: {deleted['registrations']} registrations, "
                f"{deleted['applications']} applications"
            )
