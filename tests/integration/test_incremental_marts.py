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

import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.builders import build_cases, build_customers, build_events, case_row
from warehouse import marts, store
from warehouse.__main__ import main
from warehouse.importer.pipeline import load_frame
from warehouse.marts import rebuild_marts, refresh_marts

START = datetime(2024, 1, 1, 9, 0)
SPAN_DAYS = 500
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


class Sequence:
    """A seeded random sequence of loads, remembering the cases it sent so it can update and resend them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sent: dict[str, dict[str, Any]] = {}
        self.next_id = 0
        self.extra_values = 0

    def _complainant(self) -> str:
        return f"44010{self.rng.randrange(12):02d}1980010112{self.rng.randrange(3):02d}"

    def new_case(self, late: bool = False) -> dict[str, Any]:
        rng = self.rng
        self.next_id += 1
        day = rng.randrange(0, 60) if late else rng.randrange(SPAN_DAYS - 200, SPAN_DAYS)
        received = START + timedelta(days=day, hours=rng.randrange(8))
        closed = rng.random() < 0.6
        row = case_row(
            self.next_id,
            case_id=f"K{self.next_id:05d}",
            received_at=received,
            closed_at=received + timedelta(days=rng.randrange(0, 40)) if closed else None,
            status="已办结" if closed else "办理中",
            product=rng.choice(("信用卡分期", "个人住房贷款")),
            issue=rng.choice(("息费争议", "服务态度")),
            complainant_id=self._complainant() if rng.random() < 0.9 else None,
            resolved_first_time=None,
        )
        if rng.random() < 0.1:  # a dimension value no earlier load had
            self.extra_values += 1
            column = rng.choice(("channel", "product", "issue", "branch", "department"))
            row[column] = f"新{column}{self.extra_values}"
        if rng.random() < 0.05:
            row["province"], row["city"] = "广东", "广州"  # another spelling of a known region
        return row

    def updated(self, row: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        changed = dict(row)
        what = rng.choice(("close", "reopen", "product", "complainant", "received"))
        if what == "close" or (what == "reopen" and row["closed_at"] is None):
            changed["closed_at"] = row["received_at"] + timedelta(days=rng.randrange(0, 120))
            changed["status"] = "已办结"
        elif what == "reopen":
            changed["closed_at"], changed["status"] = None, "办理中"
        elif what == "product":
            changed["product"] = "借记卡"
        elif what == "complainant":
            changed["complainant_id"] = self._complainant()
        else:
            changed["received_at"] = row["received_at"] - timedelta(days=rng.randrange(1, 300))
            if changed["closed_at"] is not None and changed["closed_at"] < changed["received_at"]:
                changed["closed_at"] = changed["received_at"]
        return changed

    def cases_load(self) -> list[dict[str, Any]]:
        rng = self.rng
        rows = [self.new_case() for _ in range(rng.randrange(5, 25))]
        rows += [self.new_case(late=True) for _ in range(rng.randrange(0, 3))]
        earlier = list(self.sent.values())
        if earlier:
            rows += [self.updated(r) for r in rng.sample(earlier, min(len(earlier), rng.randrange(0, 8)))]
            rows += rng.sample(earlier, min(len(earlier), rng.randrange(0, 5)))  # exact duplicates
        if rows and rng.random() < 0.3:
            rows.append(self.updated(rows[0]))  # the same case twice in one file: its last row wins
        for row in rows:
            self.sent[row["case_id"]] = row
        rng.shuffle(rows)
        return rows

    def events_load(self) -> list[dict[str, Any]]:
        ids = [*self.rng.sample(sorted(self.sent), min(len(self.sent), 6)), f"K{self.next_id + 3:05d}"]
        rows = []
        for case_id in ids:
            start = START + timedelta(days=self.rng.randrange(SPAN_DAYS))
            for number, stage in enumerate(("受理", "分派", "调查")[: self.rng.randrange(1, 4)]):
                begun = start + timedelta(hours=number)
                rows.append({"case_id": case_id, "stage": stage, "started_at": begun, "finished_at": begun})
        return rows


def load(kind: str, rows: list[dict[str, Any]], rebuild: bool = True) -> None:
    frame = {"cases": build_cases, "events": build_events, "customers": build_customers}[kind](rows)
    result = load_frame(frame, kind, file_name=f"{kind}.csv", rebuild=rebuild)
    assert not result.rejected, result.message


def run_sequence(seed: int, loads: int) -> None:
    sequence = Sequence(seed)
    load("cases", sequence.cases_load())
    load("customers", [{"month": date(2024, 1 + m, 1)} for m in range(3)])
    for number in range(loads):
        roll = sequence.rng.random()
        if roll < 0.15:
            load("events", sequence.events_load())
        elif roll < 0.25:
            load("cases", sequence.cases_load(), rebuild=False)  # caught up by the next load
        else:
            load("cases", sequence.cases_load())
        if number == loads - 1:
            load("cases", sequence.cases_load())


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
