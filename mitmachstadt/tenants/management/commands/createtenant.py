from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mitmachstadt.tenants.services import municipality_create


class Command(BaseCommand):
    help = "Create a municipality (tenant) answering on one or more host names."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("--host", action="append", required=True, dest="hosts")
        parser.add_argument("--short-name", default="")
        parser.add_argument(
            "--reaction-mode", choices=["support", "updown", "stars"], default="updown"
        )
        parser.add_argument("--answer-days", type=int, default=14)
        parser.add_argument("--color", default="#0b5394")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            municipality = municipality_create(
                slug=options["slug"],
                name=options["name"],
                hosts=options["hosts"],
                short_name=options["short_name"],
                reaction_mode=options["reaction_mode"],
                answer_days=options["answer_days"],
                primary_color=options["color"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {municipality.name} ({municipality.slug}) on "
                + ", ".join(options["hosts"])
            )
        )
