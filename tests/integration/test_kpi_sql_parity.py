"""Acceptance: an independent formulation in plain DuckDB SQL agrees with the KPI engine on the demo warehouse.

The SQL below is written from ../shared/METRICS.md (with the choices of
docs/design.md where it is silent) and does not use the marts' case flags:
repeats are found with a self-join over 365 days, on-time closures from
受理日期 + 办理时限天数, the customer base from v_customer_base rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_kpis, resolve_period
from dashboard.engine.periods import Period
from warehouse.settings import setting

WINDOW = int(setting("repeat", "window_days"))

# Cases in scope: `{where}` is the filter on the counted cases (c), never on the earlier cases looked up.
VOLUME_SQL = "SELECT count(*) FROM v_complaint AS c WHERE {where} AND c.received_date >= $s AND c.received_date < $e"

REPEAT_SQL = f"""
SELECT
    count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM v_complaint AS p
        WHERE p.complainant_key = c.complainant_key AND p.product = c.product AND p.issue = c.issue
          AND (p.received_at < c.received_at OR (p.received_at = c.received_at AND p.case_id < c.case_id))
          AND c.received_date - p.received_date <= {WINDOW}
    )) AS repeats,
    count(*) AS identified
FROM v_complaint AS c
WHERE {{where}} AND c.complainant_key IS NOT NULL AND c.received_date >= $s AND c.received_date < $e
"""

# Closed in P with a 办结时间, on time when 办结日期 <= 受理日期 + 时限; plus open at P's end with the due date in P.
ON_TIME_SQL = """
WITH cases AS (
    SELECT c.*, c.received_date + c.deadline_days AS due FROM v_complaint AS c WHERE {where}
)
SELECT
    count(*) FILTER (WHERE closed_date >= $s AND closed_date < $e AND closed_date <= due) AS on_time,
    count(*) FILTER (WHERE closed_date >= $s AND closed_date < $e)
      + count(*) FILTER (WHERE received_date < $e AND due >= $s AND due < $e
                         AND (NOT is_closed OR closed_date >= $e)) AS due_in_p
FROM cases
"""

# Per month: a province-level row wins over its cities; months without rows are left out of the mean.
CUSTOMERS_SQL = """
WITH rows AS (
    SELECT * FROM v_customer_base WHERE month >= $m0 AND month < $e AND {where}
), per_province AS (
    SELECT month, province,
        CASE WHEN bool_or(is_province_level)
             THEN sum(personal_customers) FILTER (WHERE is_province_level)
             ELSE sum(personal_customers) END AS customers
    FROM rows GROUP BY month, province
)
SELECT avg(total) FROM (SELECT month, sum(customers) AS total FROM per_province GROUP BY month)
"""

# Fixtures shared with the other cockpit tests (one demo warehouse per session).


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> tuple:
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.sql(sql, params=used).fetchall()[0]


def compute_by_sql(
    con: duckdb.DuckDBPyConnection, period: Period, where: str, params: dict, base_where: str
) -> dict[str, float | None]:
    """`where` filters the cases (alias c); `base_where` the customer base rows (same regions)."""
    bounds = {"s": period.start, "e": period.end, **params}
    (volume,) = fetch_row(con, VOLUME_SQL.format(where=where), bounds)
    repeats, identified = fetch_row(con, REPEAT_SQL.format(where=where), bounds)
    on_time, due = fetch_row(con, ON_TIME_SQL.format(where=where), bounds)
    month_params = {"m0": period.start.replace(day=1), "e": period.end, **params}
    (customers,) = fetch_row(con, CUSTOMERS_SQL.format(where=base_where), month_params)
    return {
        "volume": volume,
        "repeat_rate": repeats / identified if identified else None,
        "on_time_rate": on_time / due if due else None,
        "per_million_customers": volume / (customers / 1_000_000) if customers else None,
    }


def pick_busiest(con: duckdb.DuckDBPyConnection, column: str) -> str:
    return con.sql(f"SELECT {column} FROM v_complaint GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()[0][0]


@pytest.mark.parametrize("period_kind", ["default_preset", "a_quarter", "one_month"])
@pytest.mark.parametrize("filtered", ["all", "province", "channel"])
def test_sql_and_engine_agree(demo_db: Path, period_kind: str, filtered: str) -> None:
    from warehouse import store

    con = store.open_reader(str(demo_db))
    try:
        # A channel filter keeps every region, so the customer base stays the bank's whole base.
        filters, where, params, base_where = Filters(), "TRUE", {}, "TRUE"
        if filtered == "province":
            province = pick_busiest(con, "province")
            filters, where, params = Filters(provinces=(province,)), "c.province = $v", {"v": province}
            base_where = "province = $v"
        elif filtered == "channel":
            channel = pick_busiest(con, "channel")
            filters, where, params = Filters(channels=(channel,)), "c.channel = $v", {"v": channel}
        source = DuckDBSource(con, filters)
        if period_kind == "a_quarter":
            period = Period(date(2026, 4, 1), date(2026, 7, 1))
        elif period_kind == "one_month":
            period = Period(date(2025, 2, 1), date(2025, 3, 1))
        else:
            period = resolve_period(source)
        engine = compute_kpis(source, period).kpis
        expected = compute_by_sql(con, period, where, params, base_where)
    finally:
        con.close()
    assert expected["volume"] > 0, "the demo warehouse must have cases in the period tested"
    assert engine["volume"].value == expected["volume"]
    for metric_id in ("repeat_rate", "on_time_rate", "per_million_customers"):
        assert expected[metric_id] is not None, metric_id
        assert engine[metric_id].value == pytest.approx(expected[metric_id], rel=1e-12, abs=1e-12), metric_id
