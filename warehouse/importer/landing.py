"""Land accepted rows in the append-only raw tables, inside the writer's copy of the warehouse.

Each accepted row is compared, by its natural key, with the latest landed version of that key
and with earlier rows of the same file:
- no version yet -> loaded; same row_hash -> duplicate (nothing lands); another row_hash -> updated
  (a new version lands; the marts keep the latest by batch_id, source_row).
row_hash = sha256 of the normalised canonical columns (not batch id or row number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from warehouse.importer.contract import NATURAL_KEYS
from warehouse.importer.readers import SOURCE_ROW

RAW_TABLES = {
    "cases": "raw_cases",
    "customers": "raw_customers",
    "events": "raw_events",
    "contacts": "raw_contacts",
    "defects": "raw_defects",
}
_NOT_HASHED = {"batch_id", "source_row", "row_hash"}
# Columns added to the contract after rows were landed: hashed only when filled (concat_ws skips NULL), so a
# row landed before they existed keeps its hash and re-sending its file is still recognised as a duplicate.
# The name prefix keeps two different columns' values from colliding.
_ADDED_LATER = {"case_type", "mediation", "compensation_yuan", "advance_payment", "defect_ids"}
# Contract names that the landing tables spell with their unit.
_RENAMES = {"amount_disputed": "amount_disputed_yuan", "compensation": "compensation_yuan"}


@dataclass
class LandCounts:
    loaded: int = 0
    updated: int = 0
    duplicates: int = 0


def raw_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str]]:
    """(column, type) of raw_<kind> in table order."""
    rows = con.sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = $t AND table_schema = 'main' ORDER BY ordinal_position",
        params={"t": RAW_TABLES[kind]},
    ).fetchall()
    return [(str(name), str(dtype)) for name, dtype in rows]


def to_landing_frame(kind: str, frame: pl.DataFrame, source_system: str, columns: list[str]) -> pl.DataFrame:
    """The typed canonical frame with the landing table's column names (no batch id, no hash yet)."""
    renamed = frame.rename({k: v for k, v in _RENAMES.items() if k in frame.columns})
    renamed = renamed.rename({SOURCE_ROW: "source_row"}).with_columns(pl.lit(source_system).alias("source_system"))
    wanted = [c for c in columns if c not in ("batch_id", "row_hash")]
    return renamed.select(wanted)


def next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.sql("SELECT nextval('seq_batch_id')").fetchall()[0][0])


def _key_expr(kind: str, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return (
        "concat_ws(chr(31), "
        + ", ".join(f"coalesce(CAST({prefix}{k} AS VARCHAR), chr(0))" for k in NATURAL_KEYS[kind])
        + ")"
    )


def classify(con: duckdb.DuckDBPyConnection, kind: str, frame: pl.DataFrame, batch_id: int) -> LandCounts:
    """Stage `frame` as temp table `_incoming` (typed, with row_hash) and `_outcome` (source_row -> outcome)."""
    columns = raw_columns(con, kind)
    casts = ", ".join(
        f"CAST({name} AS {dtype}) AS {name}" for name, dtype in columns if name not in ("batch_id", "row_hash")
    )
    hashed = ", ".join(
        f"'{name}:' || CAST({name} AS VARCHAR)"
        if name in _ADDED_LATER
        else f"coalesce(CAST({name} AS VARCHAR), chr(0))"
        for name, _dtype in columns
        if name not in _NOT_HASHED
    )
    con.register("_landing_frame", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _incoming AS "
            f"SELECT *, sha256(concat_ws(chr(31), {hashed})) AS row_hash, {_key_expr(kind)} AS _key "
            f"FROM (SELECT CAST({batch_id} AS BIGINT) AS batch_id, {casts} FROM _landing_frame)"
        )
    finally:
        con.unregister("_landing_frame")
    # Only the keys of this file are looked up among the landed versions.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _outcome AS
        WITH latest AS (
            SELECT _key, arg_max(row_hash, batch_id * 1000000000000 + source_row) AS landed_hash
            FROM (SELECT {_key_expr(kind)} AS _key, row_hash, batch_id, source_row FROM {RAW_TABLES[kind]})
            SEMI JOIN _incoming USING (_key)
            GROUP BY _key
        ),
        ordered AS (
            SELECT source_row, _key, row_hash,
                lag(row_hash) OVER (PARTITION BY _key ORDER BY source_row) AS previous_in_file
            FROM _incoming
        )
        SELECT o.source_row,
            CASE
                WHEN o.previous_in_file IS NOT NULL
                    THEN CASE WHEN o.row_hash = o.previous_in_file THEN 'duplicate' ELSE 'updated' END
                WHEN l.landed_hash IS NULL THEN 'loaded'
                WHEN l.landed_hash = o.row_hash THEN 'duplicate'
                ELSE 'updated'
            END AS outcome
        FROM ordered o LEFT JOIN latest l USING (_key)
    """)
    counts = dict(con.sql("SELECT outcome, count(*) FROM _outcome GROUP BY outcome").fetchall())
    return LandCounts(int(counts.get("loaded", 0)), int(counts.get("updated", 0)), int(counts.get("duplicate", 0)))


def _landing_select(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    names = ", ".join(f"i.{name}" for name, _ in raw_columns(con, kind))
    return (
        f"SELECT {names} FROM _incoming i JOIN _outcome o USING (source_row) "
        "WHERE o.outcome IN ('loaded', 'updated') ORDER BY i.source_row"
    )


def rows_to_land(con: duckdb.DuckDBPyConnection, kind: str) -> pl.DataFrame:
    """The classified rows that will land, with exactly raw_<kind>'s columns (for the data checks)."""
    return con.sql(_landing_select(con, kind)).pl()


def insert_landed(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    names = ", ".join(name for name, _ in raw_columns(con, kind))
    con.execute(f"INSERT INTO {RAW_TABLES[kind]} ({names}) {_landing_select(con, kind)}")
    con.execute("DROP TABLE IF EXISTS _outcome")
    con.execute("DROP TABLE IF EXISTS _incoming")


def insert_quarantine(con: duckdb.DuckDBPyConnection, batch_id: int, violations: pl.DataFrame) -> None:
    if violations.height == 0:
        return
    con.register("_quarantine_frame", violations)
    try:
        con.execute(
            "INSERT INTO quarantine (batch_id, source_row, column_name, source_column, value, rule, message) "
            f"SELECT {batch_id}, source_row, column_name, source_column, value, rule, message FROM _quarantine_frame"
        )
    finally:
        con.unregister("_quarantine_frame")


@dataclass
class BatchRecord:
    batch_id: int
    file_name: str
    file_hash: str | None
    kind: str
    profile: str
    source_system: str
    started_at: datetime
    rows_read: int
    counts: LandCounts
    rows_quarantined: int
    message: str
    rows_footer: int = 0
    rows_malformed: int = 0


def insert_batch(con: duckdb.DuckDBPyConnection, record: BatchRecord, finished_at: datetime) -> None:
    con.execute(
        "INSERT INTO etl_batch (batch_id, file_name, file_hash, kind, profile, source_system, started_at, "
        "finished_at, rows_read, rows_loaded, rows_updated, rows_duplicate, rows_quarantined, status, message, "
        "rows_footer, rows_malformed) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'loaded', $14, $15, $16)",
        [
            record.batch_id,
            record.file_name,
            record.file_hash,
            record.kind,
            record.profile,
            record.source_system,
            record.started_at,
            finished_at,
            record.rows_read,
            record.counts.loaded,
            record.counts.updated,
            record.counts.duplicates,
            record.rows_quarantined,
            record.message,
            record.rows_footer,
            record.rows_malformed,
        ],
    )
