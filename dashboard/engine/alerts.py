"""Early warning (预警, METRICS.md "Early warning"): high-frequency issues and regional surges, with evidence.

- 高频投诉: a (product, issue) pair whose count in the latest complete month is
  >= ratio x its mean over the months before and >= min_cases. Both bounds include
  equality (METRICS.md says "≥"). A pair never seen in the baseline (mean 0) passes the
  ratio test and is flagged "新出现" once it reaches min_cases.
- 区域激增: a province whose weekly (Monday–Sunday) volume is *more than* sigma sample
  standard deviations above its mean of the weeks before: exactly mean + sigma x sd is
  not a surge. A flat baseline (sd 0) makes any rise above the mean a surge. The last
  `surge_recent_weeks` complete weeks are each checked against their own baseline, and a
  week needs `surge_min_cases` cases, so a province with a handful of cases a week does
  not raise an alarm over one or two more.

Only months (weeks) the warehouse covers count in a baseline: a pair or province with
no case in a covered month counts 0 there, but months before the first case of the
warehouse are left out rather than counted as 0. The global filters (product, region,
channel …) narrow the cases; the period filter does not apply (warnings are as of the
data's latest moment, see dashboard/engine/asof.py). The page, `python -m dashboard alerts`
and schedulers all call `compute_alerts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.asof import latest_complete_month, latest_complete_week, resolve_as_of
from dashboard.engine.filters import Filters
from dashboard.engine.periods import add_months, month_start
from warehouse.settings import setting

NEW_PAIR = "新出现"  # shown instead of a ratio when the baseline mean is 0


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds of settings.toml [alerts] (code defaults = METRICS.md)."""

    high_frequency_ratio: float = 1.5
    high_frequency_baseline_months: int = 6
    high_frequency_min_cases: int = 10
    surge_sigma: float = 3.0
    surge_baseline_weeks: int = 12
    surge_recent_weeks: int = 4
    surge_min_cases: int = 10

    @classmethod
    def from_settings(cls) -> AlertSettings:
        defaults = cls()
        return cls(
            **{
                name: type(getattr(defaults, name))(setting("alerts", name, default=getattr(defaults, name)))
                for name in cls.__dataclass_fields__
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class AlertReport:
    """Everything the 预警 page and the CLI show; the frames are already sorted for display."""

    as_of: datetime | None
    month: date | None  # the latest complete month (first day)
    baseline_months: list[date]
    weeks_checked: list[date]  # Mondays of the complete weeks checked, oldest first
    high_frequency: pl.DataFrame
    surges: pl.DataFrame
    pair_history: pl.DataFrame  # product, issue, month, cases: the flagged pairs, baseline + current month
    province_history: pl.DataFrame  # province, week, cases: the flagged provinces, every week fetched
    settings: AlertSettings
    filters: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.high_frequency.height + self.surges.height


HIGH_FREQUENCY_SCHEMA: dict[str, pl.DataType] = {
    "product": pl.String(),
    "issue": pl.String(),
    "month": pl.Date(),
    "current": pl.Int64(),
    "baseline_mean": pl.Float64(),
    "baseline_months": pl.Int64(),
    "ratio": pl.Float64(),
    "threshold": pl.Float64(),
}
SURGE_SCHEMA: dict[str, pl.DataType] = {
    "province": pl.String(),
    "week": pl.Date(),
    "current": pl.Int64(),
    "baseline_mean": pl.Float64(),
    "baseline_sd": pl.Float64(),
    "baseline_weeks": pl.Int64(),
    "sigma": pl.Float64(),
    "threshold": pl.Float64(),
}


# ---- reading the warehouse --------------------------------------------------------------------
def find_first_case_date(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.sql("SELECT min(received_date) FROM fct_complaint").fetchall()[0][0]


def count_pairs_by_month(
    con: duckdb.DuckDBPyConnection, filters: Filters, first_month: date, end: date
) -> pl.DataFrame:
    """Cases per (product, issue, month) received in [first_month, end): product, issue, month, cases.

    Summed by name after the join: a product sold in two business lines has two product keys."""
    where, params = filters.to_sql_where("f")
    sql = f"""
        SELECT p.product, i.issue, s.month, sum(s.cases)::BIGINT AS cases FROM (
            SELECT f.product_key, f.issue_key, date_trunc('month', f.received_date)::DATE AS month,
                count(*)::BIGINT AS cases
            FROM fct_complaint AS f
            WHERE ({where}) AND f.received_date >= $a_start AND f.received_date < $a_end
            GROUP BY ALL
        ) AS s
        LEFT JOIN dim_product AS p USING (product_key)
        LEFT JOIN dim_issue AS i USING (issue_key)
        GROUP BY ALL
    """
    frame = con.sql(sql, params={**params, "a_start": first_month, "a_end": end}).pl()
    return frame.cast({"product": pl.String, "issue": pl.String, "month": pl.Date, "cases": pl.Int64})


def count_provinces_by_week(
    con: duckdb.DuckDBPyConnection, filters: Filters, first_week: date, end: date
) -> pl.DataFrame:
    """Cases per (province, Monday of the week) received in [first_week, end): province, week, cases."""
    where, params = filters.to_sql_where("f")
    sql = f"""
        SELECT r.province, s.week, sum(s.cases)::BIGINT AS cases FROM (
            SELECT f.region_key, date_trunc('week', f.received_date)::DATE AS week, count(*) AS cases
            FROM fct_complaint AS f
            WHERE ({where}) AND f.received_date >= $a_start AND f.received_date < $a_end
            GROUP BY ALL
        ) AS s
        LEFT JOIN dim_region AS r USING (region_key)
        WHERE r.province IS NOT NULL
        GROUP BY ALL
    """
    frame = con.sql(sql, params={**params, "a_start": first_week, "a_end": end}).pl()
    return frame.cast({"province": pl.String, "week": pl.Date, "cases": pl.Int64})


# ---- the rules (pure: tests call them on hand-built frames too) -------------------------------
def _fill_zeros(counts: pl.DataFrame, keys: list[str], time_column: str, times: list[date]) -> pl.DataFrame:
    """Every key × every time bucket, 0 where the key had no case."""
    if counts.is_empty():
        return counts
    grid = (
        counts.select(keys)
        .unique()
        .join(pl.DataFrame({time_column: times}, schema={time_column: pl.Date}), how="cross")
    )
    return grid.join(counts, on=[*keys, time_column], how="left").with_columns(pl.col("cases").fill_null(0))


def find_high_frequency(
    counts: pl.DataFrame, month: date, baseline: list[date], settings: AlertSettings
) -> pl.DataFrame:
    """Flagged (product, issue) pairs of `month` against the mean of the `baseline` months (covered months only)."""
    if not baseline or counts.is_empty():
        return pl.DataFrame(schema=HIGH_FREQUENCY_SCHEMA)
    keys = ["product", "issue"]
    current = counts.filter(pl.col("month") == month).select(*keys, current=pl.col("cases"))
    history = _fill_zeros(counts.filter(pl.col("month").is_in(baseline)), keys, "month", baseline)
    sums = history.group_by(keys).agg(baseline_sum=pl.col("cases").sum())
    n = len(baseline)
    ratio, min_cases = settings.high_frequency_ratio, settings.high_frequency_min_cases
    frame = current.join(sums, on=keys, how="left", nulls_equal=True).with_columns(pl.col("baseline_sum").fill_null(0))
    # current >= ratio x sum / n, compared as current x n >= ratio x sum (no rounding at the boundary).
    flagged = frame.filter((pl.col("current") >= min_cases) & (pl.col("current") * n >= ratio * pl.col("baseline_sum")))
    mean = pl.col("baseline_sum") / n
    return (
        flagged.with_columns(
            month=pl.lit(month),
            baseline_mean=mean,
            baseline_months=pl.lit(n, dtype=pl.Int64),
            ratio=pl.when(pl.col("baseline_sum") > 0).then(pl.col("current") / mean),
            threshold=pl.max_horizontal(mean * ratio, pl.lit(float(min_cases))),
        )
        .select(list(HIGH_FREQUENCY_SCHEMA))
        .cast(HIGH_FREQUENCY_SCHEMA)  # type: ignore[arg-type]
        .sort(["ratio", "current", "product", "issue"], descending=[True, True, False, False], nulls_last=False)
    )


def find_surges(counts: pl.DataFrame, weeks: list[date], first_covered: date, settings: AlertSettings) -> pl.DataFrame:
    """Flagged (province, week) pairs among `weeks`, each against its own covered baseline weeks."""
    rows: list[pl.DataFrame] = []
    k, span = settings.surge_sigma, settings.surge_baseline_weeks
    for week in weeks:
        baseline = [week - timedelta(weeks=n) for n in range(span, 0, -1)]
        baseline = [w for w in baseline if w >= first_covered]
        if len(baseline) < 2:
            continue  # a standard deviation needs two weeks
        window = _fill_zeros(
            counts.filter(pl.col("week").is_in([*baseline, week])), ["province"], "week", [*baseline, week]
        )
        if window.is_empty():
            continue
        stats = (
            window.filter(pl.col("week") != week)
            .group_by("province")
            .agg(
                baseline_mean=pl.col("cases").mean(),
                baseline_sd=pl.col("cases").std(ddof=1),
                baseline_weeks=pl.len().cast(pl.Int64),
            )
        )
        current = window.filter(pl.col("week") == week).select("province", current=pl.col("cases"))
        judged = current.join(stats, on="province").with_columns(week=pl.lit(week))
        flagged = judged.filter(
            (pl.col("current") - pl.col("baseline_mean") > k * pl.col("baseline_sd"))
            & (pl.col("current") >= settings.surge_min_cases)
        )
        rows.append(
            flagged.with_columns(
                sigma=pl.when(pl.col("baseline_sd") > 0).then(
                    (pl.col("current") - pl.col("baseline_mean")) / pl.col("baseline_sd")
                ),
                threshold=pl.col("baseline_mean") + k * pl.col("baseline_sd"),
            ).select(list(SURGE_SCHEMA))
        )
    if not rows:
        return pl.DataFrame(schema=SURGE_SCHEMA)
    frame = pl.concat(rows).cast(SURGE_SCHEMA)  # type: ignore[arg-type]
    return frame.sort(["week", "sigma", "province"], descending=[True, True, False], nulls_last=False)


# ---- one call for the page and the CLI ---------------------------------------------------------
def list_weeks_checked(as_of: date, settings: AlertSettings) -> list[date]:
    latest = latest_complete_week(as_of)
    return [latest - timedelta(weeks=n) for n in range(settings.surge_recent_weeks - 1, -1, -1)]


def compute_alerts(
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    as_of: date | None = None,
    settings: AlertSettings | None = None,
) -> AlertReport:
    """High-frequency issues of the latest complete month and regional surges of the latest complete weeks."""
    filters = filters or Filters()
    settings = settings or AlertSettings.from_settings()
    moment = resolve_as_of(con, as_of)
    first_case = find_first_case_date(con)
    if moment is None or first_case is None:
        empty = pl.DataFrame(schema=HIGH_FREQUENCY_SCHEMA)
        return AlertReport(
            moment,
            None,
            [],
            [],
            empty,
            pl.DataFrame(schema=SURGE_SCHEMA),
            pl.DataFrame(),
            pl.DataFrame(),
            settings,
            filters.describe(),
        )
    day = moment.date()
    month = latest_complete_month(day)
    months_back = settings.high_frequency_baseline_months
    baseline = [add_months(month, -n) for n in range(months_back, 0, -1)]
    baseline = [m for m in baseline if m >= month_start(first_case)]
    pair_counts = count_pairs_by_month(con, filters, baseline[0] if baseline else month, add_months(month, 1))
    high = find_high_frequency(pair_counts, month, baseline, settings)

    weeks = list_weeks_checked(day, settings)
    first_week = weeks[0] - timedelta(weeks=settings.surge_baseline_weeks)
    first_covered = first_case - timedelta(days=first_case.weekday())
    week_counts = count_provinces_by_week(con, filters, first_week, weeks[-1] + timedelta(weeks=1))
    surges = find_surges(week_counts, weeks, first_covered, settings)

    pair_history = _fill_zeros(
        pair_counts.join(high.select("product", "issue"), on=["product", "issue"]),
        ["product", "issue"],
        "month",
        [*baseline, month],
    )
    all_weeks = [first_week + timedelta(weeks=n) for n in range((weeks[-1] - first_week).days // 7 + 1)]
    covered_weeks = [w for w in all_weeks if w >= first_covered]
    province_history = _fill_zeros(
        week_counts.join(surges.select("province").unique(), on="province"), ["province"], "week", covered_weeks
    )
    return AlertReport(
        moment,
        month,
        baseline,
        weeks,
        high,
        surges,
        pair_history.sort("product", "issue", "month"),
        province_history.sort("province", "week"),
        settings,
        filters.describe(),
    )


# ---- JSON (the CLI prints it; the page's tables are built from it) ----------------------------
def _month_text(day: date) -> str:
    return day.strftime("%Y-%m")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def build_alerts_json(report: AlertReport) -> dict[str, Any]:
    """{"as_of", "month", "baseline_months", "weeks_checked", "thresholds", "filters", "count",
    "high_frequency": [...], "surges": [...]} — one object per alert with its evidence."""
    high = [
        {
            "kind": "high_frequency",
            "product": row["product"],
            "issue": row["issue"],
            "month": _month_text(row["month"]),
            "current": row["current"],
            "baseline_mean": _round(row["baseline_mean"]),
            "baseline_months": row["baseline_months"],
            "ratio": _round(row["ratio"]),
            "threshold": _round(row["threshold"]),
        }
        for row in report.high_frequency.iter_rows(named=True)
    ]
    surges = [
        {
            "kind": "regional_surge",
            "province": row["province"],
            "week_start": row["week"].isoformat(),
            "week_end": (row["week"] + timedelta(days=6)).isoformat(),
            "current": row["current"],
            "baseline_mean": _round(row["baseline_mean"]),
            "baseline_sd": _round(row["baseline_sd"]),
            "baseline_weeks": row["baseline_weeks"],
            "sigma": _round(row["sigma"]),
            "threshold": _round(row["threshold"]),
        }
        for row in report.surges.iter_rows(named=True)
    ]
    return {
        "as_of": None if report.as_of is None else report.as_of.isoformat(sep=" ", timespec="seconds"),
        "month": None if report.month is None else _month_text(report.month),
        "baseline_months": [_month_text(m) for m in report.baseline_months],
        "weeks_checked": [w.isoformat() for w in report.weeks_checked],
        "thresholds": report.settings.to_json(),
        "filters": report.filters,
        "count": report.count,
        "high_frequency": high,
        "surges": surges,
    }
