"""The view-count chart as SVG shapes computed on the server: no script, no remote library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
MAX_POINTS = 400
"""Readings kept for the line: more would not show on 576 pixels anyway."""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str
    """The polyline's ``x,y`` pairs."""
    dots: tuple[tuple[float, float, str], ...]
    """One marker per version change: x, y and its label."""
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    summary: str
    """The chart in words, for screen readers and as its title."""


def view_chart(series: list[tuple[datetime, int]], marks: list[tuple[datetime, str]] = ()) -> Chart | None:
    """Views over time as a line, with the times of new versions marked; None without two readings."""
    if len(series) < 2:
        return None
    if len(series) > MAX_POINTS:  # keep the first, the last and an even spread between
        step = (len(series) - 1) / (MAX_POINTS - 1)
        series = [series[round(i * step)] for i in range(MAX_POINTS)]
    t0, t1 = series[0][0].timestamp(), series[-1][0].timestamp()
    low, high = min(v for _, v in series), max(v for _, v in series)
    if high == low:
        low, high = max(0, low - 1), high + 1
    span_t = (t1 - t0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return round(LEFT + (at.timestamp() - t0) / span_t * plot_w, 1)

    def y(value: int) -> float:
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    points = " ".join(f"{x(at)},{y(v)}" for at, v in series)
    dots = []
    for at, label in marks:
        if t0 <= at.timestamp() <= t1:
            before = [v for t, v in series if t <= at] or [series[0][1]]
            dots.append((x(at), y(before[-1]), label))
    y_ticks = tuple((y(v), f"{v:,}".replace(",", " ")) for v in (low, (low + high) // 2, high))
    x_ticks = (
        (float(LEFT), series[0][0].strftime("%d %b %H:%M")),
        (float(WIDTH - RIGHT), series[-1][0].strftime("%d %b %H:%M")),
    )
    summary = (
        f"Views rose from {series[0][1]:,} to {series[-1][1]:,} over {len(series)} readings"
        if series[-1][1] >= series[0][1]
        else f"Views went from {series[0][1]:,} to {series[-1][1]:,} over {len(series)} readings"
    )
    return Chart(WIDTH, HEIGHT, points, tuple(dots), y_ticks, x_ticks, summary.replace(",", " "))
