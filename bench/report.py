"""Markdown tables from a benchmark result, and the goals of issue #4 checked against it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench:begin (written by `make bench`; do not edit by hand) -->"
END = "<!-- bench:end -->"


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def endpoint(scenario: dict[str, Any], *names: str) -> dict[str, Any] | None:
    """The first available endpoint row of `scenario` among `names`."""
    rows = {row["name"]: row for row in scenario.get("endpoints", [])}
    for name in names:
        row = rows.get(name)
        if row and row.get("available"):
            return row
    return None


def error_count(row: dict[str, Any]) -> int:
    """Failed answers of a run: connection errors, timeouts, statuses >= 400 and redirects."""
    return int(sum(row.get("errors", {}).values()))


def scenario(result: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for s in result.get("scenarios", []) if s["name"] == name), None)


def max_rss(result: dict[str, Any], key: str = "rss_mb") -> float:
    values = [
        mb
        for s in result.get("scenarios", [])
        for row in s.get("endpoints", [])
        for mb in row.get(key, [])
    ]
    return max(values) if values else 0.0


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the issue with the measured value and whether it is reached."""
    out: list[dict[str, Any]] = []

    def add(goal: str, where: str, measured: str, ok: bool | None) -> None:
        out.append({"goal": goal, "where": where, "measured": measured, "reached": ok})

    compare = scenario(result, "compare-postgres")
    if compare:
        for names, label, cpu_goal in (
            # What rendering costs (the "-render" rows bypass the page cache), not a cache hit.
            (("html-list-render", "html-list", "api-list"), "idea list page 1", 30),
            (("html-list-p50-render", "html-list-p50", "api-list-p50"), "idea list page 50", 30),
            (
                ("html-detail-render", "html-detail", "api-detail"),
                "idea page with its comments",
                15,
            ),
        ):
            row = endpoint(compare, *names)
            if row is None:
                add(f"{label}: ≤ {cpu_goal} ms app CPU, ≤ 10 queries", "compare-2000", "–", None)
                continue
            queries = row.get("probe", {}).get("queries_max")
            ok = (
                row["app_cpu_ms"] <= cpu_goal
                and queries is not None
                and queries <= 10
                and error_count(row) == 0
            )
            add(
                f"{label}: ≤ {cpu_goal} ms app CPU, ≤ 10 queries",
                f"compare-2000, PostgreSQL ({row['name']})",
                f"{row['app_cpu_ms']:.1f} ms app + {row['db_cpu_ms']:.1f} ms DB CPU, "
                f"{queries} queries",
                ok,
            )
    for s in result.get("scenarios", []):
        if s.get("data") != "city":
            continue
        where = f"{s['name']}"
        for names, label in (
            (("html-list", "api-list-newest"), "idea list"),
            (("html-detail", "api-detail"), "idea detail"),
        ):
            row = endpoint(s, *names)
            if row is None:
                continue
            share = row.get("vs_healthz") or 0
            p95 = row["latency_ms"]["p95"]
            errors = error_count(row)
            add(
                f"{label} ≥ 50 % of /healthz throughput, p95 < 100 ms",
                f"{where} ({row['name']})",
                f"{100 * share:.0f} %, p95 {p95:.0f} ms" + (f", {errors} errors" if errors else ""),
                share >= 0.5 and p95 < 100 and errors == 0,
            )
        for names, label, limit in (
            (("api-geojson",), "map GeoJSON of all located ideas p95 < 300 ms", 300),
            (("api-search", "html-search"), "search p95 < 150 ms", 150),
            (("api-search-distinct",), "search p95 < 150 ms", 150),
            (("api-similar",), "similar ideas p95 < 150 ms", 150),
            (("api-similar-distinct",), "similar ideas p95 < 150 ms", 150),
        ):
            row = endpoint(s, *names)
            if row is None:
                continue
            errors = error_count(row)
            add(
                label,
                f"{where} ({row['name']})",
                f"p95 {row['latency_ms']['p95']:.0f} ms" + (f", {errors} errors" if errors else ""),
                row["latency_ms"]["p95"] < limit and errors == 0,
            )
        if "PostgreSQL" in s.get("database", ""):
            row = endpoint(s, "api-reaction")
            counts = s.get("checks", {}).get("counts", {})
            if row is not None:
                errors = error_count(row)
                exact = counts.get("mismatched") == 0
                add(
                    "≥ 1,000 reactions/s on PostgreSQL with exact counts",
                    where,
                    f"{row['rps']:.0f}/s, {errors} errors, "
                    f"{counts.get('mismatched', '?')} ideas with wrong counts",
                    row["rps"] >= 1000 and exact and errors == 0,
                )
    rss = max_rss(result)
    add("worker RSS < 200 MB", "all runs (max)", f"{rss:.0f} MB", rss < 200 if rss else None)
    private = max_rss(result, "private_mb")
    if private:
        # VmRSS also counts shared file pages, above all SQLite's memory-mapped database.
        add(
            "worker RSS < 200 MB, private memory only (RssAnon)",
            "all runs (max)",
            f"{private:.0f} MB",
            private < 200,
        )
    return out


def _mark(ok: bool | None) -> str:
    return {True: "reached", False: "**not reached**", None: "not measured"}[ok]


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Run of {result['date']} ({result['mode']}, {result.get('duration_min', '?')} min). "
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Linux {m['kernel']}; "
        f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}, {m['postgresql']}; "
        f"{m['wrk']}.",
        "",
        f"Load: wrk, {result['settings']['connections']} connections, "
        f"{result['settings']['wrk_threads']} threads, {result['settings']['duration_s']:.0f} s "
        f"or {result['settings']['budget_requests']} requests per endpoint, on loopback. "
        f"Load average before/after: {' '.join(result['load_average_start'])} / "
        f"{' '.join(result.get('load_average_end', []))}.",
        "",
        "### Goals",
        "",
        "| goal | where | measured | |",
        "| --- | --- | --- | --- |",
    ]
    for g in goals(result):
        lines.append(f"| {g['goal']} | {g['where']} | {g['measured']} | {_mark(g['reached'])} |")
    ran = {s["name"] for s in result.get("scenarios", [])}
    missing = [name for name in result.get("scenarios_requested", []) if name not in ran]
    if missing:
        lines += ["", f"**Scenarios not run:** {', '.join(missing)}."]
    failed = [
        f"{s['name']} / {row['label']}: {row['error']}"
        for s in result.get("scenarios", [])
        for row in s.get("endpoints", [])
        if row.get("error")
    ]
    erroneous = [
        f"{s['name']} / {row['label']}: {error_count(row)} failed answers "
        f"(statuses {row.get('statuses', {})})"
        for s in result.get("scenarios", [])
        for row in s.get("endpoints", [])
        if row.get("available") and error_count(row)
    ]
    if failed or erroneous:
        lines += ["", "### Failures", ""]
        lines += [f"* {text}" for text in [*failed, *erroneous]]
    for s in result.get("scenarios", []):
        if "error" in s:
            lines += ["", f"### {s['name']}", "", f"Failed: `{s['error'][-300:]}`"]
            continue
        lines += ["", f"### {s['name']}: {s['database']}, {s['data']} data", ""]
        seed = s.get("seed", {})
        facts = [s["stack"]]
        targets = s.get("targets", {})
        if targets:
            facts.append(
                f"{targets.get('public_ideas')} public ideas, "
                f"{targets.get('located_ideas')} located"
            )
        if seed.get("seed_seconds"):
            facts.append(f"seeded in {seed['seed_seconds']} s")
        lines += ["; ".join(facts) + ".", ""]
        lines += [
            "| endpoint | req/s | × healthz | p50 ms | p95 ms | p99 ms | queries | "
            "app CPU ms/req | DB CPU ms/req | KB/req | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in s.get("endpoints", []):
            if not row.get("available"):
                why = "**failed** (see Failures)" if row.get("error") else "not available yet"
                lines.append(f"| {row['label']} | {why} | | | | | | | | | |")
                continue
            errors = error_count(row)
            lat = row["latency_ms"]
            probe = row.get("probe", {})
            lines.append(
                f"| {row['label']} | {row['rps']:.0f} | {_fmt(row.get('vs_healthz'), 2)} | "
                f"{lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | "
                f"{_fmt(probe.get('queries_max'))} | {row['app_cpu_ms']:.1f} | "
                f"{row['db_cpu_ms']:.1f} | {row['bytes_per_request'] / 1024:.1f} | "
                f"{f'**{errors}**' if errors else 0} |"
            )
        rss = [mb for row in s.get("endpoints", []) for mb in row.get("rss_mb", [])]
        checks = s.get("checks", {})
        notes = []
        if rss:
            notes.append(f"worker RSS max {max(rss):.0f} MB")
        private = [mb for row in s.get("endpoints", []) for mb in row.get("private_mb", [])]
        if private:
            notes.append(f"of it private (RssAnon) max {max(private):.0f} MB")
        counts = checks.get("counts")
        if counts:
            notes.append(
                f"counters checked on {counts['ideas_checked']} ideas after the reaction load: "
                f"{counts['mismatched']} wrong"
            )
        ryw = checks.get("read_your_writes")
        if ryw:
            notes.append(
                f"read-your-writes: {ryw['stale_reads_with_pin_cookie']} stale of "
                f"{ryw['rounds']} reads right after a write (with the pin cookie), "
                f"{ryw['stale_reads_without_cookie']} stale without it "
                f"({ryw['reads_served_by_replica']} served by the replica)"
            )
        if "replica_replay_lag_ms" in checks:
            notes.append(f"replica replay lag at the end {checks['replica_replay_lag_ms']:.0f} ms")
        foreign = [
            row.get("foreign_cpu_share", 0) for row in s.get("endpoints", []) if "rps" in row
        ]
        if foreign:
            notes.append(
                f"CPU used by other processes on the machine during the runs: "
                f"{100 * sum(foreign) / len(foreign):.0f} % of capacity on average"
            )
        if notes:
            lines += ["", "; ".join(notes) + "."]
    return "\n".join(lines) + "\n"


def update_benchmarks_md(path: Path, table: str) -> None:
    """Replace the figures between the markers in BENCHMARKS.md (or append them)."""
    block = f"{BEGIN}\n{table}{END}"
    text = path.read_text("utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, "utf-8")
