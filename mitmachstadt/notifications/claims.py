"""Who holds a claim on a row of work, and whether that holder is certainly gone.

A claim is "<machine>/<pid>/<random>". <machine> names the host and its process namespace, so that
a process can tell for sure that a claim of its own machine belongs to a process that no longer
runs (killed, crashed): such claims are released at once. Claims of other machines are released
only when their lease runs out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import socket
from functools import cache

from django.utils import timezone

LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "600"))


@cache
def machine_id() -> str:
    parts = [socket.gethostname()]
    for path in ("/proc/sys/kernel/random/boot_id",):
        try:
            with open(path, encoding="ascii") as handle:
                parts.append(handle.read().strip())
        except OSError:
            parts.append("-")
    try:
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    except OSError:
        parts.append("-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


_TOKEN: dict[int, str] = {}


def token() -> str:
    """This process's claim token (new after a fork: the pid is part of it)."""
    pid = os.getpid()
    if pid not in _TOKEN:
        _TOKEN[pid] = f"{machine_id()}/{pid}/{secrets.token_hex(4)}"
    return _TOKEN[pid]


def lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=LEASE_SECONDS)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            # A killed child that its parent has not reaped yet is a zombie: gone all the same.
            state = handle.read().rsplit(")", 1)[1].split()[0]
        return state not in {"Z", "X"}
    except (OSError, IndexError):
        return True


def holder_is_gone(claim: str) -> bool:
    """True only if `claim` was made on this machine by a process that is no longer running."""
    if not claim:
        return True
    if claim == token():
        return False
    try:
        machine, pid_text, _rest = claim.split("/", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if machine != machine_id():
        return False
    if pid == os.getpid():
        # Our pid, another token: an earlier process that had the same pid.
        return True
    return not _process_alive(pid)
