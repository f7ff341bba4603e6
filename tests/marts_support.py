"""Helpers for the marts tests: land hand-built raw rows in a real warehouse and rebuild the marts."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

import duckdb
import polars as pl

from warehouse import store
from warehouse.marts import rebuild_marts

CASE_DEFAULTS: dict[str, Any] = {
    "batch_id": 1,
    "source_system": "default",
    "channel": "电话",
    "product": "信用卡分期",
    "issue": "息费争议",
    "province": "广东省",
    "city": "深圳市",
}
_row_numbers = itertools.count(1)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict[str, Any]]) -> None:
    columns = [c[0] for c in con.sql(f"SELECT * FROM {table} LIMIT 0").description]
    records = []
    for row in rows:
        unknown = set(row) - set(columns)
        assert not unknown, f"{table} has no column {unknown}"
        record = {c: row.get(c) for c in columns}
        record["source_row"] = record["source_row"] or next(_row_numbers)
        record["row_hash"] = record["row_hash"] or f"hash-{record['source_row']}"
        records.append(record)
    if not records:
        return
    con.register("_test_rows", pl.DataFrame(records, infer_schema_length=None).to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _test_rows")
    finally:
        con.unregister("_test_rows")


def insert_cases(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]]) -> None:
    """Land case rows in raw_cases; unspecified required columns take CASE_DEFAULTS."""
    _insert(con, "raw_cases", ({**CASE_DEFAULTS, **row} for row in rows))


def insert_customers(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]]) -> None:
    _insert(con, "raw_customers", ({"batch_id": 1, "source_system": "default", **row} for row in rows))


def insert_events(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]]) -> None:
    _insert(con, "raw_events", ({"batch_id": 1, "source_system": "default", **row} for row in rows))


def build_warehouse(
    cases: Iterable[dict[str, Any]] = (),
    customers: Iterable[dict[str, Any]] = (),
    events: Iterable[dict[str, Any]] = (),
) -> None:
    """Publish one new version with these raw rows added and the marts rebuilt."""
    with store.new_version() as con:
        insert_cases(con, cases)
        insert_customers(con, customers)
        insert_events(con, events)
        rebuild_marts(con)


@contextmanager
def reader() -> Iterator[duckdb.DuckDBPyConnection]:
    con = store.open_reader()
    try:
        yield con
    finally:
        con.close()


def query(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query on the served warehouse, as dicts."""
    with reader() as con:
        relation = con.sql(sql, params=params)
        names = [d[0] for d in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def by_case(sql_from: str = "v_complaint") -> dict[str, dict[str, Any]]:
    """Every case of the served warehouse keyed by case_id."""
    return {row["case_id"]: row for row in query(f"SELECT * FROM {sql_from}")}
