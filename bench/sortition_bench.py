"""Benchmark of the citizens' assembly lottery on the shared instances.

Runs our leximin (and our maximin), the ``sortition-algorithms`` package's maximin and its
legacy greedy algorithm on every instance in ``../shared/sortition/instances`` and writes
``bench/results/sortition.json`` and ``bench/results/sortition.md``.

Each run is a separate worker process with a CPU-time cap (RLIMIT_CPU; the machine may be
shared, so wall-clock caps would be unfair), and CPU time is the worker's
``time.process_time()`` (all its threads) plus its children, measured around the algorithm
only, and for capped runs the parent's ``RUSAGE_CHILDREN`` delta. Usage::

    .venv/bin/python bench/sortition_bench.py [--cap 900] [--legacy-draws 1000]
        [--legacy-cap 300] [--only NAME ...] [--algorithms leximin,maximin,...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO.parent / "shared" / "sortition" / "instances"
RESULTS = REPO / "bench" / "results"
ALGORITHMS = ("leximin", "maximin", "package-maximin", "package-legacy")

# Reference leximin figures (min / Gini / geometric mean, CPU s) from the shared README
# (sortition-algorithms with Gurobi); only for the table.
REFERENCE = {
    "sfa_fixture_22": "9.09% / 14.0% / 14.12%, 23 s",
    "de_synth_40": "8.84% / 35.0% / 12.8%, 53 s",
    "example_small_20": "10.0%, 31 s",
    "example_large_200": "not possible (licence cap)",
}


def instance_config(name: str) -> tuple[int, list[str]]:
    """Panel size (from the shared README table) and household columns (by column names)."""
    readme = (INSTANCES.parent / "README.md").read_text(encoding="utf-8")
    size = None
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] == name and re.fullmatch(r"\d+", cells[2]):
            size = int(cells[2])
            break
    if size is None:
        match = re.search(r"_(\d+)(?:_|$)", name)
        if not match:
            raise SystemExit(f"no panel size known for {name}")
        size = int(match.group(1))
    header = (INSTANCES / name / "people.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = [c.strip() for c in header.split(",")]
    if "household" in columns:
        return size, ["household"]
    if "primary_address1" in columns and "primary_zip" in columns:
        return size, ["primary_address1", "primary_zip"]
    return size, []


# --------------------------------------------------------------------------- worker side


def _cpu() -> float:
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _distribution_metrics(
    pool: Any, size: int, panels: list[tuple[str, ...]], weights: list[float]
) -> dict[str, Any]:
    from mitmachstadt.assemblies.lottery import summary
    from mitmachstadt.assemblies.lottery.model import households_ok, quotas_ok

    probabilities = dict.fromkeys(pool.ids, 0.0)
    for panel, w in zip(panels, weights, strict=True):
        for pid in panel:
            probabilities[pid] += w
    quota_ok = sum(1 for p in panels if quotas_ok(pool, size, p))
    house_ok = sum(1 for p in panels if households_ok(pool, p))
    return {
        "summary": summary(list(probabilities.values())),
        "panels": len(panels),
        "quotas_ok": quota_ok / len(panels),
        "households_ok": house_ok / len(panels),
    }


def worker(name: str, algorithm: str, legacy_draws: int, legacy_cap: float) -> dict[str, Any]:
    """Run one algorithm on one instance and return metrics (executed in a child process)."""
    sys.path.insert(0, str(REPO))
    from mitmachstadt.assemblies.lottery import load_pool, solve, summary

    size, households = instance_config(name)
    pool = load_pool(
        INSTANCES / name / "features.csv",
        INSTANCES / name / "people.csv",
        household_columns=households,
    )
    out: dict[str, Any] = {"instance": name, "algorithm": algorithm, "n": pool.size, "k": size}
    start = _cpu()
    wall = time.monotonic()
    if algorithm in ("leximin", "maximin"):
        result = solve(pool, size, algorithm)
        out["cpu_seconds"] = _cpu() - start
        out.update(_distribution_metrics(pool, size, result.panels, result.panel_probabilities))
        out["optimal"] = summary(list(result.optimal_probabilities.values()))
        out["maximin_value"] = result.maximin
        out["max_deviation"] = result.max_deviation
        out["tickets"] = result.tickets
        out["stats"] = result.stats
        out["timing"] = result.timing
    elif algorithm == "package-maximin":
        from mitmachstadt.assemblies.lottery.package import package_maximin

        distribution = package_maximin(pool, size)
        out["cpu_seconds"] = _cpu() - start
        out.update(
            _distribution_metrics(
                pool, size, [p for p, _ in distribution], [w for _, w in distribution]
            )
        )
    elif algorithm == "package-legacy":
        from mitmachstadt.assemblies.lottery.package import legacy_draws as run_legacy

        panels: list[tuple[str, ...]] = []
        while len(panels) < legacy_draws and _cpu() - start < legacy_cap:
            panels += run_legacy(pool, size, 10, salt=f"bench\x00{len(panels)}")
        out["cpu_seconds"] = _cpu() - start
        out.update(_distribution_metrics(pool, size, panels, [1 / len(panels)] * len(panels)))
        out["draws"] = len(panels)
        out["estimated"] = True
    else:
        raise SystemExit(f"unknown algorithm {algorithm}")
    out["wall_seconds"] = time.monotonic() - wall
    return out


# --------------------------------------------------------------------------- parent side


def _limit_cpu(seconds: float) -> None:
    # The machine may be shared, so the cap is on CPU time (SIGXCPU), not on the wall clock.
    limit = max(1, int(seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))


def run_one(name: str, algorithm: str, cap: float, args: argparse.Namespace) -> dict[str, Any]:
    """Run a worker with a CPU-time cap; returns its metrics or a timeout/error record."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        sys.executable,
        __file__,
        "--worker",
        name,
        algorithm,
        "--legacy-draws",
        str(args.legacy_draws),
        "--legacy-cap",
        str(args.legacy_cap),
    ]
    started = time.monotonic()
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=args.wall_factor * cap,
            cwd=REPO,
            check=False,
            preexec_fn=lambda: _limit_cpu(cap),
        )
    except subprocess.TimeoutExpired:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {
            "instance": name,
            "algorithm": algorithm,
            "status": "timeout",
            "cap_seconds": cap,
            "cpu_seconds": cpu,
            "wall_seconds": time.monotonic() - started,
        }
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if completed.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return {
            "instance": name,
            "algorithm": algorithm,
            "status": "timeout",
            "cap_seconds": cap,
            "cpu_seconds": process_cpu,
            "wall_seconds": time.monotonic() - started,
        }
    if completed.returncode != 0:
        return {
            "instance": name,
            "algorithm": algorithm,
            "status": "error",
            "error": completed.stderr.strip().splitlines()[-1:] or ["?"],
            "cpu_seconds": process_cpu,
        }
    data: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    data["status"] = "ok"
    data["process_cpu_seconds"] = process_cpu  # including interpreter start and imports
    return data


def _pct(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The results as a Markdown report."""
    lines = [
        "# Citizens' assembly lottery: benchmark",
        "",
        f"Generated by `bench/sortition_bench.py` on {meta['date']} ({meta['machine']}, "
        f"{meta['cpus']} CPUs, Python {meta['python']}, highspy {meta['highspy']}, "
        f"sortition-algorithms {meta['sortition_algorithms']}).",
        "",
        "Selection probabilities per respondent: min / Gini / geometric mean. For our leximin "
        "and maximin these are the probabilities of the published ticket lottery "
        f"({meta['tickets']:,} tickets), computed exactly from its panels; *optimal* is the LP "
        "optimum the tickets round. Package maximin: exact from its distribution. Legacy: "
        "estimated from independent draws (the minimum is then a rough upper estimate). "
        "CPU = process time of the algorithm incl. all threads; cap = CPU-time limit.",
        "",
        "| instance | n | k | algorithm | min | Gini | geo. mean | quotas ok | households ok "
        "| panels | CPU s | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        if r["status"] != "ok":
            note = (
                f"did not finish within {r['cap_seconds']:.0f} CPU s"
                if r["status"] == "timeout"
                else f"error: {' '.join(r.get('error', []))}"
            )
            lines.append(
                f"| {r['instance']} | | | {r['algorithm']} | | | | | | | "
                f"{r['cpu_seconds']:.1f} | {note} |"
            )
            continue
        s = r["summary"]
        notes = []
        if "optimal" in r:
            o = r["optimal"]
            notes.append(
                f"optimal {_pct(o['min'], 3)} / {_pct(o['gini'], 2)} / "
                f"{_pct(o['geometric_mean'], 3)}; max dev. {r['max_deviation']:.1e}"
            )
        if r["algorithm"] == "leximin" and r["instance"] in REFERENCE:
            notes.append(f"reference leximin {REFERENCE[r['instance']]}")
        if r.get("estimated"):
            notes.append(f"{r['draws']} draws")
        lines.append(
            f"| {r['instance']} | {r['n']} | {r['k']} | {r['algorithm']} | "
            f"{_pct(s['min'], 3)} | {_pct(s['gini'])} | {_pct(s['geometric_mean'], 3)} | "
            f"{_pct(r['quotas_ok'], 0)} | {_pct(r['households_ok'], 0)} | {r['panels']} | "
            f"{r['cpu_seconds']:.1f} | {'; '.join(notes)} |"
        )
    lines += [
        "",
        "Our leximin/maximin work on types of interchangeable respondents (same features, "
        "no shared household), with column generation on HiGHS; see "
        "`mitmachstadt/assemblies/lottery/README.md`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, a single measurement)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=2, metavar=("INSTANCE", "ALGORITHM"))
    parser.add_argument("--cap", type=float, default=900.0, help="CPU-time cap per run (s)")
    parser.add_argument(
        "--wall-factor", type=float, default=10.0, help="wall-clock backstop = factor x cap"
    )
    parser.add_argument("--legacy-draws", type=int, default=1000)
    parser.add_argument("--legacy-cap", type=float, default=300.0, help="legacy CPU budget (s)")
    parser.add_argument("--only", nargs="*", default=None, help="instance names")
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
    args = parser.parse_args(argv)
    if args.worker:
        data = worker(args.worker[0], args.worker[1], args.legacy_draws, args.legacy_cap)
        sys.stdout.write(json.dumps(data) + "\n")
        return 0
    if not INSTANCES.is_dir():
        sys.stderr.write(f"no instances at {INSTANCES}\n")
        return 1
    names = args.only or sorted(p.name for p in INSTANCES.iterdir() if p.is_dir())
    algorithms = [a for a in args.algorithms.split(",") if a]
    results = []
    for name in names:
        for algorithm in algorithms:
            cap = args.cap if algorithm != "package-legacy" else args.legacy_cap + 120
            record = run_one(name, algorithm, cap, args)
            results.append(record)
            sys.stderr.write(
                f"{name:28s} {algorithm:16s} {record['status']:8s} "
                f"cpu {record['cpu_seconds']:8.1f} s\n"
            )
    from importlib import metadata

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "highspy": metadata.version("highspy"),
        "sortition_algorithms": metadata.version("sortition-algorithms"),
        "tickets": 100_000,
        "cap_seconds": args.cap,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "results": results}
    (RESULTS / "sortition.json").write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    (RESULTS / "sortition.md").write_text(markdown(results, meta), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
