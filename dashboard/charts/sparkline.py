"""A KPI card's 12-month sparkline as a small inline SVG (a string; no Streamlit calls).

Twelve cards each embedding a Vega-Lite chart cost the browser ~2 s of script work on every open of the
cockpit (benchmarks/README.md), and a committee opens it many at once. A polyline in an SVG draws with
the page's HTML: no chart library, no canvas, nothing loaded from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 120.0, 28.0, 2.0
CSS_CLASS = "cockpit-spark"  # the browser benchmark counts these as drawn charts


def build_sparkline_svg(values: Sequence[float], color: str, label: str = "") -> str:
    """The values left to right as a line scaled to the box (a flat series is drawn mid-height); "" when
    fewer than two values."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low
    step = (WIDTH - 2 * PAD) / (len(values) - 1)

    def y(value: float) -> float:
        if span == 0:
            return HEIGHT / 2
        return PAD + (HEIGHT - 2 * PAD) * (1 - (value - low) / span)

    points = " ".join(f"{PAD + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    last_x, last_y = PAD + (len(values) - 1) * step, y(values[-1])
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg class="{CSS_CLASS}" role="img" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" width="100%" height="{HEIGHT:.0f}"'
        f' preserveAspectRatio="none">{title}'
        f'<polyline points="{points}" fill="none" stroke="{escape(color)}" stroke-width="1.6"'
        ' vector-effect="non-scaling-stroke" stroke-linejoin="round"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="{escape(color)}"/></svg>'
    )
