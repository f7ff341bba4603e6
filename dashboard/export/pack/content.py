"""Everything the committee pack shows, computed once by the engines the pages use (KPI engine,
region, risk, products, alerts, SLA and watch-list modules): the renderers only format it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.engine import sla, watchlist
from dashboard.engine.alerts import build_alerts_json, compute_alerts
from dashboard.engine.backlog import BacklogReport, compute_backlog
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import build_kpis_json, compute_kpis, compute_mix
from dashboard.engine.metrics import CATALOG, KPI_IDS, Metric
from dashboard.engine.periods import Period, add_months, quarter_key
from dashboard.views import products_view, regions_view, risk_view
from dashboard.views.trends_view import build_volume_trend
from warehouse.settings import setting

PACK_MIXES = ("channel", "business_line")
TOP_ISSUES = 10
TREND_MONTHS = 12


@dataclass(frozen=True)
class PackContent:
    bank_name: str
    period: Period
    generated_at: datetime
    kpis: dict[str, Any]  # exactly `python -m dashboard kpis --json` for the period (with mix)
    trend: pl.DataFrame  # bucket (YYYY-MM), volume, last_year: 12 months ending with the period
    provinces: pl.DataFrame  # key, value (volume), volume: largest first
    risk_pools: pl.DataFrame  # risk_level, volume, share
    issues: pl.DataFrame  # issue, volume, share, cum_share, is_vital
    pareto_summary: str
    alerts: dict[str, Any]  # build_alerts_json of the period's last month / weeks
    sla_cards: pl.DataFrame  # department, quarter, judged, on_time, yellow, yellow_open, red (quarters of P)
    # (sla.summarise_cards rows of the quarters P touches, judged at the end of P)
    watch_counts: dict[str, int]  # people per level (masked: counts only)
    definitions: list[Metric]
    backlog: BacklogReport  # 积案 at the end of P and its month-end trend (also kpis["backlog"])

    def figure(self, metric_id: str, field: str = "value") -> Any:
        return self.kpis["kpis"][metric_id][field]

    def mix(self, dimension: str) -> list[dict[str, Any]]:
        return list(self.kpis["mix"].get(dimension, []))


def last_complete_quarter(latest: date) -> Period:
    """The latest calendar quarter whose last day is on or before `latest`."""
    start = date(latest.year, 3 * ((latest.month - 1) // 3) + 1, 1)
    end = add_months(start, 3)
    if latest + timedelta(days=1) < end:  # the quarter of `latest` is not over yet
        start, end = add_months(start, -3), start
    return Period(start, end)


def build_pack_content(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None) -> PackContent:
    filters = (filters or Filters()).with_custom_period(period)
    source = DuckDBSource(con, filters)
    report = compute_kpis(source, period)
    kpis = build_kpis_json(report, None, None, compute_mix(source, period))
    backlog = compute_backlog(con, filters, period)
    kpis["backlog"] = backlog.to_json()
    return PackContent(
        bank_name=str(setting("bank", "name", default="")),
        period=period,
        generated_at=datetime.now().replace(microsecond=0),
        kpis=kpis,
        trend=_monthly_trend(con, filters),
        provinces=regions_view.region_values(con, filters, period, "volume"),
        risk_pools=risk_view.build_risk_pools(source, period).pools,
        issues=(pareto := products_view.build_issue_pareto(source, period)).issues,
        pareto_summary=pareto.summary(),
        alerts=build_alerts_json(compute_alerts(con, filters, as_of=period.last_day)),
        sla_cards=_sla_cards(con, period),
        watch_counts=watchlist.count_watchlist(watchlist.list_watchlist(con, period.last_day, filters)),
        definitions=[m for m in CATALOG if m.id in KPI_IDS],
        backlog=backlog,
    )


def _monthly_trend(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """The trends page's monthly volumes (and last year's) for the 12 months ending with P."""
    trend = build_volume_trend(lambda f: DuckDBSource(con, f), filters, "month")
    if isinstance(trend, str):
        return pl.DataFrame(schema={"bucket": pl.String, "volume": pl.Int64, "last_year": pl.Int64})
    current = trend.volumes.group_by("bucket").agg(pl.col("volume").sum())
    earlier = trend.last_year.group_by("bucket").agg(pl.col("volume").sum().alias("last_year"))
    if trend.last_year["volume"].null_count() == trend.last_year.height:
        earlier = earlier.with_columns(pl.lit(None, dtype=pl.Int64).alias("last_year"))
    return current.join(earlier, on="bucket", how="left").sort("bucket").tail(TREND_MONTHS)


def _sla_cards(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    """Cards per department for the quarters of P, judged as at the end of P."""
    report = sla.compute_cards(con, datetime.combine(period.last_day, time.max))
    quarters = {quarter_key(m) for m in period.months()}
    cards = report.cards.filter(pl.col("quarter").is_in(sorted(quarters)))
    return cards.sort(["red", "yellow", "department"], descending=[True, True, False])
