"""Bridge to the ``sortition-algorithms`` package (legacy greedy draws and its maximin).

Only the package's public API is used; the pool is handed over as in-memory rows.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .data import Pool
from .errors import InfeasibleQuotasError, SolverError

ProgressCallback = Callable[[float, str], None]


def to_package(pool: Pool, size: int) -> tuple[Any, Any, list[str]]:
    """(FeatureCollection, People, address columns) for the package's algorithms."""
    from sortition_algorithms import Settings, read_in_features, read_in_people

    rows = [
        {"feature": f.name, "value": v, "min": str(lo), "max": str(hi)}
        for f in pool.features
        for v, lo, hi in zip(f.values, f.mins, f.maxs, strict=True)
    ]
    features, _, _ = read_in_features(["feature", "value", "min", "max"], rows, size)
    use_households = any(h is not None for h in pool.households)
    head = ["id", *(f.name for f in pool.features)] + (["household"] if use_households else [])
    body = []
    for i, pid in enumerate(pool.ids):
        row = {"id": pid}
        for j, f in enumerate(pool.features):
            row[f.name] = pool.value_of(i, j)
        if use_households:
            # The package groups equal addresses, so a missing one must stay unique.
            row["household"] = pool.households[i] or f"\x00{pid}"
        body.append(row)
    settings = Settings(
        id_column="id",
        columns_to_keep=[],
        check_same_address=use_households,
        check_same_address_columns=["household"] if use_households else [],
    )
    people, _ = read_in_people(head, body, features, settings)
    return features, people, settings.normalised_address_columns


@contextmanager
def quiet_package() -> Iterator[None]:
    """Silence the package's loggers, which print to stdout (and would corrupt JSON output)."""
    loggers = [logging.getLogger(n) for n in ("sortition_algorithms", "sortition_algorithms_user")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextmanager
def _seeded_package_random(seed: int) -> Iterator[None]:
    # The package draws from Python's global ``random``; seed it for reproducibility and put
    # the interpreter's state back afterwards so nothing else is affected.
    from sortition_algorithms.utils import set_random_provider

    state = random.getstate()
    try:
        set_random_provider(seed)
        yield
    finally:
        set_random_provider(None)
        random.setstate(state)


def legacy_draws(
    pool: Pool,
    size: int,
    draws: int,
    *,
    salt: str,
    progress: ProgressCallback | None = None,
    max_attempts: int = 100,
) -> list[tuple[str, ...]]:
    """``draws`` independent panels of the package's legacy greedy algorithm.

    Draw ``i`` seeds the package with the first 8 bytes of SHA-256(salt, i), so the list is a
    pure function of the pool and ``salt``.
    """
    from sortition_algorithms import SelectionError
    from sortition_algorithms.committee_generation import find_random_sample_legacy

    features, people, address_columns = to_package(pool, size)
    panels = []
    for i in range(draws):
        seed = int.from_bytes(hashlib.sha256(f"{salt}\x00{i}".encode()).digest()[:8], "big")
        with _seeded_package_random(seed or 1), quiet_package():
            try:
                committees, _ = find_random_sample_legacy(
                    people, features, size, address_columns, max_attempts=max_attempts
                )
            except SelectionError as exc:
                raise InfeasibleQuotasError(
                    "legacy_failed",
                    "The legacy algorithm found no panel in {attempts} attempts: {detail}",
                    attempts=max_attempts,
                    detail=str(exc),
                ) from exc
        panels.append(tuple(sorted(committees[0])))
        if progress is not None and (i % 10 == 9 or i == draws - 1):
            progress(0.95 * (i + 1) / draws, f"Legacy draw {i + 1} of {draws}")
    return panels


def package_maximin(pool: Pool, size: int) -> list[tuple[tuple[str, ...], float]]:
    """The package's maximin distribution (HiGHS backend) as (sorted panel, probability)."""
    from sortition_algorithms import InfeasibleQuotasError as PackageInfeasible
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        standardize_distribution,
    )

    features, people, address_columns = to_package(pool, size)
    try:
        with quiet_package():
            committees, probabilities, _ = find_distribution_maximin(
                features, people, size, address_columns, "highspy"
            )
    except PackageInfeasible as exc:
        raise InfeasibleQuotasError(
            "infeasible_quotas", "No panel meets all quotas: {detail}", detail=str(exc)
        ) from exc
    except AssertionError as exc:  # the package asserts on solver status
        raise SolverError("package_failed", "The package's maximin failed.") from exc
    committees, probabilities = standardize_distribution(committees, probabilities)
    return [(tuple(sorted(c)), float(p)) for c, p in zip(committees, probabilities, strict=True)]
