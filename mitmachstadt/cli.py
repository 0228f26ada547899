"""The `mitmachstadt` command: serve, worker, migrate, demo, seed, createtenant, lottery, ...

Anything that is not one of our own verbs is handed to Django's management commands, so
`mitmachstadt shell` or `mitmachstadt check --deploy` work too.
"""

from __future__ import annotations

import argparse
import os
import sys

USAGE = """usage: mitmachstadt COMMAND [options]

commands:
  serve          run the web server (gunicorn); --bind, --workers
  worker         run the background task worker
  migrate        create or update the database tables
  demo           migrate, seed the demo municipality (Gütersloh) and serve it
  seed           seed data: the demo (default), --profile compare-2000, or synthetic at scale
  createtenant   add a municipality: createtenant SLUG "Name" --host HOST [--host HOST]
  lottery        citizens' assembly selection from CSV files (see --help)
  retention      erase data past its retention period (IP addresses, unverified accounts); daily
  <django>       any Django management command (check, shell, createsuperuser, ...)
"""


def _setup_env() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitmachstadt.settings")


def manage(argv: list[str]) -> int:
    """Run a Django management command."""
    _setup_env()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mitmachstadt", *argv])
    return 0


def serve(argv: list[str]) -> int:
    """Run gunicorn with the project's WSGI application."""
    parser = argparse.ArgumentParser(prog="mitmachstadt serve")
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")))
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    _setup_env()
    # The master imports the application and warms it (mitmachstadt/wsgi.py warm_up) before
    # forking: workers, and those replacing one after --max-requests, answer at once.
    os.environ["MITMACHSTADT_WARM_UP"] = "1"
    from gunicorn.app.wsgiapp import run

    gunicorn_argv = [
        "gunicorn",
        "mitmachstadt.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        str(args.timeout),
        "--graceful-timeout",
        "20",
        "--preload",
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    if args.access_log:
        gunicorn_argv += ["--access-logfile", "-"]
    sys.argv = gunicorn_argv
    run()
    return 0


def demo(argv: list[str]) -> int:
    """Migrate, seed the demo municipality if it is missing, then serve it."""
    parser = argparse.ArgumentParser(prog="mitmachstadt demo")
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--no-serve", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("MITMACHSTADT_DEV", "1")
    manage(["migrate", "--no-input", "-v", "0"])
    manage(["seed", "--if-empty"])
    if args.no_serve:
        return 0
    sys.stdout.write(f"Mitmachstadt demo: http://{args.bind}/  (accounts: see README.md)\n")
    sys.stdout.flush()
    return serve(["--bind", args.bind, "--workers", "2"])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "serve":
        return serve(rest)
    if command == "demo":
        return demo(rest)
    if command == "worker":
        return manage(["db_worker", *rest])
    if command == "lottery":
        from mitmachstadt.assemblies.lottery.cli import main as lottery_main

        return lottery_main(rest)
    return manage(argv)


if __name__ == "__main__":
    sys.exit(main())
