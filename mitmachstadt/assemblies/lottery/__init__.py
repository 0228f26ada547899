"""Citizens' assembly lottery ("Bürgerrat"): fair panel selection without Django.

Typical use::

    from mitmachstadt.assemblies.lottery import load_pool, run
    pool = load_pool("features.csv", "people.csv", household_columns=["household"])
    result, drawn, audit = run(pool, 40, seed="2025-03-01 Lottozahlen 3 17 22 31 40 45")

See README.md in this directory for the algorithm and how to reproduce a published draw.
"""

from __future__ import annotations

from .core import (
    ALGORITHMS,
    DEFAULT_TICKETS,
    Draw,
    Replacement,
    Result,
    Verification,
    audit_record,
    draw,
    draw_replacements,
    feature_table,
    normalise_seed,
    replacement_pool,
    run,
    solve,
    summary,
    ticket_number,
    verify,
)
from .data import Feature, Pool, check_panel_size, load_pool, read_features, read_people
from .errors import InfeasibleQuotasError, LotteryError, LotteryInputError, SolverError
from .model import panel_violations
from .solver import SolveOptions

__all__ = [
    "ALGORITHMS",
    "DEFAULT_TICKETS",
    "Draw",
    "Feature",
    "InfeasibleQuotasError",
    "LotteryError",
    "LotteryInputError",
    "Pool",
    "Replacement",
    "Result",
    "SolveOptions",
    "SolverError",
    "Verification",
    "audit_record",
    "check_panel_size",
    "draw",
    "draw_replacements",
    "feature_table",
    "load_pool",
    "normalise_seed",
    "panel_violations",
    "read_features",
    "read_people",
    "replacement_pool",
    "run",
    "solve",
    "summary",
    "ticket_number",
    "verify",
]
