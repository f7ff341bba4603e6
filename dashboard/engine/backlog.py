"""积案 (METRICS.md "backlog"): cases open at the end of a period past their due date, by age since 受理.

Choices where METRICS.md is silent:
- "The end of P" is the end of its last day L (for the latest period, the latest 受理日期 when that is
  earlier). A case is open then when received on or before L and not closed on or before L (closed_on:
  办结日期, or 受理日期 for a case 已办结 without 办结时间). It is past due when its due date
  (受理日期 + 办理时限天数, natural days) is on or before L: the due day itself is over.
- Age = L − 受理日期 in days; buckets ≤ 30, 31–60, 61–90, > 90.
- The trend is the same snapshot at the end of each of the 12 months before L's month, and at L.
Filters apply as to every metric; the figures come from fct_complaint alone (no stage events needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period, add_months, month_start

BUCKETS: tuple[str, ...] = ("≤30天", "31–60天", "61–90天", ">90天")
BUCKET_BOUNDS: tuple[int, ...] = (30, 60, 90)  # upper ends (inclusive) of all but the last bucket
TREND_MONTHS = 12


@dataclass(frozen=True)
class BacklogReport:
    as_of: date | None  # L: the day whose end the snapshot is taken at
    buckets: dict[str, int]  # at L
    by_department: pl.DataFrame  # department, one column per bucket, total
    by_province: pl.DataFrame  # province, one column per bucket, total
    trend: pl.DataFrame  # snapshot (date), month (label), one column per bucket, total

    @property
    def total(self) -> int:
        return sum(self.buckets.values())

    def to_json(self) -> dict[str, Any]:
        """The `backlog` object of `kpis --json`."""
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "total": self.total,
            "buckets": self.buckets,
            "trend": [{**row, "snapshot": row["snapshot"].isoformat()} for row in self.trend.to_dicts()],
            "by_department": self.by_department.to_dicts(),
            "by_province": self.by_province.to_dicts(),
        }


def snapshot_days(last: date, months: int = TREND_MONTHS) -> list[date]:
    """The last days of the `months` months before `last`'s month, then `last` itself."""
    first_of_month = month_start(last)
    ends = [add_months(first_of_month, -k) - timedelta(days=1) for k in range(months - 1, -1, -1)]
    return [*ends, last]


def _bucket_sql(age: str) -> str:
    low, mid, high = BUCKET_BOUNDS
    return (
        f"CASE WHEN {age} <= {low} THEN '{BUCKETS[0]}' WHEN {age} <= {mid} THEN '{BUCKETS[1]}' "
        f"WHEN {age} <= {high} THEN '{BUCKETS[2]}' ELSE '{BUCKETS[3]}' END"
    )


def read_backlog_cases(con: duckdb.DuckDBPyConnection, filters: Filters, days: list[date]) -> pl.DataFrame:
    """One row per (snapshot day, case in backlog at its end): snapshot, age_days, bucket, department, province."""
    where, params = filters.to_sql_where("f")
    params = {**params, "days": days}
    sql = f"""
        WITH snapshots AS (SELECT unnest($days::DATE[]) AS snapshot)
        SELECT s.snapshot, (s.snapshot - f.received_date)::BIGINT AS age_days,
            {_bucket_sql("(s.snapshot - f.received_date)")} AS bucket,
            coalesce(d.department, '未指定部门') AS department, coalesce(r.province, '未知地区') AS province
        FROM fct_complaint AS f
        JOIN snapshots AS s
            ON f.received_date <= s.snapshot AND f.due_date <= s.snapshot
            AND (NOT f.is_closed OR f.closed_on > s.snapshot)
        LEFT JOIN dim_department AS d USING (department_key)
        LEFT JOIN dim_region AS r USING (region_key)
        WHERE {where}
    """
    return con.sql(sql, params=params).pl()


def _spread(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Counts per `key` with one column per bucket (0 when none) and a total, largest total first."""
    counts = frame.group_by(key, "bucket").len()
    rows: dict[Any, dict[str, int]] = {}
    for value, bucket, n in counts.iter_rows():
        rows.setdefault(value, dict.fromkeys(BUCKETS, 0))[bucket] = int(n)
    schema: dict[str, Any] = {key: frame.schema[key], **dict.fromkeys(BUCKETS, pl.Int64), "total": pl.Int64}
    table = [{key: value, **cells, "total": sum(cells.values())} for value, cells in rows.items()]
    return pl.DataFrame(table, schema=schema).sort(["total", key], descending=[True, False])


def compute_backlog(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> BacklogReport:
    """积案 at the end of `period` (capped at the latest 受理日期), by bucket, department and province, and its trend."""
    latest = con.sql("SELECT max(received_date) FROM fct_complaint").fetchall()[0][0]
    if latest is None:
        empty = _spread(pl.DataFrame(schema={"department": pl.String, "bucket": pl.String}), "department")
        trend = _spread(pl.DataFrame(schema={"snapshot": pl.Date, "bucket": pl.String}), "snapshot")
        return BacklogReport(None, dict.fromkeys(BUCKETS, 0), empty, empty.rename({"department": "province"}), trend)
    last = min(period.last_day, latest)
    days = snapshot_days(last)
    cases = read_backlog_cases(con, filters, days)
    at_end = cases.filter(pl.col("snapshot") == last)
    spread = _spread(cases, "snapshot")
    trend = (
        pl.DataFrame({"snapshot": days}, schema={"snapshot": pl.Date})
        .join(spread, on="snapshot", how="left")
        .with_columns(pl.exclude("snapshot").fill_null(0), month=pl.col("snapshot").dt.strftime("%Y-%m"))
        .select("snapshot", "month", *BUCKETS, "total")
    )
    buckets = {bucket: int((at_end["bucket"] == bucket).sum()) for bucket in BUCKETS}
    return BacklogReport(last, buckets, _spread(at_end, "department"), _spread(at_end, "province"), trend)
