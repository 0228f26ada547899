"""Public API: solve a pool, draw a panel from a seed, audit, verify, replace drop-outs."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from .data import Feature, Pool, check_panel_size, load_pool, sha256_json
from .errors import InfeasibleQuotasError, LotteryError, LotteryInputError
from .model import build_types, panel_violations
from .realize import optimal_person_probabilities, realise
from .solver import SolveOptions, solve_compositions
from .solver import _report as solver_report

ProgressCallback = Callable[[float, str], None]

ALGORITHMS = ("leximin", "maximin", "legacy")
#: bump when a change alters which panels/tickets a given input produces.
ALGORITHM_VERSION = "1"
DEFAULT_TICKETS = 100_000
DEFAULT_LEGACY_DRAWS = 1_000
AUDIT_FORMAT = "mitmachstadt-lottery-audit/1"
_TICKET_DOMAIN = b"mitmachstadt-lottery-ticket/1"


@dataclass
class Result:
    """The lottery: distinct panels, their tickets out of ``tickets``, and probabilities.

    ``panels[i]`` holds ``panel_tickets[i]`` of the ``tickets`` equally likely tickets, so its
    probability is ``panel_tickets[i] / tickets``; every person's probability is computed
    exactly from that. ``optimal_probabilities`` are the LP optimum the tickets round.
    """

    pool: Pool
    size: int
    algorithm: str
    panels: list[tuple[str, ...]]
    panel_tickets: list[int]
    tickets: int
    optimal_probabilities: dict[str, float]
    maximin: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)  # wall clock: not reproducible

    @property
    def panel_probabilities(self) -> list[float]:
        """Probability of each panel (its share of the tickets)."""
        return [c / self.tickets for c in self.panel_tickets]

    @property
    def ticket_ranges(self) -> list[tuple[int, int, int]]:
        """(first, last, panel index): the 1-based ticket numbers of each panel."""
        out = []
        first = 1
        for index, count in enumerate(self.panel_tickets):
            out.append((first, first + count - 1, index))
            first += count
        return out

    @cached_property
    def ticket_counts(self) -> dict[str, int]:
        """Tickets per person (a person holds the tickets of every panel they are on)."""
        counts: Counter[str] = Counter()
        for panel, count in zip(self.panels, self.panel_tickets, strict=True):
            for pid in panel:
                counts[pid] += count
        return {pid: counts.get(pid, 0) for pid in self.pool.ids}

    @cached_property
    def probabilities(self) -> dict[str, float]:
        """Each person's selection probability, exactly (tickets held / tickets)."""
        return {pid: c / self.tickets for pid, c in self.ticket_counts.items()}

    @property
    def max_deviation(self) -> float:
        """Largest difference between a lottery probability and the optimal one."""
        return max(
            (abs(self.probabilities[p] - self.optimal_probabilities[p]) for p in self.pool.ids),
            default=0.0,
        )

    def lottery_payload(self) -> dict[str, Any]:
        """The numbered ticket list in canonical form (what the lottery hash covers)."""
        return {
            "tickets": self.tickets,
            "ranges": [[a, b, list(self.panels[i])] for a, b, i in self.ticket_ranges],
        }

    @cached_property
    def lottery_sha256(self) -> str:
        """SHA-256 of the canonical ticket list; the drawn number depends on it."""
        return sha256_json(self.lottery_payload())


@dataclass(frozen=True)
class Draw:
    """The outcome of drawing one ticket."""

    seed: str
    number: int
    panel_index: int
    selected: tuple[str, ...]


def normalise_seed(seed: str) -> str:
    """Seeds are compared after Unicode NFC normalisation and stripping outer whitespace."""
    if not isinstance(seed, str):
        raise LotteryInputError("bad_seed", "The seed must be a text string.")
    text = unicodedata.normalize("NFC", seed).strip()
    if not text:
        raise LotteryInputError("empty_seed", "The seed must not be empty.")
    return text


def ticket_number(seed: str, lottery_sha256: str, tickets: int) -> int:
    """Ticket (1..tickets) = SHA-256(domain, lottery hash, seed) as an integer, mod tickets, +1.

    Binding the number to the lottery hash means the ticket list must be fixed before the seed
    is known; the modulo bias is below tickets / 2**256, i.e. nil.
    """
    message = b"\x00".join(
        [_TICKET_DOMAIN, lottery_sha256.encode(), normalise_seed(seed).encode("utf-8")]
    )
    return int.from_bytes(hashlib.sha256(message).digest(), "big") % tickets + 1


def draw(result: Result, seed: str) -> Draw:
    """Draw the panel for ``seed`` from the result's ticket lottery (pure function)."""
    seed = normalise_seed(seed)
    number = ticket_number(seed, result.lottery_sha256, result.tickets)
    for first, last, index in result.ticket_ranges:
        if first <= number <= last:
            return Draw(seed, number, index, result.panels[index])
    raise LotteryError("ticket_not_found", "Ticket {number} is not in the lottery.", number=number)


def _report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    solver_report(progress, fraction, message)


def solve(
    pool: Pool,
    size: int,
    algorithm: str = "leximin",
    *,
    tickets: int = DEFAULT_TICKETS,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    legacy_draws: int = DEFAULT_LEGACY_DRAWS,
) -> Result:
    """Compute the panel distribution and its ticket lottery for ``pool`` and panel ``size``.

    ``progress(fraction, message)`` is called now and then with 0 <= fraction <= 1.
    """
    if algorithm not in ALGORITHMS:
        raise LotteryInputError(
            "unknown_algorithm",
            "Unknown algorithm '{algorithm}'; choose one of {choices}.",
            algorithm=algorithm,
            choices=", ".join(ALGORITHMS),
        )
    check_panel_size(pool, size)
    if algorithm == "legacy":
        return _solve_legacy(pool, size, legacy_draws, progress)
    if not 1 <= tickets <= 10**7:
        raise LotteryInputError(
            "bad_ticket_count", "The number of tickets must be between 1 and 10,000,000."
        )
    _report(progress, 0.0, "Grouping respondents")
    types = build_types(pool, size)
    dist = solve_compositions(types, algorithm, options=options, progress=progress)
    _report(progress, 0.97, "Numbering the tickets")
    lottery = realise(dist, tickets)
    optimal = optimal_person_probabilities(dist)
    stats = dict(dist.stats)
    stats["compositions"] = len(dist.compositions)
    stats["panels"] = len(lottery.panels)
    _report(progress, 1.0, "Done")
    return Result(
        pool=pool,
        size=size,
        algorithm=algorithm,
        panels=[tuple(pool.ids[i] for i in panel) for panel in lottery.panels],
        panel_tickets=lottery.counts,
        tickets=tickets,
        optimal_probabilities={pid: float(optimal[i]) for i, pid in enumerate(pool.ids)},
        maximin=dist.maximin,
        stats=stats,
        timing=dist.timing,
    )


def _solve_legacy(pool: Pool, size: int, draws: int, progress: ProgressCallback | None) -> Result:
    from .package import legacy_draws as run_legacy

    if draws < 1:
        raise LotteryInputError("bad_draw_count", "The number of legacy draws must be positive.")
    panels = run_legacy(
        pool, size, draws, salt=f"legacy\x00{pool.sha256()}\x00{size}", progress=progress
    )
    counts = Counter(panels)
    distinct = sorted(counts)
    result = Result(
        pool=pool,
        size=size,
        algorithm="legacy",
        panels=distinct,
        panel_tickets=[counts[p] for p in distinct],
        tickets=draws,
        optimal_probabilities={},
        stats={"draws": draws, "panels": len(distinct), "estimated": True},
    )
    # Legacy has no optimum: its own empirical probabilities stand in for it.
    result.optimal_probabilities = dict(result.probabilities)
    _report(progress, 1.0, "Done")
    return result


# --------------------------------------------------------------------------- statistics


def summary(probabilities: Sequence[float]) -> dict[str, float]:
    """min, max, mean, Gini coefficient and geometric mean of selection probabilities."""
    values = sorted(float(p) for p in probabilities)
    n = len(values)
    total = sum(values)
    if n == 0 or total <= 0:
        return {"min": 0.0, "max": 0.0, "mean": 0.0, "gini": 0.0, "geometric_mean": 0.0}
    gini = max(0.0, sum((2 * i - n + 1) * v for i, v in enumerate(values)) / (n * total))
    # One person who can never be selected makes the geometric mean zero, as it should.
    geometric = 0.0 if values[0] <= 0 else math.exp(sum(math.log(v) for v in values) / n)
    return {
        "min": values[0],
        "max": values[-1],
        "mean": total / n,
        "gini": gini,
        "geometric_mean": geometric,
    }


# --------------------------------------------------------------------------- audit


def _versions(algorithm: str) -> dict[str, str]:
    versions = {"mitmachstadt.assemblies.lottery": ALGORITHM_VERSION}
    for dist_name in ("highspy", "numpy") + (
        ("sortition-algorithms",) if algorithm == "legacy" else ()
    ):
        try:
            versions[dist_name] = metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            versions[dist_name] = "unknown"
    return versions


def feature_table(pool: Pool, people: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
    """Counts per feature value (of the whole pool or of the given people): no personal data."""
    index = {pid: i for i, pid in enumerate(pool.ids)}
    chosen = range(pool.size) if people is None else [index[p] for p in people]
    table: dict[str, dict[str, int]] = {}
    for f, feature in enumerate(pool.features):
        counts = Counter(pool.values[i][f] for i in chosen)
        table[feature.name] = {v: counts.get(k, 0) for k, v in enumerate(feature.values)}
    return table


def _round(value: float) -> float:
    # 12 significant digits: stable across platforms, far below any meaningful difference.
    return float(f"{value:.12g}")


def audit_record(result: Result, drawn: Draw) -> dict[str, Any]:
    """A publishable record of the draw: enough to re-run and check it, no personal data
    beyond the respondent ids of the numbered panels."""
    pool = result.pool
    optimal = summary(list(result.optimal_probabilities.values()))
    lottery = summary(list(result.probabilities.values()))
    return {
        "format": AUDIT_FORMAT,
        "algorithm": {"name": result.algorithm, "versions": _versions(result.algorithm)},
        "pool": {
            "sha256": pool.sha256(),
            "respondents": pool.size,
            "id_column": pool.id_column,
            "household_columns": list(pool.household_columns),
            "feature_counts": feature_table(pool),
        },
        "quotas": [
            {"feature": f.name, "value": v, "min": lo, "max": hi}
            for f in pool.features
            for v, lo, hi in zip(f.values, f.mins, f.maxs, strict=True)
        ],
        "panel_size": result.size,
        "seed": drawn.seed,
        "tickets": result.tickets,
        "lottery_sha256": result.lottery_sha256,
        "panels": [
            {
                "number": n,
                "tickets": [first, last],
                "people": list(result.panels[index]),
                "probability": _round((last - first + 1) / result.tickets),
            }
            for n, (first, last, index) in enumerate(result.ticket_ranges, start=1)
        ],
        "probabilities": {
            "lottery": {k: _round(v) for k, v in lottery.items()},
            "optimal": {k: _round(v) for k, v in optimal.items()},
            "max_deviation": _round(result.max_deviation),
            "maximin": None if result.maximin is None else _round(result.maximin),
        },
        "draw": {"number": drawn.number, "panel": _panel_number(result, drawn.number)},
        "selected": list(drawn.selected),
        "selected_feature_counts": feature_table(pool, drawn.selected),
    }


def _panel_number(result: Result, number: int) -> int:
    for n, (first, last, _) in enumerate(result.ticket_ranges, start=1):
        if first <= number <= last:
            return n
    return 0


def run(
    pool: Pool,
    size: int,
    seed: str,
    algorithm: str = "leximin",
    *,
    tickets: int = DEFAULT_TICKETS,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[Result, Draw, dict[str, Any]]:
    """solve + draw + audit_record in one call."""
    seed = normalise_seed(seed)
    result = solve(pool, size, algorithm, tickets=tickets, options=options, progress=progress)
    drawn = draw(result, seed)
    return result, drawn, audit_record(result, drawn)


@dataclass
class Verification:
    """Outcome of :func:`verify`; truthy when every check passed."""

    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if nothing was wrong."""
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok


def verify(
    report: dict[str, Any],
    features_csv: str | Path,
    people_csv: str | Path,
    *,
    options: SolveOptions | None = None,
    rerun: bool = True,
) -> Verification:
    """Re-run the draw described by an audit ``report`` against the two CSV files and check it.

    Checks the pool hash and quotas, that every numbered panel is valid, that the ticket list
    hashes to ``lottery_sha256``, that the seed gives the published ticket and selection, and
    (unless ``rerun`` is False) that re-running the algorithm reproduces the ticket list byte
    for byte.
    """
    out = Verification()

    def check(condition: bool, ok: str, problem: str) -> bool:
        (out.checks if condition else out.problems).append(ok if condition else problem)
        return condition

    try:
        if report.get("format") != AUDIT_FORMAT:
            out.problems.append(f"unknown audit format {report.get('format')!r}")
            return out
        pool = load_pool(
            features_csv,
            people_csv,
            id_column=report["pool"]["id_column"],
            household_columns=report["pool"]["household_columns"],
        )
        size = int(report["panel_size"])
        tickets = int(report["tickets"])
        algorithm = report["algorithm"]["name"]
        if "replacement" in report:
            # A replacement draw ran on the conditional pool; rebuild it from the original.
            info = report["replacement"]
            check(
                pool.sha256() == info["original_pool_sha256"],
                "original pool hash matches",
                "original pool hash differs",
            )
            pool, _ = replacement_pool(
                pool, [*info["remaining"], *info["dropped"]], info["dropped"]
            )
        check(pool.sha256() == report["pool"]["sha256"], "pool hash matches", "pool hash differs")
        quotas = [
            {"feature": f.name, "value": v, "min": lo, "max": hi}
            for f in pool.features
            for v, lo, hi in zip(f.values, f.mins, f.maxs, strict=True)
        ]
        check(quotas == report["quotas"], "quotas match", "quotas differ from the files")
        panels = report["panels"]
        payload = {
            "tickets": tickets,
            "ranges": [[p["tickets"][0], p["tickets"][1], p["people"]] for p in panels],
        }
        check(
            sha256_json(payload) == report["lottery_sha256"],
            "ticket list matches its hash",
            "ticket list does not match lottery_sha256",
        )
        wrong_share = [
            p["number"]
            for p in panels
            if p["probability"] != _round((p["tickets"][1] - p["tickets"][0] + 1) / tickets)
        ]
        check(
            not wrong_share,
            "panel probabilities = tickets / M",
            f"wrong panel probabilities: {wrong_share[:10]}",
        )
        held: Counter[str] = Counter()
        for p in panels:
            for pid in p["people"]:
                held[pid] += p["tickets"][1] - p["tickets"][0] + 1
        lottery_summary = summary([held.get(pid, 0) / tickets for pid in pool.ids])
        check(
            {k: _round(v) for k, v in lottery_summary.items()}
            == report["probabilities"]["lottery"],
            "probability summary matches the tickets",
            "probability summary does not match the tickets",
        )
        expected = 1
        for p in panels:
            if p["tickets"][0] != expected or p["tickets"][1] < p["tickets"][0]:
                out.problems.append(f"ticket ranges are not consecutive at panel {p['number']}")
                break
            expected = p["tickets"][1] + 1
        check(expected == tickets + 1, "tickets numbered 1..M", "tickets do not cover 1..M")
        bad = [p["number"] for p in panels if panel_violations(pool, size, p["people"])]
        check(not bad, "every panel meets quotas and households", f"invalid panels: {bad[:10]}")
        number = ticket_number(report["seed"], report["lottery_sha256"], tickets)
        check(
            number == report["draw"]["number"],
            "seed gives the drawn ticket",
            "seed gives another ticket",
        )
        holder = next((p for p in panels if p["tickets"][0] <= number <= p["tickets"][1]), None)
        check(
            holder is not None and holder["people"] == report["selected"],
            "selected panel holds the drawn ticket",
            "selected people are not the panel of the drawn ticket",
        )
        if not rerun:
            return out
        if algorithm == "legacy":
            again = _solve_legacy(pool, size, tickets, None)
        else:
            again = solve(pool, size, algorithm, tickets=tickets, options=options)
        same = again.lottery_sha256 == report["lottery_sha256"]
        check(same, "re-run reproduces the ticket list", "re-run gives a different ticket list")
        optimal = summary(list(again.optimal_probabilities.values()))
        check(
            {k: _round(v) for k, v in optimal.items()} == report["probabilities"]["optimal"],
            "re-run reproduces the optimal probabilities",
            "re-run gives other optimal probabilities",
        )
        if not same:
            versions = _versions(algorithm)
            if versions != report["algorithm"].get("versions"):
                out.problems.append(
                    f"software versions differ: report {report['algorithm'].get('versions')}, "
                    f"here {versions}"
                )
    except LotteryError as exc:
        out.problems.append(f"{exc.code}: {exc.message}")
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        out.problems.append(f"malformed report: {exc!r}")
    return out


# --------------------------------------------------------------------------- replacements


@dataclass
class Replacement:
    """Replacement draw: the sub-lottery, its draw and the completed panel."""

    result: Result
    draw: Draw
    remaining: tuple[str, ...]
    dropped: tuple[str, ...]
    panel: tuple[str, ...]
    audit: dict[str, Any]


def replacement_pool(
    pool: Pool, selected: Sequence[str], dropped: Sequence[str]
) -> tuple[Pool, tuple[str, ...]]:
    """The pool and quotas of a replacement draw, conditional on the remaining members.

    Eligible: everyone not on the original panel who shares no household with a remaining
    member. Quotas: what the remaining members leave open, ``[max(0, min - r), max - r]``.
    """
    index = {pid: i for i, pid in enumerate(pool.ids)}
    for pid in (*selected, *dropped):
        if pid not in index:
            raise LotteryInputError("unknown_person", "'{value}' is not in the pool.", value=pid)
    if not set(dropped) <= set(selected):
        raise LotteryInputError(
            "dropped_not_selected",
            "Only selected people can drop out ({value}).",
            value=", ".join(sorted(set(dropped) - set(selected))),
        )
    remaining = tuple(sorted(set(selected) - set(dropped)))
    taken_households = {pool.households[index[p]] for p in remaining} - {None}
    eligible = [
        i
        for i, pid in enumerate(pool.ids)
        if pid not in set(selected) and pool.households[i] not in taken_households
    ]
    features = []
    for f, feature in enumerate(pool.features):
        used = Counter(pool.values[index[p]][f] for p in remaining)
        mins = tuple(max(0, lo - used.get(v, 0)) for v, lo in enumerate(feature.mins))
        maxs = tuple(hi - used.get(v, 0) for v, hi in enumerate(feature.maxs))
        if min(maxs) < 0:
            raise InfeasibleQuotasError(
                "remaining_over_quota",
                "The remaining members already exceed a maximum of feature '{feature}'.",
                feature=feature.name,
            )
        features.append(replace(feature, mins=mins, maxs=maxs))
    sub = Pool(
        ids=tuple(pool.ids[i] for i in eligible),
        features=tuple(features),
        values=tuple(pool.values[i] for i in eligible),
        households=tuple(pool.households[i] for i in eligible),
        id_column=pool.id_column,
        household_columns=pool.household_columns,
        features_file=pool.features_file,
        people_file=pool.people_file,
    )
    return sub, remaining


def draw_replacements(
    pool: Pool,
    size: int,
    selected: Sequence[str],
    dropped: Sequence[str],
    seed: str,
    algorithm: str = "leximin",
    *,
    tickets: int = DEFAULT_TICKETS,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Replacement:
    """Draw ``len(dropped)`` replacements the same way as the original panel.

    The replacement lottery is the same algorithm on the conditional problem of
    :func:`replacement_pool` (panel size = number of drop-outs), so every eligible person's
    chance is as fair as the remaining members allow; the completed panel meets all quotas.
    """
    if len(selected) != size or len(set(selected)) != size:
        raise LotteryInputError(
            "bad_selection", "The selected panel must have {size} distinct people.", size=size
        )
    if not dropped:
        raise LotteryInputError("nobody_dropped", "No drop-outs were given.")
    sub, remaining = replacement_pool(pool, selected, dropped)
    if sub.size < len(dropped):
        raise InfeasibleQuotasError(
            "pool_exhausted", "Only {left} eligible people are left.", left=sub.size
        )
    result = solve(
        sub, len(set(dropped)), algorithm, tickets=tickets, options=options, progress=progress
    )
    drawn = draw(result, seed)
    record = audit_record(result, drawn)
    record["replacement"] = {
        "remaining": list(remaining),
        "dropped": sorted(set(dropped)),
        "original_pool_sha256": pool.sha256(),
    }
    panel = tuple(sorted((*remaining, *drawn.selected)))
    return Replacement(result, drawn, remaining, tuple(sorted(set(dropped))), panel, record)


__all__ = [
    "ALGORITHMS",
    "DEFAULT_TICKETS",
    "Draw",
    "Feature",
    "Replacement",
    "Result",
    "Verification",
    "audit_record",
    "draw",
    "draw_replacements",
    "feature_table",
    "normalise_seed",
    "replacement_pool",
    "run",
    "solve",
    "summary",
    "ticket_number",
    "verify",
]
