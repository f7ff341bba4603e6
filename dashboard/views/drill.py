"""Drill-down from a chart to its cases: which bar was clicked, and the filters that select its cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dashboard.engine.filters import Filters

DRILL_LABELS = {"issue": "问题类型", "product": "产品", "channel": "渠道"}


def read_clicked(selection_state: Any, axis: str) -> str | None:
    """The category on `axis` ("x" or "y") of the first selected point of a plotly chart's state, if any."""
    if not selection_state:
        return None
    selection = selection_state.get("selection") if isinstance(selection_state, Mapping) else None
    selection = selection if selection is not None else getattr(selection_state, "selection", None)
    points = (selection or {}).get("points") or []
    if not points:
        return None
    value = points[0].get(axis)
    return None if value is None else str(value)


def drill_filters(filters: Filters, conditions: Mapping[str, str]) -> Filters:
    """The page's filters narrowed to the drilled bar (e.g. {"issue": "息费争议"})."""
    narrowed = filters
    for dimension, value in conditions.items():
        narrowed = _replace_dimension(narrowed, dimension, value)
    return narrowed


def _replace_dimension(filters: Filters, dimension: str, value: str) -> Filters:
    # A drill replaces that dimension's own selection (clicking 息费争议 shows only 息费争议).
    field = {"issue": "issues", "product": "products", "channel": "channels"}[dimension]
    return replace(filters, **{field: ()}).with_where(dimension, value)


def describe_drill(conditions: Mapping[str, str]) -> str:
    return "，".join(f"{DRILL_LABELS.get(d, d)}＝{v}" for d, v in conditions.items())


def list_product_choices(products_by_line: Mapping[str, list[str]]) -> list[str]:
    """Every product in the data, sorted (a drill may go to a product outside the matrix's top)."""
    return sorted({product for products in products_by_line.values() for product in products})


ANY = "（全部）"  # the select boxes' "no condition"


def option_index(options: list[str], current: Mapping[str, str], dimension: str) -> int:
    """Where a select box of `options` starts: on the drilled value of `dimension`, else on ANY (index 0)."""
    value = current.get(dimension)
    return options.index(value) if value in options else 0


def merge_conditions(current: Mapping[str, str], product: str, issue: str) -> dict[str, str]:
    """The drill after the select boxes: product and issue as chosen, a clicked channel kept."""
    conditions = {k: v for k, v in (("product", product), ("issue", issue)) if v != ANY}
    if current.get("channel"):
        conditions["channel"] = current["channel"]
    return conditions
