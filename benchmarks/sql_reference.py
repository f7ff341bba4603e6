"""The cockpit's headline KPIs as one plain DuckDB query: what a competent analyst writes on v_complaint.

The benchmark's second baseline (issue 9). One query answers P, P one year earlier
and the period before: the three periods are a VALUES list joined to the filtered
cases, each metric a FILTERed count over the case flags of the marts, the customer
base an average over the months of v_customer_base. Filters come from
`Filters.to_sql_where` (values as parameters). Definitions: ../shared/METRICS.md.
"""

from __future__ import annotations

from typing import Any

import duckdb

from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period, previous_period, previous_year

Figures = dict[str, dict[str, float | None]]

PERIOD_NAMES = ("current", "previous_year", "previous_period")

KPI_SQL = """
WITH periods (name, p_start, p_end) AS (
    VALUES ('current', $s0::DATE, $e0::DATE),
           ('previous_year', $s1::DATE, $e1::DATE),
           ('previous_period', $s2::DATE, $e2::DATE)
),
coverage AS (  -- over all cases: a period outside the data has no figures at all
    SELECT min(received_date) AS first_day, max(received_date) AS last_day FROM v_complaint
),
cases AS (
    SELECT received_date, closed_date, is_closed, due_date, is_on_time, handling_days, has_complainant,
           is_repeat, is_resolved_first_time, coalesce(is_regulator_referred, FALSE) AS referred,
           trim(satisfaction) AS satisfaction, mediation, litigation_source,
           compensation_yuan::DOUBLE AS compensation, amount_disputed_yuan::DOUBLE AS disputed, is_advance_payment
    FROM v_complaint AS c
    WHERE {where}
),
received AS (
    SELECT p.name, count(*) AS volume,
           count(*) FILTER (WHERE c.has_complainant) AS identified,
           count(*) FILTER (WHERE c.has_complainant AND c.is_repeat) AS repeats
    FROM periods AS p
    JOIN cases AS c ON c.received_date >= p.p_start AND c.received_date < p.p_end
    GROUP BY p.name
),
closed AS (  -- closed in P; a case 已办结 without 办结时间 counts where it was received
    SELECT p.name,
           count(c.is_resolved_first_time) AS rft_known,
           count(*) FILTER (WHERE c.is_resolved_first_time) AS rft_yes,
           count(c.is_on_time) AS on_time_closed,
           count(*) FILTER (WHERE c.is_on_time) AS on_time_yes,
           count(c.is_on_time) FILTER (WHERE c.referred) AS referred_closed,
           count(*) FILTER (WHERE c.is_on_time AND c.referred) AS referred_yes,
           count(*) FILTER (WHERE c.satisfaction NOT IN ('未回访', '')) AS surveyed,
           count(*) FILTER (WHERE c.satisfaction IN ('满意', '基本满意')) AS satisfied,
           avg(c.handling_days) FILTER (WHERE c.closed_date IS NOT NULL) AS handling_mean,
           quantile_cont(c.handling_days::DOUBLE, 0.5) FILTER (WHERE c.closed_date IS NOT NULL) AS handling_median,
           quantile_cont(c.handling_days::DOUBLE, 0.9) FILTER (WHERE c.closed_date IS NOT NULL) AS handling_p90,
           count(*) AS closed_cases,
           count(*) FILTER (WHERE c.mediation = '调解成功') AS mediation_won,
           count(*) FILTER (WHERE c.mediation IN ('调解成功', '调解失败')) AS mediation_tried,
           count(c.litigation_source) AS litigation_stated,
           count(*) FILTER (WHERE c.litigation_source) AS litigation_yes,
           sum(c.compensation) AS compensation,
           sum(c.compensation) FILTER (WHERE c.compensation > 0 AND c.disputed > 0) AS paid_amount,
           sum(c.disputed) FILTER (WHERE c.compensation > 0 AND c.disputed > 0) AS paid_disputed,
           count(c.is_advance_payment) AS advance_stated,
           count(*) FILTER (WHERE c.is_advance_payment) AS advance_yes
    FROM periods AS p
    JOIN cases AS c ON c.is_closed
        AND coalesce(c.closed_date, c.received_date) >= p.p_start
        AND coalesce(c.closed_date, c.received_date) < p.p_end
    GROUP BY p.name
),
overdue AS (  -- due in P and still open at its end: due, and not on time
    SELECT p.name, count(*) AS open_due, count(*) FILTER (WHERE c.referred) AS referred_open_due
    FROM periods AS p
    JOIN cases AS c ON c.due_date >= p.p_start AND c.due_date < p.p_end AND c.received_date < p.p_end
        AND (NOT c.is_closed OR c.closed_date >= p.p_end)
    GROUP BY p.name
),
base_rows AS (  -- the months P touches, over the regions selected
    SELECT p.name, b.month, b.province, b.is_province_level, b.personal_customers, b.branches
    FROM periods AS p
    JOIN v_customer_base AS b ON b.month >= date_trunc('month', p.p_start) AND b.month < p.p_end
    WHERE {base_where}
),
base_kept AS (  -- a province-level row is the province's total and wins over its cities' rows
    SELECT * FROM base_rows
    QUALIFY is_province_level = bool_or(is_province_level) OVER (PARTITION BY name, month, province)
),
base_months AS (
    SELECT name, month, coalesce(sum(personal_customers), 0) AS customers, sum(branches) AS branches
    FROM base_kept
    GROUP BY name, month
),
base AS (
    SELECT name, avg(customers) AS customers, avg(branches) AS branches FROM base_months GROUP BY name
),
tallies AS (
    SELECT p.name,
           v.first_day <= p.p_end - 1 AND v.last_day >= p.p_start AS covered,
           coalesce(r.volume, 0) AS volume, r.identified, r.repeats,
           k.rft_known, k.rft_yes, k.surveyed, k.satisfied,
           coalesce(k.on_time_yes, 0) AS on_time_yes, coalesce(k.referred_yes, 0) AS referred_yes,
           k.handling_mean, k.handling_median, k.handling_p90,
           k.closed_cases, k.mediation_won, k.mediation_tried, k.litigation_stated, k.litigation_yes,
           k.compensation, k.paid_amount, k.paid_disputed, k.advance_stated, k.advance_yes,
           coalesce(k.on_time_closed, 0) + coalesce(o.open_due, 0) AS due,
           coalesce(k.referred_closed, 0) + coalesce(o.referred_open_due, 0) AS referred_due,
           b.customers, b.branches
    FROM periods AS p
    CROSS JOIN coverage AS v
    LEFT JOIN received AS r USING (name)
    LEFT JOIN closed AS k USING (name)
    LEFT JOIN overdue AS o USING (name)
    LEFT JOIN base AS b USING (name)
)
SELECT name,
       volume,
       repeats / nullif(identified, 0) AS repeat_rate,
       rft_yes / nullif(rft_known, 0) AS one_time_resolution_rate,
       volume / (CASE WHEN customers > 0 THEN customers END / 1000000) AS per_million_customers,
       volume / (CASE WHEN customers > 0 THEN customers END / 10000000) AS per_10m_customers,
       volume / (CASE WHEN branches > 0 THEN branches END / 1000) AS per_1000_branches,
       on_time_yes / nullif(due, 0) AS on_time_rate,
       referred_yes / nullif(referred_due, 0) AS referred_on_time_rate,
       handling_mean AS handling_days_mean,
       handling_median AS handling_days_median,
       handling_p90 AS handling_days_p90,
       satisfied / nullif(surveyed, 0) AS satisfaction_rate,
       mediation_won / nullif(mediation_tried, 0) AS mediation_success_rate,
       CASE WHEN litigation_stated > 0 THEN litigation_yes / closed_cases END AS litigation_rate,
       compensation AS compensation_yuan,
       paid_amount / nullif(paid_disputed, 0) AS payout_ratio,
       CASE WHEN advance_stated > 0 THEN advance_yes END AS advance_payment_count
FROM tallies
WHERE covered
"""


def compute_sql_kpis(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> Figures:
    """{"current" | "previous_year" | "previous_period": {metric_id: value or None}}."""
    where, params = filters.to_sql_where("c")
    base_where, base_params = base_condition(filters)
    params = {**params, **base_params}
    for index, p in enumerate((period, previous_year(period), previous_period(period))):
        params[f"s{index}"], params[f"e{index}"] = p.start, p.end
    sql = KPI_SQL.format(where=where, base_where=base_where)
    result = con.sql(sql, params={k: v for k, v in params.items() if f"${k}" in sql})
    columns = result.columns
    rows = {row[0]: dict(zip(columns[1:], row[1:], strict=True)) for row in result.fetchall()}
    metrics = columns[1:]
    # A period the data does not cover has no row: every figure is None.
    return {name: rows.get(name, dict.fromkeys(metrics)) for name in PERIOD_NAMES}


def base_condition(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The region filters on v_customer_base rows (alias b); other filters keep the bank's whole base."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.provinces:
        clauses.append(f"b.province IN ({in_list(params, 'bp', filters.provinces)})")
    if filters.cities:
        # City rows only: a province-level row would count the province's other cities.
        clauses.append(f"NOT b.is_province_level AND b.city IN ({in_list(params, 'bc', filters.cities)})")
    if filters.region_group:
        params["bg"] = filters.region_group
        clauses.append("b.region_key IN (SELECT region_key FROM dim_region_group WHERE region_group = $bg)")
    return " AND ".join(clauses) or "TRUE", params


def in_list(params: dict[str, Any], prefix: str, values: tuple[str, ...]) -> str:
    for index, value in enumerate(values):
        params[f"{prefix}{index}"] = value
    return ", ".join(f"${prefix}{index}" for index in range(len(values)))
