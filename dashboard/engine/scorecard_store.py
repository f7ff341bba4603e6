"""Published 考核 scorecards: one snapshot per unit kind × complete quarter, stored in the warehouse and never
rewritten, so a quarter's ranks stay as they were published even after late corrections are loaded.

The tables are append-only and belong to this job, not to the marts: `warehouse rebuild` (whose SQL replaces
only its own dim_/fct_/agg_ tables) and every load copy them along with the rest of the file.
- fct_scorecard_publication: unit, quarter, period_start, period_end, published_at, red_card_deduction
- fct_scorecard_rule: unit, quarter, kpi, weight, target, lower_is_better (the rules as published)
- fct_scorecard: unit, quarter, key, volume, score, rank, red_cards, grey_listed
- fct_scorecard_kpi: unit, quarter, key, kpi, value, attainment

`publish_scorecards` runs after a rebuild (`make run`) or a scheduled load: `python -m dashboard scorecard
--publish`. It writes a new warehouse version only when a complete quarter is missing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime

import duckdb
import polars as pl

from dashboard.engine.periods import Period, add_months, previous_period, quarter_start
from dashboard.engine.scorecard import Scorecard, compute_scorecards, period_key
from dashboard.engine.scorecard_rules import LEADERSHIP, UNIT_KINDS, ScorecardRules, read_rules
from warehouse import store

PUBLISHED_UNITS: tuple[str, ...] = (*UNIT_KINDS, LEADERSHIP)
TABLES_SQL = (store.SQL_DIR / "published" / "scorecard.sql").read_text(encoding="utf-8")


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fct_scorecard_publication'"
    return bool(con.sql(sql).fetchall()[0][0])


def complete_quarters(con: duckdb.DuckDBPyConnection) -> list[Period]:
    """The calendar quarters the data covers (by 受理日期) whose last day is on or before the latest one."""
    marts = con.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'fct_complaint'").fetchall()
    if not marts[0][0]:  # a warehouse initialised but never loaded
        return []
    first, latest = con.sql("SELECT min(received_date), max(received_date) FROM fct_complaint").fetchall()[0]
    if first is None:
        return []
    quarters: list[Period] = []
    start = quarter_start(first)
    while add_months(start, 3) <= date.fromordinal(latest.toordinal() + 1):
        quarters.append(Period(start, add_months(start, 3)))
        start = add_months(start, 3)
    return quarters


def published_quarters(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> set[tuple[str, str]]:
    """(unit, quarter) pairs already published."""
    if not _has_tables(con):
        return set()
    rows = con.sql("SELECT unit, quarter FROM fct_scorecard_publication").fetchall()
    return {(u, q) for u, q in rows if unit is None or u == unit}


def missing_quarters(con: duckdb.DuckDBPyConnection) -> list[Period]:
    done = published_quarters(con)
    return [q for q in complete_quarters(con) if any((u, period_key(q)) not in done for u in PUBLISHED_UNITS)]


def write_missing(
    con: duckdb.DuckDBPyConnection, rules: ScorecardRules | None = None, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Compute and insert every (unit kind, complete quarter) not yet published, on a writable connection.

    What is already stored is never touched: a later rebuild or a corrected load leaves published ranks as
    they were. Returns the (unit, quarter) pairs written."""
    con.execute(TABLES_SQL)
    done = published_quarters(con)
    periods = [q for q in complete_quarters(con) if any((u, period_key(q)) not in done for u in PUBLISHED_UNITS)]
    if not periods:
        return []
    rules = rules or read_rules()
    stamp = (now or datetime.now()).replace(microsecond=0)
    found = compute_scorecards(con, PUBLISHED_UNITS, periods, rules)
    written: list[tuple[str, str]] = []
    for (unit, quarter), card in found.items():
        if (unit, quarter) in done:
            continue
        _insert(con, card, quarter, stamp)
        written.append((unit, quarter))
    return written


def _insert(con: duckdb.DuckDBPyConnection, card: Scorecard, quarter: str, stamp: datetime) -> None:
    tag = {"unit": card.unit, "quarter": quarter}
    con.execute(
        "INSERT INTO fct_scorecard_publication VALUES ($unit, $quarter, $start, $end, $at, $deduction)",
        {**tag, "start": card.period.start, "end": card.period.end, "at": stamp, "deduction": card.red_card_deduction},
    )
    for table, frame in (
        ("fct_scorecard_rule", card.rules.select("kpi", "weight", "target", "lower_is_better")),
        ("fct_scorecard", card.rows.select("key", "volume", "score", "rank", "red_cards", "grey_listed")),
        ("fct_scorecard_kpi", card.kpis.select("key", "kpi", "value", "attainment")),
    ):
        con.register("_scorecard_frame", frame.with_columns(**{k: pl.lit(v) for k, v in tag.items()}).to_arrow())
        try:
            columns = ", ".join(["unit", "quarter", *frame.columns])
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _scorecard_frame")
        finally:
            con.unregister("_scorecard_frame")


def publish_scorecards(db: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Publish the complete quarters not yet stored as a new warehouse version (nothing to do: no new version)."""
    reader = store.open_reader(db)
    try:
        if not missing_quarters(reader):
            return []
    finally:
        reader.close()
    with store.new_version(db) as con:
        return write_missing(con)


def read_scorecard(con: duckdb.DuckDBPyConnection, unit: str, period: Period) -> Scorecard | None:
    """The published snapshot of a unit kind for a calendar quarter, or None when it was never published."""
    quarter = period_key(period)
    if (unit, quarter) not in published_quarters(con, unit):
        return None
    tag = {"unit": unit, "quarter": quarter}

    def frame(sql: str) -> pl.DataFrame:
        return con.sql(sql, params=tag).pl()

    header = frame(
        "SELECT published_at, red_card_deduction FROM fct_scorecard_publication WHERE unit = $unit AND quarter = $quarter"
    ).row(0, named=True)
    where = "WHERE unit = $unit AND quarter = $quarter"
    rules = frame(
        f"SELECT kpi, weight, target, lower_is_better FROM fct_scorecard_rule {where} ORDER BY weight DESC, kpi"
    )
    rows = frame(
        f"SELECT key, volume, score, rank, red_cards, grey_listed FROM fct_scorecard {where} "
        "ORDER BY rank NULLS LAST, key"
    )
    kpis = frame(f"SELECT key, kpi, value, attainment FROM fct_scorecard_kpi {where}")
    return Scorecard(unit, period, rules, float(header["red_card_deduction"]), rows, kpis, header["published_at"])


def load_scorecard(
    con: duckdb.DuckDBPyConnection, unit: str, period: Period, rules: ScorecardRules | None = None
) -> Scorecard:
    """The published snapshot when P is a published quarter, else computed now; with the rank change against
    the period before (itself published or computed)."""
    rules = rules or read_rules()
    earlier = previous_period(period)
    stored, stored_before = read_scorecard(con, unit, period), read_scorecard(con, unit, earlier)
    wanted = [p for p, s in ((period, stored), (earlier, stored_before)) if s is None]
    live = compute_scorecards(con, [unit], wanted, rules) if wanted else {}
    card = stored or live[(unit, period_key(period))]
    before = stored_before or live[(unit, period_key(earlier))]
    if before.rows.is_empty():
        return replace(card.with_previous(None), previous=earlier)
    return card.with_previous(before)
