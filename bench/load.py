"""Bounded load on loopback with wrk (a second process), and single-request probes."""

from __future__ import annotations

import http.client
import json
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "requests.lua"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def line(self) -> str:
        headers = " ;; ".join(f"{k}: {v}" for k, v in self.headers.items())
        for part in (self.path, headers, self.body):
            if "\t" in part or "\n" in part:
                raise ValueError("requests must not contain tabs or newlines")
        return f"{self.method}\t{self.path}\t{headers}\t{self.body}"


@dataclass
class Endpoint:
    """A named set of requests that is loaded as one benchmark row."""

    name: str
    label: str
    requests: list[Request]
    budget: int = 0  # 0: the run's default request budget
    probe: bool = True  # also read the query count and app CPU from the bench headers
    kind: str = "read"


def write_requests(path: Path, requests: Sequence[Request]) -> Path:
    path.write_text("\n".join(r.line() for r in requests) + "\n", "utf-8")
    return path


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk not found (apt-get install wrk)")
    return binary


def run_wrk(
    *,
    port: int,
    request_file: Path,
    duration_s: float,
    connections: int,
    threads: int,
    budget: int,
    seed: int = 1,
    timeout_s: int = 10,
) -> dict[str, Any]:
    """Run wrk bounded in time (`duration_s`) and count (`budget` requests); parse its summary."""
    per_thread = max(1, budget // threads) if budget else 0
    command = [
        wrk_binary(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration_s))}s",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        str(request_file),
        str(per_thread),
        str(seed),
    ]
    result = subprocess.run(
        command, text=True, capture_output=True, timeout=duration_s + 120, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            data: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
            # The traffic's own span: shorter than the duration when the budget ran out first.
            span = data.get("active_s") or data["duration_s"]
            span = min(span, data["duration_s"]) if data["duration_s"] else span
            data["rps"] = data["requests"] / span if span > 0 and data["requests"] else 0.0
            data["duration_s"] = span
            statuses = {int(code): n for code, n in data.get("statuses", {}).items()}
            data["statuses"] = statuses
            # wrk counts statuses >= 400 as errors; redirects are errors here too (a redirect
            # to a login page or to an added slash is not the page that was to be measured).
            data["errors"]["redirect"] = sum(
                n for code, n in statuses.items() if code < 200 or 300 <= code < 400
            )
            return data
    raise RuntimeError(f"wrk gave no summary:\n{result.stdout}\n{result.stderr}")


def probe(
    port: int,
    requests: Sequence[Request],
    *,
    samples: int = 15,
    seed: int = 7,
    max_seconds: float = 15,
) -> dict[str, Any]:
    """Send a few requests one by one; read status, size and the bench diagnostics headers."""
    rng = random.Random(seed)
    statuses: dict[int, int] = {}
    wall: list[float] = []
    failures: list[str] = []
    queries: list[int] = []
    cpu: list[float] = []
    sizes: list[int] = []
    by_db: dict[str, list[int]] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    started = time.monotonic()
    try:
        for _ in range(samples):
            if queries and time.monotonic() - started > max_seconds:
                break  # slow pages: a few samples are enough
            request = rng.choice(list(requests))
            sent = time.monotonic()
            connection.request(
                request.method,
                request.path,
                body=request.body.encode() if request.body else None,
                headers=request.headers,
            )
            response = connection.getresponse()
            body = response.read()
            wall.append(time.monotonic() - sent)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if not 200 <= response.status < 300 and len(failures) < 3:
                failures.append(
                    describe_failure(request, response.status, response.getheaders(), body)
                )
            sizes.append(len(body))
            if response.getheader("X-Queries") is not None:
                queries.append(int(response.getheader("X-Queries", "0")))
                cpu.append(float(response.getheader("X-App-CPU-Ms", "0")))
                for part in (response.getheader("X-Queries-By-Db") or "").split(";"):
                    if "=" in part:
                        alias, n = part.split("=", 1)
                        by_db.setdefault(alias, []).append(int(n))
    finally:
        connection.close()
    return {
        "statuses": statuses,
        "failures": failures,
        "wall_ms_median": round(1000 * statistics.median(wall), 1) if wall else None,
        "queries_max": max(queries) if queries else None,
        "queries_median": statistics.median(queries) if queries else None,
        "queries_by_db": {alias: max(values) for alias, values in by_db.items()},
        "view_cpu_ms_median": round(statistics.median(cpu), 2) if cpu else None,
        "bytes_median": int(statistics.median(sizes)) if sizes else 0,
    }


def describe_failure(
    request: Request, status: int, headers: Sequence[tuple[str, str]] | dict[str, str], body: bytes
) -> str:
    """One line for the log and the report: what was asked and what came back instead."""
    header_map = {
        k.lower(): v for k, v in (headers.items() if isinstance(headers, dict) else headers)
    }
    where = f" -> {header_map['location']}" if "location" in header_map else ""
    text = " ".join(body[:160].decode("utf-8", "replace").split())
    return f"{request.method} {request.path}: {status}{where} {text}".strip()


def is_success(status: int) -> bool:
    return 200 <= status < 300


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: str = "",
    timeout: float = 180,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body.encode() or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
