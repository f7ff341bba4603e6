"""One small demo warehouse shared by the SQL tests (queries, sandbox, sql CLI), built once per session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.builders import build_cases
from warehouse import store

DEMO_CASES = 1500
AS_OF = date(2026, 10, 31)
BAD_PROVINCES = ["火星", "月球", "火星"]  # quarantined rows, so the quarantine query has something to count

_built: dict[str, Path] = {}


def build_sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served path of a demo warehouse (plus a few quarantined rows); built on first use."""
    if "db" in _built:
        return _built["db"]
    folder = tmp_path_factory.mktemp("sql_warehouse")
    db = folder / "cockpit.duckdb"
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
    _built["db"] = db
    return db
