"""Reduction of a pool to types of interchangeable respondents, and panel checks.

Two respondents are interchangeable when they have the same value on every feature and neither
shares a household with anyone else in the pool: swapping them maps every feasible panel to a
feasible panel. The leximin vector of selection probabilities is unique, so it is constant on
such types, and the optimisation can work with *compositions* (how many people of each type sit
on the panel) instead of individual panels. This shrinks e.g. a pool of 2,000 with two binary
features to 4 variables. People in multi-person households each form a type of their own.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .data import Pool

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class TypeModel:
    """Pool reduced to types; ``members[t]`` lists person indices in rotation order."""

    pool: Pool
    size: int
    members: tuple[tuple[int, ...], ...]
    counts: IntArray  # n_t, people per type
    values: IntArray  # (types x features) value index per type
    household_groups: tuple[tuple[int, ...], ...]  # types of which at most one may be chosen

    @property
    def num_types(self) -> int:
        """Number of types."""
        return len(self.members)

    def feature_masks(self) -> list[tuple[int, int, IntArray, int, int]]:
        """(feature, value, type indices, min, max) for every quota row."""
        rows = []
        for f, feature in enumerate(self.pool.features):
            for v, _ in enumerate(feature.values):
                idx = np.flatnonzero(self.values[:, f] == v).astype(np.int64)
                rows.append((f, v, idx, feature.mins[v], feature.maxs[v]))
        return rows

    def composition_ok(self, comp: IntArray) -> bool:
        """True if the type counts form a feasible panel (size, quotas, households)."""
        if comp.shape != (self.num_types,) or comp.min(initial=0) < 0:
            return False
        if int(comp.sum()) != self.size or np.any(comp > self.counts):
            return False
        for f, feature in enumerate(self.pool.features):
            per_value = np.bincount(
                self.values[:, f], weights=comp, minlength=len(feature.values)
            ).astype(np.int64)
            if np.any(per_value < np.asarray(feature.mins)) or np.any(
                per_value > np.asarray(feature.maxs)
            ):
                return False
        return all(int(comp[list(g)].sum()) <= 1 for g in self.household_groups)


def _rotation_key(person_id: str) -> bytes:
    # Hash order keeps the rotation (which only matters for the 1/M ticket rounding inside a
    # type) independent of how ids happen to be numbered.
    return hashlib.sha256(person_id.encode()).digest()


def build_types(pool: Pool, size: int) -> TypeModel:
    """Group the pool into types of interchangeable respondents (deterministic order)."""
    household_size: dict[str, int] = defaultdict(int)
    for h in pool.households:
        if h is not None:
            household_size[h] += 1
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, h in enumerate(pool.households):
        if h is not None and household_size[h] > 1:
            groups[(pool.values[i], 1, pool.ids[i])].append(i)
        else:
            groups[(pool.values[i], 0, "")].append(i)
    keys = sorted(groups, key=lambda key: (key[0], key[1], key[2]))
    members = tuple(
        tuple(sorted(groups[key], key=lambda i: (_rotation_key(pool.ids[i]), pool.ids[i])))
        for key in keys
    )
    counts = np.array([len(m) for m in members], dtype=np.int64)
    values = np.array([pool.values[m[0]] for m in members], dtype=np.int64).reshape(
        len(members), len(pool.features)
    )
    type_of = {}
    for t, m in enumerate(members):
        for i in m:
            type_of[i] = t
    by_household: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(pool.households):
        if h is not None and household_size[h] > 1:
            by_household[h].append(type_of[i])
    household_groups = tuple(sorted(tuple(sorted(g)) for g in by_household.values()))
    return TypeModel(pool, size, members, counts, values, household_groups)


def panel_violations(pool: Pool, size: int, panel: Iterable[str]) -> list[str]:
    """Human-readable list of rule violations of a panel (empty if it is valid)."""
    index = {pid: i for i, pid in enumerate(pool.ids)}
    people = list(panel)
    problems: list[str] = []
    if len(set(people)) != len(people):
        problems.append("duplicate person in panel")
    unknown = [p for p in people if p not in index]
    if unknown:
        problems.append(f"unknown ids: {', '.join(sorted(unknown))}")
        return problems
    if len(people) != size:
        problems.append(f"panel has {len(people)} people, expected {size}")
    for f, feature in enumerate(pool.features):
        counts = [0] * len(feature.values)
        for p in people:
            counts[pool.values[index[p]][f]] += 1
        for v, value in enumerate(feature.values):
            if not feature.mins[v] <= counts[v] <= feature.maxs[v]:
                problems.append(
                    f"{feature.name}/{value}: {counts[v]} not in "
                    f"[{feature.mins[v]}, {feature.maxs[v]}]"
                )
    households: dict[str, str] = {}
    for p in people:
        h = pool.households[index[p]]
        if h is None:
            continue
        if h in households:
            problems.append(f"{households[h]} and {p} share a household")
        households[h] = p
    return problems


def households_ok(pool: Pool, panel: Sequence[str]) -> bool:
    """True if no two panel members share a household."""
    index = {pid: i for i, pid in enumerate(pool.ids)}
    keys = [pool.households[index[p]] for p in panel]
    known = [k for k in keys if k is not None]
    return len(known) == len(set(known))


def quotas_ok(pool: Pool, size: int, panel: Sequence[str]) -> bool:
    """True if the panel has the right size and meets every quota."""
    problems = panel_violations(pool, size, panel)
    return not [p for p in problems if "share a household" not in p]
