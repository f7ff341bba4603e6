"""The cockpit's headline KPIs computed the way a typical pandas dashboard does: read, mask, group by.

This is the baseline of the benchmark (issue 9), not part of the cockpit. Per view it
reads the case columns of v_complaint into a DataFrame, applies the filters as boolean
masks and computes the 12 headline metrics of ../shared/METRICS.md for P, P one year
earlier and the period before, using the case flags the marts provide (is_repeat,
is_resolved_first_time, due_date, is_on_time, handling_days). It is written on its own
from the definitions, not from dashboard/engine/kpis.py, and tests/integration/test_benchmark_references.py
checks that both give the same figures.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from dashboard.engine.filters import LIST_FILTERS, Filters
from dashboard.engine.periods import Period, previous_period, previous_year

Figures = dict[str, dict[str, float | None]]

CASE_COLUMNS = (
    "received_date",
    "closed_date",
    "is_closed",
    "due_date",
    "is_on_time",
    "handling_days",
    "has_complainant",
    "is_repeat",
    "is_resolved_first_time",
    "is_regulator_referred",
    "satisfaction",
    "mediation",
    "litigation_source",
    "compensation_yuan",
    "amount_disputed_yuan",
    "is_advance_payment",
    "region_key",
    *(column for _key, column in LIST_FILTERS.values()),
)
METRIC_IDS = (
    "volume",
    "repeat_rate",
    "one_time_resolution_rate",
    "per_million_customers",
    "per_10m_customers",
    "per_1000_branches",
    "on_time_rate",
    "referred_on_time_rate",
    "handling_days_mean",
    "handling_days_median",
    "handling_days_p90",
    "satisfaction_rate",
    "mediation_success_rate",
    "litigation_rate",
    "compensation_yuan",
    "payout_ratio",
    "advance_payment_count",
)
BASE_COLUMNS = ("region_key", "province", "city", "is_province_level", "month", "personal_customers", "branches")
SATISFIED = ("满意", "基本满意")
NOT_SURVEYED = ("未回访", "")


# ---------------------------------------------------------------------------------------------
# Read: what a dashboard loads (the case table once, the small tables beside it).
# ---------------------------------------------------------------------------------------------
def load_case_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every case of v_complaint with the columns the KPIs and the filters need."""
    return con.sql(f"SELECT {', '.join(CASE_COLUMNS)} FROM v_complaint").df()


def load_customer_base(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(f"SELECT {', '.join(BASE_COLUMNS)} FROM v_customer_base").df()


def load_region_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql("SELECT region_group, region_key FROM dim_region_group").df()


# ---------------------------------------------------------------------------------------------
# Filters as boolean masks.
# ---------------------------------------------------------------------------------------------
def select_cases(cases: pd.DataFrame, groups: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    mask = pd.Series(True, index=cases.index)
    for name, (_key, column) in LIST_FILTERS.items():
        selected = getattr(filters, name)
        if selected:
            mask &= cases[column].isin(selected).fillna(False)
    if filters.region_group:
        mask &= cases["region_key"].isin(group_members(groups, filters.region_group)).fillna(False)
    if filters.referred_only:
        mask &= cases["is_regulator_referred"].fillna(False)
    return cases[mask.astype(bool)]


def select_base_rows(base: pd.DataFrame, groups: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Customer base rows of the regions selected (other filters do not change the base)."""
    mask = pd.Series(True, index=base.index)
    if filters.provinces:
        mask &= base["province"].isin(filters.provinces).fillna(False)
    if filters.cities:
        # City totals only: a province-level row would count the other cities too.
        mask &= ~base["is_province_level"].fillna(False) & base["city"].isin(filters.cities).fillna(False)
    if filters.region_group:
        mask &= base["region_key"].isin(group_members(groups, filters.region_group)).fillna(False)
    return base[mask.astype(bool)]


def group_members(groups: pd.DataFrame, region_group: str) -> list[int]:
    return groups.loc[groups["region_group"] == region_group, "region_key"].tolist()


# ---------------------------------------------------------------------------------------------
# Metrics of one period.
# ---------------------------------------------------------------------------------------------
def compute_reference_kpis(
    cases: pd.DataFrame, base: pd.DataFrame, groups: pd.DataFrame, filters: Filters, period: Period
) -> Figures:
    """{"current" | "previous_year" | "previous_period": {metric_id: value or None}}."""
    first, last = cases["received_date"].min(), cases["received_date"].max()  # coverage: all cases, unfiltered
    selected = select_cases(cases, groups, filters)
    base_rows = select_base_rows(base, groups, filters)
    periods = {"current": period, "previous_year": previous_year(period), "previous_period": previous_period(period)}
    figures: Figures = {}
    for name, p in periods.items():
        covered = not pd.isna(first) and stamp(p.start) <= last and stamp(p.end) > first
        figures[name] = compute_period(selected, base_rows, p) if covered else dict.fromkeys(METRIC_IDS)
    return figures


def run_reference(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period) -> Figures:
    """What a dashboard does per view: read the tables, then compute."""
    cases = load_case_frame(con)
    return compute_reference_kpis(cases, load_customer_base(con), load_region_groups(con), filters, period)


def compute_period(cases: pd.DataFrame, base_rows: pd.DataFrame, period: Period) -> dict[str, float | None]:
    start, end = stamp(period.start), stamp(period.end)
    received = cases[(cases["received_date"] >= start) & (cases["received_date"] < end)]
    volume = len(received)
    identified = received["has_complainant"].fillna(False)
    repeats = identified & received["is_repeat"].fillna(False)

    # Closed in P by 办结日期; a case 已办结 without 办结时间 counts where it was received.
    closed_on = cases["closed_date"].fillna(cases["received_date"])
    closed = cases[cases["is_closed"].fillna(False) & (closed_on >= start) & (closed_on < end)]
    first_time = closed["is_resolved_first_time"]
    on_time = closed["is_on_time"]
    referred = closed["is_regulator_referred"].fillna(False)

    # Still open at the end of P (or closed after it) with the due date in P: due, not on time.
    open_at_end = ~cases["is_closed"] | (cases["closed_date"] >= end)
    overdue = cases[
        (cases["due_date"] >= start)
        & (cases["due_date"] < end)
        & (cases["received_date"] < end)
        & open_at_end.fillna(False)
    ]
    due = int(on_time.notna().sum()) + len(overdue)
    referred_due = int((on_time.notna() & referred).sum()) + int(overdue["is_regulator_referred"].fillna(False).sum())

    handled = closed.loc[closed["closed_date"].notna() & closed["handling_days"].notna(), "handling_days"]
    handled = handled.astype("float64")
    satisfaction = closed["satisfaction"].str.strip()
    surveyed = satisfaction.notna() & ~satisfaction.isin(NOT_SURVEYED)
    customers, branches = compute_customer_base(base_rows, period)
    mediation = closed["mediation"]
    litigation = closed["litigation_source"]
    compensation = closed["compensation_yuan"].astype("float64")
    disputed = closed["amount_disputed_yuan"].astype("float64")
    paid = (compensation > 0) & (disputed > 0)
    advance = closed["is_advance_payment"]
    return {
        "volume": volume,
        "repeat_rate": divide(repeats.sum(), identified.sum()),
        "one_time_resolution_rate": divide(first_time.fillna(False).sum(), first_time.notna().sum()),
        "per_million_customers": per_unit(volume, customers, 1_000_000),
        "per_10m_customers": per_unit(volume, customers, 10_000_000),
        "per_1000_branches": per_unit(volume, branches, 1_000),
        "on_time_rate": divide(on_time.fillna(False).sum(), due),
        "referred_on_time_rate": divide((on_time.fillna(False) & referred).sum(), referred_due),
        "handling_days_mean": float(handled.mean()) if len(handled) else None,
        "handling_days_median": float(handled.quantile(0.5)) if len(handled) else None,
        "handling_days_p90": float(handled.quantile(0.9)) if len(handled) else None,
        "satisfaction_rate": divide(satisfaction.isin(SATISFIED).sum(), surveyed.sum()),
        "mediation_success_rate": divide(
            (mediation == "调解成功").sum(), mediation.isin(["调解成功", "调解失败"]).sum()
        ),
        "litigation_rate": divide(litigation.fillna(False).astype(bool).sum(), len(closed))
        if litigation.notna().any()
        else None,
        "compensation_yuan": float(compensation.sum()) if compensation.notna().any() else None,
        # Money: a plain division (divide() is for counts).
        "payout_ratio": float(compensation[paid].sum() / disputed[paid].sum()) if paid.any() else None,
        "advance_payment_count": int(advance.fillna(False).astype(bool).sum()) if advance.notna().any() else None,
    }


def compute_customer_base(rows: pd.DataFrame, period: Period) -> tuple[float | None, float | None]:
    """Mean over P's months of 个人客户数 and 营业网点数; a province-level row wins over its cities."""
    rows = rows[rows["month"].isin([stamp(m) for m in period.months()])]
    if rows.empty:
        return None, None
    provincial = rows["is_province_level"]
    has_provincial = provincial.groupby([rows["month"], rows["province"]], dropna=False).transform("any")
    rows = rows[provincial == has_provincial]
    per_month = rows.groupby("month")
    customers = per_month["personal_customers"].sum().mean()
    branches = per_month["branches"].sum(min_count=1).mean()  # a month without any 网点数 is left out
    return none_if_missing(customers), none_if_missing(branches)


# ---------------------------------------------------------------------------------------------
# Small helpers.
# ---------------------------------------------------------------------------------------------
def stamp(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def divide(numerator: int, denominator: int) -> float | None:
    return int(numerator) / int(denominator) if denominator else None


def per_unit(volume: int, base: float | None, unit: int) -> float | None:
    return volume / (base / unit) if base is not None and base > 0 else None


def none_if_missing(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
