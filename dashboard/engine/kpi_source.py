"""Where the KPI engine's tallies come from: the warehouse (DuckDB) or a Polars frame.

`DuckDBSource` pushes the filters (as SQL parameters) and the aggregation down
into DuckDB: per call it returns a few rows per breakdown key, never the case
table. `FrameSource` computes the same tallies over a Polars frame with the
columns of v_complaint (unit tests build such frames by hand; the tests check
that both sources agree on the same cases). See dashboard/engine/kpis.py for the
meaning of every tally column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.kpis import COUNT_COLUMNS, DIMENSIONS, NOT_SURVEYED_VALUES, SATISFIED_VALUES, Tallies
from dashboard.engine.periods import Period
from warehouse import store
from warehouse.aggregates import (
    TALLY_CUBES,
    VOLUME_CUBES,
    build_aggregates,
    choose_cube,
    cube_spec,
    has_aggregates,
    tally_select,
)
from warehouse.risk_settings import write_risk_settings

# ---------------------------------------------------------------------------------------------
# The columns of v_complaint that the engine reads (docs/design.md "Star schema").
# ---------------------------------------------------------------------------------------------
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
BASE_SCHEMA: dict[str, pl.DataType] = {
    "region_key": pl.Int64(),
    "province": pl.String(),
    "city": pl.String(),
    "is_province_level": pl.Boolean(),
    "month": pl.Date(),
    "personal_customers": pl.Int64(),
    "branches": pl.Int64(),
}
GROUP_SCHEMA: dict[str, pl.DataType] = {"region_group": pl.String(), "region_key": pl.Int64()}


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


# ---------------------------------------------------------------------------------------------
# Polars: the reference implementation over a case frame.
# ---------------------------------------------------------------------------------------------
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
                **_outcome_tallies(),
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


# ---------------------------------------------------------------------------------------------
# DuckDB: the same tallies as GROUP BY queries over v_complaint.
# ---------------------------------------------------------------------------------------------
def risk_level_sql(alias: str = "f") -> tuple[str, dict[str, object]]:
    """风险等级 (高/中/低) of a case row of fct_complaint, and its (no) parameters.

    The score is defined once, in warehouse/sql/marts/23_fct_case_risk.sql (fct_case_risk, from the points
    table in settings.toml [risk]); fct_complaint carries a copy of its risk_level.
    """
    return f"{alias}.risk_level", {}


# Breakdown dimension -> (case column of fct_complaint, join from the aggregated key `s.k`, name).
# Aggregating by the integer key first and naming the few result rows afterwards keeps the
# scan free of joins (the wide view's six joins cost ~30x the scan itself).
_DIMENSION_SQL: dict[str, tuple[str, str, str]] = {
    "channel": ("f.channel_key", "LEFT JOIN dim_channel AS d ON d.channel_key = s.k", "d.channel"),
    "business_line": ("f.product_key", "LEFT JOIN dim_product AS d ON d.product_key = s.k", "d.business_line"),
    "product": ("f.product_key", "LEFT JOIN dim_product AS d ON d.product_key = s.k", "d.product"),
    "issue": ("f.issue_key", "LEFT JOIN dim_issue AS d ON d.issue_key = s.k", "d.issue"),
    "province": ("f.region_key", "LEFT JOIN dim_region AS d ON d.region_key = s.k", "d.province"),
    "city": ("f.region_key", "LEFT JOIN dim_region AS d ON d.region_key = s.k", "d.city"),
    "department": ("f.department_key", "LEFT JOIN dim_department AS d ON d.department_key = s.k", "d.department"),
    "branch": ("f.branch_key", "LEFT JOIN dim_branch AS d ON d.branch_key = s.k", "d.branch"),
    # A case counts in every group its region belongs to (inner join: other regions drop out).
    "region_group": ("f.region_key", "JOIN dim_region_group AS d ON d.region_key = s.k", "d.region_group"),
}


def _outcome_tallies() -> dict[str, pl.Expr]:
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


# The tallies anchored on the 办结 day (agg_closed's count columns).
class DuckDBSource:
    """Tallies computed inside the warehouse: filters become parameters, aggregation a GROUP BY.

    `con` is a read-only connection (or cursor) on one warehouse version. It reads the
    pre-aggregated agg_* cubes (warehouse/aggregates.py) when one holds every column the
    filters and the breakdown touch, else fct_complaint with its dimension tables (the
    columns v_complaint is made of); and v_customer_base and dim_region_group.
    `use_aggregates=False` always reads fct_complaint (tests compare both; benchmarks time both).
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, filters: Filters | None = None, use_aggregates: bool = True
    ) -> None:
        self.con = con
        self.filters = filters or Filters()
        self.use_aggregates = use_aggregates
        self._has_aggregates: bool | None = None
        self._has_risk_level: bool | None = None
        self._coverage: tuple[tuple[date, date] | None] | None = None  # memo: one snapshot per source
        self._groups: pl.DataFrame | None = None
        self._base: pl.DataFrame | None = None

    def _query(self, sql: str, params: dict[str, object]) -> pl.DataFrame:
        used = {name: value for name, value in params.items() if f"${name}" in sql}
        return self.con.sql(sql, params=used).pl()

    def coverage(self) -> tuple[date, date] | None:
        if self._coverage is None:
            sql = "SELECT min(received_date), max(received_date) FROM fct_complaint"
            first, last = self.con.sql(sql).fetchall()[0]
            self._coverage = (None if first is None else (first, last),)
        return self._coverage[0]

    def _risk_level(self) -> tuple[str, dict[str, object]]:
        if self._has_risk_level is None:
            columns = self.con.sql(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'fct_complaint'"
            ).fetchall()
            self._has_risk_level = ("risk_level",) in columns
        if not self._has_risk_level:
            raise ValueError(
                "数据仓库中还没有风险评分（fct_case_risk）：请先运行 python -m warehouse rebuild 重建数据集市。"
            )
        return risk_level_sql("f")

    def _raw_key(self, by: str | None, day_sql: str) -> tuple[str, dict[str, object]]:
        """The grouping expression on a case row (a dimension key, a date bucket or a level)."""
        if by is None:
            return "NULL::INTEGER", {}
        if by == "month":
            return f"strftime({day_sql}, '%Y-%m')", {}
        if by == "quarter":
            return f"(year({day_sql})::VARCHAR || 'Q' || quarter({day_sql})::VARCHAR)", {}
        if by == "risk_level":
            return self._risk_level()
        return _DIMENSION_SQL[by][0], {}

    @staticmethod
    def _naming(by: str | None) -> tuple[str, str]:
        """(join, name expression) that turn the aggregated raw key `s.k` into the key shown."""
        if by in _DIMENSION_SQL:
            _column, join, name = _DIMENSION_SQL[by]
            return join, name
        return "", "s.k"

    @staticmethod
    def _sub_end(by: str | None, day_sql: str) -> str:
        if by in ("month", "quarter"):
            unit, months = ("month", 1) if by == "month" else ("quarter", 3)
            return f"least((date_trunc('{unit}', {day_sql}) + INTERVAL {months} MONTH)::DATE, $p_end)"
        return "$p_end"

    def _cube(self, by: str | None, cubes: Sequence[frozenset[str]]) -> int | None:
        """The agg_* cube that answers these filters broken down by `by`, or None (read fct_complaint)."""
        if not self.use_aggregates:
            return None
        if self._has_aggregates is None:
            self._has_aggregates = has_aggregates(self.con)
        if not self._has_aggregates:
            return None
        needed = self.filters.case_columns()
        if by == "risk_level":
            needed.add("risk_level")
        elif by in _DIMENSION_SQL:
            needed.add(_DIMENSION_SQL[by][0].removeprefix("f."))
        return choose_cube(needed, cubes)

    def tallies(self, period: Period, by: str | None = None) -> Tallies:
        _check_dimension(by)
        cube = self._cube(by, TALLY_CUBES)
        if cube is not None:
            return self._tallies_from_cube(period, by, cube)
        where, params = self.filters.to_sql_where("f")
        params = {
            **params,
            "p_start": period.start,
            "p_end": period.end,
        }
        # Closed in P: by closed_on (办结日期; a case 已办结 without 办结时间 counts where it was received).
        closed_on = "f.closed_on"
        closed_in_p = "f.closed_on >= $p_start AND f.closed_on < $p_end"
        key_received, p1 = self._raw_key(by, "f.received_date")
        key_closed, p2 = self._raw_key(by, closed_on)
        key_due, p3 = self._raw_key(by, "f.due_date")
        key_handled, p4 = self._raw_key(by, "f.closed_date")
        params.update({**p1, **p2, **p3, **p4})
        join, name = self._naming(by)
        sub_end = self._sub_end(by, "f.due_date")
        sums = ", ".join(f"coalesce(sum(s.{c}), 0)::BIGINT AS {c}" for c in COUNT_COLUMNS)
        sql = f"""
            SELECT {name}::VARCHAR AS key, {sums} FROM (
                SELECT {key_received} AS k, {tally_select("agg_received")}
                FROM fct_complaint AS f
                WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end
                GROUP BY ALL
                UNION ALL BY NAME
                SELECT {key_closed} AS k, {tally_select("agg_closed")}
                FROM fct_complaint AS f
                WHERE ({where}) AND {closed_in_p}
                GROUP BY ALL
                UNION ALL BY NAME
                SELECT {key_due} AS k, count(*) AS on_time_due,
                    count(*) FILTER (WHERE f.is_regulator_referred) AS referred_due
                FROM fct_complaint AS f
                WHERE ({where}) AND f.due_date >= $p_start AND f.due_date < $p_end
                    AND f.received_date < {sub_end}
                    AND (NOT f.is_closed OR f.closed_date >= {sub_end})
                GROUP BY ALL
            ) AS s {join}
            GROUP BY 1
        """
        counts = self._query(sql, params)
        histogram_sql = f"""
            SELECT {name}::VARCHAR AS key, s.handling_days, sum(s.n)::BIGINT AS n FROM (
                SELECT {key_handled} AS k, f.handling_days::BIGINT AS handling_days, count(*) AS n
                FROM fct_complaint AS f
                WHERE ({where}) AND f.is_closed AND f.closed_date >= $p_start AND f.closed_date < $p_end
                    AND f.handling_days IS NOT NULL
                GROUP BY ALL
            ) AS s {join}
            GROUP BY 1, 2
        """
        handling = self._query(histogram_sql, params)
        return Tallies(counts, handling)

    def _tallies_from_cube(self, period: Period, by: str | None, cube: int) -> Tallies:
        """The same tallies as the case-table query, as sums over one cube of the agg_* tables."""
        where, params = self.filters.to_sql_where("f")
        params = {**params, "p_start": period.start, "p_end": period.end, "cube": cube}
        key_received, p1 = self._raw_key(by, "f.received_date")
        key_closed, p2 = self._raw_key(by, "f.closed_on")
        key_due, p3 = self._raw_key(by, "f.due_date")
        key_handled, p4 = self._raw_key(by, "f.closed_date")
        params.update({**p1, **p2, **p3, **p4})
        join, name = self._naming(by)
        sub_end = self._sub_end(by, "f.due_date")
        in_cube = f"f.cube = $cube AND ({where})"
        received_sums = ", ".join(f"sum(f.{c}) AS {c}" for c in cube_spec("agg_received").tally_names)
        closed_sums = ", ".join(f"sum(f.{c}) AS {c}" for c in cube_spec("agg_closed").tally_names)
        sums = ", ".join(f"coalesce(sum(s.{c}), 0)::BIGINT AS {c}" for c in COUNT_COLUMNS)
        sql = f"""
            SELECT {name}::VARCHAR AS key, {sums} FROM (
                SELECT {key_received} AS k, {received_sums}
                FROM agg_received AS f
                WHERE {in_cube} AND f.received_date >= $p_start AND f.received_date < $p_end
                GROUP BY ALL
                UNION ALL BY NAME
                SELECT {key_closed} AS k, {closed_sums}
                FROM agg_closed AS f
                WHERE {in_cube} AND f.closed_on >= $p_start AND f.closed_on < $p_end
                GROUP BY ALL
                UNION ALL BY NAME
                SELECT {key_due} AS k, sum(f.n) AS on_time_due, sum(f.n_referred) AS referred_due
                FROM agg_late AS f
                WHERE {in_cube} AND f.due_date >= $p_start AND f.due_date < $p_end
                    AND (f.received_after_due IS NULL OR f.received_after_due < {sub_end})
                    AND (f.closed_date IS NULL OR f.closed_date >= {sub_end})
                GROUP BY ALL
            ) AS s {join}
            GROUP BY 1
        """
        histogram_sql = f"""
            SELECT {name}::VARCHAR AS key, s.handling_days, sum(s.n)::BIGINT AS n FROM (
                SELECT {key_handled} AS k, f.handling_days::BIGINT AS handling_days, sum(f.n) AS n
                FROM agg_handling AS f
                WHERE {in_cube} AND f.closed_date >= $p_start AND f.closed_date < $p_end
                GROUP BY ALL
            ) AS s {join}
            GROUP BY 1, 2
        """
        return Tallies(self._query(sql, params), self._query(histogram_sql, params))

    def volumes(self, period: Period, dimensions: Sequence[str]) -> dict[str, pl.DataFrame]:
        for dimension in dimensions:
            _check_dimension(dimension)
        if not dimensions:
            return {}
        where, params = self.filters.to_sql_where("f")
        params = {**params, "p_start": period.start, "p_end": period.end}
        selects = []
        for index, dimension in enumerate(dimensions):
            raw, extra = self._raw_key(dimension, "f.received_date")
            join, name = self._naming(dimension)
            params.update(extra)
            params[f"dim_{index}"] = dimension
            cube = self._cube(dimension, VOLUME_CUBES)
            if cube is None:
                counted = f"count(*) AS volume FROM fct_complaint AS f WHERE ({where})"
            else:
                params[f"cube_{index}"] = cube
                counted = f"sum(f.volume) AS volume FROM agg_received AS f WHERE f.cube = $cube_{index} AND ({where})"
            selects.append(
                f"SELECT $dim_{index} AS dimension, {name}::VARCHAR AS key, sum(s.volume)::BIGINT AS volume FROM ("
                f"SELECT {raw} AS k, {counted} AND f.received_date >= $p_start AND f.received_date < $p_end "
                f"GROUP BY ALL) AS s {join} GROUP BY ALL"
            )
        frame = self._query(" UNION ALL ".join(selects), params)
        return {
            dimension: frame.filter(pl.col("dimension") == dimension).select("key", "volume")
            for dimension in dimensions
        }

    def customer_base_rows(self, period: Period) -> pl.DataFrame:
        # Read once per source: a few rows per region and month, asked for by every period of a view.
        if self._base is None:
            frame = self._query(
                "SELECT region_key::BIGINT AS region_key, province, city, is_province_level, month::DATE AS month, "
                "personal_customers::BIGINT AS personal_customers, branches::BIGINT AS branches FROM v_customer_base",
                {},
            )
            self._base = frame.cast(BASE_SCHEMA)  # type: ignore[arg-type]
        return self._base.filter(pl.col("month").is_in(period.months()))

    def region_groups(self) -> pl.DataFrame:
        if self._groups is None:
            frame = self._query("SELECT region_group, region_key::BIGINT AS region_key FROM dim_region_group", {})
            self._groups = frame.cast(GROUP_SCHEMA)  # type: ignore[arg-type]
        return self._groups


@dataclass(frozen=True)
class FilterOptions:
    """What the filter sidebar offers: values that occur in the cases, in hierarchy order."""

    cities_by_province: dict[str, list[str]] = field(default_factory=dict)  # province -> its cities
    region_groups: list[str] = field(default_factory=list)
    products_by_line: dict[str, list[str]] = field(default_factory=dict)  # business line -> products
    issues: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)  # the settings' known channels first
    departments: list[str] = field(default_factory=list)
    vulnerable_groups: list[str] = field(default_factory=list)

    @property
    def provinces(self) -> list[str]:
        return list(self.cities_by_province)

    @property
    def business_lines(self) -> list[str]:
        return list(self.products_by_line)


def list_filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """The choices of every filter, from the dimension keys that occur in fct_complaint."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return con.sql(sql).fetchall()

    cities: dict[str, list[str]] = {}
    for province, city in rows(
        "SELECT DISTINCT r.province, r.city FROM dim_region AS r "
        "WHERE r.region_key IN (SELECT DISTINCT region_key FROM fct_complaint) ORDER BY r.province, r.city"
    ):
        cities.setdefault(province, [])
        if city is not None and city not in cities[province]:
            cities[province].append(city)
    products: dict[str, list[str]] = {}
    for line, product in rows(
        "SELECT business_line, product FROM dim_product "
        "WHERE product_key IN (SELECT DISTINCT product_key FROM fct_complaint) ORDER BY business_line, product"
    ):
        products.setdefault(line, []).append(product)

    def names(table: str, column: str, order: str) -> list[str]:
        return [
            r[0]
            for r in rows(
                f"SELECT {column} FROM {table} WHERE {column}_key IN "
                f"(SELECT DISTINCT {column}_key FROM fct_complaint) ORDER BY {order}"
            )
        ]

    return FilterOptions(
        cities_by_province=cities,
        region_groups=[
            r[0] for r in rows("SELECT region_group FROM dim_region_group GROUP BY 1 ORDER BY min(group_order), 1")
        ],
        products_by_line=products,
        issues=names("dim_issue", "issue", "issue"),
        channels=names("dim_channel", "channel", "channel_key"),
        departments=names("dim_department", "department", "department"),
        vulnerable_groups=[
            r[0]
            for r in rows(
                "SELECT DISTINCT vulnerable_group FROM fct_complaint WHERE vulnerable_group IS NOT NULL ORDER BY 1"
            )
        ],
    )


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def write_star_schema(
    con: duckdb.DuckDBPyConnection,
    cases: pl.DataFrame,
    customer_base: pl.DataFrame | None = None,
    region_groups: pl.DataFrame | None = None,
) -> None:
    """Write a case frame (CASE_SCHEMA, names and region_key) as the tables DuckDBSource reads.

    For tests and benchmarks that need a small warehouse without the import pipeline:
    dim_channel/product/issue/department/region with keys, fct_complaint with the keys (and the
    risk score of warehouse/sql/marts/23_fct_case_risk.sql unless the frame has a risk_level column), v_complaint, v_customer_base and dim_region_group. The real ones come from warehouse/sql.
    """
    base = customer_base if customer_base is not None else empty_customer_base()
    groups = region_groups if region_groups is not None else empty_region_groups()
    con.register("_cases_given", cases.to_arrow())
    # A case without region_key gets one per (province, city), so region filters work on it.
    scored = "risk_level" in cases.columns  # given by the test; else scored by warehouse/sql/marts/23_fct_case_risk.sql
    case_key = "" if scored or "case_key" in cases.columns else ", row_number() OVER () AS case_key"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cases_frame AS SELECT * REPLACE (coalesce(region_key, "
        f"1000000 + dense_rank() OVER (ORDER BY province, city)) AS region_key){case_key} FROM _cases_given"
    )
    con.register("_base_frame", base.to_arrow())
    con.register("_groups_frame", groups.to_arrow())
    try:
        for name, columns in (
            ("channel", ["channel"]),
            ("issue", ["issue"]),
            ("department", ["department"]),
            ("branch", ["branch"]),
            ("product", ["business_line", "product"]),
        ):
            listed = ", ".join(columns)
            con.execute(
                f"CREATE OR REPLACE TABLE dim_{name} AS SELECT row_number() OVER (ORDER BY {listed})::INTEGER "
                f"AS {name}_key, {listed} FROM (SELECT DISTINCT {listed} FROM _cases_frame "
                f"WHERE {columns[-1]} IS NOT NULL)"
            )
        con.execute(
            "CREATE OR REPLACE TABLE dim_region AS SELECT DISTINCT region_key, province, city, "
            "city IS NULL AS is_province_level FROM (SELECT region_key, province, city FROM _cases_frame "
            "UNION SELECT region_key, province, city FROM _base_frame)"
        )
        # Unscored cases go through the marts' own risk SQL, which turns stg_complaint into fct_complaint.
        target = "fct_complaint" if scored else "stg_complaint"
        con.execute(
            f"CREATE OR REPLACE TABLE {target} AS SELECT "
            "c.* EXCLUDE (channel, business_line, product, issue, department, branch, province, city), "
            "ch.channel_key, p.product_key, i.issue_key, d.department_key, b.branch_key, "
            "CASE WHEN c.is_closed THEN coalesce(c.closed_date, c.received_date) END AS closed_on, "
            f"trim(c.satisfaction) NOT IN ({_sql_list(NOT_SURVEYED_VALUES)}) AS is_surveyed, "
            f"trim(c.satisfaction) IN ({_sql_list(SATISFIED_VALUES)}) AS is_satisfied FROM _cases_frame AS c "
            "LEFT JOIN dim_channel AS ch ON ch.channel = c.channel "
            "LEFT JOIN dim_product AS p ON p.product = c.product "
            "AND p.business_line IS NOT DISTINCT FROM c.business_line "
            "LEFT JOIN dim_issue AS i ON i.issue = c.issue "
            "LEFT JOIN dim_department AS d ON d.department = c.department "
            "LEFT JOIN dim_branch AS b ON b.branch = c.branch"
        )
        if not scored:
            write_risk_settings(con)
            for step in ("staging/22_stg_risk_hit.sql", "marts/23_fct_case_risk.sql", "marts/24_fct_complaint.sql"):
                store.run_sql_file(con, store.SQL_DIR / step)
        build_aggregates(con)
        con.execute(
            "CREATE OR REPLACE VIEW v_complaint AS SELECT f.*, ch.channel, p.business_line, p.product, i.issue, "
            "r.province, r.city, d.department, b.branch FROM fct_complaint AS f "
            "LEFT JOIN dim_channel AS ch USING (channel_key) LEFT JOIN dim_product AS p USING (product_key) "
            "LEFT JOIN dim_issue AS i USING (issue_key) LEFT JOIN dim_department AS d USING (department_key) "
            "LEFT JOIN dim_branch AS b USING (branch_key) "
            "LEFT JOIN (SELECT DISTINCT region_key, province, city FROM dim_region) AS r USING (region_key)"
        )
        con.execute("CREATE OR REPLACE TABLE v_customer_base AS SELECT * FROM _base_frame")
        order = "" if "group_order" in groups.columns else ", dense_rank() OVER (ORDER BY region_group) AS group_order"
        con.execute(f"CREATE OR REPLACE TABLE dim_region_group AS SELECT *{order} FROM _groups_frame")
    finally:
        for name in ("_cases_given", "_base_frame", "_groups_frame"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS _cases_frame")
