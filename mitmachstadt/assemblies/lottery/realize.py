"""From a distribution over compositions to a numbered lottery of ``M`` equally likely tickets.

A composition says *how many* people of each type sit on the panel; a ticket names them.

1. Ticket counts ``m_a`` per composition (summing to ``M``) are rounded from ``M q_a`` so that
   each type's expected head count deviates as little as possible (:func:`round_tickets`).
2. Inside a type with ``n`` members of whom ``c`` are needed, the members sit on a circle
   (fixed hash-based order) and each ticket takes the next *window* of ``c`` members, the
   circle continuing where the previous ticket, *also of earlier compositions*, stopped. So
   over all tickets every member of type ``t`` is taken ``floor(S_t / n)`` or ``ceil(S_t / n)``
   times, ``S_t = sum_a m_a c_a[t]``: rounding inside a type costs at most one ticket (1/M).
3. Which window of one type shares a ticket with which window of another type does not change
   anybody's probability. Pairing them in order (a monotone coupling) keeps the number of
   distinct panels of composition ``a`` at most ``sum_t min(m_a, n_t / gcd(n_t, c_t))``.

Bound: a person of type ``t`` holds ``N`` tickets with ``|N - M p_t| < 1 + D_t`` where
``p_t`` is the optimal probability and ``D_t = |sum_a (m_a - M q_a) c_a[t] / n_t|`` the
type's rounding error, which is published per run (``max_deviation``); ``D_t`` is below the
number of support compositions that contain type ``t``, and in practice below 2.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .solver import CompositionDistribution


@dataclass(frozen=True)
class Lottery:
    """Distinct panels (sorted person indices) and how many of the ``tickets`` each holds."""

    panels: list[tuple[int, ...]]
    counts: list[int]
    tickets: int

    @property
    def ranges(self) -> list[tuple[int, int, int]]:
        """(first ticket, last ticket, panel index): consecutive, 1-based numbering."""
        out = []
        first = 1
        for index, count in enumerate(self.counts):
            out.append((first, first + count - 1, index))
            first += count
        return out


def round_tickets(dist: CompositionDistribution, tickets: int) -> list[int]:
    """Integer tickets per composition summing to ``tickets``, balanced per type.

    Start from the floors of ``M q_a`` and hand the remaining tickets out greedily, each time
    to the composition that keeps the worst per-person deviation (in tickets) smallest; ties
    go to the larger remainder, then to the earlier composition. A final pass swaps a given
    ticket for a withheld one while that lowers the worst deviation or the sum of squares.
    """
    q = np.asarray(dist.weights, dtype=np.float64)
    exact = q * tickets
    base = np.floor(exact).astype(np.int64)
    remainder = exact - base
    missing = int(tickets - base.sum())
    if missing <= 0:
        return [int(b) for b in base]
    share = np.array(dist.compositions, dtype=np.float64) / dist.types.counts[None, :]
    deviation = -(remainder[:, None] * share).sum(axis=0)  # tickets per person, per type
    chosen = np.zeros(len(q), dtype=bool)
    order = np.arange(len(q))
    for _ in range(missing):
        trial = deviation[None, :] + share
        worst = np.where(chosen, np.inf, np.round(np.abs(trial).max(axis=1), 12))
        squares = np.round((trial**2).sum(axis=1), 12)
        pick = int(np.lexsort((order, -remainder, squares, worst))[0])
        chosen[pick] = True
        deviation += share[pick]
    for _ in range(2 * len(q)):
        current = (
            round(float(np.abs(deviation).max(initial=0.0)), 12),
            round(float((deviation**2).sum()), 12),
        )
        ins = np.flatnonzero(~chosen)
        outs = np.flatnonzero(chosen)
        if len(ins) == 0 or len(outs) == 0:
            break
        # trial[i, j]: give composition ins[j] the ticket of outs[i].
        trial = deviation[None, None, :] - share[outs][:, None, :] + share[ins][None, :, :]
        worst = np.round(np.abs(trial).max(axis=2), 12)
        squares = np.round((trial**2).sum(axis=2), 12)
        better = (worst < current[0]) | ((worst == current[0]) & (squares < current[1]))
        if not better.any():
            break
        flat = np.lexsort((squares.ravel(), worst.ravel()))
        flat = flat[better.ravel()[flat]]
        i, j = divmod(int(flat[0]), len(ins))
        chosen[outs[i]], chosen[ins[j]] = False, True
        deviation += share[ins[j]] - share[outs[i]]
    return [int(b + c) for b, c in zip(base, chosen, strict=True)]


def realise(dist: CompositionDistribution, tickets: int) -> Lottery:
    """Build the ``tickets``-ticket lottery of the distribution (see module docstring)."""
    types = dist.types
    members = [np.asarray(m, dtype=np.int64) for m in types.members]
    counts = types.counts
    ticket_counts = round_tickets(dist, tickets)
    pointer = np.zeros(types.num_types, dtype=np.int64)
    panels: list[tuple[int, ...]] = []
    holders: list[int] = []
    for comp, m in zip(dist.compositions, ticket_counts, strict=True):
        if m == 0:
            continue  # rounded away: below half a ticket's worth of probability
        whole = [members[t] for t in np.flatnonzero((comp == counts) & (comp > 0))]
        partial = [int(t) for t in np.flatnonzero((comp > 0) & (comp < counts))]
        # For each partial type: distinct windows w (w-th after the pointer) and their counts.
        cuts = {0, m}
        boundaries = {}
        for t in partial:
            n, c = int(counts[t]), int(comp[t])
            period = n // math.gcd(n, c)
            distinct = min(m, period)
            per_window = np.array([(m - w - 1) // period + 1 for w in range(distinct)])
            ends = np.cumsum(per_window)
            boundaries[t] = ends
            cuts.update(int(e) for e in ends)
        edges = sorted(cuts)
        for lo, hi in itertools.pairwise(edges):
            parts = list(whole)
            for t in partial:
                w = int(np.searchsorted(boundaries[t], lo, side="right"))
                start = int(pointer[t]) + w * int(comp[t])
                parts.append(members[t][(start + np.arange(int(comp[t]))) % int(counts[t])])
            panels.append(tuple(int(i) for i in np.sort(np.concatenate(parts))))
            holders.append(hi - lo)
        for t in partial:
            pointer[t] = (pointer[t] + m * int(comp[t])) % int(counts[t])
    return Lottery(panels=panels, counts=holders, tickets=tickets)


def optimal_person_probabilities(dist: CompositionDistribution) -> NDArray[np.float64]:
    """Exact optimal probability per person (pool order) from the composition distribution."""
    out = np.zeros(dist.types.pool.size)
    for t, group in enumerate(dist.types.members):
        out[list(group)] = dist.type_probabilities[t]
    return out
