"""The Polars formulation of the KPI engine's tallies, over a frame of hand-built cases.

Moved out of dashboard/engine/kpi_source.py: nothing in the product computes KPIs from a frame, so this
lives with the tests that compare it against `DuckDBSource` (tests/integration/test_kpi_parity.py and
others). `build_case_frame` builds a v_complaint-shaped frame from a few dicts; `FrameSource` tallies it the
way METRICS.md defines the KPIs; tests/reference/star_schema.py writes the same frame as the tables
`DuckDBSource` reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import BASE_SCHEMA, GROUP_SCHEMA
from dashboard.engine.kpis import COUNT_COLUMNS, DIMENSIONS, NOT_SURVEYED_VALUES, SATISFIED_VALUES, Tallies
from dashboard.engine.periods import Period

# The columns of v_complaint that the engine reads (docs/design.md "Star schema").
CASE_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.String(),
    "received_date": pl.Date(),
    "closed_date": pl.Date(),
    "is_closed": pl.Boolean(),
    "due_date": pl.Date(),
    "is_on_time": pl.Boolean(),
    "handling_days": pl.Int64(),
    "complainant_key": pl.String(),
    "has_complainant": pl.Boolean(),
    "is_repeat": pl.Boolean(),
    "prior_repeats": pl.Int64(),
    "is_resolved_first_time": pl.Boolean(),
    "is_regulator_referred": pl.Boolean(),
    "is_vulnerable": pl.Boolean(),
    "is_litigation": pl.Boolean(),
    "is_media_exposure": pl.Boolean(),
    "amount_disputed_yuan": pl.Float64(),
    "satisfaction": pl.String(),
    "litigation_source": pl.Boolean(),  # NULL: the source did not say (is_litigation reads it as FALSE)
    "mediation": pl.String(),
    "compensation_yuan": pl.Float64(),
    "is_advance_payment": pl.Boolean(),
    "channel": pl.String(),
    "business_line": pl.String(),
    "product": pl.String(),
    "issue": pl.String(),
    "province": pl.String(),
    "city": pl.String(),
    "region_key": pl.Int64(),
    "department": pl.String(),
    "branch": pl.String(),
    "vulnerable_group": pl.String(),
}


def build_case_frame(rows: Sequence[Mapping[str, Any]], default_deadline_days: int = 15) -> pl.DataFrame:
    """A v_complaint-shaped frame from a few dicts (hand-built cases for tests and examples).

    Only `received_date` is required. Left out: is_closed = has a closed_date; due_date =
    received_date + `deadline_days` (default 15); is_on_time, handling_days from the dates;
    has_complainant from complainant_key; flags FALSE. Any column given explicitly wins.
    """
    records: list[dict[str, Any]] = []
    for index, given in enumerate(rows):
        row: dict[str, Any] = {name: None for name in CASE_SCHEMA}
        row.update(
            case_id=f"C{index + 1:05d}",
            channel="电话",
            business_line="信用卡",
            product="信用卡分期",
            issue="息费争议",
            province="广东省",
            city="深圳市",
            is_repeat=False,
            prior_repeats=0,
            is_regulator_referred=False,
            is_vulnerable=False,
            is_litigation=False,
            is_media_exposure=False,
        )
        row.update({k: v for k, v in given.items() if k != "deadline_days"})
        received: date = row["received_date"]
        closed: date | None = row["closed_date"]
        if "is_closed" not in given:
            row["is_closed"] = closed is not None
        if "due_date" not in given:
            row["due_date"] = received + timedelta(days=int(given.get("deadline_days", default_deadline_days)))
        if "is_on_time" not in given and closed is not None:
            row["is_on_time"] = closed <= row["due_date"]
        if "handling_days" not in given and closed is not None:
            row["handling_days"] = (closed - received).days
        if "has_complainant" not in given:
            row["has_complainant"] = row["complainant_key"] is not None
        records.append(row)
    extra = {k: pl.String() for r in records for k in r if k not in CASE_SCHEMA}
    return pl.DataFrame(records, schema={**CASE_SCHEMA, **extra}, orient="row")


def build_customer_base(rows: Sequence[tuple[int, str, str | None, date, int, int | None]]) -> pl.DataFrame:
    """A customer base frame (BASE_SCHEMA) from (region_key, province, city, month, personal_customers, branches)
    tuples; a row without a city is the province's own total (hand-built bases for tests and examples)."""
    records = [
        {
            "region_key": key,
            "province": province,
            "city": city,
            "is_province_level": city is None,
            "month": month,
            "personal_customers": customers,
            "branches": branches,
        }
        for key, province, city, month, customers, branches in rows
    ]
    return pl.DataFrame(records, schema=BASE_SCHEMA)


def empty_customer_base() -> pl.DataFrame:
    return pl.DataFrame(schema=BASE_SCHEMA)


def empty_region_groups() -> pl.DataFrame:
    return pl.DataFrame(schema=GROUP_SCHEMA)


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"不能按 {by!r} 分组；可用的维度：{'、'.join(DIMENSIONS)}")


def outcome_tallies() -> dict[str, pl.Expr]:
    """The Polars formulation of warehouse.aggregates.outcome_tallies_sql (parity-tested against it)."""
    mediation, compensation = pl.col("mediation"), pl.col("compensation_yuan")
    fen = (compensation * 100).round(0)
    paid = (compensation > 0) & (pl.col("amount_disputed_yuan") > 0)
    return {
        "mediated": mediation.is_in(["调解成功", "调解失败"]).sum(),
        "mediation_success": (mediation == "调解成功").sum(),
        "litigation_known": pl.col("litigation_source").is_not_null().sum(),
        "litigated": pl.col("litigation_source").fill_null(False).sum(),
        "compensation_known": compensation.is_not_null().sum(),
        "compensation_fen": fen.sum(),
        "paid_compensation_fen": fen.filter(paid).sum(),
        "paid_disputed_fen": (pl.col("amount_disputed_yuan") * 100).round(0).filter(paid).sum(),
        "advance_known": pl.col("is_advance_payment").is_not_null().sum(),
        "advance_paid": pl.col("is_advance_payment").fill_null(False).sum(),
    }


class FrameSource:
    """Tallies over a Polars frame of cases (columns: CASE_SCHEMA; `risk_level` for that breakdown)."""

    def __init__(
        self,
        cases: pl.DataFrame,
        filters: Filters | None = None,
        customer_base: pl.DataFrame | None = None,
        region_groups: pl.DataFrame | None = None,
    ) -> None:
        self.cases = cases
        self.filters = filters or Filters()
        self._base = customer_base if customer_base is not None else empty_customer_base()
        self._groups = region_groups if region_groups is not None else empty_region_groups()

    def coverage(self) -> tuple[date, date] | None:
        if self.cases.is_empty():
            return None
        return self.cases["received_date"].min(), self.cases["received_date"].max()  # type: ignore[return-value]

    def _filtered(self) -> pl.LazyFrame:
        frame = self.cases.lazy().filter(self.filters.to_polars_expr())
        if self.filters.region_group:
            members = self._groups.filter(pl.col("region_group") == self.filters.region_group)
            frame = frame.join(members.lazy().select("region_key"), on="region_key", how="semi")
        return frame

    def _keyed(self, by: str | None) -> pl.LazyFrame:
        frame = self._filtered()
        if by == "region_group":
            return frame.join(self._groups.lazy().select("region_group", "region_key"), on="region_key").with_columns(
                _group=pl.col("region_group")
            )
        return frame

    @staticmethod
    def _key(by: str | None, day: pl.Expr) -> pl.Expr:
        if by is None:
            return pl.lit(None, dtype=pl.String).alias("key")
        if by == "month":
            return day.dt.strftime("%Y-%m").alias("key")
        if by == "quarter":
            return pl.format("{}Q{}", day.dt.year(), day.dt.quarter()).alias("key")
        if by == "region_group":
            return pl.col("_group").cast(pl.String).alias("key")
        return pl.col(by).cast(pl.String).alias("key")

    @staticmethod
    def _sub_end(by: str | None, day: pl.Expr, end: date) -> pl.Expr:
        """End of the key's sub-period: the month (quarter) ∩ P for time keys, else the end of P."""
        if by == "month":
            return pl.min_horizontal(day.dt.month_start().dt.offset_by("1mo"), pl.lit(end))
        if by == "quarter":
            return pl.min_horizontal(day.dt.truncate("1q").dt.offset_by("3mo"), pl.lit(end))
        return pl.lit(end)

    def tallies(self, period: Period, by: str | None = None) -> Tallies:
        _check_dimension(by)
        frame = self._keyed(by)
        start, end = pl.lit(period.start), pl.lit(period.end)
        on_time, referred = pl.col("is_on_time"), pl.col("is_regulator_referred").fill_null(False)
        satisfaction = pl.col("satisfaction").str.strip_chars()
        received = (
            frame.filter((pl.col("received_date") >= start) & (pl.col("received_date") < end))
            .group_by(self._key(by, pl.col("received_date")))
            .agg(
                volume=pl.len(),
                identified=pl.col("has_complainant").sum(),
                repeats=(pl.col("has_complainant") & pl.col("is_repeat").fill_null(False)).sum(),
            )
        )
        closed_on = pl.when(pl.col("is_closed")).then(pl.coalesce("closed_date", "received_date"))
        closed = (
            frame.with_columns(_closed_on=closed_on)
            .filter((pl.col("_closed_on") >= start) & (pl.col("_closed_on") < end))
            .group_by(self._key(by, pl.col("_closed_on")))
            .agg(
                closed=pl.len(),
                rft_known=pl.col("is_resolved_first_time").is_not_null().sum(),
                rft_yes=pl.col("is_resolved_first_time").fill_null(False).sum(),
                on_time_due=on_time.is_not_null().sum(),
                on_time_yes=on_time.fill_null(False).sum(),
                referred_due=(on_time.is_not_null() & referred).sum(),
                referred_yes=(on_time.fill_null(False) & referred).sum(),
                surveyed=(satisfaction.is_not_null() & ~satisfaction.is_in(list(NOT_SURVEYED_VALUES))).sum(),
                satisfied=satisfaction.is_in(list(SATISFIED_VALUES)).sum(),
                **outcome_tallies(),
            )
        )
        sub_end = self._sub_end(by, pl.col("due_date"), period.end)
        overdue = (
            frame.with_columns(_sub_end=sub_end)
            .filter(
                (pl.col("due_date") >= start)
                & (pl.col("due_date") < end)
                & (pl.col("received_date") < pl.col("_sub_end"))
                & (~pl.col("is_closed") | (pl.col("closed_date") >= pl.col("_sub_end")))
            )
            .group_by(self._key(by, pl.col("due_date")))
            .agg(on_time_due=pl.len(), referred_due=referred.sum())
        )
        parts = pl.concat([received, closed, overdue], how="diagonal_relaxed")
        counts = parts.group_by("key").agg(pl.col(c).sum().cast(pl.Int64) for c in COUNT_COLUMNS).collect()
        handling = (
            frame.filter(
                pl.col("is_closed")
                & (pl.col("closed_date") >= start)
                & (pl.col("closed_date") < end)
                & pl.col("handling_days").is_not_null()
            )
            .group_by(self._key(by, pl.col("closed_date")), pl.col("handling_days").cast(pl.Int64))
            .agg(n=pl.len().cast(pl.Int64))
            .collect()
        )
        return Tallies(counts, handling)

    def volumes(self, period: Period, dimensions: Sequence[str]) -> dict[str, pl.DataFrame]:
        frame = self._filtered().filter(
            (pl.col("received_date") >= period.start) & (pl.col("received_date") < period.end)
        )
        return {
            dimension: frame.group_by(pl.col(dimension).cast(pl.String).alias("key"))
            .agg(volume=pl.len().cast(pl.Int64))
            .collect()
            for dimension in dimensions
        }

    def customer_base_rows(self, period: Period) -> pl.DataFrame:
        return self._base.filter(pl.col("month").is_in(period.months()))

    def region_groups(self) -> pl.DataFrame:
        return self._groups
