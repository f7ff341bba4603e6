"""风险雷达: the risk pools of a period and where the risky cases come from.

The pools are the KPI engine's `risk_level` breakdown (the numbers of
`python -m dashboard kpis --by risk_level`); trend and breakdowns count the same
fct_complaint.risk_level (scored once in warehouse/sql/marts/23_fct_case_risk.sql) under the same
filters, so every figure on the page adds up to the pools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import RISK_LEVELS, compute_breakdown
from dashboard.engine.periods import Period
from dashboard.views.sql_files import view_sql
from warehouse.risk_settings import read_risk_settings

TREND_MONTHS = 12
# Breakdown -> (grouping expression over fct_complaint f, join that names it, name expression).
BREAKDOWNS: dict[str, tuple[str, str, str]] = {
    "product": ("f.product_key", "LEFT JOIN dim_product AS d ON d.product_key = f.product_key", "d.product"),
    "department": (
        "f.department_key",
        "LEFT JOIN dim_department AS d ON d.department_key = f.department_key",
        "d.department",
    ),
    # Groups overlap: a case counts in every group its region belongs to.
    "region_group": ("f.region_key", "JOIN dim_region_group AS d ON d.region_key = f.region_key", "d.region_group"),
}
BREAKDOWN_LABELS = {"product": "产品", "department": "处理部门", "region_group": "区域（城市群）"}


@dataclass(frozen=True)
class RiskPools:
    period: Period
    pools: pl.DataFrame  # risk_level, volume, share: every level, 高 first
    total: int


def build_risk_pools(source: DuckDBSource, period: Period) -> RiskPools:
    """Cases of P per level from the engine's breakdown (all three levels listed, 0 when none)."""
    engine = compute_breakdown(source, period, "risk_level").select(
        pl.col("key").alias("risk_level"), pl.col("volume").cast(pl.Int64)
    )
    levels = pl.DataFrame({"risk_level": list(RISK_LEVELS)})
    pools = levels.join(engine, on="risk_level", how="left").with_columns(pl.col("volume").fill_null(0))
    total = int(pools["volume"].sum())
    pools = pools.with_columns(share=(pl.col("volume") / total) if total else pl.lit(None, dtype=pl.Float64))
    return RiskPools(period=period, pools=pools, total=total)


def trend_period(period: Period, months: int = TREND_MONTHS) -> Period:
    """The `months` whole months ending with the month P ends in (at least P's own months)."""
    last = period.end if period.end.day == 1 else _next_month(period.end)
    first = last
    for _ in range(months):
        first = _previous_month(first)
    return Period(min(first, date(period.start.year, period.start.month, 1)), last)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def build_risk_trend(con: duckdb.DuckDBPyConnection, source: DuckDBSource, period: Period) -> pl.DataFrame:
    """Cases per 受理 month and level over the trend window: month (YYYY-MM), risk_level, volume (long)."""
    span = trend_period(period)
    where, params = source.filters.to_sql_where("f")
    sql = view_sql("risk_by_month", where=where)
    frame = con.sql(sql, params={**params, "t_start": span.start, "t_end": span.end}).pl()
    return frame.cast({"volume": pl.Int64})


def build_risk_breakdown(
    con: duckdb.DuckDBPyConnection, source: DuckDBSource, period: Period, by: str, top: int = 12
) -> pl.DataFrame:
    """Per key of `by`: 高, 中, 低, volume, high_share; the `top` keys with most high-risk cases."""
    if by not in BREAKDOWNS:
        raise ValueError(f"不能按 {by!r} 分组；可用：{'、'.join(BREAKDOWNS)}")
    _key, join, name = BREAKDOWNS[by]
    where, params = source.filters.to_sql_where("f")
    sql = view_sql("risk_by_key", key=name, join=join, where=where)
    long = con.sql(sql, params={**params, "p_start": period.start, "p_end": period.end}).pl()
    if long.is_empty():
        return pl.DataFrame(
            schema={
                "key": pl.String,
                **dict.fromkeys(RISK_LEVELS, pl.Int64),
                "volume": pl.Int64,
                "high_share": pl.Float64,
            }
        )
    wide = long.pivot("risk_level", index="key", values="volume")
    for level in RISK_LEVELS:
        if level not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(level))
    wide = wide.with_columns(pl.col(level).fill_null(0).cast(pl.Int64) for level in RISK_LEVELS)
    wide = wide.with_columns(volume=pl.sum_horizontal(*RISK_LEVELS)).with_columns(
        high_share=pl.col("高") / pl.col("volume")
    )
    return (
        wide.select("key", *RISK_LEVELS, "volume", "high_share")
        .sort(["高", "中", "volume", "key"], descending=[True, True, True, False])
        .head(top)
    )


def describe_points_table() -> pl.DataFrame:
    """The points table in force (settings.toml [risk]) as the page shows it beside the figures."""
    risk = read_risk_settings()
    points = risk["points"]
    large, medium = risk["amount_large_yuan"], risk["amount_medium_yuan"]
    products = "、".join(risk["high_risk_products"]) or "（无）"
    rows = [
        ("监管转办", points["regulator_referred"]),
        ("媒体曝光", points["media_exposure"]),
        ("诉讼", points["litigation"]),
        ("重复投诉（同客户同产品同问题，365天内）", points["repeat"]),
        ("再次重复（每多一次）", points["each_further_repeat"]),
        ("特殊群体", points["vulnerable_group"]),
        (f"争议金额 ≥ {large:,.0f} 元", points["amount_large"]),
        (f"争议金额 ≥ {medium:,.0f} 元", points["amount_medium"]),
        (f"高风险产品：{products}", points["high_risk_product"]),
    ]
    return pl.DataFrame({"风险因素": [r[0] for r in rows], "分值": [f"+{r[1]}" for r in rows]})


def describe_levels() -> str:
    risk = read_risk_settings()
    high, medium = risk["high_min"], risk["medium_min"]
    return f"高风险：≥{high} 分；中风险：{medium}–{high - 1} 分；低风险：≤{medium - 1} 分"
