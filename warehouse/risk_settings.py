"""The risk points table of settings.toml [risk] / [risk.points] as cfg_risk_* tables.

warehouse/sql/marts/23_fct_case_risk.sql scores every case from these tables (METRICS.md "Risk
radar"), so the SQL holds no numbers and a settings change takes effect on the
next rebuild. The Chinese reason labels live here, next to the factor names.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from warehouse.settings import setting

# factor (settings key) -> (reason shown to the user, order of the reasons, default points)
RISK_FACTORS: dict[str, tuple[str, int, int]] = {
    "regulator_referred": ("监管转办", 1, 3),
    "media_exposure": ("媒体曝光", 2, 3),
    "litigation": ("诉讼", 3, 2),
    "repeat": ("重复投诉", 4, 2),
    "each_further_repeat": ("再次重复", 5, 1),
    "vulnerable_group": ("特殊群体", 6, 1),
    "amount_large": ("争议金额≥{large}万元", 7, 2),
    "amount_medium": ("争议金额≥{medium}万元", 8, 1),
    "high_risk_product": ("高风险产品", 9, 1),
}
LEVEL_CODES: dict[str, str] = {"高": "high", "中": "medium", "低": "low"}


def _wan(yuan: float) -> str:
    """500000 -> "50" (万元), 55000 -> "5.5": the amounts as the reasons print them."""
    return f"{yuan / 10_000:g}"


def read_risk_settings() -> dict[str, Any]:
    """Points per factor, amount thresholds, high-risk products and level cut-offs, with METRICS.md defaults."""
    points = setting("risk", "points", default={}) or {}
    return {
        "points": {factor: int(points.get(factor, default)) for factor, (_, _, default) in RISK_FACTORS.items()},
        "amount_large_yuan": float(setting("risk", "amount_large_yuan", default=500_000)),
        "amount_medium_yuan": float(setting("risk", "amount_medium_yuan", default=50_000)),
        "high_risk_products": [str(p) for p in setting("risk", "high_risk_products", default=[])],
        "high_min": int(setting("risk", "high_min", default=5)),
        "medium_min": int(setting("risk", "medium_min", default=3)),
    }


def write_risk_settings(con: duckdb.DuckDBPyConnection) -> None:
    """cfg_risk_point (factor, label, sort_order, points), cfg_risk (thresholds), cfg_risk_product (product)."""
    risk = read_risk_settings()
    large, medium = _wan(risk["amount_large_yuan"]), _wan(risk["amount_medium_yuan"])
    points = pl.DataFrame(
        [
            {
                "factor": factor,
                "label": label.format(large=large, medium=medium),
                "sort_order": order,
                "points": risk["points"][factor],
            }
            for factor, (label, order, _) in RISK_FACTORS.items()
        ],
        schema={"factor": pl.String, "label": pl.String, "sort_order": pl.Int32, "points": pl.Int32},
    )
    thresholds = pl.DataFrame(
        {key: [risk[key]] for key in ("amount_large_yuan", "amount_medium_yuan", "high_min", "medium_min")},
        schema={
            "amount_large_yuan": pl.Float64,
            "amount_medium_yuan": pl.Float64,
            "high_min": pl.Int32,
            "medium_min": pl.Int32,
        },
    )
    products = pl.DataFrame({"product": risk["high_risk_products"]}, schema={"product": pl.String})
    for name, frame in (("cfg_risk_point", points), ("cfg_risk", thresholds), ("cfg_risk_product", products)):
        view = f"_{name}_frame"
        con.register(view, frame.to_arrow())
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {view}")
        finally:
            con.unregister(view)
