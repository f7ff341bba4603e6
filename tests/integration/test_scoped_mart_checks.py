"""After an incremental refresh the key checks group only the keys of the rows it wrote (issue 17: a daily load
must not scan the whole 10M-row facts), and still catch a duplicate among them; after a full rebuild they look at
every row again."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from data_checks.gate import validate_marts
from tests.load_sequences import Sequence, load
from warehouse import marts, store


class Discard(Exception):
    """Leaves the served version as it was."""


def _result(outcome, check_id: str) -> dict:
    return next(r for r in outcome.results if r["expectation"] == check_id)


def _land_an_update(con: duckdb.DuckDBPyConnection) -> None:
    """A new batch re-sending one known case, closed a day later: the refresh rewrites that case's subject."""
    con.execute("""
        INSERT INTO raw_cases
        SELECT * REPLACE (
            nextval('seq_batch_id') AS batch_id,
            coalesce(closed_at, received_at) + INTERVAL 1 DAY AS closed_at, '已办结' AS status
        )
        FROM raw_cases ORDER BY batch_id, source_row LIMIT 1
    """)


def test_key_checks_after_an_incremental_refresh_look_at_the_written_rows_only(tmp_db: Path) -> None:
    sequence = Sequence(21)
    load("cases", sequence.cases_load())
    load("events", sequence.events_load())
    with pytest.raises(Discard), store.new_version() as con:
        _land_an_update(con)
        assert marts.refresh_marts(con) == "incremental"
        written = con.sql("SELECT count(*) FROM stg_complaint").fetchall()[0][0]
        assert 0 < written < con.sql("SELECT count(*) FROM fct_complaint").fetchall()[0][0]
        clean = validate_marts(con)
        assert clean.ok, clean.critical_failures
        assert "增量" in _result(clean, "marts.case_key_unique")["details"]
        assert "fct_case_stage" in _result(clean, "marts.schema_keys")["details"]

        # A duplicate among the written rows is still found, by both checks of fct_complaint's keys ...
        con.execute("INSERT INTO fct_complaint SELECT * FROM fct_complaint SEMI JOIN stg_complaint USING (case_key)")
        broken = validate_marts(con)
        assert _result(broken, "marts.case_key_unique")["unexpected_count"] == written
        assert _result(broken, "marts.case_natural_key_unique")["unexpected_count"] == written
        # ... and one in fct_case_risk by the schema's key check.
        con.execute(
            "DELETE FROM fct_complaint WHERE rowid IN (SELECT max(rowid) FROM fct_complaint GROUP BY case_key "
            "HAVING count(*) > 1)"
        )
        con.execute(
            "INSERT INTO fct_case_risk SELECT * FROM fct_case_risk WHERE case_key = (SELECT min(case_key) "
            "FROM stg_complaint)"
        )
        keys = _result(validate_marts(con), "marts.schema_keys")
        assert not keys["success"] and "fct_case_risk" in keys["details"]

        # A full rebuild drops the scope: every row is grouped again.
        con.execute("DELETE FROM fct_case_risk WHERE rowid = (SELECT max(rowid) FROM fct_case_risk)")
        marts.rebuild_marts(con)
        assert marts.refresh_scope(con) == {}
        assert "增量" not in _result(validate_marts(con), "marts.case_key_unique")["details"]
        raise Discard
