"""Server-rendered bar charts: geometry here, SVG markup in dashboard/includes/bar_chart.html.

Each chart is an image with a title and a description for screen readers; the page puts a data
table beside it, and every bar carries its value as text, so no information is in colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 720
LABEL_WIDTH = 270
VALUE_SPACE = 110
ROW = 30
BAR = 18
GROUP_BAR = 13
TOP = 8
MAX_LABEL = 34


@dataclass
class Bar:
    label: str
    short_label: str
    value: float
    value_label: str
    x: float
    y: float
    width: float
    height: float
    series: str = ""
    text_x: float = 0
    text_y: float = 0


@dataclass
class Row:
    label: str
    short_label: str
    label_y: float
    bars: list[Bar]


@dataclass
class Chart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    label_width: int
    rows: list[Row]
    series: list[tuple[str, str]] = field(default_factory=list)
    legend_y: float = 0

    @property
    def bars(self) -> list[Bar]:
        return [bar for row in self.rows for bar in row.bars]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float, str]],
) -> Chart:
    """Horizontal bars, one per (label, value, value label)."""
    return grouped_bar_chart(
        chart_id, title, description, [(label, [("", v, t)]) for label, v, t in rows], []
    )


def grouped_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, float, str]]]],
    series: list[tuple[str, str]],
) -> Chart:
    """Horizontal bars in groups: per row one bar per series (key, value, value label)."""
    per_row = max((len(bars) for _label, bars in rows), default=1)
    bar_height = BAR if per_row == 1 else GROUP_BAR
    row_height = ROW if per_row == 1 else per_row * (GROUP_BAR + 3) + 10
    top = TOP + (24 if series else 0)
    scale_width = WIDTH - LABEL_WIDTH - VALUE_SPACE
    largest = max((v for _label, bars in rows for _s, v, _t in bars), default=0) or 1
    chart_rows: list[Row] = []
    for index, (label, bars) in enumerate(rows):
        y0 = top + index * row_height
        chart_bars = []
        for n, (key, value, value_label) in enumerate(bars):
            width = max(0.0, float(value)) / float(largest) * scale_width
            y = y0 + 4 + n * (bar_height + 3)
            chart_bars.append(
                Bar(
                    label=label,
                    short_label=_short(label),
                    value=float(value),
                    value_label=value_label,
                    x=LABEL_WIDTH,
                    y=round(y, 1),
                    width=round(max(width, 1.0 if value else 0.0), 1),
                    height=bar_height,
                    series=key,
                    text_x=round(LABEL_WIDTH + width + 6, 1),
                    text_y=round(y + bar_height / 2, 1),
                )
            )
        label_y = y0 + 4 + (len(bars) * (bar_height + 3) - 3) / 2
        chart_rows.append(Row(label, _short(label), round(label_y, 1), chart_bars))
    height = top + len(rows) * row_height + 8
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=int(height),
        label_width=LABEL_WIDTH,
        rows=chart_rows,
        series=series,
        legend_y=14,
    )


def describe(rows: Sequence[tuple[str, Any, str]]) -> str:
    """A one-sentence text alternative listing every bar."""
    return "; ".join(f"{label}: {text}" for label, _v, text in rows)
