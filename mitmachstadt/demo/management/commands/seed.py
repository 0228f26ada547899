from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mitmachstadt.demo.seed_demo import demo_exists, seed_demo


class Command(BaseCommand):
    help = (
        "Seed data: the Gütersloh demo municipality (default), the fixed comparison data set "
        "(--profile compare-2000), or synthetic towns at scale (--ideas N [--comments M "
        "--reactions K --accounts A --municipalities T])."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", default="", choices=["demo", "compare-2000", "scale"])
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the data exist already."
        )
        scale = parser.add_argument_group("synthetic data at scale (profile 'scale')")
        scale.add_argument("--ideas", type=int, help="ideas in total (e.g. 100000)")
        scale.add_argument("--comments", type=int, help="comments in total (default 10 per idea)")
        scale.add_argument("--reactions", type=int, help="reactions in total (default 50 per idea)")
        scale.add_argument(
            "--accounts", type=int, help="participant accounts (default one per 5 ideas)"
        )
        scale.add_argument(
            "--municipalities", type=int, default=1, help="synthetic towns sharing the totals"
        )
        scale.add_argument("--seed", type=int, default=42, help="random seed (deterministic)")

    def handle(self, *args: Any, **options: Any) -> None:
        profile = options["profile"] or ("scale" if options["ideas"] is not None else "demo")
        if profile == "demo":
            self._demo(options["if_empty"])
        elif profile == "compare-2000":
            self._compare(options["if_empty"])
        else:
            self._scale(options)

    def _demo(self, if_empty: bool) -> None:
        if demo_exists():
            if if_empty:
                self.stdout.write("Demo municipality exists already; nothing to do.")
                return
            self.stderr.write("The demo municipality exists already.")
            raise SystemExit(1)
        municipality = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Seeded the demo municipality {municipality}."))

    def _compare(self, if_empty: bool) -> None:
        from mitmachstadt.demo.seed_compare import compare_exists, seed_compare

        if compare_exists():
            if if_empty:
                self.stdout.write("The compare-2000 data set exists already; nothing to do.")
                return
            raise CommandError("The compare-2000 data set exists already.")
        started = time.monotonic()
        municipality = seed_compare()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded compare-2000 ({municipality}, host compare.localhost) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def _scale(self, options: dict[str, Any]) -> None:
        from mitmachstadt.demo.seed_scale import scale_exists, seed_scale

        ideas = options["ideas"]
        if ideas is None:
            raise CommandError("--ideas is required for synthetic data.")
        if scale_exists():
            if options["if_empty"]:
                self.stdout.write("Synthetic municipalities exist already; nothing to do.")
                return
            raise CommandError("Synthetic municipalities (scale-1, ...) exist already.")
        comments = options["comments"] if options["comments"] is not None else 10 * ideas
        reactions = options["reactions"] if options["reactions"] is not None else 50 * ideas
        accounts = options["accounts"] if options["accounts"] is not None else max(ideas // 5, 50)
        towns = options["municipalities"]
        self.stdout.write(
            f"Seeding {towns} municipalities: {ideas} ideas, {comments} comments, "
            f"{reactions} reactions, {accounts} accounts ..."
        )
        started = time.monotonic()
        try:
            result = seed_scale(
                ideas=ideas,
                comments=comments,
                reactions=reactions,
                accounts=accounts,
                municipalities=towns,
                seed=options["seed"],
                log=self.stdout.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        hosts = ", ".join(f"{m.slug}.localhost" for m in result.municipalities[:3])
        summary = ", ".join(f"{value} {key}" for key, value in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary} in {time.monotonic() - started:.1f} s (hosts: {hosts}"
                f"{', ...' if len(result.municipalities) > 3 else ''})."
            )
        )
