"""Sending the outbox: claim one delivery, send it, record the outcome; recover after crashes.

Why every notification arrives exactly once, and where that ends
-----------------------------------------------------------------
* Each message is one `Delivery` row, created in the same transaction as its notification
  (unique per notification and channel/device, per digest). Nothing is sent that has no row, and
  a row is never created twice.
* A sender claims one row at a time with a compare-and-set (PENDING -> SENDING, its claim token,
  a lease) in its own committed transaction, so two workers never hold the same row.
* SENT is recorded right after the SMTP server's "250" for the end of the message (or the push
  service's 201). Before sending the final "." that ends the message data, the row is stamped
  `committing_at` (committed). A server accepts a message only on that final ".", so:
    - killed before the stamp: the server has not accepted the message (the connection dropped
      mid-transaction); the row goes back to PENDING and is sent once, later;
    - killed after SENT was committed: nothing is sent again;
    - killed after the stamp and before SENT (the server's processing time plus one local
      commit, RFC 1047's window): we cannot know whether the message arrived. We send it again
      with the same Message-ID (`uncertain_resends` counts this), preferring a possible
      duplicate that mail clients recognise by its Message-ID over a possibly lost message.
      For web push the same holds, and the repeated message carries the same Topic header and
      notification tag, so the push service and the browser replace rather than add it.
* Rows of a killed worker are released at once when the worker's machine sees that the claiming
  process is gone (claims.py), otherwise when the lease ends (NOTIFICATIONS_LEASE_SECONDS).
  A lease shorter than a single send could let two workers send the same row: keep it well
  above EMAIL_TIMEOUT (default lease 600 s).
* Temporary failures (4xx, connection errors) are retried with back-off; permanent ones (5xx,
  a refused recipient, a gone push endpoint) are recorded and not retried. Nothing raises out
  of a batch, so bounces never stop the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import claims
from .models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)
_DOTS = re.compile(rb"(?m)^\.")


class PermanentFailure(Exception):
    """Sending this message will never work (recipient refused, endpoint gone, ...)."""


class TemporaryFailure(Exception):
    """Sending may work later (server busy, network down, ...)."""


# --- Claiming -------------------------------------------------------------------------------


def _due() -> Q:
    now = timezone.now()
    return Q(status=Delivery.Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def has_due(ids: list[int] | None = None) -> bool:
    qs = Delivery.objects.filter(_due())
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.exists()


def claim_next(ids: list[int] | None = None) -> Delivery | None:
    """Take the next due delivery for this process (None when there is none)."""
    for _attempt in range(20):
        qs = Delivery.objects.filter(_due())
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        candidate = qs.order_by("id").values_list("pk", flat=True).first()
        if candidate is None:
            return None
        with transaction.atomic():
            won = Delivery.objects.filter(pk=candidate, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING,
                claimed_by=claims.token(),
                lease_until=claims.lease_until(),
                attempts=F("attempts") + 1,
                committing_at=None,
            )
        if won:
            return Delivery.objects.select_related("user", "municipality").get(pk=candidate)
    return None


def _finish(delivery: Delivery, **fields: Any) -> bool:
    """Record an outcome, only if the claim is still ours (a stolen lease must not be undone)."""
    fields.setdefault("claimed_by", "")
    fields.setdefault("lease_until", None)
    with transaction.atomic():
        return bool(
            Delivery.objects.filter(
                pk=delivery.pk, status=Delivery.Status.SENDING, claimed_by=claims.token()
            ).update(**fields)
        )


def mark_committing(delivery: Delivery) -> None:
    """Stamp that the message's last byte is about to go (see the module docstring)."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, claimed_by=claims.token()).update(
            committing_at=timezone.now()
        )


def recover_orphans() -> int:
    """Release deliveries whose sender died or whose lease ended; returns how many."""
    now = timezone.now()
    released = 0
    for row in Delivery.objects.filter(status=Delivery.Status.SENDING).values(
        "pk", "claimed_by", "lease_until", "committing_at"
    ):
        expired = row["lease_until"] is None or row["lease_until"] < now
        if not (expired or claims.holder_is_gone(row["claimed_by"])):
            continue
        uncertain = row["committing_at"] is not None
        with transaction.atomic():
            released += Delivery.objects.filter(
                pk=row["pk"], status=Delivery.Status.SENDING, claimed_by=row["claimed_by"]
            ).update(
                status=Delivery.Status.PENDING,
                claimed_by="",
                lease_until=None,
                next_attempt_at=now,
                committing_at=None,
                uncertain_resends=F("uncertain_resends") + (1 if uncertain else 0),
                last_error=(
                    "interrupted after the message was handed over; sent again"
                    if uncertain
                    else "interrupted before the message was handed over"
                ),
            )
        if uncertain:
            logger.warning("delivery %s may have arrived before the crash; resending", row["pk"])
    return released


# --- E-mail over SMTP -----------------------------------------------------------------------


class MailSender:
    """One SMTP connection for a batch; sends a message in steps so the final "." is marked."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.is_smtp = isinstance(self.backend, SmtpBackend)
        self._open = False

    def close(self) -> None:
        if self._open:
            try:
                self.backend.close()
            except (OSError, smtplib.SMTPException):
                logger.debug("closing the SMTP connection failed", exc_info=True)
            self._open = False

    def _connection(self) -> smtplib.SMTP:
        if not self._open:
            try:
                self.backend.open()
            except (OSError, smtplib.SMTPException) as error:
                raise TemporaryFailure(f"cannot connect to the mail server: {error}") from error
            self._open = True
        return self.backend.connection  # type: ignore[attr-defined]

    def send(self, message: EmailMessage, before_last_byte: Callable[[], None]) -> None:
        if not self.is_smtp:
            # Test and console backends have no transaction to split.
            before_last_byte()
            self.backend.send_messages([message])
            return
        conn = self._connection()
        try:
            self._transaction(conn, message, before_last_byte)
        except smtplib.SMTPServerDisconnected as error:
            self._open = False
            self.backend.connection = None  # type: ignore[attr-defined]
            raise TemporaryFailure(f"mail server disconnected: {error}") from error
        except smtplib.SMTPException as error:
            # A protocol error (e.g. to HELO) leaves the session in an unknown state.
            self.close()
            raise TemporaryFailure(f"mail server error: {error}") from error
        except OSError as error:
            self.close()
            raise TemporaryFailure(f"mail server unreachable: {error}") from error

    def _transaction(
        self, conn: smtplib.SMTP, message: EmailMessage, before_last_byte: Callable[[], None]
    ) -> None:
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
        conn.ehlo_or_helo_if_needed()
        options = ["BODY=8BITMIME"] if conn.has_extn("8bitmime") and not data.isascii() else []
        try:
            code, reply = conn.mail(sender, options)
            _check(code, reply, {250})
            for address in recipients:
                code, reply = conn.rcpt(address)
                _check(code, reply, {250, 251})
            code, reply = conn.docmd("DATA")
            _check(code, reply, {354})
        except (PermanentFailure, TemporaryFailure):
            _reset(conn)
            raise
        body = _DOTS.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        conn.send(body)
        before_last_byte()
        conn.send(b".\r\n")
        code, reply = conn.getreply()
        _check(code, reply, {250})


def _check(code: int, reply: bytes, ok: set[int]) -> None:
    if code in ok:
        return
    text = f"{code} {reply.decode('utf-8', 'replace')}"
    if 500 <= code < 600:
        raise PermanentFailure(text)
    raise TemporaryFailure(text)


def _reset(conn: smtplib.SMTP) -> None:
    try:
        conn.rset()
    except (OSError, smtplib.SMTPException):
        logger.debug("RSET failed", exc_info=True)


# --- The loop -------------------------------------------------------------------------------


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.retried + self.skipped


def _backoff(attempts: int) -> dt.datetime:
    seconds = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
    return timezone.now() + dt.timedelta(seconds=seconds)


def process(
    *, ids: list[int] | None = None, limit: int | None = None, budget_seconds: float = 300.0
) -> BatchResult:
    """Send due deliveries (all, or those in `ids`) one by one; never raises for one message."""
    from . import channels

    result = BatchResult()
    started = time.monotonic()
    mail = MailSender()
    try:
        while limit is None or result.handled < limit:
            if time.monotonic() - started > budget_seconds:
                break
            item = claim_next(ids)
            if item is None:
                break
            try:
                outcome = channels.send(item, mail)
            except PermanentFailure as error:
                _finish(item, status=Delivery.Status.FAILED, last_error=str(error)[:500])
                channels.on_permanent_failure(item)
                result.failed += 1
                continue
            except TemporaryFailure as error:
                if item.attempts >= MAX_ATTEMPTS:
                    _finish(item, status=Delivery.Status.FAILED, last_error=str(error)[:500])
                    result.failed += 1
                else:
                    _finish(
                        item,
                        status=Delivery.Status.PENDING,
                        next_attempt_at=_backoff(item.attempts),
                        last_error=str(error)[:500],
                    )
                    result.retried += 1
                continue
            except Exception as error:
                # A bug in rendering one message must not stop the others; retry it later.
                logger.exception("delivery %s failed unexpectedly", item.pk)
                status = (
                    Delivery.Status.FAILED
                    if item.attempts >= MAX_ATTEMPTS
                    else Delivery.Status.PENDING
                )
                _finish(
                    item,
                    status=status,
                    next_attempt_at=_backoff(item.attempts),
                    last_error=f"{type(error).__name__}: {error}"[:500],
                )
                result.retried += 1
                continue
            if outcome == "skipped":
                _finish(item, status=Delivery.Status.SKIPPED)
                result.skipped += 1
            else:
                _finish(item, status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
                result.sent += 1
    finally:
        mail.close()
    return result
