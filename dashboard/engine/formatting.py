"""Number formats for Chinese reports: 万 for large counts, one decimal for percents.

Every page, chart and export formats numbers here, so a figure reads the same on
screen, on a slide and in the committee pack.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import polars as pl

MISSING = "—"


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_count(value: float | int | None, lang: str = "zh") -> str:
    """1,234 stays exact; from 100,000 on Chinese uses 万 (15.2万), English uses k/M."""
    if _is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if lang == "zh":
        if abs(number) >= 100_000_000:
            return f"{number / 100_000_000:.2f}亿"
        if abs(number) >= 100_000:
            return f"{number / 10_000:.1f}万"
        return f"{number:,.0f}"
    if abs(number) >= 1_000_000:
        return f"{number / 1_000_000:.2f}M"
    if abs(number) >= 100_000:
        return f"{number / 1_000:.1f}k"
    return f"{number:,.0f}"


def format_percent(fraction: float | None, decimals: int = 1) -> str:
    """0.0923 -> 9.2%."""
    if _is_missing(fraction):
        return MISSING
    return f"{fraction * 100:.{decimals}f}%"  # type: ignore[operator]


def format_change(fraction: float | None, decimals: int = 1) -> str:
    """A relative change with its sign: +8.4% / −8.4% (true minus sign, as in print)."""
    if _is_missing(fraction):
        return MISSING
    percent = fraction * 100  # type: ignore[operator]
    if round(percent, decimals) == 0:
        return f"{0:.{decimals}f}%"
    sign = "+" if percent > 0 else "−"
    return f"{sign}{abs(percent):.{decimals}f}%"


def format_points(delta: float | None, lang: str = "zh", decimals: int = 1) -> str:
    """A change between two rates in percentage points: +1.2个百分点 / +1.2 pp."""
    if _is_missing(delta):
        return MISSING
    points = delta * 100  # type: ignore[operator]
    if round(points, decimals) == 0:
        points = 0.0  # a change that rounds to zero carries no sign
    sign = "+" if points > 0 else ("−" if points < 0 else "")
    unit = "个百分点" if lang == "zh" else " pp"
    return f"{sign}{abs(points):.{decimals}f}{unit}"


def format_days(value: float | None, lang: str = "zh") -> str:
    if _is_missing(value):
        return MISSING
    return f"{value:.1f}天" if lang == "zh" else f"{value:.1f} d"


def format_value(value: float | int | None, unit: str, lang: str = "zh") -> str:
    """Format by the metric catalog's unit: count, rate, per_million, days, yuan."""
    if unit == "rate":
        return format_percent(value)  # type: ignore[arg-type]
    if unit == "days":
        return format_days(value, lang)  # type: ignore[arg-type]
    if unit == "yuan":
        return MISSING if _is_missing(value) else format_count(value, lang) + ("元" if lang == "zh" else " CNY")
    if unit in ("per_million", "per_10m", "per_1000_branches", "ratio"):
        if _is_missing(value):
            return MISSING
        # Two decimals for small ratios, fewer as they grow, so a card never truncates.
        decimals = 2 if abs(value) < 100 else (1 if abs(value) < 10_000 else 0)  # type: ignore[arg-type]
        return f"{value:,.{decimals}f}"
    return format_count(value, lang)


def format_series(values: pl.Series, formatter: Callable[[Any], str], *, skip_nulls: bool = True) -> pl.Series:
    """`formatter` applied to each value in plain Python, as a String column of the same name.

    Never `map_elements`: a Python callback inside a Polars expression runs on Polars' thread pool and takes the
    GIL there, and a Polars call that waits on that pool while holding the GIL (`to_pandas`, from `st.dataframe`,
    in another session's thread) then deadlocks the server (docs/design.md, "Concurrent sessions").
    Tables that are formatted for reading are small: a list comprehension costs nothing.
    """
    cells = [None if value is None and skip_nulls else formatter(value) for value in values.to_list()]
    return pl.Series(values.name, cells, dtype=pl.String)
