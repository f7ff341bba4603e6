"""The KPI engine: every number of ../shared/METRICS.md, computed one way for pages, CLI and exports.

Two steps, so the heavy part can run inside DuckDB on 10M cases:

1. A *source* (dashboard/engine/kpi_source.py) reduces the cases of v_complaint, under
   the filters, to **tallies** for a period P: per breakdown key, the counts that
   are the numerators and denominators below, plus a histogram of handling days
   (exact median/P90 from integer days). `DuckDBSource` does it with GROUP BY
   in the warehouse; `FrameSource` (tests/reference/kpi_frames.py) does the same
   over a Polars frame, and the parity tests check both against each other.
2. This module turns tallies and the customer base into metrics with Polars
   expressions (`finish_metrics`), decides what cannot be computed and why, and
   adds comparisons, targets and status (`compute_kpis`).

Case-level flags (is_repeat, is_resolved_first_time, due_date, is_on_time,
handling_days) are computed once when the marts are built; what depends on P
lives here (which cases were received / closed / still open at the end of P).

Tally columns, per key, for P = [start, end):
- volume: cases received in P; identified: of those with a customer identifier; repeats: of those repeats.
- closed: cases closed in P (a case 已办结 without 办结时间 counts in the period it was received).
- rft_known / rft_yes: closed in P with a known / true 是否一次性化解 (source, else the 90-day rule).
- on_time_due: closed in P with a known on-time flag + open at the end of P with the due date in P;
  on_time_yes: closed in P on time. referred_*: the same over regulator referrals.
- surveyed / satisfied: closed in P and surveyed (not 未回访, not blank) / 满意 or 基本满意.
For month and quarter breakdowns each key is the sub-period (month ∩ P), with its own end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.metrics import (  # noqa: F401 - re-exported: callers read the reasons as kpis.REASON_*
    KPI_IDS,
    MIX_DIMENSIONS,
    REASON_NO_BASE,
    REASON_NO_BRANCHES,
    REASON_NO_CASES,
    REASON_NO_CLOSED,
    REASON_NO_DUE,
    REASON_NO_HANDLING,
    REASON_NO_IDENTIFIED,
    REASON_NO_REFERRED_DUE,
    REASON_NO_SURVEYED,
    REASON_RFT_UNKNOWN,
    Formula,
    get_metric,
    status_of,
    target_for,
)
from dashboard.engine.periods import Period, month_key, previous_period, previous_year, quarter_key
from warehouse.aggregates import cube_spec

DIMENSIONS: tuple[str, ...] = (
    "channel",
    "business_line",
    "product",
    "issue",
    "province",
    "city",
    "region_group",
    "department",
    "branch",
    "risk_level",
    "month",
    "quarter",
)
TIME_DIMENSIONS = ("month", "quarter")
REGION_DIMENSIONS = ("province", "city", "region_group")
DIMENSION_LABELS: dict[str, str] = {
    "channel": "渠道",
    "business_line": "业务条线",
    "product": "产品",
    "issue": "问题类型",
    "province": "省份",
    "city": "城市",
    "region_group": "区域",
    "department": "处理部门",
    "branch": "机构",
    "risk_level": "风险等级",
    "month": "月份",
    "quarter": "季度",
}
RISK_LEVELS = ("高", "中", "低")

# The tallies every headline metric is a ratio of, declared once in warehouse/sql/aggregates/ (received, then
# closed-in-P; the late-case part of on_time_rate adds to on_time_due / referred_due).
COUNT_COLUMNS: tuple[str, ...] = cube_spec("agg_received").tally_names + cube_spec("agg_closed").tally_names
SATISFIED_VALUES = ("满意", "基本满意")
NOT_SURVEYED_VALUES = ("未回访", "")

# Why a metric is "—" (never shown as 0); the per-metric reasons are declared with each metric.
REASON_NOT_COVERED = "所选期间不在数据覆盖范围内（{coverage}）"
REASON_NO_WAREHOUSE_DATA = "数据仓库中还没有案件"


@dataclass(frozen=True)
class Tallies:
    """What a source hands the engine for one period: counts per key and a handling-days histogram."""

    counts: pl.DataFrame  # key (String, NULL = total or blank value) + COUNT_COLUMNS (Int64)
    handling: pl.DataFrame  # key, handling_days (Int64), n (Int64): closed in P with a 办结时间


class KpiSource(Protocol):
    """Cases under one set of filters (see kpi_source.DuckDBSource and tests/reference/kpi_frames.FrameSource)."""

    filters: Filters

    def coverage(self) -> tuple[date, date] | None:
        """First and last 受理日期 over all cases (unfiltered), or None when there are none."""
        ...

    def tallies(self, period: Period, by: str | None = None) -> Tallies: ...

    def volumes(self, period: Period, dimensions: Sequence[str]) -> dict[str, pl.DataFrame]:
        """Volume of P by each dimension: {dim: frame(key, volume)}."""
        ...

    def customer_base_rows(self, period: Period) -> pl.DataFrame:
        """Customer base rows of P's months: region_key, province, city, is_province_level, month,
        personal_customers, branches."""
        ...

    def region_groups(self) -> pl.DataFrame:
        """Region group membership: region_group, region_key."""
        ...


# ---------------------------------------------------------------------------------------------
# Metric expressions over a finished tally frame (one row per key).
# ---------------------------------------------------------------------------------------------
def _reason(*rules: tuple[pl.Expr, str]) -> pl.Expr:
    """The first rule that holds gives the reason; none holds: NULL (the metric is computed)."""
    if not rules:
        return pl.lit(None, dtype=pl.String)
    expr: Any = pl
    for condition, text in rules:
        expr = expr.when(condition).then(pl.lit(text))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def formula_expression(formula: Formula) -> pl.Expr:
    """A metric's value over a finished tally frame (one row per key)."""
    value = pl.col(formula.numerator)
    if formula.denominator is None:
        return value / formula.divisor if formula.divisor else value
    base = pl.col(formula.denominator)
    return pl.when(base > 0).then(value / (base / formula.per if formula.per else base))


def metric_expressions() -> dict[str, pl.Expr]:
    """One Polars expression per headline metric, from its registry formula."""
    return {metric_id: formula_expression(_formula(metric_id)) for metric_id in KPI_IDS}


def reason_expressions() -> dict[str, pl.Expr]:
    """Why each metric is not computable (NULL when it is); coverage is checked before these."""
    return {
        metric_id: _reason(
            *(
                (pl.col(tally).is_null() | (pl.col(tally) <= 0), text)
                for tally, text in get_metric(metric_id).unavailable
            )
        )
        for metric_id in KPI_IDS
    }


def _formula(metric_id: str) -> Formula:
    formula = get_metric(metric_id).formula
    if formula is None:
        raise ValueError(f"指标 {metric_id!r} 没有计算公式")
    return formula


def _histogram_quantile(q: float) -> pl.Expr:
    """Exact quantile with linear interpolation (as numpy/Excel PERCENTILE.INC) from (days, n) rows."""
    days = pl.col("handling_days").sort()
    cumulative = pl.col("n").sort_by("handling_days").cum_sum()
    position = (pl.col("n").sum() - 1) * q
    lower = position.floor()
    below = days.filter(cumulative > lower).first()
    above = days.filter(cumulative > lower + 1).first()
    return below + (position - lower) * (above.fill_null(below) - below)


def summarise_handling(handling: pl.DataFrame) -> pl.DataFrame:
    """Per key: handled cases, mean, median and P90 of handling days (exact, from the histogram)."""
    return handling.group_by("key").agg(
        handled=pl.col("n").sum(),
        handling_days_mean=(pl.col("handling_days") * pl.col("n")).sum() / pl.col("n").sum(),
        handling_days_median=_histogram_quantile(0.5),
        handling_days_p90=_histogram_quantile(0.9),
    )


def finish_metrics(
    tallies: Tallies,
    base: pl.DataFrame,
    covered: bool,
    not_covered_reason: str = REASON_NOT_COVERED,
    keys: Sequence[str | None] | None = None,
) -> pl.DataFrame:
    """Metrics per key from tallies and the customer base (key, customers, branches; key NULL = one
    base for every key). Columns: key, each metric id, and `<id>__reason` (NULL when computed).
    `keys` adds rows for keys without any case ([None] for the headline, the months of P)."""
    counts = tallies.counts
    if keys is not None:
        wanted = pl.DataFrame({"key": list(keys)}, schema={"key": pl.String})
        counts = wanted.join(counts, on="key", how="full", coalesce=True, nulls_equal=True)
    counts = counts.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_COLUMNS if c in counts.columns)
    counts = counts.with_columns(pl.lit(0, dtype=pl.Int64).alias(c) for c in COUNT_COLUMNS if c not in counts.columns)
    frame = counts.join(summarise_handling(tallies.handling), on="key", how="left", nulls_equal=True)
    frame = frame.with_columns(pl.col("handled").fill_null(0))
    if base.height == 1 and base["key"][0] is None:
        frame = frame.with_columns(customers=pl.lit(base["customers"][0]), branches=pl.lit(base["branches"][0]))
    else:
        frame = frame.join(base.select("key", "customers", "branches"), on="key", how="left", nulls_equal=True)
    frame = frame.with_columns(pl.col("customers", "branches").cast(pl.Float64))
    values, reasons = metric_expressions(), reason_expressions()
    if covered:
        frame = frame.with_columns(
            *(reasons[m].alias(f"{m}__reason") for m in KPI_IDS),
        ).with_columns(pl.when(pl.col(f"{m}__reason").is_null()).then(values[m]).alias(m) for m in KPI_IDS)
    else:
        frame = frame.with_columns(
            *(pl.lit(not_covered_reason).alias(f"{m}__reason") for m in KPI_IDS),
            *(pl.lit(None, dtype=pl.Float64).alias(m) for m in KPI_IDS),
        )
    # The metric `volume` replaced the tally of the same name (NULL when P is not covered).
    counts_kept = [c for c in COUNT_COLUMNS if c != "volume"]
    return frame.select("key", *KPI_IDS, *(f"{m}__reason" for m in KPI_IDS), *counts_kept, "handled")


# ---------------------------------------------------------------------------------------------
# Customer base: mean over P's months of 个人客户数 / 营业网点数, over the same regions.
# ---------------------------------------------------------------------------------------------
def compute_customer_base(
    rows: pl.DataFrame, filters: Filters, groups: pl.DataFrame, period: Period, by: str | None = None
) -> pl.DataFrame:
    """Denominators per key (NULL key: one base for all keys): key, customers, branches.

    A province-level row (city blank) is the province's total and wins over its
    cities' rows; without one the cities' rows are added up. Months without any
    row are left out of the mean.
    """
    rows = rows.filter(pl.col("month").is_in(period.months()))
    if filters.provinces:
        rows = rows.filter(pl.col("province").is_in(list(filters.provinces)))
    if filters.cities or by == "city":
        rows = rows.filter(~pl.col("is_province_level"))
    if filters.cities:
        rows = rows.filter(pl.col("city").is_in(list(filters.cities)))
    if filters.region_group:
        members = groups.filter(pl.col("region_group") == filters.region_group)["region_key"]
        rows = rows.filter(pl.col("region_key").is_in(members.implode()))
    if by == "region_group":
        rows = rows.join(groups.select("region_group", "region_key"), on="region_key").rename({"region_group": "key"})
    elif by in ("province", "city"):
        rows = rows.with_columns(key=pl.col(by))
    elif by == "month":
        rows = rows.with_columns(key=pl.col("month").dt.strftime("%Y-%m"))
    elif by == "quarter":
        rows = rows.with_columns(key=_quarter_key_expr(pl.col("month")))
    else:
        rows = rows.with_columns(key=pl.lit(None, dtype=pl.String))
    # Keep the province-level rows of a (key, province, month) when there are any, else its city rows.
    provincial = pl.col("is_province_level")
    rows = rows.filter(provincial == provincial.any().over("key", "province", "month"))
    per_month = rows.group_by("key", "month").agg(
        customers=pl.col("personal_customers").sum(), branches=_sum_or_null(pl.col("branches"))
    )
    base = per_month.group_by("key").agg(
        customers=pl.col("customers").mean().cast(pl.Float64), branches=pl.col("branches").mean().cast(pl.Float64)
    )
    if by not in (*REGION_DIMENSIONS, *TIME_DIMENSIONS):
        if base.is_empty():
            return pl.DataFrame(
                {"key": [None], "customers": [None], "branches": [None]},
                schema={"key": pl.String, "customers": pl.Float64, "branches": pl.Float64},
            )
        return base
    return base.with_columns(pl.col("key").cast(pl.String))


def _sum_or_null(values: pl.Expr) -> pl.Expr:
    return pl.when(values.is_not_null().any()).then(values.sum())


def _quarter_key_expr(day: pl.Expr) -> pl.Expr:
    return pl.format("{}Q{}", day.dt.year(), day.dt.quarter())


# ---------------------------------------------------------------------------------------------
# What a page, the CLI and an export ask for.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiFigure:
    """One metric over P with its comparisons, target and status (value None: see `reason`)."""

    metric_id: str
    value: float | None
    reason: str | None
    previous_year: float | None
    yoy: float | None
    previous_period: float | None
    pop: float | None
    target: float | None = None
    target_field: str | None = None  # which figure the target applies to: value or yoy
    status: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "previous_year": self.previous_year,
            "yoy": self.yoy,
            "previous_period": self.previous_period,
            "pop": self.pop,
            "target": self.target,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class KpiReport:
    period: Period
    previous_year: Period
    previous_period: Period
    coverage: tuple[date, date] | None
    kpis: dict[str, KpiFigure] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.as_list(),
            "previous_year": self.previous_year.as_list(),
            "previous_period": self.previous_period.as_list(),
            "kpis": {metric_id: figure.to_json() for metric_id, figure in self.kpis.items()},
        }


def is_covered(coverage: tuple[date, date] | None, period: Period) -> bool:
    """Whether the warehouse holds any data for P (its first to last 受理日期 overlap P)."""
    return coverage is not None and period.start <= coverage[1] and period.end > coverage[0]


def describe_not_covered(coverage: tuple[date, date] | None) -> str:
    if coverage is None:
        return REASON_NO_WAREHOUSE_DATA
    return REASON_NOT_COVERED.format(coverage=f"数据覆盖 {coverage[0].isoformat()} 至 {coverage[1].isoformat()}")


def resolve_period(source: KpiSource) -> Period:
    """The period the source's filters select: a preset is read against the latest 受理日期."""
    coverage = source.coverage()
    return source.filters.period(None if coverage is None else coverage[1])


def compute_period_metrics(
    source: KpiSource, period: Period, by: str | None = None, coverage: tuple[date, date] | None = None
) -> pl.DataFrame:
    """Every headline metric of P, one row per key of `by` (one row with key NULL when `by` is None)."""
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"不能按 {by!r} 分组；可用的维度：{'、'.join(DIMENSIONS)}")
    coverage = coverage if coverage is not None else source.coverage()
    covered = is_covered(coverage, period)
    tallies = source.tallies(period, by)
    base = compute_customer_base(source.customer_base_rows(period), source.filters, source.region_groups(), period, by)
    # The headline always has its one row; months/quarters of P are listed even without a case.
    keys: list[str | None] | None = [None] if by is None else None
    if by in TIME_DIMENSIONS:
        keys = _time_keys(period, by, coverage)
    return finish_metrics(tallies, base, covered, describe_not_covered(coverage), keys)


def _time_keys(period: Period, by: str | None, coverage: tuple[date, date] | None) -> list[str | None]:
    """Every month (quarter) of P that the data covers, so a chart shows a month with no case as 0."""
    if coverage is None:
        return []
    months = [m for m in period.months() if is_covered(coverage, Period(m, _next_month(m)))]
    convert = month_key if by == "month" else quarter_key
    return list(dict.fromkeys(convert(m) for m in months))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _change(current: float | None, earlier: float | None) -> float | None:
    if current is None or earlier is None or earlier == 0:
        return None
    return current / earlier - 1


def _figure_value(row: dict[str, Any], metric_id: str) -> float | None:
    value = row[metric_id]
    if value is not None and metric_id == "volume":
        return int(value)
    return value


def compute_kpis(source: KpiSource, period: Period) -> KpiReport:
    """The headline: every metric of P with 同比 (P − 1 year) and 环比 (the period before), target, status."""
    coverage = source.coverage()
    earlier_year, earlier = previous_year(period), previous_period(period)
    rows = {
        name: compute_period_metrics(source, p, coverage=coverage).row(0, named=True)
        for name, p in (("current", period), ("previous_year", earlier_year), ("previous_period", earlier))
    }
    figures: dict[str, KpiFigure] = {}
    for metric_id in KPI_IDS:
        value = _figure_value(rows["current"], metric_id)
        last_year = _figure_value(rows["previous_year"], metric_id)
        before = _figure_value(rows["previous_period"], metric_id)
        yoy, pop = _change(value, last_year), _change(value, before)
        target = target_for(metric_id)
        figure_for_status = {"value": value, "yoy": yoy, "pop": pop}.get(target.field) if target else None
        figures[metric_id] = KpiFigure(
            metric_id=metric_id,
            value=value,
            reason=rows["current"][f"{metric_id}__reason"],
            previous_year=last_year,
            yoy=yoy,
            previous_period=before,
            pop=pop,
            target=target.target if target else None,
            target_field=target.field if target else None,
            status=status_of(metric_id, figure_for_status, target),
        )
    return KpiReport(period, earlier_year, earlier, coverage, figures)


def compute_breakdown(source: KpiSource, period: Period, by: str) -> pl.DataFrame:
    """Every metric of P per key of `by`: months/quarters in order, other keys by volume (largest first)."""
    frame = compute_period_metrics(source, period, by)
    if by in TIME_DIMENSIONS:
        return frame.sort("key")
    if by == "risk_level":
        order = {level: index for index, level in enumerate(RISK_LEVELS)}
        return frame.sort(pl.col("key").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    return frame.sort(["volume", "key"], descending=[True, False], nulls_last=True)


def compute_mix(
    source: KpiSource, period: Period, dimensions: Sequence[str] = MIX_DIMENSIONS
) -> dict[str, pl.DataFrame]:
    """Share of volume(P) by channel, business line, product, issue: {dim: frame(key, volume, share)}."""
    for dimension in dimensions:
        if dimension not in DIMENSIONS or dimension in TIME_DIMENSIONS or dimension == "region_group":
            raise ValueError(f"不能计算 {dimension!r} 的结构占比")
    mixes: dict[str, pl.DataFrame] = {}
    for dimension, frame in source.volumes(period, dimensions).items():
        total = frame["volume"].sum()
        mixes[dimension] = frame.with_columns(
            share=(pl.col("volume") / total) if total else pl.lit(None, dtype=pl.Float64)
        ).sort(["volume", "key"], descending=[True, False], nulls_last=True)
    return mixes


def breakdown_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """JSON rows of a breakdown: key, each metric, and `reasons` for the metrics that are "—"."""
    rows: list[dict[str, Any]] = []
    for record in frame.iter_rows(named=True):
        row: dict[str, Any] = {"key": record["key"]}
        reasons: dict[str, str] = {}
        for metric_id in KPI_IDS:
            row[metric_id] = _figure_value(record, metric_id)
            if record[f"{metric_id}__reason"] is not None:
                reasons[metric_id] = record[f"{metric_id}__reason"]
        if reasons:
            row["reasons"] = reasons
        rows.append(row)
    return rows


def build_kpis_json(
    report: KpiReport,
    by: str | None = None,
    breakdown: pl.DataFrame | None = None,
    mixes: dict[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """The `python -m dashboard kpis --json` object (ARCHITECTURE.md): rates as fractions."""
    payload = report.to_json()
    payload["by"] = None if by is None or breakdown is None else {"dim": by, "rows": breakdown_rows(breakdown)}
    if mixes is not None:
        payload["mix"] = {
            dimension: frame.select("key", "volume", "share").to_dicts() for dimension, frame in mixes.items()
        }
    return payload
