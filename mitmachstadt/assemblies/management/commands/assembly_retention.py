from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mitmachstadt.assemblies.retention import RETENTION_DAYS, retention_apply


class Command(BaseCommand):
    help = (
        "Delete names, addresses and contact details of citizens' assemblies whose answer "
        f"deadline is more than {RETENTION_DAYS} days past (run it daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = retention_apply()
        self.stdout.write(f"assemblies cleaned: {len(done)}")
