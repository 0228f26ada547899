"""Drawing the invitees from the register: seeded, optionally stratified by district.

Every person gets a rank ``SHA-256(domain, register hash, seed, reference)``; the lowest ranks
are invited. With stratification each district first gets its share of the invitations in
proportion to its population (largest remainder method). The result depends only on the file
(through its hash), the seed and the numbers, so anyone holding the extract can re-check it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .lottery import normalise_seed

ALGORITHM = "mitmachstadt-invitations/1"


class Entry(Protocol):
    reference: str
    district: str


E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class Allocation:
    district: str
    population: int
    invited: int


def rank(seed: str, register_sha256: str, reference: str) -> bytes:
    """The person's position in the seeded random order (lower is drawn first)."""
    message = "\x00".join([ALGORITHM, register_sha256, normalise_seed(seed), reference])
    return hashlib.sha256(message.encode("utf-8")).digest()


def allocate(populations: dict[str, int], total: int) -> dict[str, int]:
    """Split `total` over strata in proportion to their size (largest remainder, Hare)."""
    size = sum(populations.values())
    total = min(total, size)
    if size == 0 or total == 0:
        return dict.fromkeys(populations, 0)
    quotas = {d: total * n / size for d, n in populations.items()}
    shares = {d: min(int(q), populations[d]) for d, q in quotas.items()}
    left = total - sum(shares.values())
    # Ties go to the larger stratum, then alphabetically: fixed in advance, no discretion.
    order = sorted(quotas, key=lambda d: (-(quotas[d] - int(quotas[d])), -populations[d], d))
    while left > 0:
        for district in order:
            if left == 0:
                break
            if shares[district] < populations[district]:
                shares[district] += 1
                left -= 1
    return shares


def draw(
    people: Sequence[E],
    count: int,
    *,
    seed: str,
    register_sha256: str,
    stratify: bool,
) -> tuple[list[E], list[Allocation]]:
    """The invitees in rank order, and how many each district got."""
    groups: dict[str, list[E]] = defaultdict(list)
    for person in people:
        groups[person.district if stratify else ""].append(person)
    shares = allocate({d: len(g) for d, g in groups.items()}, count)
    chosen: list[tuple[bytes, E]] = []
    for district, group in groups.items():
        ranked = sorted(group, key=lambda p: rank(seed, register_sha256, p.reference))
        chosen += [
            (rank(seed, register_sha256, p.reference), p) for p in ranked[: shares[district]]
        ]
    chosen.sort(key=lambda item: item[0])
    allocations = [
        Allocation(district=d, population=len(groups[d]), invited=shares[d]) for d in sorted(groups)
    ]
    return [p for _, p in chosen], allocations
