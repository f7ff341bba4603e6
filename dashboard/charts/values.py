"""Numbers as charts show them: rates in percent, per-million with two decimals, counts whole.

ECharts formats tooltips and labels from templates (`{c}`), not from Python, so
the chart builders hand it values already in display units; `dashboard/engine/formatting.py`
stays the place for text figures.
"""

from __future__ import annotations

import math

UNIT_SUFFIX: dict[str, str] = {
    "count": "件",
    "rate": "%",
    "per_million": "件/百万客户",
    "per_10m": "件/千万客户",
    "per_1000_branches": "件/千网点",
    "days": "天",
    "yuan": "元",
}


def to_display(value: float | int | None, unit: str) -> float | None:
    """0.923 (rate) -> 92.3; 12.345 (per million) -> 12.35; counts whole; None/NaN stay None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if unit == "rate":
        return round(float(value) * 100, 1)
    if unit == "count":
        return float(round(float(value)))
    return round(float(value), 2)


def unit_suffix(unit: str) -> str:
    return UNIT_SUFFIX.get(unit, "")
