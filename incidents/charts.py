"""Server-side SVG bar charts: geometry computed here, drawn by templates/incidents/_bars.svg.

Bars show the lower bound of each figure; a bar whose figure is open-ended ("at least 35")
gets a dashed cap, so a chart never looks more certain than the table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.vague import CountTotal, EstimatedCount


@dataclass(frozen=True)
class Bar:
    label: str
    value_label: str
    x: float
    y: float
    width: float
    height: float
    open_ended: bool
    approximate: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    max_label: str


def bar_chart(
    title: str,
    rows: list[tuple[str, EstimatedCount | CountTotal]],
    *,
    width: int = 720,
    height: int = 260,
) -> BarChart:
    top, bottom, left = 24, 40, 8
    plot_height = height - top - bottom
    highest = max((count.low for _, count in rows), default=0) or 1
    slot = (width - 2 * left) / max(len(rows), 1)
    bars = []
    for n, (label, count) in enumerate(rows):
        h = plot_height * count.low / highest
        bars.append(
            Bar(
                label=label,
                value_label=count.localized(),
                x=round(left + n * slot + slot * 0.15, 1),
                y=round(top + plot_height - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                open_ended=count.high is None and count.known,
                approximate=count.approximate,
            )
        )
    return BarChart(title, bars, width, height, top + plot_height, f"{highest:,}")
