from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mitmachstadt.demo.seed_demo import demo_exists, seed_demo


class Command(BaseCommand):
    help = "Seed data: the Gütersloh demo municipality (default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", default="demo", choices=["demo"])
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the demo exists already."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["profile"] == "demo":
            if demo_exists():
                if options["if_empty"]:
                    self.stdout.write("Demo municipality exists already; nothing to do.")
                    return
                self.stderr.write("The demo municipality exists already.")
                raise SystemExit(1)
            municipality = seed_demo()
            self.stdout.write(self.style.SUCCESS(f"Seeded the demo municipality {municipality}."))
