"""Leximin and maximin panel distributions by column generation on HiGHS.

Master LP (over a growing portfolio of compositions ``a`` with weights ``x_a``)::

    max z   s.t.  sum_a x_a * c_a[t] / n_t  >=  z      for every type t not yet fixed
                  sum_a x_a * c_a[t] / n_t  >=  f_t    for every fixed type t
                  sum_a x_a = 1,  x >= 0

Its row duals ``y_t`` price a composition ``c`` at ``sum_t y_t c[t] / n_t``; the pricing MIP
finds the feasible composition (size, quotas, households) of maximal dual value. If it beats
the dual of the convexity row, it enters the master; otherwise the master is optimal over *all*
panels (the MIP's dual bound is the certificate). Leximin repeats this with the lowest level
fixed (Flanigan et al., Nature 2021): every type whose row dual is positive must sit at the
optimum ``z`` in all optimal solutions, so it is fixed there and the next level is maximised.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from .errors import InfeasibleQuotasError, SolverError
from .model import IntArray, TypeModel

FloatArray = NDArray[np.float64]
ProgressCallback = Callable[[float, str], None]
_INF = highspy.kHighsInf
logger = logging.getLogger(__name__)


@dataclass
class SolveOptions:
    """Numerical knobs; the defaults are what the benchmark and the CLI use."""

    #: optimality gap (in probability) at which column generation stops.
    gap: float = 1e-9
    #: a row dual above this (duals of unfixed rows sum to 1) marks a type as fixable.
    fix_threshold: float = 1e-7
    #: diverse starting compositions generated before the first master solve.
    initial_rounds: int = 30
    #: improving compositions searched heuristically before calling the pricing MIP.
    heuristic_columns: int = 8
    #: wall-clock limit in seconds; on expiry the current levels are frozen (not reproducible).
    time_limit: float | None = None


@dataclass
class CompositionDistribution:
    """A distribution over compositions plus the per-type selection probabilities."""

    types: TypeModel
    algorithm: str
    compositions: list[IntArray]
    weights: list[float]
    type_probabilities: FloatArray
    maximin: float  # optimal minimum probability (over people who can be selected at all)
    maximin_upper_bound: float  # certified upper bound on the maximin value
    stats: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)  # wall clock: not reproducible


class _Clock:
    def __init__(self, time_limit: float | None) -> None:
        self.start = time.monotonic()
        self.deadline = None if time_limit is None else self.start + time_limit

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


def _new_highs() -> highspy.Highs:
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("random_seed", 0)
    return h


def _hash_uniform(*parts: object) -> float:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


class Pricer:
    """The pricing MIP: the feasible composition of maximal weight ``sum_t w_t c_t``."""

    def __init__(self, types: TypeModel) -> None:
        self.types = types
        n = types.num_types
        h = _new_highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-12)
        lower = np.zeros(n)
        upper = types.counts.astype(np.float64)
        h.addVars(n, lower, upper)
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
        )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        all_idx = np.arange(n, dtype=np.int32)
        h.addRow(float(types.size), float(types.size), n, all_idx, np.ones(n))
        self.quota_rows: list[tuple[IntArray, int, int]] = []
        for f, v, idx, lo, hi in types.feature_masks():
            self.quota_rows.append((idx, lo, hi))
            if len(idx) == 0:
                if lo > 0:
                    feature = types.pool.features[f]
                    raise InfeasibleQuotasError(
                        "empty_feature_value",
                        "Nobody in the pool has {feature}/{value}, but the minimum is {min}.",
                        feature=feature.name,
                        value=feature.values[v],
                        min=lo,
                    )
                continue
            h.addRow(float(lo), float(hi), len(idx), idx.astype(np.int32), np.ones(len(idx)))
        for group in types.household_groups:
            g = np.asarray(group, dtype=np.int32)
            h.addRow(0.0, 1.0, len(g), g, np.ones(len(g)))
        self.h = h
        self.calls = 0
        self.seconds = 0.0

    def solve(
        self, weights: FloatArray, start: IntArray | None = None
    ) -> tuple[IntArray, float, float]:
        """Return (composition, its weight, dual bound); raises if no panel exists."""
        t0 = time.perf_counter()
        n = self.types.num_types
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(weights, dtype=float))
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = [float(v) for v in start]
            sol.value_valid = True
            self.h.setSolution(sol)
        self.h.run()
        status = self.h.getModelStatus()
        self.calls += 1
        self.seconds += time.perf_counter() - t0
        if status == highspy.HighsModelStatus.kInfeasible:
            raise InfeasibleQuotasError(
                "infeasible_quotas",
                "No panel of {size} people meets all quotas{households}.",
                size=self.types.size,
                households=" and the one-per-household rule" if self.types.household_groups else "",
            )
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(
                "pricing_failed",
                "The panel search stopped with status {status}.",
                status=self.h.modelStatusToString(status),
            )
        values = np.asarray(self.h.getSolution().col_value)
        comp = np.rint(values).astype(np.int64)
        if not self.types.composition_ok(comp):
            raise SolverError(
                "pricing_infeasible_solution", "The panel search returned an invalid panel."
            )
        info = self.h.getInfo()
        value = float(np.dot(weights, comp))
        return comp, value, max(value, float(info.mip_dual_bound))


class LocalSearch:
    """Cheap swap heuristic that finds improving compositions before the MIP is asked."""

    def __init__(self, types: TypeModel) -> None:
        self.types = types
        self.value_masks = [
            (types.values[:, f], np.asarray(feat.mins), np.asarray(feat.maxs))
            for f, feat in enumerate(types.pool.features)
        ]
        hh = np.full(types.num_types, -1, dtype=np.int64)
        for g, group in enumerate(types.household_groups):
            hh[list(group)] = g
        self.household_of = hh

    def improve(self, comp: IntArray, weights: FloatArray, max_moves: int = 200) -> IntArray:
        """Best-improvement single swaps (one unit out, one unit in) while feasible."""
        tm = self.types
        comp = comp.copy()
        has_households = len(tm.household_groups) > 0
        for _ in range(max_moves):
            # Only a type with positive weight can make a swap pay; duals are mostly zero, so
            # this keeps the move matrix small even for pools with thousands of types.
            ins = np.flatnonzero((comp < tm.counts) & (weights > 0))
            if len(ins) == 0:
                break
            outs = np.flatnonzero((comp > 0) & (weights < weights[ins].max()))
            if len(outs) == 0:
                break
            feasible = (weights[ins][None, :] - weights[outs][:, None]) > 1e-12
            if not feasible.any():
                break
            for vals, mins, maxs in self.value_masks:
                counts = np.bincount(vals, weights=comp, minlength=len(mins)).astype(np.int64)
                can_drop = counts[vals[outs]] - 1 >= mins[vals[outs]]
                can_add = counts[vals[ins]] + 1 <= maxs[vals[ins]]
                same = vals[outs][:, None] == vals[ins][None, :]
                feasible &= same | (can_drop[:, None] & can_add[None, :])
            if has_households:
                house = self.household_of
                used = np.zeros(len(tm.household_groups), dtype=np.int64)
                on_panel = (comp > 0) & (house >= 0)
                np.add.at(used, house[on_panel], 1)
                house_in = house[ins]
                free = (house_in < 0) | (used[np.maximum(house_in, 0)] == 0)
                # Swapping a person for a housemate keeps the household at one member.
                housemate = (house[outs][:, None] == house_in[None, :]) & (house_in[None, :] >= 0)
                feasible &= free[None, :] | housemate
            if not feasible.any():
                break
            gain = weights[ins][None, :] - weights[outs][:, None]
            flat = int(np.argmax(np.where(feasible, gain, -np.inf)))
            i, j = divmod(flat, len(ins))
            comp[outs[i]] -= 1
            comp[ins[j]] += 1
        return comp


class Master:
    """The restricted master LP; columns are compositions, kept hot between solves."""

    def __init__(self, types: TypeModel, active: NDArray[np.bool_]) -> None:
        self.types = types
        n = types.num_types
        h = _new_highs()
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")
        h.setOptionValue("simplex_strategy", 4)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        h.addVar(0.0, 1.0)
        h.changeColCost(0, -1.0)
        for t in range(n):
            if active[t]:
                h.addRow(0.0, _INF, 1, np.array([0], dtype=np.int32), np.array([-1.0]))
            else:
                h.addRow(0.0, _INF, 0, np.array([], dtype=np.int32), np.array([]))
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        self.h = h
        self.inv_counts = 1.0 / types.counts.astype(np.float64)
        self.columns: list[IntArray] = []
        self.keys: set[bytes] = set()
        self.fixed: dict[int, float] = {}
        self.seconds = 0.0
        self.solves = 0
        self.idle: list[int] = []  # consecutive solves in which a column carried no weight
        self.max_columns = max(2 * n, 400)
        self.retired = 0

    def add(self, comp: IntArray) -> bool:
        """Add a composition as a column; False if it is already there."""
        key = comp.tobytes()
        if key in self.keys:
            return False
        self.keys.add(key)
        self.columns.append(comp.copy())
        self.idle.append(0)
        nz = np.flatnonzero(comp)
        rows = np.append(nz, self.types.num_types).astype(np.int32)
        vals = np.append(comp[nz] * self.inv_counts[nz], 1.0)
        self.h.addCol(0.0, 0.0, _INF, len(rows), rows, vals)
        return True

    def fix(self, t: int, value: float) -> None:
        """Turn the row of type t from 'at least z' into 'at least value'."""
        self.fixed[t] = value
        self.h.changeCoeff(t, 0, 0.0)
        self.h.changeRowBounds(t, value, _INF)

    def relax_fixed(self, amount: float) -> None:
        """Lower every fixed level a little; only used after numerical infeasibility."""
        for t, value in list(self.fixed.items()):
            self.fixed[t] = max(0.0, value - amount)
            self.h.changeRowBounds(t, self.fixed[t], _INF)

    def _retire_idle_columns(self, age: int = 25) -> None:
        # A growing portfolio makes every simplex iteration dearer; columns that carried no
        # weight for many solves are dropped (nonbasic only, so the basis stays hot). Pricing
        # brings one back if it ever becomes attractive again.
        if len(self.columns) <= self.max_columns:
            return
        status = self.h.getBasis().col_status
        basic = highspy.HighsBasisStatus.kBasic
        drop = [j for j, idle in enumerate(self.idle) if idle >= age and status[j + 1] != basic]
        if not drop:
            return
        self.h.deleteCols(len(drop), np.asarray([j + 1 for j in drop], dtype=np.int32))
        dropped = set(drop)
        for j in drop:
            self.keys.discard(self.columns[j].tobytes())
        self.columns = [c for j, c in enumerate(self.columns) if j not in dropped]
        self.idle = [a for j, a in enumerate(self.idle) if j not in dropped]
        self.retired += len(drop)

    def solve(self) -> tuple[float, FloatArray, FloatArray, float]:
        """Solve; return (z, column weights, row duals per type, convexity dual)."""
        t0 = time.perf_counter()
        if self.solves:
            self._retire_idle_columns()
        self.h.run()
        self.solves += 1
        self.seconds += time.perf_counter() - t0
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise _MasterInfeasible
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(
                "master_failed",
                "The distribution LP stopped with status {status}.",
                status=self.h.modelStatusToString(status),
            )
        sol = self.h.getSolution()
        cols = np.asarray(sol.col_value)
        duals = np.asarray(sol.row_dual)
        n = self.types.num_types
        self.idle = [0 if w > 1e-12 else a + 1 for w, a in zip(cols[1:], self.idle, strict=True)]
        return float(cols[0]), cols[1:], duals[:n], float(duals[n])


class _MasterInfeasible(Exception):
    pass


def _report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    if progress is None:
        return
    try:
        progress(min(1.0, max(0.0, fraction)), message)
    except Exception:
        # A progress bar must never abort a long computation (e.g. a database hiccup).
        logger.warning("progress callback failed", exc_info=True)


class ColumnGeneration:
    """Shared state of a maximin/leximin run: pricing, heuristics and the master LP."""

    def __init__(
        self, types: TypeModel, options: SolveOptions, progress: ProgressCallback | None
    ) -> None:
        self.types = types
        self.options = options
        self.progress = progress
        self.clock = _Clock(options.time_limit)
        self.pricer = Pricer(types)
        self.search = LocalSearch(types)
        self.iterations = 0
        self.heuristic_hits = 0
        self.relaxations = 0

    # -- starting portfolio ------------------------------------------------------------
    def initial_columns(self) -> tuple[list[IntArray], NDArray[np.bool_]]:
        """Diverse feasible compositions covering every type that can be selected at all."""
        tm = self.types
        n = tm.num_types
        found: dict[bytes, IntArray] = {}
        covered = np.zeros(n, dtype=bool)
        coverable = np.ones(n, dtype=bool)

        def keep(comp: IntArray) -> None:
            found.setdefault(comp.tobytes(), comp)
            covered[comp > 0] = True

        # Multiplicative weights: favour types that are rarely on panels found so far.
        weight = np.array([0.99 + 0.01 * _hash_uniform("init", t) for t in range(n)])
        usage = np.zeros(n)
        for r in range(self.options.initial_rounds):
            jitter = np.array([1.0 + 0.05 * _hash_uniform("mw", r, t) for t in range(n)])
            comp, _, _ = self.pricer.solve(weight * jitter / tm.counts)
            keep(comp)
            usage += comp / tm.counts
            weight = np.power(0.75, usage * 4.0)
            _report(self.progress, 0.05 * (r + 1) / self.options.initial_rounds, "Finding panels")
        # Whoever is still uncovered is asked for explicitly (in batches, then one by one).
        while not covered[coverable].all():
            target = coverable & ~covered
            comp, _, _ = self.pricer.solve(target.astype(float))
            if (comp[target] > 0).any():
                keep(comp)
                continue
            for t in np.flatnonzero(target):
                single = np.zeros(n)
                single[t] = 1.0
                comp, _, _ = self.pricer.solve(single)
                if comp[t] > 0:
                    keep(comp)
                else:
                    coverable[t] = False
            break
        return list(found.values()), coverable

    # -- one level -----------------------------------------------------------------------
    def optimise_level(self, master: Master) -> tuple[float, float, FloatArray]:
        """Column generation until the current level is optimal: (z, upper bound, duals)."""
        tm = self.types
        while True:
            self.iterations += 1
            try:
                z, x, y, y_conv = master.solve()
            except _MasterInfeasible:
                # Fixed levels are LP optima, so only rounding can make them infeasible.
                self.relaxations += 1
                if self.relaxations > 1000:
                    raise SolverError(
                        "master_infeasible", "The distribution LP became infeasible."
                    ) from None
                master.relax_fixed(1e-7)
                continue
            weights = np.maximum(y, 0.0) / tm.counts
            threshold = -y_conv + self.options.gap
            if self.clock.expired():
                return z, math.inf, y
            # Heuristic pricing: local search from the panels currently in use.
            added = 0
            support = np.flatnonzero(x > 1e-12)
            order = support[np.argsort(-x[support], kind="stable")]
            for col in order[: self.options.heuristic_columns]:
                improved = self.search.improve(master.columns[int(col)], weights)
                if float(np.dot(weights, improved)) > threshold and master.add(improved):
                    added += 1
            if added:
                self.heuristic_hits += added
                continue
            best = master.columns[int(order[0])] if len(order) else None
            comp, value, bound = self.pricer.solve(weights, start=best)
            if value > threshold and master.add(comp):
                # Polish the MIP's panel into neighbours: cheap extra columns.
                extra = self.search.improve(comp, weights)
                master.add(extra)
                continue
            upper = z + max(0.0, bound + y_conv)
            return z, upper, y


def _fixable(y: FloatArray, unfixed: NDArray[np.bool_], threshold: float) -> NDArray[np.bool_]:
    mask = unfixed & (y > threshold)
    if not mask.any():
        # Duals of unfixed rows sum to one, so some dual is positive; take the largest.
        candidates = np.where(unfixed, y, -np.inf)
        mask = np.zeros_like(unfixed)
        mask[int(np.argmax(candidates))] = True
    return mask


def solve_compositions(
    types: TypeModel,
    algorithm: str = "leximin",
    *,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
) -> CompositionDistribution:
    """Compute a maximin or leximin distribution over compositions."""
    if algorithm not in ("leximin", "maximin"):
        raise ValueError(f"unknown algorithm {algorithm!r}")
    options = options or SolveOptions()
    t_start = time.perf_counter()
    cg = ColumnGeneration(types, options, progress)
    columns, coverable = cg.initial_columns()
    master = Master(types, coverable)
    for comp in columns:
        master.add(comp)
    unfixed = coverable.copy()
    for t in np.flatnonzero(~coverable):
        master.fix(int(t), 0.0)
    total_people = int(types.counts[coverable].sum()) or 1
    maximin = maximin_upper = 0.0
    levels = 0
    timed_out = False
    while unfixed.any():
        z, upper, y = cg.optimise_level(master)
        if levels == 0:
            maximin, maximin_upper = z, upper
        levels += 1
        if algorithm == "maximin":
            break
        if math.isinf(upper):
            timed_out = True
            break
        mask = _fixable(y, unfixed, options.fix_threshold)
        for t in np.flatnonzero(mask):
            master.fix(int(t), z)
        unfixed &= ~mask
        done = int(types.counts[coverable & ~unfixed].sum())
        _report(
            progress,
            0.05 + 0.9 * done / total_people,
            f"Level {levels}: {100 * z:.2f}% fixed for {done} of {total_people} people",
        )
    if timed_out:
        # Freeze the remaining rows at the current solution so the final LP stays feasible.
        _, x, _, _ = master.solve()
        current = _type_probabilities(types, master.columns, list(x))
        for t in np.flatnonzero(unfixed):
            master.fix(int(t), float(current[t]) - 1e-9)
        unfixed[:] = False
    _, x, _, _ = master.solve()
    compositions, weights = _prune(master.columns, x)
    probs = _type_probabilities(types, compositions, weights)
    _report(progress, 0.97, "Distribution found")
    return CompositionDistribution(
        types=types,
        algorithm=algorithm,
        compositions=compositions,
        weights=weights,
        type_probabilities=probs,
        maximin=maximin,
        maximin_upper_bound=maximin_upper,
        stats={
            "levels": levels,
            "columns": len(master.columns),
            "lp_solves": master.solves,
            "mip_calls": cg.pricer.calls,
            "heuristic_columns": cg.heuristic_hits,
            "retired_columns": master.retired,
            "relaxations": cg.relaxations,
            "maximin_gap": maximin_upper - maximin,
            "types": types.num_types,
            "uncoverable_types": int((~coverable).sum()),
            "timed_out": timed_out,
        },
        timing={
            "lp_seconds": round(master.seconds, 3),
            "mip_seconds": round(cg.pricer.seconds, 3),
            "seconds": round(time.perf_counter() - t_start, 3),
        },
    )


def _prune(columns: list[IntArray], x: FloatArray) -> tuple[list[IntArray], list[float]]:
    weights = np.clip(np.asarray(x, dtype=np.float64), 0.0, None)
    keep = np.flatnonzero(weights > 1e-11)
    total = float(weights[keep].sum())
    if total <= 0:
        raise SolverError("empty_distribution", "The solver returned an empty distribution.")
    # Canonical order (by composition) so that the output does not depend on discovery order.
    chosen = sorted(
        ((columns[int(i)], float(weights[i]) / total) for i in keep), key=lambda c: tuple(-c[0])
    )
    return [c for c, _ in chosen], [w for _, w in chosen]


def _type_probabilities(
    types: TypeModel, compositions: list[IntArray], weights: list[float]
) -> FloatArray:
    probs = np.zeros(types.num_types)
    for comp, w in zip(compositions, weights, strict=True):
        probs += w * comp
    return probs / types.counts
