"""Where the KPI engine's tallies come from: the warehouse (DuckDB).

`DuckDBSource` pushes the filters (as SQL parameters) and the aggregation down
into DuckDB: per call it returns a few rows per breakdown key, never the case
table. The independent Polars formulation over hand-built case frames
(`FrameSource`) lives in tests/reference/kpi_frames.py; the parity tests check
that both agree on the same cases. See dashboard/engine/kpis.py for the meaning
of every tally column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from dashboard.engine.filters import Filters
from dashboard.engine.kpis import COUNT_COLUMNS, DIMENSIONS, Tallies
from dashboard.engine.periods import Period
from warehouse.aggregates import built_cubes, choose_cube, cube_spec, has_aggregates, tally_select

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


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"不能按 {by!r} 分组；可用的维度：{'、'.join(DIMENSIONS)}")


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
        self._cubes: dict[str, tuple[frozenset[str], ...]] | None = None  # kind -> cubes; {} without agg_*
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

    def available_cubes(self, kind: str) -> Sequence[frozenset[str]]:
        """The cubes this warehouse holds for `kind` ("tally": all four agg_* tables, "volume": agg_received)."""
        if self._cubes is None:
            self._cubes = {}
            if has_aggregates(self.con):
                tallies, volumes = built_cubes(self.con)
                self._cubes = {"tally": tallies, "volume": volumes}
        return self._cubes.get(kind, ())

    def _cube(self, by: str | None, kind: str) -> int | None:
        """The agg_* cube that answers these filters broken down by `by`, or None (read fct_complaint)."""
        if not self.use_aggregates:
            return None
        cubes = self.available_cubes(kind)
        if not cubes:
            return None
        needed = self.filters.case_columns()
        if by == "risk_level":
            needed.add("risk_level")
        elif by in _DIMENSION_SQL:
            needed.add(_DIMENSION_SQL[by][0].removeprefix("f."))
        return choose_cube(needed, cubes)

    def tallies(self, period: Period, by: str | None = None) -> Tallies:
        _check_dimension(by)
        cube = self._cube(by, "tally")
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
            cube = self._cube(dimension, "volume")
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
