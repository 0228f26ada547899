"""A real `mitmachstadt worker` process, SIGKILLed during a batch and restarted, against a real
SMTP server: every notification arrives exactly once (and where that guarantee ends)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas import workflow
from mitmachstadt.notifications.models import Delivery
from tests.conftest import _free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FOLLOWERS = 12


class GatedSmtp:
    """An aiosmtpd server that can hold one transaction at RCPT or after DATA until released."""

    def __init__(self, *, hold_rcpt: int = 0, hold_data: int = 0) -> None:
        from aiosmtpd.controller import Controller

        self.port = _free_port()
        self.hold_rcpt, self.hold_data = hold_rcpt, hold_data
        self.rcpts = 0
        self.messages: list[Message] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def _hold(self) -> None:
        self.holding.set()
        deadline = time.monotonic() + 60
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.rcpts += 1
        if self.rcpts == self.hold_rcpt:
            await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
            count = len(self.messages)
        if count == self.hold_data:
            # The message is accepted and stored; the "250" is held back, as if the server
            # were slow to answer the final "." when the worker dies.
            await self._hold()
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings['NAME']}"


def _start_worker(smtp: GatedSmtp, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "MITMACHSTADT_DEV": "1",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "NOTIFICATIONS_SCHEDULER_INTERVAL": "0.5",
        "PYTHONUNBUFFERED": "1",
    }
    command = Path(sys.executable).parent / "mitmachstadt"
    handle = log.open("ab")
    return subprocess.Popen(
        [str(command), "worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=str(Path(__file__).resolve().parents[2]),
    )


def _wait(condition: Any, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def batch(municipality: Any, field: Any, reviewer: Any, settings: Any) -> list[Delivery]:
    """One idea with FOLLOWERS followers; a review step queues one e-mail to each of them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    author = UserFactory(municipality=municipality)
    idea = idea_services.idea_create(
        municipality=municipality,
        author=author,
        title="Car-free Saturdays in the old town",
        text="Once a month the old town belongs to people on foot, with music and markets.",
        fields=[field],
        submit=True,
    )
    # The author leaves the stage to the followers, so that the batch has exactly FOLLOWERS.
    idea_services.follow_delete(idea=idea, user=author)
    for _n in range(FOLLOWERS):
        idea_services.follow_create(idea=idea, user=UserFactory(municipality=municipality))
    workflow.start_review(idea=idea, actor=reviewer, reason="The team looks at it.")
    deliveries = list(Delivery.objects.order_by("id"))
    assert len(deliveries) == FOLLOWERS
    assert {d.status for d in deliveries} == {Delivery.Status.PENDING}
    return deliveries


def _expected_ids(deliveries: list[Delivery]) -> set[str]:
    from mitmachstadt.notifications.channels import message_id

    return {message_id(d) for d in Delivery.objects.select_related("municipality")}


def test_killed_worker_neither_loses_nor_duplicates(batch: list[Delivery], tmp_path: Path) -> None:
    smtp = GatedSmtp(hold_rcpt=6)
    smtp.controller.start()
    log = tmp_path / "worker.log"
    first = _start_worker(smtp, log)
    try:
        _wait(smtp.holding.is_set, 90, "the worker to reach the 6th message", log)
        # Mid-batch: five messages accepted and recorded, the sixth in the middle of its SMTP
        # transaction, six still waiting.
        statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        assert statuses == {"sent": 5, "sending": 1, "pending": 6}
        in_flight = Delivery.objects.get(status=Delivery.Status.SENDING)
        assert in_flight.committing_at is None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
        assert first.returncode == -signal.SIGKILL
    finally:
        _stop(first)
        smtp.release.set()
    assert len(smtp.messages) == 5

    second = _start_worker(smtp, log)
    try:
        _wait(
            lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == FOLLOWERS,
            90,
            "every delivery to be sent after the restart",
            log,
        )
    finally:
        _stop(second)
        smtp.controller.stop()

    ids = smtp.message_ids()
    assert len(ids) == FOLLOWERS, "every notification arrived once, none twice"
    assert set(ids) == _expected_ids(batch)
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert len(set(recipients)) == FOLLOWERS
    in_flight.refresh_from_db()
    assert in_flight.status == Delivery.Status.SENT
    assert in_flight.attempts == 2
    assert in_flight.uncertain_resends == 0
    assert not Delivery.objects.exclude(pk=in_flight.pk).filter(attempts__gt=1).exists()


def test_the_limit_a_kill_after_the_final_dot_resends_with_the_same_message_id(
    batch: list[Delivery], tmp_path: Path
) -> None:
    smtp = GatedSmtp(hold_data=4)
    smtp.controller.start()
    log = tmp_path / "worker.log"
    first = _start_worker(smtp, log)
    try:
        _wait(smtp.holding.is_set, 90, "the server to hold the 4th message's answer", log)
        _wait(
            lambda: Delivery.objects.filter(committing_at__isnull=False).exists(),
            10,
            "the worker to mark the final dot",
            log,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    finally:
        _stop(first)
        smtp.release.set()

    second = _start_worker(smtp, log)
    try:
        _wait(
            lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == FOLLOWERS,
            90,
            "every delivery to be sent after the restart",
            log,
        )
    finally:
        _stop(second)
        smtp.controller.stop()

    ids = smtp.message_ids()
    # The server had accepted the 4th message when the worker died: it arrives twice, under one
    # Message-ID, so that mail clients show it once. Nothing is lost, nothing else is repeated.
    assert len(ids) == FOLLOWERS + 1
    assert set(ids) == _expected_ids(batch)
    repeated = [mid for mid in set(ids) if ids.count(mid) > 1]
    assert len(repeated) == 1
    uncertain = Delivery.objects.get(uncertain_resends=1)
    from mitmachstadt.notifications.channels import message_id

    assert message_id(uncertain) == repeated[0]
