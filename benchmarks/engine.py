"""In-process timings on one warehouse: the KPI set (cold, warm), each page's work after a filter change,
the same KPI set from the case table, the pandas reference and plain SQL.

Run as its own process by benchmarks/run.py (`python -m benchmarks.engine --db PATH`), so "cold"
is a fresh process with a fresh connection and the process's peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks import pandas_reference, sql_reference
from benchmarks.pages import PAGES, compute_sla_cards
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_kpis, resolve_period
from dashboard.views.cockpit_view import build_cockpit_view
from warehouse import store

# Filter changes a user makes in a meeting: one dimension at a time, then two at once: 省份 + 渠道 is a pair
# settings.toml [aggregates] filter_pairs gives a cube; 问题类型 + 渠道 is not, so it reads the case table (the
# slow path, measured on purpose).
TWO_FILTERS = "省份=广东省+渠道=电话"
TWO_FILTERS_NO_CUBE = "问题类型=息费争议+渠道=电话"
FILTER_CHANGES: dict[str, Filters] = {
    "渠道=电话": Filters(channels=("电话",)),
    "省份=广东省": Filters(provinces=("广东省",)),
    "业务条线=信用卡": Filters(business_lines=("信用卡",)),
    "区域=长三角": Filters(region_group="长三角"),
    "仅监管转办": Filters(referred_only=True),
    TWO_FILTERS: Filters(provinces=("广东省",), channels=("电话",)),
    TWO_FILTERS_NO_CUBE: Filters(issues=("息费争议",), channels=("电话",)),
}


def time_once(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def time_median(action: Callable[[], object], runs: int) -> float:
    return statistics.median(time_once(action) for _ in range(runs))


def measure_kpi_set(con: duckdb.DuckDBPyConnection, runs: int) -> dict[str, Any]:
    filters = Filters()
    cold = time_once(lambda: build_cockpit_view(DuckDBSource(con, filters)))
    warm = time_median(lambda: build_cockpit_view(DuckDBSource(con, filters)), runs)
    period = resolve_period(DuckDBSource(con, filters))
    headline = time_median(lambda: compute_kpis(DuckDBSource(con, filters), period), runs)
    case_table = time_median(lambda: compute_kpis(DuckDBSource(con, filters, use_aggregates=False), period), runs)
    cockpit_case_table = time_median(
        lambda: build_cockpit_view(DuckDBSource(con, filters, use_aggregates=False)), max(1, runs // 2)
    )
    return {
        "period": period.as_list(),
        "cockpit_cold_s": cold,
        "cockpit_warm_s": warm,
        "cockpit_case_table_s": cockpit_case_table,
        "kpi_set_s": headline,
        "kpi_set_case_table_s": case_table,
    }


def measure_references(con: duckdb.DuckDBPyConnection, runs: int) -> dict[str, Any]:
    # A typical dashboard gives its database what the machine has, not the app's 2 GB reader limit.
    con.execute("SET memory_limit = '16GB'")
    filters = Filters()
    period = resolve_period(DuckDBSource(con, filters))
    reference_runs = max(1, min(runs, 3))  # reading 10M rows into pandas takes tens of seconds a run
    read_and_compute = time_median(lambda: pandas_reference.run_reference(con, filters, period), reference_runs)
    cases = pandas_reference.load_case_frame(con)
    base = pandas_reference.load_customer_base(con)
    groups = pandas_reference.load_region_groups(con)
    compute_only = time_median(
        lambda: pandas_reference.compute_reference_kpis(cases, base, groups, filters, period), reference_runs
    )
    return {
        "pandas_read_and_compute_s": read_and_compute,
        "pandas_compute_only_s": compute_only,
        "sql_reference_s": time_median(lambda: sql_reference.compute_sql_kpis(con, filters, period), runs),
    }


def measure_filter_changes(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """Seconds per page and filter state; each state is new to the page (nothing cached answers it)."""
    for compute in PAGES.values():  # warm the connection and the OS cache, as a running app is
        compute(con, Filters())
    return {
        page: {label: time_once(lambda c=compute, f=filters: c(con, f)) for label, filters in FILTER_CHANGES.items()}
        for page, compute in PAGES.items()
    }


def measure_two_filters(con: duckdb.DuckDBPyConnection, runs: int) -> dict[str, float]:
    """The cockpit under two filters with a pair cube, and the same state from the case table (median of runs:
    which path answers 省份 + 渠道 faster)."""
    filters = FILTER_CHANGES[TWO_FILTERS]
    return {
        "pair_cube_s": time_median(lambda: build_cockpit_view(DuckDBSource(con, filters)), runs),
        "case_table_s": time_median(lambda: build_cockpit_view(DuckDBSource(con, filters, use_aggregates=False)), runs),
    }


def measure_engine(db: Path, runs: int, references: bool = True) -> dict[str, Any]:
    opened = time.perf_counter()
    con = store.open_reader(db)
    con.execute("SET enable_progress_bar = false")
    result: dict[str, Any] = {"open_s": time.perf_counter() - opened}
    try:
        result.update(measure_kpi_set(con, runs))
        result["filter_change_s"] = measure_filter_changes(con)
        result["two_filters_s"] = measure_two_filters(con, runs)
        result["sla_cards_s"] = time_once(lambda: compute_sla_cards(con, Filters()))
        if references:  # the pandas reference reads the whole case table into memory (16 GB at 10M)
            result.update(measure_references(con, runs))
    finally:
        con.close()
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the KPI engine, the pages and the references on one warehouse.")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-references", action="store_true", help="skip the pandas and plain-SQL references")
    args = parser.parse_args(argv)
    print(json.dumps(measure_engine(args.db, args.runs, not args.no_references), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
