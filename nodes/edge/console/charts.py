"""The dashboard's small charts, drawn on the server as inline SVG (no script, no library): a series of
counts per time bucket (`protocols.counts.Buckets`) as the geometry of bars or of a sparkline, in a
box `HEIGHT` high and one `STEP` wide per bucket, each bar titled with its bucket's time and count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from protocols.counts import Buckets

HEIGHT = 40.0
STEP = 10.0
GAP = 2.0  # between two bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    title: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    bar_width: float
    bars: list[Bar]
    points: str  # the sparkline's, through the top middle of each bar
    total: int
    most: int


def chart(buckets: Buckets, label: Callable[[datetime], str]) -> Chart:
    most = max(buckets.counts, default=0)
    scale = HEIGHT / most if most else 0.0
    bars, points = [], []
    for index, count in enumerate(buckets.counts):
        height = max(count * scale, 1.0) if count else 0.0
        when = buckets.start + timedelta(seconds=index * buckets.bucket_s)
        x = index * STEP
        bars.append(Bar(x=x + GAP / 2, y=HEIGHT - height, height=height, title=f"{label(when)}: {count}"))
        points.append(f"{x + STEP / 2:g},{HEIGHT - count * scale:.1f}")
    width = STEP * len(buckets.counts)
    return Chart(
        width=width,
        height=HEIGHT,
        bar_width=STEP - GAP,
        bars=bars,
        points=" ".join(points),
        total=buckets.total,
        most=most,
    )
