"""Pre-aggregated KPI tallies (agg_*), built from fct_complaint whenever the marts are rebuilt.

Why: at 10 million cases every KPI query over the case table scans millions of
rows, and the cockpit asks ~20 of them per filter state. The tallies of
dashboard/engine/kpis.py are sums of per-case indicators anchored on one date (受理,
办结 or 到期), so they can be summed ahead per day. Summing ahead over *all*
filter columns at once would not shrink anything (city × product × issue ×
channel × department per day is about one case per cell), so each table holds
several **cubes**: one row per day and per value of a small set of columns
(none, or one filter column; for volumes also pairs of a filter and a mix
column). A query uses the smallest cube that holds every column its filters and
breakdown touch, and reads the case table only when no cube does. Figures are
exact either way: every cube is a plain GROUP BY of the same cases.

Tables (each sorted by cube, then day, so a query reads only its cube and dates):
- agg_received: per 受理日期 — volume, identified, repeats.
- agg_closed: per 办结 day (a case 已办结 without 办结时间 on its 受理日期) — the closed-in-P counts.
- agg_handling: per 办结日期 and handling_days — the histogram behind mean / median / P90.
- agg_late: cases open or closed after their due date, per due date, 办结日期 (NULL while
  open) and 受理日期 when that is after the due date — the "still open at the end of P" part.
`cube` is DuckDB's GROUPING() bitmask over CUBE_COLUMNS (bit set = column not in the cube).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb

# Every column a filter or a breakdown of the KPI engine touches, as fct_complaint names it.
CUBE_COLUMNS: tuple[str, ...] = (
    "region_key",
    "product_key",
    "channel_key",
    "issue_key",
    "department_key",
    "vulnerable_group",
    "is_regulator_referred",
    "risk_level",
)
FILTER_COLUMNS: tuple[str, ...] = CUBE_COLUMNS[:-1]  # risk_level is a breakdown, not a filter
MIX_COLUMNS: tuple[str, ...] = ("channel_key", "product_key", "issue_key")

# Tally cubes: the whole bank and each column alone (one filter dimension, or one breakdown).
TALLY_CUBES: tuple[frozenset[str], ...] = (frozenset(),) + tuple(frozenset({c}) for c in CUBE_COLUMNS)
# Volume cubes add a filter column paired with a mix column (the cockpit's structure charts under a filter).
VOLUME_CUBES: tuple[frozenset[str], ...] = TALLY_CUBES + tuple(
    dict.fromkeys(frozenset({f, m}) for f in FILTER_COLUMNS for m in MIX_COLUMNS if f != m)
)
AGGREGATE_TABLES: tuple[str, ...] = ("agg_received", "agg_closed", "agg_handling", "agg_late")


def outcome_tallies_sql(alias: str = "") -> str:
    """The outcome tallies of closed cases (METRICS.md outcome rows) as SELECT items over fct_complaint.

    Money is tallied in fen (whole numbers), so cube sums stay exact integers like every other tally.
    payout_ratio uses the cases paid something whose dispute amount is stated (both sums over the same cases)."""
    f = f"{alias}." if alias else ""
    paid = f"{f}compensation_yuan > 0 AND {f}amount_disputed_yuan > 0"
    return (
        f"count(*) FILTER (WHERE {f}mediation IN ('调解成功', '调解失败')) AS mediated, "
        f"count(*) FILTER (WHERE {f}mediation = '调解成功') AS mediation_success, "
        f"count({f}litigation_source) AS litigation_known, "
        f"count(*) FILTER (WHERE {f}litigation_source) AS litigated, "
        f"count({f}compensation_yuan) AS compensation_known, "
        f"coalesce(sum(round({f}compensation_yuan * 100)), 0)::BIGINT AS compensation_fen, "
        f"coalesce(sum(round({f}compensation_yuan * 100)) FILTER (WHERE {paid}), 0)::BIGINT AS paid_compensation_fen, "
        f"coalesce(sum(round({f}amount_disputed_yuan * 100)) FILTER (WHERE {paid}), 0)::BIGINT AS paid_disputed_fen, "
        f"count({f}is_advance_payment) AS advance_known, "
        f"count(*) FILTER (WHERE {f}is_advance_payment) AS advance_paid"
    )


def cube_id(columns: Iterable[str]) -> int:
    """The GROUPING() bitmask of the cube grouped by `columns` (first CUBE_COLUMNS entry = highest bit)."""
    kept = set(columns)
    unknown = kept - set(CUBE_COLUMNS)
    if unknown:
        raise ValueError(f"not a cube column: {sorted(unknown)}")
    width = len(CUBE_COLUMNS)
    return sum(1 << (width - 1 - index) for index, column in enumerate(CUBE_COLUMNS) if column not in kept)


def choose_cube(needed: Iterable[str], cubes: Sequence[frozenset[str]]) -> int | None:
    """The id of the smallest cube that holds every needed column, or None (read the case table)."""
    wanted = set(needed)
    fitting = [cube for cube in cubes if wanted <= cube]
    return cube_id(min(fitting, key=len)) if fitting else None


def _grouping_sets(day_columns: Sequence[str], cubes: Sequence[frozenset[str]]) -> str:
    sets = []
    for cube in cubes:
        ordered = [*day_columns, *(c for c in CUBE_COLUMNS if c in cube)]
        sets.append(f"({', '.join(ordered)})")
    return ", ".join(sets)


def _create(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: str,
    source: str,
    days: Sequence[str],
    cubes: Sequence[frozenset[str]],
) -> None:
    columns = ", ".join(CUBE_COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS "
        f"SELECT grouping({columns})::INTEGER AS cube, {', '.join(days)}, {columns}, {select} "
        f"FROM ({source}) AS f GROUP BY GROUPING SETS ({_grouping_sets(days, cubes)}) "
        f"ORDER BY cube, {days[0]}"
    )


def build_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build every agg_* table from fct_complaint (which must carry risk_level)."""
    _create(
        con,
        "agg_received",
        "count(*) AS volume, count(*) FILTER (WHERE has_complainant) AS identified, "
        "count(*) FILTER (WHERE has_complainant AND is_repeat) AS repeats",
        "SELECT * FROM fct_complaint",
        ["received_date"],
        VOLUME_CUBES,
    )
    _create(
        con,
        "agg_closed",
        "count(*) AS closed, count(is_resolved_first_time) AS rft_known, "
        "count(*) FILTER (WHERE is_resolved_first_time) AS rft_yes, "
        "count(is_on_time) AS on_time_due, count(*) FILTER (WHERE is_on_time) AS on_time_yes, "
        "count(is_on_time) FILTER (WHERE is_regulator_referred) AS referred_due, "
        "count(*) FILTER (WHERE is_on_time AND is_regulator_referred) AS referred_yes, "
        "count(*) FILTER (WHERE is_surveyed) AS surveyed, count(*) FILTER (WHERE is_satisfied) AS satisfied, "
        + outcome_tallies_sql(),
        "SELECT * FROM fct_complaint WHERE is_closed",
        ["closed_on"],
        TALLY_CUBES,
    )
    _create(
        con,
        "agg_handling",
        "count(*) AS n",
        "SELECT * FROM fct_complaint WHERE is_closed AND closed_date IS NOT NULL AND handling_days IS NOT NULL",
        ["closed_date", "handling_days"],
        TALLY_CUBES,
    )
    # Only a case open, or closed after its due date, can be "open at the end of P with the due date in P".
    # A case closed without 办结时间 never is (as in the case-table query).
    _create(
        con,
        "agg_late",
        "count(*) AS n, count(*) FILTER (WHERE is_regulator_referred) AS n_referred",
        "SELECT *, CASE WHEN received_date > due_date THEN received_date END AS received_after_due "
        "FROM fct_complaint WHERE due_date IS NOT NULL AND (NOT is_closed OR closed_date > due_date)",
        ["due_date", "closed_date", "received_after_due"],
        TALLY_CUBES,
    )


def has_aggregates(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this warehouse carries the agg_* tables (older files, or a rebuild not yet run, do not)."""
    names = {
        row[0]
        for row in con.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_name IN "
            f"({', '.join(repr(t) for t in AGGREGATE_TABLES)})"
        ).fetchall()
    }
    return names == set(AGGREGATE_TABLES)
