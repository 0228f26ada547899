"""Template helpers for projects: money and numbers in the reader's language, KPI charts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.states import State

register = template.Library()


@register.filter
def transition_label(name: str) -> str:
    """The human label of a transition name ("accept" -> "Accept as candidate")."""
    rule = workflow.TRANSITIONS.get(name)
    return str(rule.label) if rule else name


@register.filter
def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def format_number(value: Any, decimals: int | None = None) -> str:
    """A number with the language's grouping and decimal mark, without trailing zeros."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    if decimals is None:
        normalized = number.normalize()
        exponent = normalized.as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_euro(value: Any) -> str:
    """An amount in euros: whole euros without cents, "–" for "not quantified"."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    decimals = 0 if amount == amount.to_integral_value() else 2
    text = format_number(amount, decimals)
    if (get_language() or "de").startswith("en"):
        return f"€{text}"
    return f"{text} €"


@register.filter
def euro(value: Any) -> str:
    return format_euro(value)


@register.filter
def num(value: Any) -> str:
    return format_number(value)


@register.filter
def percent(value: Any) -> str:
    """A share 0..1 as a whole percentage."""
    if value is None:
        return "–"
    return f"{format_number(round(float(value) * 100), 0)} %"


CHART_W, CHART_H = 480, 200
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 36


@register.inclusion_tag("projects/includes/kpi_chart.html")
def kpi_chart(view: Any, prefix: str = "kpi") -> dict[str, Any]:
    """A line chart of an indicator's measured values with its baseline and target lines."""
    indicator = view.indicator
    chart_id = f"{prefix}-{indicator.pk}"
    points = [(m.measured_on, float(m.value)) for m in view.measurements]
    values = [v for _d, v in points] + [float(indicator.baseline), float(indicator.target)]
    low, high = min(values), max(values)
    if high == low:
        high = low + 1
    margin = (high - low) * 0.08
    low, high = low - margin, high + margin
    dates = [d for d, _v in points]
    first = min(dates) if dates else dt.date.today()
    last = max(dates) if dates else first
    span_days = max((last - first).days, 1)
    inner_w = CHART_W - PAD_L - PAD_R
    inner_h = CHART_H - PAD_T - PAD_B

    def x(day: dt.date) -> float:
        if len(points) == 1:
            return PAD_L + inner_w / 2
        return round(PAD_L + inner_w * (day - first).days / span_days, 1)

    def y(value: float) -> float:
        return round(PAD_T + inner_h * (1 - (value - low) / (high - low)), 1)

    plotted = [{"x": x(d), "y": y(v), "date": d, "value": v} for d, v in points]
    return {
        "chart_id": chart_id,
        "indicator": indicator,
        "width": CHART_W,
        "height": CHART_H,
        "left": PAD_L,
        "right": CHART_W - PAD_R,
        "bottom": CHART_H - PAD_B,
        "top": PAD_T,
        "points": plotted,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in plotted),
        "baseline_y": y(float(indicator.baseline)),
        "target_y": y(float(indicator.target)),
        "first": first,
        "last": last,
    }
