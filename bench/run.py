"""The Mitmachstadt benchmark: `make bench` (or `python -m bench.run [--quick]`).

One command reproduces everything: it starts the real stack (gunicorn via `mitmachstadt serve`
on loopback, on SQLite and on a throw-away PostgreSQL, then PostgreSQL primary + streaming
replica + Redis behind two app processes), seeds the data sets, loads every endpoint from wrk
(bounded in time and request count), reads CPU time and worker RSS from /proc, and writes
bench/results/bench.json and bench/results/bench.md (and the figures into BENCHMARKS.md).
See BENCHMARKS.md for the method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import load, report, stack
from .load import Endpoint, Request

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SCENARIOS = ("compare-postgres", "compare-sqlite", "city-sqlite", "city-postgres", "scaleout")
CITY_HOST = "scale-1.localhost"
COMPARE_HOST = "compare.localhost"
ORDERS = ("newest", "supported", "rated", "discussed", "controversial", "trending", "random")
# Honoured by the app only with MITMACHSTADT_BENCH=1: answer without the caches (core.pagecache,
# the map's GeoJSON), to measure what a cache miss costs.
BYPASS = {"X-Bench-Cache": "bypass"}


@dataclass
class Options:
    quick: bool
    scenarios: list[str]
    duration: float
    connections: int
    threads: int
    budget: int
    ideas: int
    comments: int
    reactions: int
    accounts: int
    municipalities: int
    workdir: Path
    reuse: bool
    keep: bool
    update_docs: bool
    tokens: int
    # Only endpoints whose name starts with one of these (the /healthz ceiling always runs).
    endpoints: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.endpoints) or set(self.scenarios) != set(SCENARIOS)

    def wants(self, name: str) -> bool:
        return name == "healthz" or not self.endpoints or name.startswith(self.endpoints)

    @property
    def seed_args(self) -> list[str]:
        return [
            "--ideas",
            str(self.ideas),
            "--comments",
            str(self.comments),
            "--reactions",
            str(self.reactions),
            "--accounts",
            str(self.accounts),
            "--municipalities",
            str(self.municipalities),
        ]


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data, short runs (minutes)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--duration", type=float, help="seconds per endpoint (default 10; quick 3)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=int, help="max requests per endpoint run")
    parser.add_argument("--ideas", type=int)
    parser.add_argument("--comments", type=int)
    parser.add_argument("--reactions", type=int)
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--municipalities", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mitmachstadt-bench"))
    parser.add_argument(
        "--reuse", action="store_true", help="reuse seeded databases of an earlier run"
    )
    parser.add_argument("--keep", action="store_true", help="keep databases after the run")
    parser.add_argument(
        "--no-docs", action="store_true", help="do not write the figures into BENCHMARKS.md"
    )
    parser.add_argument(
        "--endpoints",
        default="",
        help="comma-separated name prefixes, e.g. api-search,html-map (healthz always runs)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    ideas = args.ideas or (10_000 if quick else 100_000)
    scenarios = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return Options(
        quick=quick,
        scenarios=scenarios,
        duration=args.duration or (3.0 if quick else 10.0),
        connections=args.connections,
        threads=args.threads,
        budget=args.budget or (4_000 if quick else 30_000),
        ideas=ideas,
        comments=args.comments if args.comments is not None else ideas * 10,
        reactions=args.reactions if args.reactions is not None else ideas * 50,
        accounts=args.accounts or max(ideas // 5, 200),
        municipalities=args.municipalities,
        workdir=args.workdir,
        reuse=args.reuse,
        keep=args.keep,
        update_docs=not args.no_docs and not quick and args.only == "" and not args.endpoints,
        tokens=1000,
        endpoints=tuple(e.strip() for e in args.endpoints.split(",") if e.strip()),
    )


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


# --- Machine --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    import sqlite3

    import django

    pg_version = ""
    try:
        out = subprocess.run(
            [str(stack.pg_bin() / "postgres"), "--version"], capture_output=True, text=True
        )
        pg_version = out.stdout.strip()
    except (stack.StackError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
        if shutil.which("wrk")
        else "",
    }


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- Endpoints ------------------------------------------------------------------------------


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _headers(host: str, rng: random.Random, **extra: str) -> dict[str, str]:
    # A different client address per request, so that per-IP rate limits see many visitors.
    xff = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    # Every browser and HTTP library asks for compressed answers.
    return {"Host": host, "X-Forwarded-For": xff, "Accept-Encoding": "gzip", **extra}


# Pages behind the anonymous page cache (core/pagecache.py): each is also run with the cache
# bypassed ("<name>-render"), which measures what rendering costs (CPU and queries).
CACHED_PAGES = (
    "html-home",
    "html-list",
    "html-detail",
    "html-search",
    "html-map",
    "html-dashboard",
)
# API reads behind the same cache (mitmachstadt/api/urls.py), by exact name.
CACHED_API = frozenset(
    {
        "api-list",
        "api-list-p50",
        "api-list-newest",
        "api-list-random",
        "api-list-filtered",
        "api-list-deep",
        "api-detail",
        "api-comments",
        "api-comments-200",
        "api-search",
    }
)


def with_renders(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Each cached page as visitors get it, followed by its render with the cache bypassed."""
    out: list[Endpoint] = []
    for e in endpoints:
        out.append(e)
        if e.name.startswith(CACHED_PAGES) or e.name in CACHED_API:
            bypassed = [
                Request(r.method, r.path, {**r.headers, **BYPASS}, r.body) for r in e.requests
            ]
            label = f"{e.label}, rendered (page cache bypassed)"
            out.append(Endpoint(f"{e.name}-render", label, bypassed, e.budget, e.probe, e.kind))
    return out


def is_cached(endpoint: Endpoint) -> bool:
    """Whether the endpoint is served from the page cache (not its "-render" twin)."""
    name = endpoint.name
    if name.endswith("-render"):
        return False
    return name.startswith(CACHED_PAGES) or name in CACHED_API


def warm_cache(st: Stack, endpoint: Endpoint) -> int:
    """Ask for every distinct address of a cached endpoint once before it is measured.

    The timed run then shows the steady state of a site whose pages visitors keep asking for;
    what a cache miss costs is the "-render" twin's row. Without this, a short run over many
    addresses (500 idea pages) mostly measures first visits.
    """
    seen: set[tuple[str, str]] = set()
    for request in endpoint.requests:
        if (request.method, request.path) not in seen:
            seen.add((request.method, request.path))
            load.fetch(st.port, request.method, request.path, headers=request.headers, timeout=60)
    return len(seen)


def city_endpoints(targets: dict[str, Any], *, host: str, seed: int = 3) -> list[Endpoint]:
    rng = random.Random(seed)
    ids = targets["idea_ids"]
    showcase = targets["showcase_id"]
    pages = targets["pages"]

    def gets(paths: list[str], n: int = 200) -> list[Request]:
        return [Request("GET", rng.choice(paths), _headers(host, rng)) for _ in range(n)]

    def distinct(paths: list[str]) -> list[Request]:
        # Each request once (wrk picks at random, so a few repeat): what caches cannot serve.
        return [Request("GET", path, _headers(host, rng)) for path in paths] or gets(["/"], 1)

    endpoints = [Endpoint("healthz", "/healthz (ceiling)", gets(["/healthz"], 1))]
    for order in ORDERS:
        if order == "random":
            # Visitors with their own seed page through a stable shuffle.
            paths = [
                f"/api/v1/ideas?order=random&seed=v{v}&page={p}"
                for v in range(40)
                for p in (1, 2, 3)
            ]
        else:
            paths = [f"/api/v1/ideas?order={order}"]
        endpoints.append(Endpoint(f"api-list-{order}", f"API list, {order}", gets(paths)))
    endpoints += [
        Endpoint("api-list-p50", "API list, newest, page 50", gets(["/api/v1/ideas?page=50"])),
        Endpoint(
            "api-list-deep",
            f"API list, newest, page {max(1, int(pages * 0.8))} (deep)",
            gets([f"/api/v1/ideas?page={max(1, int(pages * 0.8))}"]),
        ),
        Endpoint(
            "api-list-filtered",
            "API list, field + district filter",
            gets(
                [
                    f"/api/v1/ideas?field={f}&district=bezirk-{d}"
                    for f in ("vernetzte-mobilitaet", "gutes-stadtklima", "guter-service")
                    for d in range(1, 8)
                ]
            ),
        ),
        Endpoint("api-detail", "API idea", gets([f"/api/v1/ideas/{i}" for i in ids])),
        Endpoint(
            "api-comments-200",
            f"API comments of an idea ({targets['showcase_comments']})",
            gets([f"/api/v1/ideas/{showcase}/comments"], 1),
        ),
        Endpoint(
            "api-search",
            "API search (q=…)",
            gets([f"/api/v1/ideas?q={_q(w)}" for w in targets["search_words"]]),
        ),
        Endpoint(
            "api-search-distinct",
            "API search, a different query each time",
            distinct(
                [f"/api/v1/ideas?q={_q(w)}" for w in targets.get("search_distinct", [])],
            ),
        ),
        Endpoint(
            "api-similar",
            "similar ideas",
            gets([f"/api/v1/ideas/similar?text={_q(t)}" for t in targets["similar_texts"]]),
        ),
        Endpoint(
            "api-similar-distinct",
            "similar ideas, a different text each time",
            distinct(
                [
                    f"/api/v1/ideas/similar?text={_q(t)}"
                    for t in targets.get("similar_distinct", [])
                ],
            ),
        ),
        Endpoint(
            "api-geojson",
            f"map GeoJSON ({targets['located_ideas']} located)",
            gets(["/api/v1/ideas.geojson"], 1),
            budget=1000,
        ),
        Endpoint(
            "api-geojson-uncached",
            "map GeoJSON, built for every request (cache bypassed)",
            [
                Request("GET", r.path, {**r.headers, **BYPASS})
                for r in gets(["/api/v1/ideas.geojson"], 1)
            ],
            budget=100,
        ),
        reaction_endpoint(targets, host=host, rng=rng),
        Endpoint("html-home", "home page", gets(["/"], 1), budget=1000),
        Endpoint("html-list", "idea list page", gets(["/ideas/"], 1)),
        Endpoint("html-list-p50", "idea list page 50", gets(["/ideas/?page=50"], 1)),
        Endpoint(
            "html-detail-200",
            f"idea page with {targets['showcase_comments']} comments",
            gets([f"/ideas/{showcase}/"], 1),
        ),
        Endpoint("html-detail", "idea page", gets([f"/ideas/{i}/" for i in ids])),
        Endpoint(
            "html-search",
            "search page",
            gets([f"/ideas/?q={_q(w)}" for w in targets["search_words"]]),
        ),
        Endpoint("html-map", "map page", gets(["/map/"], 1), budget=1000),
        Endpoint("html-map-p50", "map page 50 (no-JS list)", gets(["/map/?page=50"], 1)),
        Endpoint("html-dashboard", "dashboard", gets(["/dashboard"], 1)),
    ]
    return with_renders(endpoints)


def reaction_endpoint(targets: dict[str, Any], *, host: str, rng: random.Random) -> Endpoint:
    values = {"support": [1], "updown": [1, -1], "stars": [1, 2, 3, 4, 5]}[targets["reaction_mode"]]
    requests = [
        Request(
            "PUT",
            f"/api/v1/ideas/{rng.choice(targets['reaction_ids'])}/reaction",
            _headers(
                host,
                rng,
                Authorization=f"Bearer {rng.choice(targets['tokens'])}",
                **{"Content-Type": "application/json"},
            ),
            json.dumps({"value": rng.choice(values)}),
        )
        for _ in range(5000)
    ]
    return Endpoint("api-reaction", "post a reaction (PUT)", requests, probe=False, kind="write")


def compare_endpoints(targets: dict[str, Any], *, host: str, seed: int = 5) -> list[Endpoint]:
    rng = random.Random(seed)

    def gets(paths: list[str], n: int = 100) -> list[Request]:
        return [Request("GET", rng.choice(paths), _headers(host, rng)) for _ in range(n)]

    # Ideas with the most comments (i % 7 == 6: six each) for "an idea page with its comments".
    discussed = targets["discussed_ids"]
    endpoints = [
        Endpoint("healthz", "/healthz (ceiling)", gets(["/healthz"], 1)),
        Endpoint("html-list", "idea list page 1 (newest)", gets(["/ideas/?order=newest"], 1)),
        Endpoint(
            "html-list-p50",
            "idea list page 50 (newest)",
            gets(["/ideas/?order=newest&page=50"], 1),
        ),
        Endpoint(
            "html-detail",
            "idea page with its comments",
            gets([f"/ideas/{i}/" for i in discussed]),
        ),
        Endpoint("api-list", "API list page 1", gets(["/api/v1/ideas?page_size=15"], 1)),
        Endpoint(
            "api-list-p50", "API list page 50", gets(["/api/v1/ideas?page_size=15&page=50"], 1)
        ),
        Endpoint("api-detail", "API idea", gets([f"/api/v1/ideas/{i}" for i in discussed])),
        Endpoint(
            "api-comments",
            "API comments of an idea",
            gets([f"/api/v1/ideas/{i}/comments" for i in discussed]),
        ),
        reaction_endpoint(targets, host=host, rng=rng),
    ]
    return with_renders(endpoints)


# --- Running endpoints ----------------------------------------------------------------------


@dataclass
class Stack:
    name: str
    apps: list[stack.App]
    port: int
    host: str
    db_cpu: Callable[[], float]
    other_cpu: Callable[[], float]
    env: dict[str, str]


def run_endpoints(
    st: Stack, endpoints: list[Endpoint], opts: Options, workdir: Path
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    healthz_rps: float | None = None
    for endpoint in [e for e in endpoints if opts.wants(e.name)]:
        try:
            row = run_endpoint(st, endpoint, opts, workdir, healthz_rps)
        except Exception as error:  # one broken endpoint must not end the whole benchmark
            log(f"  {endpoint.name}: failed: {error!r}")
            row = {"name": endpoint.name, "label": endpoint.label, "available": False}
            row["error"] = repr(error)[:300]
        if endpoint.name == "healthz" and "rps" in row:
            healthz_rps = row["rps"]
        results.append(row)
        wait_until_idle(st)
    return results


def wait_until_idle(st: Stack, limit_s: float = 600) -> None:
    """Wait until the workers have worked off requests still queued after wrk stopped."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            load.fetch(st.port, "GET", "/healthz", headers={"Host": st.host}, timeout=5)
        except OSError:
            time.sleep(0.5)
            continue
        if time.monotonic() - started < 0.5:
            return


MAX_RUN_S = 120.0


def check_endpoint(st: Stack, endpoint: Endpoint) -> tuple[str | None, float]:
    """Send the endpoint's first request once, as the load will: (failure or None, seconds).

    Anything but a 2xx answer fails the endpoint loudly: a redirect (to a login page, to an
    added slash) or an error page is fast and would otherwise pass for the page measured.
    """
    request = endpoint.requests[0]
    started = time.monotonic()
    status, headers, body = load.fetch(
        st.port, request.method, request.path, headers=request.headers, body=request.body
    )
    elapsed = time.monotonic() - started
    if load.is_success(status):
        return None, elapsed
    return load.describe_failure(request, status, headers, body), elapsed


def run_settings(single_s: float, opts: Options, connections: int) -> tuple[float, int]:
    """Duration and wrk timeout for an endpoint whose single request takes `single_s`.

    A run must complete many requests: a page that takes seconds gets a longer run (at most
    MAX_RUN_S) and a timeout above its latency under load, instead of a run in which not one
    answer arrives.
    """
    cores = os.cpu_count() or 1
    queued = max(1.0, connections / cores)
    duration = max(opts.duration, min(MAX_RUN_S, 10 * single_s * queued))
    timeout = int(max(10.0, min(MAX_RUN_S, 4 * single_s * queued + 5)))
    return duration, timeout


def run_endpoint(
    st: Stack,
    endpoint: Endpoint,
    opts: Options,
    workdir: Path,
    healthz_rps: float | None,
) -> dict[str, Any]:
    failure, single_s = check_endpoint(st, endpoint)
    if failure is not None:
        log(f"  {endpoint.name}: FAILED: {failure}")
        return {
            "name": endpoint.name,
            "label": endpoint.label,
            "available": False,
            "error": failure,
        }
    row: dict[str, Any] = {"name": endpoint.name, "label": endpoint.label, "available": True}
    if is_cached(endpoint):
        row["warmed_addresses"] = warm_cache(st, endpoint)
    if endpoint.probe:
        row["probe"] = load.probe(st.port, endpoint.requests)
        single_s = max(single_s, (row["probe"].get("wall_ms_median") or 0) / 1000)
        for failure in row["probe"].get("failures", []):
            log(f"  {endpoint.name}: probe: {failure}")
    request_file = load.write_requests(workdir / f"{endpoint.name}.txt", endpoint.requests)
    budget = endpoint.budget or opts.budget
    connections = min(opts.connections, 4) if endpoint.budget else opts.connections
    duration, timeout = run_settings(single_s, opts, connections)
    app_before = sum(app.cpu_seconds() for app in st.apps)
    db_before = st.db_cpu()
    other_before = st.other_cpu()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, total_before = busy_jiffies()
    data = load.run_wrk(
        port=st.port,
        request_file=request_file,
        duration_s=duration,
        connections=connections,
        threads=opts.threads,
        budget=budget,
        timeout_s=timeout,
    )
    busy_after, total_after = busy_jiffies()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if data["requests"] == 0:
        failure = f"no answer completed within {duration:.0f} s (timeout {timeout} s)"
        log(f"  {endpoint.name}: FAILED: {failure}")
        return {**row, "available": False, "error": failure}
    requests = data["requests"]
    app_cpu = sum(app.cpu_seconds() for app in st.apps) - app_before
    db_cpu = st.db_cpu() - db_before
    other = st.other_cpu() - other_before
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    machine_busy = (busy_after - busy_before) / stack.CLK_TCK
    elapsed_capacity = (total_after - total_before) / stack.CLK_TCK
    foreign = max(0.0, machine_busy - app_cpu - db_cpu - other - wrk_cpu)
    errors = dict(data["errors"])
    probe_statuses = row.get("probe", {}).get("statuses", {})
    errors["probe"] = sum(n for code, n in probe_statuses.items() if not load.is_success(code))
    row.update(
        requests=requests,
        duration_s=round(data["duration_s"], 2),
        rps=round(data["rps"], 1),
        latency_ms=data["latency_ms"],
        errors=errors,
        statuses=data["statuses"],
        bytes_per_request=int(data["bytes"] / requests),
        app_cpu_ms=round(1000 * app_cpu / requests, 2),
        db_cpu_ms=round(1000 * (db_cpu + other) / requests, 2),
        wrk_cpu_ms=round(1000 * wrk_cpu / requests, 3),
        foreign_cpu_share=round(foreign / elapsed_capacity, 3) if elapsed_capacity else 0,
        rss_mb=[round(x, 1) for app in st.apps for x in app.worker_rss_mb()],
        private_mb=[round(x, 1) for app in st.apps for x in app.worker_private_mb()],
    )
    if endpoint.name == "healthz":
        healthz_rps = row["rps"]
    row["vs_healthz"] = round(row["rps"] / healthz_rps, 3) if healthz_rps else None
    error_count = sum(errors.values())
    log(
        f"  {endpoint.name}: {row['rps']} req/s, p50 {data['latency_ms']['p50']:.1f} ms, "
        f"p95 {data['latency_ms']['p95']:.1f} ms, app {row['app_cpu_ms']} ms, "
        f"db {row['db_cpu_ms']} ms, q {row.get('probe', {}).get('queries_max')}, "
        f"errors {error_count}"
        + (f", ERRORS: {errors}, statuses {data['statuses']}" if error_count else "")
    )
    return row


# --- Scenarios ------------------------------------------------------------------------------


def _python(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args], env=env, cwd=ROOT, text=True, capture_output=True
    )
    if result.returncode != 0:
        raise stack.StackError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _seed_marker(workdir: Path) -> Path:
    return workdir / "seeded.json"


def prepare_database(
    name: str, opts: Options, seed_args: list[str], *, postgres: bool
) -> tuple[dict[str, str], stack.Postgres | None, dict[str, Any]]:
    """A database with the data set: reused if --reuse and seeded with the same arguments."""
    workdir = opts.workdir / name
    var = workdir / "var"
    marker = _seed_marker(workdir)
    reuse = (
        opts.reuse and marker.exists() and json.loads(marker.read_text()).get("args") == seed_args
    )
    pg: stack.Postgres | None = None
    if not reuse:
        shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    var.mkdir(exist_ok=True)
    if postgres:
        pg = stack.Postgres(workdir / "pgdata", stack.free_port(55400))
        if not reuse:
            pg.init()
        pg.start()
        if not reuse:
            pg.create_database()
        url = pg.url
    else:
        url = f"sqlite:///{var / 'bench.sqlite3'}"
    env = stack.app_env(database_url=url, var_dir=var)
    info: dict[str, Any] = {"args": seed_args}
    stack.manage(env, "migrate", "--no-input", "--skip-checks")
    if reuse:
        info = json.loads(marker.read_text())
        log(f"  reusing the seeded database ({info.get('seed_seconds')} s to seed)")
        if pg is not None:
            # As after a fresh seed (and after migrations that rewrote tables).
            pg.psql("VACUUM ANALYZE")
    else:
        started = time.monotonic()
        out = stack.manage(env, "seed", "--skip-checks", *seed_args, log=workdir / "seed.log")
        info["seed_seconds"] = round(time.monotonic() - started, 1)
        info["seed_log"] = out.strip().splitlines()[-12:]
        marker.write_text(json.dumps(info))
        log(f"  seeded in {info['seed_seconds']} s")
    stack.manage(env, "collectstatic", "--no-input", "--skip-checks")
    return env, pg, info


def _targets(env: dict[str, str], host: str, workdir: Path, tokens: int) -> dict[str, Any]:
    out = workdir / "targets.json"
    _python(env, "bench.prepare", "targets", host, str(out), "--tokens", str(tokens))
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _recorded(targets: dict[str, Any]) -> dict[str, Any]:
    """What the result file keeps of the targets: no secrets, no long request lists."""
    left_out = {"tokens", "reaction_ids", "search_distinct", "similar_distinct"}
    kept = {k: v for k, v in targets.items() if k not in left_out}
    kept.update(
        {f"{k}_count": len(targets.get(k, [])) for k in ("search_distinct", "similar_distinct")}
    )
    return kept


def single_stack(name: str, opts: Options, *, postgres: bool, compare: bool) -> dict[str, Any]:
    log(f"scenario {name}")
    seed_args = ["--profile", "compare-2000"] if compare else opts.seed_args
    env, pg, info = prepare_database(name, opts, seed_args, postgres=postgres)
    workdir = opts.workdir / name
    host = COMPARE_HOST if compare else CITY_HOST
    targets = _targets(env, host, workdir, 200 if compare else opts.tokens)
    if compare:
        targets["discussed_ids"] = _python(env, "bench.prepare", "discussed", host).split()
    app = stack.App(env, stack.free_port(55200), workers=4, log=workdir / "app.log")
    keep_primary = False
    try:
        app.start(host)
        st = Stack(
            name=name,
            apps=[app],
            port=app.port,
            host=host,
            db_cpu=pg.cpu_seconds if pg else (lambda: 0.0),
            other_cpu=lambda: 0.0,
            env=env,
        )
        endpoints = (
            compare_endpoints(targets, host=host) if compare else city_endpoints(targets, host=host)
        )
        rows = run_endpoints(st, endpoints, opts, workdir)
        app.stop()
        checks = {"counts": json.loads(_python(env, "bench.prepare", "verify-counts", host))}
        # The scale-out run starts from this primary (it gets a replica).
        keep_primary = name == "city-postgres" and "scaleout" in opts.scenarios
    finally:
        app.stop()
        if pg and not keep_primary:
            pg.stop()
    result = {
        "name": name,
        "database": "PostgreSQL" if postgres else "SQLite",
        "data": "compare-2000" if compare else "city",
        "stack": "1 app process × 4 sync gunicorn workers",
        "seed": info,
        "targets": _recorded(targets),
        "endpoints": rows,
        "checks": checks,
    }
    if pg and keep_primary:
        result["_pg"] = pg
    return result


def scaleout(opts: Options, primary: stack.Postgres | None) -> dict[str, Any]:
    """PostgreSQL primary + streaming replica, Redis, two app processes on one port."""
    log("scenario scaleout")
    name = "scaleout"
    workdir = opts.workdir / name
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if primary is None:
        _env, primary, _info = prepare_database(
            "city-postgres", opts, opts.seed_args, postgres=True
        )
    replica = primary.replica(workdir / "replica", stack.free_port(55500))
    redis = stack.Redis(stack.free_port(55600))
    redis.start()
    var = opts.workdir / "city-postgres" / "var"
    env = stack.app_env(
        database_url=primary.url, var_dir=var, replica_url=replica.url, redis_url=redis.url
    )
    port = stack.free_port(55300)
    listener = stack.shared_listener(port)
    apps = [
        stack.App(env, port, workers=2, listener=listener, log=workdir / f"app{n}.log")
        for n in (1, 2)
    ]
    try:
        for app in apps:
            app.start(CITY_HOST)
        targets = _targets(env, CITY_HOST, workdir, opts.tokens)
        st = Stack(
            name=name,
            apps=apps,
            port=port,
            host=CITY_HOST,
            db_cpu=lambda: primary.cpu_seconds() + replica.cpu_seconds(),
            other_cpu=redis.cpu_seconds,
            env=env,
        )
        rows = run_endpoints(st, city_endpoints(targets, host=CITY_HOST), opts, workdir)
        ryw = read_your_writes(port, targets)
        lag = primary.psql(
            "SELECT COALESCE(MAX(EXTRACT(EPOCH FROM replay_lag)) * 1000, 0) "
            "FROM pg_stat_replication"
        )
        for app in apps:
            app.stop()
        checks = {
            "counts": json.loads(_python(env, "bench.prepare", "verify-counts", CITY_HOST)),
            "read_your_writes": ryw,
            "replica_replay_lag_ms": float(lag or 0),
        }
    finally:
        for app in apps:
            app.stop()
        listener.close()
        redis.stop()
        replica.stop()
        primary.stop()
    return {
        "name": name,
        "database": "PostgreSQL primary + streaming replica",
        "data": "city",
        "stack": (
            "2 app processes × 2 sync gunicorn workers (one shared listening socket), "
            "Redis cache/sessions"
        ),
        "targets": _recorded(targets),
        "endpoints": rows,
        "checks": checks,
    }


def read_your_writes(port: int, targets: dict[str, Any], rounds: int = 100) -> dict[str, Any]:
    """React, then read the idea at once: with the write's cookie it must show the new count."""
    rng = random.Random(11)
    host = CITY_HOST
    stale_with_cookie = 0
    stale_without = 0
    replica_reads = 0
    up_value = 1 if targets["reaction_mode"] != "stars" else 5
    for _ in range(rounds):
        idea = rng.choice(targets["reaction_ids"])
        token = rng.choice(targets["tokens"])
        auth = {"Host": host, "Authorization": f"Bearer {token}"}
        load.fetch(port, "DELETE", f"/api/v1/ideas/{idea}/reaction", headers=auth)
        status, headers, body = load.fetch(
            port,
            "PUT",
            f"/api/v1/ideas/{idea}/reaction",
            headers={**auth, "Content-Type": "application/json"},
            body=json.dumps({"value": up_value}),
        )
        if status != 200:
            continue
        expected = json.loads(body)["supports"]
        cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        _s, _h1, b1 = load.fetch(
            port, "GET", f"/api/v1/ideas/{idea}", headers={"Host": host, "Cookie": cookie}
        )
        if json.loads(b1)["supports"] != expected:
            stale_with_cookie += 1
        _s, h2, b2 = load.fetch(port, "GET", f"/api/v1/ideas/{idea}", headers={"Host": host})
        if json.loads(b2)["supports"] != expected:
            stale_without += 1
        if "replica=0" not in h2.get("X-Queries-By-Db", "replica=0"):
            replica_reads += 1
    return {
        "rounds": rounds,
        "stale_reads_with_pin_cookie": stale_with_cookie,
        "stale_reads_without_cookie": stale_without,
        "reads_served_by_replica": replica_reads,
    }


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    opts.workdir.mkdir(parents=True, exist_ok=True)
    load.wrk_binary()
    started = time.monotonic()
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        # A run of some scenarios or endpoints only is "partial" and never replaces the figures
        # of the last full run.
        "mode": "quick" if opts.quick else "partial" if opts.partial else "full",
        "machine": machine(),
        "load_average_start": Path("/proc/loadavg").read_text().split()[:3],
        "settings": {
            "duration_s": opts.duration,
            "connections": opts.connections,
            "wrk_threads": opts.threads,
            "budget_requests": opts.budget,
            "city": {
                "ideas": opts.ideas,
                "comments": opts.comments,
                "reactions": opts.reactions,
                "accounts": opts.accounts,
                "municipalities": opts.municipalities,
            },
        },
        "scenarios_requested": list(opts.scenarios),
        "scenarios": [],
    }
    primary = None
    try:
        for name in opts.scenarios:
            try:
                if name == "scaleout":
                    scenario = scaleout(opts, primary)
                    primary = None  # stopped by the scale-out run
                else:
                    scenario = single_stack(
                        name,
                        opts,
                        postgres=name.endswith("postgres"),
                        compare=name.startswith("compare"),
                    )
                    primary = scenario.pop("_pg", None) or primary
            except (stack.StackError, OSError, subprocess.SubprocessError) as error:
                log(f"scenario {name} failed: {error}")
                scenario = {"name": name, "error": str(error)[-2000:], "endpoints": []}
            result["scenarios"].append(scenario)
    finally:
        if primary is not None:
            primary.stop()
    result["duration_min"] = round((time.monotonic() - started) / 60, 1)
    result["load_average_end"] = Path("/proc/loadavg").read_text().split()[:3]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = {"quick": "bench-quick", "partial": "bench-partial"}.get(result["mode"], "bench")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    markdown = report.markdown(result)
    (RESULTS / f"{stem}.md").write_text(markdown, "utf-8")
    if opts.update_docs:
        report.update_benchmarks_md(ROOT / "BENCHMARKS.md", markdown)
    log(f"done in {result['duration_min']} min: bench/results/{stem}.json, {stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
