"""The benchmark harness's own parts: wrk driving, /proc readings, endpoint lists, the report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench import load, report, run, stack


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []
    slow_after_first = 0

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.seen.append((self.command, self.path, self.headers.get("Host", "")))
        if self.path == "/redirect":
            self.send_response(301)
            self.send_header("Location", "/redirect/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/slow":
            _Handler.slow_after_first += 1
            if _Handler.slow_after_first > 1:
                time.sleep(3)
        status = 404 if self.path == "/missing" else 200
        payload = b'{"ok": true, "body": "' + body.encode() + b'"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Queries", "3")
        self.send_header("X-Queries-By-Db", "default=1;replica=2")
        self.send_header("X-App-CPU-Ms", "1.50")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_is_bounded_by_the_request_budget_and_reports_percentiles(
    server: int, tmp_path: Path
) -> None:
    requests = [
        load.Request("GET", "/a?x=1", {"Host": "alpha.test"}),
        load.Request("PUT", "/b", {"Host": "alpha.test", "X-Test": "1"}, '{"value": 1}'),
    ]
    data = load.run_wrk(
        port=server,
        request_file=load.write_requests(tmp_path / "r.txt", requests),
        duration_s=20,
        connections=2,
        threads=2,
        budget=200,
    )
    # Each thread stops after its share; in-flight requests may add one per connection.
    assert 200 <= data["requests"] <= 204
    assert data["duration_s"] < 15
    assert set(data["latency_ms"]) >= {"p50", "p90", "p95", "p99", "mean", "max"}
    assert data["latency_ms"]["p50"] <= data["latency_ms"]["p99"]
    assert data["errors"]["status"] == 0
    methods = {(m, p, h) for m, p, h in _Handler.seen}
    assert methods == {("GET", "/a?x=1", "alpha.test"), ("PUT", "/b", "alpha.test")}


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_counts_error_statuses(server: int, tmp_path: Path) -> None:
    data = load.run_wrk(
        port=server,
        request_file=load.write_requests(tmp_path / "r.txt", [load.Request("GET", "/missing")]),
        duration_s=5,
        connections=1,
        threads=1,
        budget=20,
    )
    assert data["errors"]["status"] == data["requests"] >= 20


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_counts_redirects_as_errors(server: int, tmp_path: Path) -> None:
    requests = [load.Request("GET", "/redirect"), load.Request("GET", "/ok")]
    data = load.run_wrk(
        port=server,
        request_file=load.write_requests(tmp_path / "r.txt", requests),
        duration_s=5,
        connections=1,
        threads=1,
        budget=40,
    )
    assert data["statuses"][301] + data["statuses"][200] == data["requests"]
    assert data["errors"]["redirect"] == data["statuses"][301] > 0
    assert data["errors"]["status"] == 0  # wrk itself would not have counted them


def _stack(port: int) -> run.Stack:
    return run.Stack(
        name="test",
        apps=[],
        port=port,
        host="alpha.test",
        db_cpu=lambda: 0.0,
        other_cpu=lambda: 0.0,
        env={},
    )


def _options(**overrides: Any) -> run.Options:
    opts = run.parse_args(["--duration", "1", "--connections", "2", "--threads", "1"])
    for key, value in overrides.items():
        setattr(opts, key, value)
    return opts


def test_an_endpoint_that_redirects_fails_loudly(server: int, tmp_path: Path) -> None:
    endpoint = load.Endpoint("dash", "dashboard", [load.Request("GET", "/redirect")])
    row = run.run_endpoint(_stack(server), endpoint, _options(), tmp_path, None)
    assert row["available"] is False
    assert row["error"] == "GET /redirect: 301 -> /redirect/"
    missing = load.Endpoint("gone", "gone", [load.Request("GET", "/missing")])
    gone = run.run_endpoint(_stack(server), missing, _options(), tmp_path, None)
    assert gone["available"] is False and gone["error"].startswith("GET /missing: 404")
    result = _result()
    result["scenarios"][1]["endpoints"] = [row, gone]
    text = report.markdown(result)
    assert "| dashboard | **failed** (see Failures) |" in text
    assert "* city-postgres / dashboard: GET /redirect: 301 -> /redirect/" in text


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_run_without_a_single_answer_is_a_failure(server: int, tmp_path: Path) -> None:
    _Handler.slow_after_first = 0
    endpoint = load.Endpoint("slow", "slow", [load.Request("GET", "/slow")], probe=False)
    row = run.run_endpoint(_stack(server), endpoint, _options(), tmp_path, None)
    assert row["available"] is False
    assert row["error"].startswith("no answer completed within 1 s")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_good_endpoint_run_counts_its_answers(server: int, tmp_path: Path) -> None:
    endpoint = load.Endpoint("ok", "ok", [load.Request("GET", "/ok", {"Host": "alpha.test"})])
    row = run.run_endpoint(_stack(server), endpoint, _options(budget=50), tmp_path, 100.0)
    assert row["available"] is True and row["requests"] >= 50
    assert sum(row["errors"].values()) == 0 and row["statuses"] == {200: row["requests"]}
    assert row["probe"]["statuses"] == {200: 15} and row["probe"]["wall_ms_median"] > 0


def test_slow_pages_get_longer_runs_and_timeouts() -> None:
    opts = _options(duration=10.0)
    assert run.run_settings(0.01, opts, 8) == (10.0, 10)
    duration, timeout = run.run_settings(6.5, opts, 4)
    assert duration == run.MAX_RUN_S and timeout > 6.5 * 2
    assert run.run_settings(2.0, opts, 8)[0] > 10.0


def test_probe_reads_the_diagnostics_headers(server: int) -> None:
    result = load.probe(server, [load.Request("GET", "/x", {"Host": "alpha.test"})], samples=5)
    assert result["statuses"] == {200: 5}
    assert result["queries_max"] == 3
    assert result["queries_by_db"] == {"default": 1, "replica": 2}
    assert result["view_cpu_ms_median"] == 1.5


def test_request_lines_reject_tabs_and_newlines() -> None:
    assert load.Request("GET", "/x", {"A": "b"}).line() == "GET\t/x\tA: b\t"
    with pytest.raises(ValueError):
        load.Request("POST", "/x", body="a\nb").line()


def test_proc_readings_of_processes_we_started() -> None:
    assert stack.proc_cpu_seconds(os.getpid()) > 0
    assert stack.proc_rss_mb(os.getpid()) > 10
    assert 0 < stack.proc_private_mb(os.getpid()) < stack.proc_rss_mb(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; sum(range(3_000_000)); time.sleep(30)"]
    )
    try:
        deadline = 200
        while child.pid not in stack.proc_children(os.getpid()) and deadline:
            deadline -= 1
        assert child.pid in stack.proc_children(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert stack.proc_cpu_seconds(999_999_999) == 0.0


def test_the_endpoint_lists_cover_the_issue() -> None:
    targets = {
        "idea_ids": [1, 2, 3],
        "showcase_id": 9,
        "showcase_comments": 200,
        "pages": 6000,
        "located_ideas": 60000,
        "search_words": ["Radweg Bahnhof"],
        "similar_texts": ["Mehr Bänke & Bäume"],
        "search_distinct": ["Radweg", "Bank"],
        "similar_distinct": ["Bänke im Park", "Bäume am Markt"],
        "reaction_ids": [1, 2],
        "reaction_mode": "updown",
        "tokens": ["mms_a", "mms_b"],
        "discussed_ids": [5, 6],
    }
    city = {e.name: e for e in run.city_endpoints(targets, host="scale-1.localhost")}
    for name in (
        "healthz",
        *(f"api-list-{o}" for o in run.ORDERS),
        "api-detail",
        "api-comments-200",
        "api-geojson",
        "api-geojson-uncached",
        "api-search",
        "api-search-distinct",
        "api-similar",
        "api-similar-distinct",
        "api-reaction",
        "html-list",
        "html-detail-200",
        "html-map",
        "html-dashboard",
    ):
        assert name in city, name
    assert all(r.headers["Host"] == "scale-1.localhost" for e in city.values() for r in e.requests)
    assert city["api-similar"].requests[0].path.endswith("Mehr%20B%C3%A4nke%20%26%20B%C3%A4ume")
    reaction = city["api-reaction"].requests[0]
    assert reaction.method == "PUT" and reaction.headers["Authorization"].startswith("Bearer ")
    assert city["api-list-deep"].requests[0].path == "/api/v1/ideas?page=4800"
    assert all(r.headers["Accept-Encoding"] == "gzip" for r in city["api-geojson"].requests)
    assert city["api-geojson-uncached"].requests[0].headers["X-Bench-Cache"] == "bypass"
    assert "X-Bench-Cache" not in city["api-geojson"].requests[0].headers
    # Reads behind the page cache also run bypassing it, to show what a miss costs.
    for name in (
        "api-list-newest",
        "api-detail",
        "api-search",
        "html-list",
        "html-map",
        "html-dashboard",
    ):
        assert "X-Bench-Cache" not in city[name].requests[0].headers
        assert city[f"{name}-render"].requests[0].headers["X-Bench-Cache"] == "bypass"
    assert "api-list-supported-render" not in city and "api-similar-render" not in city
    compare = {e.name for e in run.compare_endpoints(targets, host="compare.localhost")}
    assert {"html-list", "html-list-p50", "html-detail", "api-reaction"} <= compare


def _result() -> dict[str, Any]:
    def row(name: str, rps: float, p95: float, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "label": name,
            "available": True,
            "rps": rps,
            "vs_healthz": rps / 1000,
            "latency_ms": {"p50": p95 / 2, "p90": p95, "p95": p95, "p99": p95 * 2},
            "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
            "app_cpu_ms": extra.pop("app", 5.0),
            "db_cpu_ms": 1.0,
            "bytes_per_request": 2048,
            "rss_mb": [120.0, 130.0],
            "private_mb": [80.0, 90.0],
            "probe": {"queries_max": extra.pop("queries", 4)},
            **extra,
        }

    return {
        "date": "2026-01-01T00:00:00+00:00",
        "mode": "full",
        "duration_min": 30,
        "machine": {
            "cpu": "CPU",
            "cores": 2,
            "memory_gb": 8,
            "kernel": "6",
            "python": "3.11",
            "django": "5.2",
            "sqlite": "3.40",
            "postgresql": "15",
            "wrk": "wrk 4",
        },
        "settings": {"connections": 8, "wrk_threads": 2, "duration_s": 10, "budget_requests": 1},
        "load_average_start": ["0.1", "0.1", "0.1"],
        "load_average_end": ["1", "1", "1"],
        "scenarios": [
            {
                "name": "compare-postgres",
                "database": "PostgreSQL",
                "data": "compare-2000",
                "stack": "4 workers",
                "endpoints": [
                    row("healthz", 1000, 5),
                    row("html-list", 400, 40, app=20.0, queries=7),
                    row("html-list-p50", 400, 40, app=20.0, queries=7),
                    row("html-detail", 300, 40, app=18.0, queries=9),
                ],
                "checks": {},
            },
            {
                "name": "city-postgres",
                "database": "PostgreSQL",
                "data": "city",
                "stack": "4 workers",
                "endpoints": [
                    row("healthz", 1000, 5),
                    row("api-list-newest", 600, 50),
                    {"name": "html-list", "label": "idea list page", "available": False},
                    row("api-detail", 400, 120),
                    row("api-geojson", 3, 250),
                    row("api-search", 100, 200),
                    row("api-similar", 100, 90),
                    row("api-reaction", 1200, 30),
                ],
                "checks": {"counts": {"ideas_checked": 10, "mismatched": 0, "reactions": 5}},
            },
        ],
    }


def test_goals_are_judged_from_the_figures() -> None:
    by_goal = {(g["goal"], g["where"]): g["reached"] for g in report.goals(_result())}
    compare = "compare-2000, PostgreSQL"
    assert by_goal[("idea list page 1: ≤ 30 ms app CPU, ≤ 10 queries", f"{compare} (html-list)")]
    assert not by_goal[
        ("idea page with its comments: ≤ 15 ms app CPU, ≤ 10 queries", f"{compare} (html-detail)")
    ]
    list_goal = "idea list ≥ 50 % of /healthz throughput, p95 < 100 ms"
    assert by_goal[(list_goal, "city-postgres (api-list-newest)")]
    detail_goal = "idea detail ≥ 50 % of /healthz throughput, p95 < 100 ms"
    assert not by_goal[(detail_goal, "city-postgres (api-detail)")]
    assert by_goal[("map GeoJSON of all located ideas p95 < 300 ms", "city-postgres (api-geojson)")]
    assert not by_goal[("search p95 < 150 ms", "city-postgres (api-search)")]
    assert by_goal[("similar ideas p95 < 150 ms", "city-postgres (api-similar)")]
    assert by_goal[("≥ 1,000 reactions/s on PostgreSQL with exact counts", "city-postgres")]
    assert by_goal[("worker RSS < 200 MB", "all runs (max)")]
    assert by_goal[("worker RSS < 200 MB, private memory only (RssAnon)", "all runs (max)")]


def test_errors_and_missing_scenarios_are_reported() -> None:
    result = _result()
    result["scenarios_requested"] = ["compare-postgres", "city-postgres", "scaleout"]
    city = result["scenarios"][1]
    geojson = next(r for r in city["endpoints"] if r["name"] == "api-geojson")
    geojson["errors"]["redirect"] = 7
    geojson["statuses"] = {200: 93, 302: 7}
    text = report.markdown(result)
    assert "**Scenarios not run:** scaleout." in text
    assert "city-postgres / api-geojson: 7 failed answers (statuses {200: 93, 302: 7})" in text
    by_goal = {(g["goal"], g["where"]): g for g in report.goals(result)}
    goal = by_goal[("map GeoJSON of all located ideas p95 < 300 ms", "city-postgres (api-geojson)")]
    assert goal["reached"] is False and "7 errors" in goal["measured"]


def test_full_mode_runs_every_scenario() -> None:
    opts = run.parse_args([])
    assert opts.scenarios == list(run.SCENARIOS)
    assert {"city-sqlite", "city-postgres", "compare-postgres", "scaleout"} <= set(opts.scenarios)
    assert opts.update_docs and not opts.quick


def test_markdown_and_benchmarks_md_update(tmp_path: Path) -> None:
    text = report.markdown(_result())
    assert "| idea list page | not available yet |" in text
    assert "### compare-postgres: PostgreSQL, compare-2000 data" in text
    assert "**not reached**" in text
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\nafter\n")
    report.update_benchmarks_md(path, text)
    updated = path.read_text()
    assert "old" not in updated and text in updated
    assert updated.startswith("# Benchmarks\n\nintro") and updated.rstrip().endswith("after")
    report.update_benchmarks_md(path, "new\n")
    assert updated.count(report.BEGIN) == path.read_text().count(report.BEGIN) == 1


@pytest.mark.slow
def test_app_processes_share_one_listening_socket(tmp_path: Path) -> None:
    # The scale-out run's two app processes take connections from one queue, as behind a load
    # balancer: when one process is gone, the other answers every request on the same port.
    env = stack.app_env(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", var_dir=tmp_path)
    stack.manage(env, "migrate", "--no-input", "--skip-checks")
    stack.manage(env, "collectstatic", "--no-input", "--skip-checks")
    port = stack.free_port(56100)
    listener = stack.shared_listener(port)
    apps = [stack.App(env, port, workers=1, listener=listener) for _ in range(2)]
    try:
        with stack.running(*apps):
            for app in apps:
                app.start()
            assert all(app.process and app.process.poll() is None for app in apps)
            apps[0].stop()
            assert all(stack._healthy(port, "localhost") for _ in range(20))
    finally:
        listener.close()
