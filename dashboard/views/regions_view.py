"""What the 区域分析 page shows, as frames: every figure comes from the KPI engine (dashboard/engine/kpis.py).

Functions take a read-only warehouse connection and the cockpit's Filters and
return small Polars frames; dashboard/app/regions_data.py caches them per warehouse
version, dashboard/charts/ turns them into charts.

Figures the engine has no breakdown for are counted here with the engine's own
definitions, each in one grouped query: high-risk cases per region (group) and
month (the engine's risk level expression, `kpi_source.risk_level_sql`; a test
checks them against the engine's risk-level breakdown), cases by weekday and hour
of 受理时间, and the two-way volumes of the heatmaps (region × business line,
product × issue, region × month; `count_received`). Asking the engine once per
column instead (one breakdown per business line, per issue, per month) reads the
case table once per column at 10 million cases: tests/integration/test_regions_view_parity.py
checks that both give the same frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from dashboard.engine.filters import STAR_FILTERS, Filters
from dashboard.engine.kpi_source import DuckDBSource, list_filter_options, risk_level_sql
from dashboard.engine.kpis import (
    Tallies,
    compute_breakdown,
    compute_customer_base,
    compute_period_metrics,
    describe_not_covered,
    finish_metrics,
    is_covered,
)
from dashboard.engine.metrics import CATALOG, get_metric
from dashboard.engine.periods import Period, add_months, month_key, month_start
from dashboard.views.sql_files import view_sql

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


# The registry's map metrics (Metric.on_map), then the risk pool count, which is not a KPI.
MAP_METRICS: dict[str, MapMetric] = {
    **{m.id: _catalog_metric(m.id) for m in CATALOG if m.on_map},
    HIGH_RISK: MapMetric(HIGH_RISK, "高风险案件数", "count", True),
}
HEATMAP_METRICS = ("volume", "per_million_customers")
# Metrics computed from the volume and the customer base alone: a two-way count gives them exactly.
VOLUME_METRICS = ("volume", "per_million_customers")


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
# Region level -> (table joined on region_key, its name column). A case counts once in each group
# its region belongs to, as under the 区域 filter (a region listed twice in a group counts once).
_REGION_JOIN: dict[str, tuple[str, str]] = {
    "province": ("dim_region", "province"),
    "city": ("dim_region", "city"),
    "region_group": ("(SELECT DISTINCT region_group, region_key FROM dim_region_group)", "region_group"),
}


def count_high_risk(
    con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, by: str, monthly: bool = False
) -> pl.DataFrame:
    """High-risk cases received in P per province, city or region group (and 受理 month): key[, month], value."""
    where, params = filters.to_sql_where("f")
    level, level_params = _risk_level(con)
    month = ", strftime(f.received_date, '%Y-%m') AS month" if monthly else ""
    table, name = _REGION_JOIN[by]
    sql = view_sql("high_risk_by_region", key=name, month=month, regions=table, where=where, level=level)
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
# Two-way volumes (region × business line, product × issue, region × month) in one grouped query. Its shape
# (which dimensions, joins and UNION parts) follows the call, so it is composed here rather than kept in a file.
# ---------------------------------------------------------------------------------------------
COUNT_DIMENSIONS = ("province", "city", "business_line", "product", "issue", "month")


def count_received(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    period: Period,
    dimensions: Sequence[str],
    with_active_keys: bool = False,
) -> pl.DataFrame:
    """Cases received in P under the filters per combination of `dimensions`: one column each, volume.

    Dimensions are named as the engine's breakdowns name them (COUNT_DIMENSIONS; month = 受理 YYYY-MM).
    With `with_active_keys` a combination is also listed, with volume 0, when one of its cases was
    closed in P or was due in P and still open at its end: the keys the engine's tallies list
    (kpi_source.DuckDBSource.tallies), so a grid has the rows of one engine breakdown per column.
    Month is NULL on such rows. Grouped by the integer keys first, named afterwards (as the engine).
    """
    unknown = [d for d in dimensions if d not in COUNT_DIMENSIONS]
    if unknown:
        raise ValueError(f"不能按 {unknown} 计数；可用的维度：{'、'.join(COUNT_DIMENSIONS)}")
    where, params = filters.to_sql_where("f")
    params = {**params, "p_start": period.start, "p_end": period.end}
    received_keys, active_keys, names, joins = [], [], [], []
    for index, dimension in enumerate(dimensions):
        raw = f"k{index}"
        if dimension == "month":
            received_keys.append(f"strftime(f.received_date, '%Y-%m') AS {raw}")
            active_keys.append(f"NULL::VARCHAR AS {raw}")
            names.append(f"s.{raw} AS {dimension}")
            continue
        column, table, name = STAR_FILTERS[dimension]
        received_keys.append(f"f.{column} AS {raw}")
        active_keys.append(f"f.{column} AS {raw}")
        joins.append(f"LEFT JOIN {table} AS d{index} ON d{index}.{column} = s.{raw}")
        names.append(f"d{index}.{name} AS {dimension}")
    cases = f"FROM fct_complaint AS f WHERE ({where})"
    parts = [
        f"SELECT {', '.join(received_keys)}, count(*) AS volume {cases} "
        "AND f.received_date >= $p_start AND f.received_date < $p_end GROUP BY ALL"
    ]
    if with_active_keys:
        listed = f"SELECT DISTINCT {', '.join(active_keys)}, 0 AS volume {cases}"
        parts += [
            f"{listed} AND f.closed_on >= $p_start AND f.closed_on < $p_end",
            f"{listed} AND f.due_date >= $p_start AND f.due_date < $p_end AND f.received_date < $p_end "
            "AND (NOT f.is_closed OR f.closed_date >= $p_end)",
        ]
    sql = (
        f"SELECT {', '.join(names)}, sum(s.volume)::BIGINT AS volume "
        f"FROM ({' UNION ALL '.join(parts)}) AS s {' '.join(joins)} GROUP BY ALL"
    )
    schema = {**dict.fromkeys(dimensions, pl.String), "volume": pl.Int64}
    return con.sql(sql, params=params).pl().cast(schema)  # type: ignore[arg-type]


def _column_order(present: pl.Series, chosen: Sequence[str]) -> list[str]:
    """A heatmap's columns: in the filter's order when some are chosen, else by name (as the filter lists them)."""
    values = set(present.to_list())
    if chosen:
        return [value for value in dict.fromkeys(chosen) if value in values]
    return sorted(values)


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
    whole = Period(months[0].start, months[-1].end)
    if metric_id == HIGH_RISK:
        trend = count_high_risk(con, view, whole, by, monthly=True).with_columns(pl.col("value").cast(pl.Float64))
        keys = trend.select("key").unique()
    elif metric_id == "volume":
        # The regions of 12 monthly breakdowns are those with a case received, closed or overdue in the
        # 12 months (a case overdue in a month is closed later in the window or still open at its end).
        counts = count_received(con, view, whole, [by, "month"], with_active_keys=True)
        counts = counts.filter(pl.col(by).is_not_null()).rename({by: "key"})
        keys = counts.select("key").unique()
        trend = counts.filter(pl.col("month").is_not_null()).select(
            "key", "month", pl.col("volume").cast(pl.Float64).alias("value")
        )
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
        keys = trend.select("key").unique()
    grid = keys.join(pl.DataFrame({"month": [month_key(m.start) for m in months]}), how="cross")
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
    # One engine query for the volumes per group and per risk level (their sum: every case of P) ...
    volumes = DuckDBSource(con, base).volumes(period, ["region_group", "risk_level"])
    levels = volumes["risk_level"]
    total = int(levels["volume"].sum())
    total_high = int(levels.filter(pl.col("key") == HIGH_RISK_LEVEL)["volume"].sum())
    # ... and one count of the high-risk cases of every group (instead of one engine query per group).
    highs = count_high_risk(con, base, period, "region_group")
    frame = (
        pl.DataFrame({"region_group": list_region_groups(con)}, schema={"region_group": pl.String})
        .join(volumes["region_group"].rename({"key": "region_group"}), on="region_group", how="left")
        .join(highs.rename({"key": "region_group", "value": "high_risk"}), on="region_group", how="left")
    )
    frame = frame.with_columns(pl.col("volume", "high_risk").fill_null(0).cast(pl.Int64))
    return frame.with_columns(
        volume_share=pl.col("volume") / total if total else pl.lit(None, dtype=pl.Float64),
        high_risk_share=pl.col("high_risk") / total_high if total_high else pl.lit(None, dtype=pl.Float64),
    ).sort("high_risk", "volume", descending=True)


def list_region_groups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The region groups in their configured order (as `list_filter_options`, without its case scans)."""
    sql = view_sql("region_groups")
    return [row[0] for row in con.sql(sql).fetchall()]


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
    """row (province or city), column (business line), value: the engine's metric of each region within each line.

    Volume-based metrics (VOLUME_METRICS) come from one two-way count finished by the engine's own
    `finish_metrics`; other metrics ask the engine for one breakdown per business line."""
    view = region_filters(filters, province)
    by = level_of(province)
    if metric_id not in VOLUME_METRICS:
        return _region_by_line_from_breakdowns(con, view, period, metric_id, by)
    counts = count_received(con, view, period, ["business_line", by], with_active_keys=True)
    counts = counts.filter(pl.col("business_line").is_not_null() & pl.col(by).is_not_null())
    source = DuckDBSource(con, view)
    coverage = source.coverage()
    covered, not_covered = is_covered(coverage, period), describe_not_covered(coverage)
    # The customer base depends on the region filters only: the same for every business line.
    base = compute_customer_base(source.customer_base_rows(period), view, source.region_groups(), period, by)
    frames = []
    for line in _column_order(counts["business_line"], view.business_lines):
        line_counts = counts.filter(pl.col("business_line") == line).select(pl.col(by).alias("key"), "volume")
        metrics = finish_metrics(Tallies(line_counts, _NO_HANDLING), base, covered, not_covered)
        frames.append(_line_cells(metrics, line, metric_id))
    return _complete_counts(_concat_cells(frames), MAP_METRICS[metric_id].unit)


_NO_HANDLING = pl.DataFrame(schema={"key": pl.String, "handling_days": pl.Int64, "n": pl.Int64})


def _line_cells(metrics: pl.DataFrame, line: str, metric_id: str) -> pl.DataFrame:
    """One business line's column of cells, its regions in the order of an engine breakdown."""
    return (
        metrics.filter(pl.col("key").is_not_null())
        .sort(["volume", "key"], descending=[True, False], nulls_last=True)
        .select(
            pl.col("key").alias("row"),
            pl.lit(line).alias("column"),
            pl.col(metric_id).cast(pl.Float64).alias("value"),
        )
    )


def _region_by_line_from_breakdowns(
    con: duckdb.DuckDBPyConnection, view: Filters, period: Period, metric_id: str, by: str
) -> pl.DataFrame:
    lines = list(view.business_lines) or list_filter_options(con).business_lines
    frames = [
        _line_cells(
            compute_breakdown(DuckDBSource(con, replace(view, business_lines=(line,))), period, by), line, metric_id
        )
        for line in lines
    ]
    return _complete_counts(_concat_cells(frames), MAP_METRICS[metric_id].unit)


def product_by_issue(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """row (product), column (issue), value (cases received in P): one two-way count."""
    counts = count_received(con, filters, period, ["issue", "product"])
    counts = counts.filter(pl.col("issue").is_not_null() & pl.col("product").is_not_null())
    order = {issue: index for index, issue in enumerate(_column_order(counts["issue"], filters.issues))}
    cells = counts.sort(
        pl.col("issue").replace_strict(order, return_dtype=pl.Int64),
        pl.col("volume"),
        pl.col("product"),
        descending=[False, True, False],
    ).select(
        pl.col("product").alias("row"),
        pl.col("issue").alias("column"),
        pl.col("volume").cast(pl.Float64).alias("value"),
    )
    return _complete_counts(cells, "count")


def weekday_by_hour(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> pl.DataFrame:
    """row (周一…周日), column (0–23 时), value: cases received in P by 受理时间 (for staffing)."""
    where, params = filters.to_sql_where("f")
    sql = view_sql("weekday_hour_volume", where=where)
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
