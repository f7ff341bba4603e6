"""What the 区域分析 page shows, as frames: every figure comes from the KPI engine (dashboard/kpis.py).

Functions take a read-only warehouse connection and the cockpit's Filters and
return small Polars frames; dashboard/regions_data.py caches them per warehouse
version, dashboard/charts/ turns them into charts.

Two figures the engine has no breakdown for are counted here with the engine's
own definitions: high-risk cases per region and month (the engine's risk level
expression, `kpi_source.risk_level_sql`; a test checks them against the engine's
risk-level breakdown) and cases by weekday and hour of 受理时间 (plain counts of
cases received in P under the same filters).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import polars as pl

from dashboard.filters import Filters
from dashboard.kpi_source import DuckDBSource, list_filter_options, risk_level_sql
from dashboard.kpis import compute_breakdown, compute_period_metrics
from dashboard.metrics import get_metric
from dashboard.periods import Period, add_months, month_key, month_start

HIGH_RISK = "high_risk"
HIGH_RISK_LEVEL = "高"
TREND_MONTHS = 12
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class MapMetric:
    """A metric the map, ranking and heatmaps can be coloured by."""

    id: str
    label: str
    unit: str  # the metric catalog's unit (count, rate, per_million, ...)
    lower_is_better: bool | None


def _catalog_metric(metric_id: str) -> MapMetric:
    metric = get_metric(metric_id)
    return MapMetric(metric.id, metric.name_zh, metric.unit, metric.lower_is_better)


MAP_METRICS: dict[str, MapMetric] = {
    "volume": _catalog_metric("volume"),
    "per_million_customers": _catalog_metric("per_million_customers"),
    "repeat_rate": _catalog_metric("repeat_rate"),
    HIGH_RISK: MapMetric(HIGH_RISK, "高风险案件数", "count", True),
    "on_time_rate": _catalog_metric("on_time_rate"),
}
HEATMAP_METRICS = ("volume", "per_million_customers")


def region_filters(filters: Filters, province: str | None) -> Filters:
    """The filters of the view: drilled into a province, only its cases (other region filters dropped)."""
    if province is None:
        return filters
    return replace(filters, provinces=(province,), cities=(), region_group=None)


def level_of(province: str | None) -> str:
    return "province" if province is None else "city"


def trend_periods(period: Period, months: int = TREND_MONTHS) -> list[Period]:
    """The calendar months ending with P's last month (the last one ends where P ends)."""
    last = month_start(period.last_day)
    firsts = [add_months(last, -offset) for offset in range(months - 1, -1, -1)]
    return [Period(first, min(add_months(first, 1), period.end)) for first in firsts]


# ---------------------------------------------------------------------------------------------
# High-risk cases: the engine's risk level, grouped by region (and month) in one query.
# ---------------------------------------------------------------------------------------------
_REGION_COLUMN = {"province": "r.province", "city": "r.city"}


def count_high_risk(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, by: str, monthly: bool = False
) -> pl.DataFrame:
    """High-risk cases received in P per province or city (and 受理 month): key[, month], value."""
    where, params = filters.to_sql_where("f")
    level, level_params = _risk_level(con)
    month = ", strftime(f.received_date, '%Y-%m') AS month" if monthly else ""
    sql = (
        f"SELECT {_REGION_COLUMN[by]} AS key{month}, count(*)::BIGINT AS value "
        "FROM fct_complaint AS f JOIN dim_region AS r ON r.region_key = f.region_key "
        f"WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end "
        f"AND {level} = $high_level GROUP BY ALL"
    )
    params = {**params, **level_params, "p_start": period.start, "p_end": period.end, "high_level": HIGH_RISK_LEVEL}
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    schema = {"key": pl.String, **({"month": pl.String} if monthly else {}), "value": pl.Int64}
    return con.sql(sql, params=used).pl().cast(schema)  # type: ignore[arg-type]


def _risk_level(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, object]]:
    """The marts' own risk_level column when it exists, else the engine's expression (as DuckDBSource)."""
    columns = con.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'fct_complaint'"
    ).fetchall()
    return ("f.risk_level", {}) if ("risk_level",) in columns else risk_level_sql("f")


# ---------------------------------------------------------------------------------------------
# Map and ranking: one value per province (or per city of a province).
# ---------------------------------------------------------------------------------------------
def region_values(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, metric_id: str, province: str | None = None
) -> pl.DataFrame:
    """key (full name), value (None when not computable), reason, volume; largest value first."""
    view = region_filters(filters, province)
    by = level_of(province)
    frame = compute_breakdown(DuckDBSource(con, view), period, by).filter(pl.col("key").is_not_null())
    if metric_id == HIGH_RISK:
        high = count_high_risk(con, view, period, by)
        frame = frame.select("key", "volume").join(high, on="key", how="left")
        frame = frame.with_columns(pl.col("value").fill_null(0), reason=pl.lit(None, dtype=pl.String))
    else:
        frame = frame.select(
            "key", pl.col(metric_id).alias("value"), pl.col(f"{metric_id}__reason").alias("reason"), "volume"
        )
    return frame.select("key", pl.col("value").cast(pl.Float64), "reason", pl.col("volume").cast(pl.Int64)).sort(
        ["value", "volume", "key"], descending=[True, True, False], nulls_last=True
    )


def region_trend(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, metric_id: str, province: str | None = None
) -> pl.DataFrame:
    """key, month (YYYY-MM), value over the 12 months ending with P: sparklines and the month heatmap.

    Counts are 0 in a month without a case; a rate of such a month has no value (None)."""
    view = region_filters(filters, province)
    by = level_of(province)
    months = trend_periods(period)
    if metric_id == HIGH_RISK:
        whole = Period(months[0].start, months[-1].end)
        trend = count_high_risk(con, view, whole, by, monthly=True).with_columns(pl.col("value").cast(pl.Float64))
    else:
        source = DuckDBSource(con, view)
        coverage = source.coverage()
        frames = [
            compute_period_metrics(source, month, by, coverage=coverage)
            .filter(pl.col("key").is_not_null())
            .select(
                "key", pl.lit(month_key(month.start)).alias("month"), pl.col(metric_id).cast(pl.Float64).alias("value")
            )
            for month in months
        ]
        trend = pl.concat(frames)
    grid = trend.select("key").unique().join(pl.DataFrame({"month": [month_key(m.start) for m in months]}), how="cross")
    full = grid.join(trend, on=["key", "month"], how="left")
    if MAP_METRICS[metric_id].unit == "count":
        full = full.with_columns(pl.col("value").fill_null(0.0))
    return full.sort("key", "month")


def attach_sparklines(values: pl.DataFrame, trend: pl.DataFrame, period: Period) -> pl.DataFrame:
    """values + `trend`: the list of the 12 monthly values of each region (None: no value that month)."""
    months = [month_key(p.start) for p in trend_periods(period)]
    grid = values.select("key").join(pl.DataFrame({"month": months}), how="cross")
    filled = grid.join(trend, on=["key", "month"], how="left").sort("key", "month")
    lists = filled.group_by("key", maintain_order=True).agg(trend=pl.col("value"))
    return values.join(lists, on="key", how="left")


# ---------------------------------------------------------------------------------------------
# Region groups (城市群): share of volume and of high-risk cases, from the engine.
# ---------------------------------------------------------------------------------------------
def region_group_shares(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """region_group, volume, volume_share, high_risk, high_risk_share (groups overlap: shares don't add up)."""
    base = replace(filters, region_group=None)
    source = DuckDBSource(con, base)
    total = compute_period_metrics(source, period)["volume"][0] or 0
    total_high = _high_risk_of(source, period)
    groups = compute_breakdown(source, period, "region_group").select("key", "volume")
    listed = list_filter_options(con).region_groups
    frame = pl.DataFrame({"region_group": listed}, schema={"region_group": pl.String}).join(
        groups.rename({"key": "region_group"}), on="region_group", how="left"
    )
    highs = [_high_risk_of(DuckDBSource(con, replace(base, region_group=group)), period) for group in listed]
    frame = frame.with_columns(pl.col("volume").fill_null(0).cast(pl.Int64), high_risk=pl.Series(highs, dtype=pl.Int64))
    return frame.with_columns(
        volume_share=pl.col("volume") / total if total else pl.lit(None, dtype=pl.Float64),
        high_risk_share=pl.col("high_risk") / total_high if total_high else pl.lit(None, dtype=pl.Float64),
    ).sort("high_risk", "volume", descending=True)


def _high_risk_of(source: DuckDBSource, period: Period) -> int:
    levels = compute_breakdown(source, period, "risk_level")
    high = levels.filter(pl.col("key") == HIGH_RISK_LEVEL)["volume"]
    return int(high[0] or 0) if high.len() else 0


def describe_group_shares(shares: pl.DataFrame, top: int = 3) -> str | None:
    """One sentence for the committee: which city clusters the high-risk cases come from."""
    rows = shares.filter(pl.col("high_risk") > 0).head(top)
    if rows.is_empty():
        return None
    parts = [f"{r['region_group']} {r['high_risk_share'] * 100:.1f}%" for r in rows.iter_rows(named=True)]
    return f"高风险案件中：{'，'.join(parts)}（城市群可能重叠，占比不相加）。"


# ---------------------------------------------------------------------------------------------
# Heatmaps.
# ---------------------------------------------------------------------------------------------
def region_by_business_line(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, metric_id: str, province: str | None = None
) -> pl.DataFrame:
    """row (province or city), column (business line), value: one engine breakdown per business line."""
    view = region_filters(filters, province)
    by = level_of(province)
    lines = list(view.business_lines) or list_filter_options(con).business_lines
    frames = []
    for line in lines:
        metrics = compute_breakdown(DuckDBSource(con, replace(view, business_lines=(line,))), period, by)
        frames.append(
            metrics.filter(pl.col("key").is_not_null()).select(
                pl.col("key").alias("row"),
                pl.lit(line).alias("column"),
                pl.col(metric_id).cast(pl.Float64).alias("value"),
            )
        )
    return _complete_counts(_concat_cells(frames), MAP_METRICS[metric_id].unit)


def product_by_issue(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """row (product), column (issue), value (cases received in P): one engine volume query per issue."""
    issues = list(filters.issues) or list_filter_options(con).issues
    frames = []
    for issue in issues:
        volumes = DuckDBSource(con, replace(filters, issues=(issue,))).volumes(period, ["product"])["product"]
        frames.append(
            volumes.filter(pl.col("key").is_not_null()).select(
                pl.col("key").alias("row"),
                pl.lit(issue).alias("column"),
                pl.col("volume").cast(pl.Float64).alias("value"),
            )
        )
    return _complete_counts(_concat_cells(frames), "count")


def weekday_by_hour(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """row (周一…周日), column (0–23 时), value: cases received in P by 受理时间 (for staffing)."""
    where, params = filters.to_sql_where("f")
    sql = (
        "SELECT isodow(f.received_at)::INTEGER AS weekday, hour(f.received_at)::INTEGER AS hour, count(*)::DOUBLE AS value "
        f"FROM fct_complaint AS f WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end "
        "AND f.received_at IS NOT NULL GROUP BY ALL"
    )
    params = {**params, "p_start": period.start, "p_end": period.end}
    counts = con.sql(sql, params=params).pl()
    grid = pl.DataFrame({"weekday": list(range(1, 8))}).join(pl.DataFrame({"hour": list(range(24))}), how="cross")
    full = grid.join(counts.cast({"weekday": pl.Int64, "hour": pl.Int64}), on=["weekday", "hour"], how="left")
    names = {index + 1: name for index, name in enumerate(WEEKDAYS)}
    return full.select(
        pl.col("weekday").replace_strict(names, return_dtype=pl.String).alias("row"),
        pl.format("{}时", pl.col("hour")).alias("column"),
        pl.col("value").fill_null(0.0),
    )


def _complete_counts(cells: pl.DataFrame, unit: str) -> pl.DataFrame:
    """Counts: every row × column cell, 0 where there is no case (a rate stays blank there)."""
    if unit != "count" or cells.is_empty():
        return cells
    grid = (
        cells.select("row")
        .unique(maintain_order=True)
        .join(cells.select("column").unique(maintain_order=True), how="cross")
    )
    return grid.join(cells, on=["row", "column"], how="left").with_columns(pl.col("value").fill_null(0.0))


def _concat_cells(frames: list[pl.DataFrame]) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema={"row": pl.String, "column": pl.String, "value": pl.Float64})
    return pl.concat(frames)
