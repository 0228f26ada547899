"""Ranking scores for idea lists; pure functions so that tests can recompute them."""

from __future__ import annotations

import math
from datetime import datetime

WILSON_Z = 1.96  # 95 % confidence
STAR_PRIOR_MEAN = 3.0
STAR_PRIOR_WEIGHT = 5.0
# Trending halves an idea's advantage every ~12.5 hours of age, like a news ranking.
TRENDING_SECONDS = 45_000.0


def wilson_lower_bound(up: int, down: int, z: float = WILSON_Z) -> float:
    """Lower bound of the Wilson score interval for the share of up votes."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    denominator = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - margin) / denominator


def bayesian_average(star_sum: int, star_count: int) -> float:
    """Mean star rating shrunk towards the prior, so two 5-star votes don't beat fifty 4.6s."""
    return (STAR_PRIOR_MEAN * STAR_PRIOR_WEIGHT + star_sum) / (STAR_PRIOR_WEIGHT + star_count)


def controversy(up: int, down: int) -> float:
    """High when many people disagree in about equal numbers."""
    if up <= 0 or down <= 0:
        return 0.0
    magnitude = up + down
    balance = min(up, down) / max(up, down)
    return float(magnitude**balance)


def trending(net: int, comments: int, submitted_at: datetime | None) -> float:
    """Activity on a log scale plus recency; order-stable over time, so it can be stored."""
    activity = net + comments / 2
    sign = 1 if activity > 0 else -1 if activity < 0 else 0
    order = math.log10(max(abs(activity), 1))
    seconds = submitted_at.timestamp() if submitted_at else 0.0
    return round(sign * order + seconds / TRENDING_SECONDS, 7)


def rated(mode: str, up: int, down: int, star_sum: int, star_count: int) -> float:
    """The "best rated" score in the municipality's reaction mode."""
    if mode == "stars":
        return bayesian_average(star_sum, star_count)
    if mode == "updown":
        return wilson_lower_bound(up, down)
    return float(up)
