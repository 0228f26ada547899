"""Per-request diagnostics for the benchmark (MITMACHSTADT_BENCH=1 only; never in production).

Adds `X-Queries` (SQL statements of the request), `X-Queries-By-Db` (per database alias, e.g.
"default=1;replica=4") and `X-App-CPU-Ms` (CPU time of the request's thread in the view stack).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counts = dict.fromkeys(connections, 0)

        def count(alias: str, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            counts[alias] += 1
            return execute(sql, params, many, context)

        started = time.thread_time()
        with ExitStack() as stack:
            for alias in counts:
                stack.enter_context(connections[alias].execute_wrapper(partial(count, alias)))
            response = self.get_response(request)
        cpu_ms = (time.thread_time() - started) * 1000
        response["X-Queries"] = str(sum(counts.values()))
        response["X-Queries-By-Db"] = ";".join(f"{a}={n}" for a, n in counts.items())
        response["X-App-CPU-Ms"] = f"{cpu_ms:.2f}"
        return response
