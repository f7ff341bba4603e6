"""One small demo warehouse shared by the SQL tests (queries, sandbox, sql CLI), built once per run (shared by the xdist workers)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.builders import build_cases
from tests.cockpit_support import built_once_per_run
from warehouse import store

DEMO_CASES = 1500
AS_OF = date(2026, 10, 31)
BAD_PROVINCES = ["火星", "月球", "火星"]  # quarantined rows, so the quarantine query has something to count

_built: dict[str, Path] = {}


def build_sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served path of a demo warehouse (plus a few quarantined rows); built on first use."""
    if "db" in _built:
        return _built["db"]
    with built_once_per_run(tmp_path_factory, "sql_warehouse") as folder:
        db = _build(folder)
    _built["db"] = db
    return db


def _build(folder: Path) -> Path:
    db = folder / "cockpit.duckdb"
    if store.current_version(db) is not None:  # built by another xdist worker of this run
        return db
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        from warehouse.demo import build_demo
        from warehouse.importer.pipeline import load_frame

        results = build_demo(db, cases=DEMO_CASES, seed=7, as_of=AS_OF)
        assert not any(r.rejected for r in results), [r.message for r in results]
        bad = build_cases([{"case_id": f"BAD{i}", "province": p, "city": None} for i, p in enumerate(BAD_PROVINCES)])
        result = load_frame(bad, "cases", db=db, file_name="bad.csv")
        assert result.quarantined == len(BAD_PROVINCES), result.message
    assert store.current_version(db) is not None
    return db
