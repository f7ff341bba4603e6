"""How a KPI's change and target read in words: one wording for the CLI, the cards' tables and the pack."""

from __future__ import annotations

from dashboard.engine.formatting import format_change, format_points, format_value
from dashboard.engine.metrics import get_metric


def change_text(unit: str, value: float | None, earlier: float | None, relative: float | None) -> str:
    """Rates change in percentage points (9.0% -> 9.3%: +0.3个百分点); counts and days in percent."""
    if unit == "rate":
        return format_points(None if value is None or earlier is None else value - earlier)
    return format_change(relative)


def target_text(metric_id: str, target: float | None, field: str | None) -> str:
    if target is None:
        return ""
    metric = get_metric(metric_id)
    sign = "≤" if metric.lower_is_better else "≥"
    if field == "yoy":
        return f"同比{sign}{format_change(target)}"
    return f"{sign}{format_value(target, metric.unit)}"
