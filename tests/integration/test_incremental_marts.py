"""Incremental marts (issue 17): a load that refreshes only what its rows can change gives exactly the marts a
full `warehouse rebuild` gives, on randomised sequences of loads through the real importer.

Each sequence mixes new cases, updates (closed, reopened, moved to another product or complainant), exact
duplicates, a case listed twice in one file, late arrivals for an old month, new complainants and new dimension
values (channel, product, issue, branch, department, a region spelling), event and customer loads, and a load
with rebuild=False that the next load catches up. After the sequence:
- the incrementally maintained warehouse equals, table by table and row by row (keys included), the version
  `python -m warehouse rebuild` publishes from it;
- its facts and cubes equal, on natural values (surrogate keys replaced by what they name), the marts built from
  scratch from the same raw rows in a new warehouse (which numbers its keys afresh).
The mart checks gate every load: a load whose refreshed marts broke one would come back rejected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.load_sequences import Sequence, load, run_sequence
from warehouse import marts, store
from warehouse.__main__ import main
from warehouse.marts import rebuild_marts, refresh_marts

MART_TABLES = (
    "dim_channel",
    "dim_product",
    "dim_issue",
    "dim_branch",
    "dim_department",
    "dim_region",
    "dim_region_group",
    "dim_date",
    "fct_complaint",
    "fct_case_risk",
    "fct_case_stage",
    "fct_customer_base",
    "fct_contact",
    "fct_defect",
    "bridge_case_defect",
    "ref_region_alias",
    "agg_received",
    "agg_closed",
    "agg_handling",
    "agg_late",
)
FACT_TABLES = tuple(t for t in MART_TABLES if not t.startswith(("dim_", "ref_")))
# Surrogate key -> the natural value it names (for comparing warehouses that numbered keys differently).
NATURAL = {
    "case_key": "(SELECT source_system || '/' || case_id FROM fct_complaint AS n WHERE n.case_key = t.case_key)",
    "channel_key": "(SELECT channel FROM dim_channel AS n WHERE n.channel_key = t.channel_key)",
    "product_key": "(SELECT business_line || '/' || product FROM dim_product AS n WHERE n.product_key = t.product_key)",
    "issue_key": "(SELECT issue FROM dim_issue AS n WHERE n.issue_key = t.issue_key)",
    "branch_key": "(SELECT branch FROM dim_branch AS n WHERE n.branch_key = t.branch_key)",
    "department_key": "(SELECT department FROM dim_department AS n WHERE n.department_key = t.department_key)",
    "region_key": "(SELECT province || '/' || coalesce(city, '') FROM dim_region AS n WHERE n.region_key = t.region_key)",
}


def rows_of(con: duckdb.DuckDBPyConnection, table: str, natural: bool) -> list[str]:
    columns = [row[0] for row in con.sql(f"DESCRIBE {table}").fetchall()]
    if natural:
        select = ", ".join(NATURAL.get(c, f"t.{c}") + f" AS {c}" for c in columns if c != "defect_key")
        return sorted(repr(row) for row in con.sql(f"SELECT {select} FROM {table} AS t").fetchall())
    return sorted(repr(row) for row in con.sql(f"SELECT * FROM {table}").fetchall())


def differences(left: duckdb.DuckDBPyConnection, right: duckdb.DuckDBPyConnection, tables, natural: bool) -> dict:
    found = {}
    for table in tables:
        a, b = rows_of(left, table, natural), rows_of(right, table, natural)
        if a != b:
            only_left, only_right = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            found[table] = {
                "incremental only": only_left[:3],
                "rebuild only": only_right[:3],
                "sizes": (len(a), len(b)),
            }
    return found


def built_from_scratch(source: Path, tmp_path: Path) -> Path:
    """A new warehouse holding the same raw rows, its marts built by a full rebuild (keys numbered afresh)."""
    fresh = tmp_path / "scratch" / "cockpit.duckdb"
    with store.new_version(fresh) as con:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        for table in ("raw_cases", "raw_customers", "raw_events", "raw_contacts", "raw_defects"):
            con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
        con.execute("DETACH src")
        rebuild_marts(con)
    return store.current_version(fresh)


# Every seed runs in `make test`; the fast set keeps the single-load test below (test_a_load_refreshes_...).
@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.slow) for s in (1, 2, 3)])
def test_incremental_loads_equal_a_full_rebuild(
    seed: int, tmp_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_rebuilds = []
    monkeypatch.setattr(marts, "rebuild_marts", lambda con: full_rebuilds.append(rebuild_marts(con)))
    run_sequence(seed, loads=6)
    assert len(full_rebuilds) == 1, "only the first load (no marts yet) may rebuild in full"
    monkeypatch.setattr(marts, "rebuild_marts", rebuild_marts)
    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(store.current_version(), incremental)

    assert main(["rebuild"]) == 0
    left = duckdb.connect(str(incremental), read_only=True)
    rebuilt = store.open_reader()
    scratch = duckdb.connect(str(built_from_scratch(incremental, tmp_path)), read_only=True)
    try:
        assert left.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0] > 20
        assert differences(left, rebuilt, MART_TABLES, natural=False) == {}
        assert differences(left, scratch, FACT_TABLES, natural=True) == {}
    finally:
        for con in (left, rebuilt, scratch):
            con.close()


def test_a_load_refreshes_incrementally_and_touches_only_the_affected_cases(tmp_db: Path) -> None:
    sequence = Sequence(7)
    load("cases", sequence.cases_load())
    with store.new_version() as con:
        assert refresh_marts(con) == "incremental"  # nothing new: nothing recomputed
        before = con.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0]
    load("cases", [sequence.new_case()])
    reader = store.open_reader()
    try:
        assert reader.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0] == before + 1
        assert (
            reader.sql("SELECT through_batch FROM cfg_marts_build").fetchall()[0][0]
            == reader.sql("SELECT max(batch_id) FROM etl_batch").fetchall()[0][0]
        )
    finally:
        reader.close()
