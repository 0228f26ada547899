"""Command line: ``python -m mitmachstadt.assemblies.lottery.cli --features F --people P ...``.

Prints one JSON object::

    {"probabilities": {"<id>": p, ...},
     "panels": [{"people": [...], "probability": p, "tickets": [first, last]}, ...],
     "selected": [...], "algorithm": "...", "seed": "...", "ticket": n, "audit": {...}, ...}

``panels`` is the lottery: each panel with its ticket numbers (out of ``tickets``) and its
probability; ``probabilities`` are computed exactly from it; ``selected`` is the panel holding
the drawn ``ticket``. ``optimal_probabilities`` are the LP optimum the tickets round (they
differ by at most ``max_deviation``). Exit status 0 on success, 2 on bad input, 3 on
infeasible quotas, 4 on solver failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .core import ALGORITHMS, DEFAULT_TICKETS, audit_record, draw, normalise_seed, solve
from .data import load_pool
from .errors import InfeasibleQuotasError, LotteryError, LotteryInputError, SolverError
from .solver import SolveOptions


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the ``mitmachstadt lottery`` wrapper)."""
    parser = argparse.ArgumentParser(
        prog="mitmachstadt lottery",
        description="Select a citizens' assembly panel by a fair, verifiable lottery.",
    )
    parser.add_argument("--features", required=True, type=Path, help="quota CSV")
    parser.add_argument("--people", required=True, type=Path, help="respondent CSV")
    parser.add_argument("--size", required=True, type=int, help="panel size k")
    parser.add_argument("--seed", required=True, help="public random seed (any text)")
    parser.add_argument(
        "--households",
        action="append",
        default=[],
        metavar="COLUMN",
        help="household/address column(s); repeat or separate with commas",
    )
    parser.add_argument("--algorithm", choices=ALGORITHMS, default="leximin")
    parser.add_argument("--id-column", default=None, help="id column (default: id or first)")
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS, help="lottery size M")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (not reproducible)")
    parser.add_argument("--output", type=Path, default=None, help="write JSON here, not stdout")
    parser.add_argument("--no-audit", action="store_true", help="omit the audit record")
    parser.add_argument("--progress", action="store_true", help="progress to stderr")
    parser.add_argument("--timing", action="store_true", help="add solver wall-clock times")
    return parser


def _round(value: float) -> float:
    return float(f"{value:.12g}")


def report(args: argparse.Namespace) -> dict[str, Any]:
    """Run the lottery described by parsed arguments and return the JSON-ready report."""
    seed = normalise_seed(args.seed)
    columns = [c.strip() for item in args.households for c in item.split(",") if c.strip()]
    pool = load_pool(
        args.features, args.people, id_column=args.id_column, household_columns=columns
    )

    def progress(fraction: float, message: str) -> None:
        if args.progress:
            sys.stderr.write(f"[{100 * fraction:5.1f}%] {message}\n")
            sys.stderr.flush()

    options = SolveOptions(time_limit=args.time_limit)
    result = solve(
        pool,
        args.size,
        args.algorithm,
        tickets=args.tickets,
        options=options,
        progress=progress,
        legacy_draws=args.tickets,
    )
    drawn = draw(result, seed)
    out: dict[str, Any] = {
        "probabilities": {pid: _round(p) for pid, p in result.probabilities.items()},
        "panels": [
            {"people": list(result.panels[i]), "probability": _round(p), "tickets": [a, b]}
            for (a, b, i), p in zip(result.ticket_ranges, result.panel_probabilities, strict=True)
        ],
        "selected": list(drawn.selected),
        "algorithm": result.algorithm,
        "seed": seed,
        "tickets": result.tickets,
        "ticket": drawn.number,
        "lottery_sha256": result.lottery_sha256,
        "optimal_probabilities": {
            pid: _round(p) for pid, p in result.optimal_probabilities.items()
        },
        "max_deviation": _round(result.max_deviation),
        "stats": result.stats,
    }
    if args.timing:
        out["timing"] = result.timing  # wall-clock seconds: breaks byte-for-byte equality
    if not args.no_audit:
        out["audit"] = audit_record(result, drawn)
    return out


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.algorithm == "legacy" and args.tickets == DEFAULT_TICKETS:
        args.tickets = 100  # legacy tickets are individual greedy draws, which are slow
    stream = stdout if stdout is not None else sys.stdout
    try:
        out = report(args)
    except LotteryInputError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 2
    except InfeasibleQuotasError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 3
    except (SolverError, LotteryError) as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 4
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        stream.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
