"""The SQL sandbox refuses or stops everything that could read files, write, call out or show identifiers."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import duckdb
import pytest

from dashboard.engine.sandbox import COMPLAINANT_KEY_CHARS, SandboxError, open_sandbox, parse_select, run_sql
from tests.sql_warehouse import build_sql_warehouse


@pytest.fixture
def sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sql_warehouse(tmp_path_factory)


# (statement with {dir} for a temporary folder, the kind of refusal, a fragment of the Chinese message)
REFUSED = [
    ("SELECT * FROM read_csv('/etc/passwd')", "refused", "read_csv"),
    ("SELECT * FROM read_text('/etc/hostname')", "refused", "read_text"),
    ("SELECT * FROM read_blob('/etc/hostname')", "refused", "read_blob"),
    ("SELECT * FROM glob('/etc/*')", "refused", "glob"),
    ("SELECT * FROM read_parquet('https://example.com/x.parquet')", "refused", "read_parquet"),
    ("SELECT * FROM '/etc/passwd'", "refused", "/etc/passwd"),
    ("SELECT * FROM query_table('raw_cases')", "refused", "query_table"),
    ("SELECT * FROM query('SELECT * FROM raw_cases')", "refused", "query"),
    ("SELECT * FROM duckdb_tables()", "refused", "duckdb_tables"),
    ("SELECT * FROM raw_cases", "refused", "raw_cases"),
    ("SELECT * FROM information_schema.tables", "refused", "information_schema.tables"),
    ("SHOW ALL TABLES", "refused", "SHOW"),
    ("COPY (SELECT * FROM v_complaint) TO '{dir}/out.csv'", "refused", "COPY"),
    ("COPY fct_complaint FROM '{dir}/in.csv'", "refused", "COPY"),
    ("EXPORT DATABASE '{dir}/export'", "refused", "EXPORT"),
    ("ATTACH '{dir}/other.duckdb' AS other", "refused", "ATTACH"),
    ("DETACH memory", "refused", "DETACH"),
    ("INSTALL httpfs", "refused", "INSTALL/LOAD"),
    ("LOAD httpfs", "refused", "INSTALL/LOAD"),
    ("SET enable_external_access = true", "refused", "SET"),
    ("SET lock_configuration = false", "refused", "SET"),
    ("RESET threads", "refused", "SET"),
    ("PRAGMA enable_profiling", "refused", "PRAGMA"),
    ("CREATE TABLE t AS SELECT 1 AS x", "refused", "CREATE"),
    ("CREATE TEMP VIEW v AS SELECT 1 AS x", "refused", "CREATE"),
    ("CREATE MACRO m(x) AS x + 1", "refused", "CREATE"),
    ("DROP VIEW v_complaint", "refused", "DROP"),
    ("ALTER VIEW v_complaint RENAME TO x", "refused", "ALTER"),
    ("INSERT INTO quarantine SELECT * FROM quarantine", "refused", "INSERT"),
    ("UPDATE fct_complaint SET status = 'x'", "refused", "UPDATE"),
    ("DELETE FROM etl_batch", "refused", "DELETE"),
    ("CHECKPOINT", "refused", "CHECKPOINT"),
    ("BEGIN TRANSACTION", "refused", "事务"),
    ("SELECT 1; SELECT 2", "refused", "一条语句"),
    ("SELECT 1; DROP VIEW v_complaint", "refused", "一条语句"),
    ("SELEC 1", "failed", "语法错误"),
    ("", "refused", "SELECT"),
]


@pytest.mark.parametrize(("statement", "kind", "fragment"), REFUSED, ids=[r[0][:40] for r in REFUSED])
def test_statement_is_refused_with_a_clear_message(
    statement: str, kind: str, fragment: str, sql_warehouse: Path, tmp_path: Path
) -> None:
    with pytest.raises(SandboxError) as caught:
        run_sql(statement.format(dir=tmp_path), db=sql_warehouse)
    assert caught.value.kind == kind
    assert fragment in caught.value.message
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message), "the message is for a Chinese operator"


def test_the_attached_warehouse_is_unreachable_by_its_alias(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        aliases = [
            a
            for (a,) in sandbox._con.sql(
                "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'"
            ).fetchall()
        ]
        assert len(aliases) == 1
        for statement in (
            f"SELECT * FROM {aliases[0]}.raw_cases",
            f"SELECT * FROM {aliases[0]}.main.fct_complaint",
            "SELECT * FROM memory.main.v_complaint",
            f"SELECT * FROM v_complaint WHERE case_key IN (SELECT 1 FROM {aliases[0]}.raw_cases)",
        ):
            with pytest.raises(SandboxError, match="限定"):
                sandbox.run(statement)


def test_the_instance_itself_is_locked_even_without_the_parser_check(sql_warehouse: Path, tmp_path: Path) -> None:
    """Second layer: the DuckDB instance refuses file access and setting changes on its own."""
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    with open_sandbox(sql_warehouse) as sandbox:
        con = sandbox._con
        for statement in (
            f"SELECT * FROM read_text('{secret}')",
            f"COPY (SELECT 1) TO '{tmp_path}/x.csv'",
            f"ATTACH '{tmp_path}/x.duckdb'",
            "INSTALL httpfs",
            "LOAD httpfs",
        ):
            with pytest.raises(duckdb.PermissionException):
                con.execute(statement)
        for statement in (
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "SET temp_directory = '/tmp'",
            "PRAGMA threads = 1",
        ):
            with pytest.raises(duckdb.Error, match="locked"):
                con.execute(statement)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt"]


def test_a_runaway_query_is_stopped_and_the_sandbox_stays_usable(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        started = time.monotonic()
        with pytest.raises(SandboxError) as caught:
            # 10^10 pairs from two small inputs: little memory, hours of work.
            sandbox.run(
                "SELECT count(*) FROM range(100000) AS a, range(100000) AS b WHERE a.range <> b.range", time_limit=1.0
            )
        elapsed = time.monotonic() - started
        assert caught.value.kind == "timeout"
        assert "1 秒" in caught.value.message
        assert elapsed < 5, elapsed  # the enforced time_limit (1 s) stopped it: product behaviour, not a benchmark
        assert sandbox.run("SELECT count(*) AS n FROM v_complaint").frame.item() > 0


def test_a_query_that_needs_too_much_memory_is_stopped(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        with pytest.raises(SandboxError) as caught:
            sandbox.run("SELECT count(*) FROM range(1000000000) AS a, range(1000000000) AS b", time_limit=30)
        assert "内存" in caught.value.message or caught.value.kind == "timeout"
        assert sandbox.run("SELECT count(*) FROM dim_channel").frame.item() > 0


def test_rows_are_capped_and_the_cap_is_reported(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        total = sandbox.run("SELECT count(*) FROM fct_complaint").frame.item()
        capped = sandbox.run("SELECT case_id FROM fct_complaint ORDER BY case_id", row_cap=total - 1)
        whole = sandbox.run("SELECT case_id FROM fct_complaint ORDER BY case_id", row_cap=total)
    assert (capped.frame.height, capped.truncated) == (total - 1, True)
    assert (whole.frame.height, whole.truncated) == (total, False)
    assert capped.frame["case_id"].to_list() == whole.frame["case_id"].to_list()[: total - 1]


def test_customer_identifiers_are_masked_in_every_exposed_view(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        schema = sandbox.describe()
        relations = set(schema["relation"].to_list())
        assert {"v_complaint", "fct_complaint", "dim_channel", "quarantine", "v_case_risk"} <= relations
        assert not {r for r in relations if r.startswith(("raw_", "stg_", "cfg_", "ref_"))}
        keys = sandbox.run("SELECT DISTINCT complainant_key FROM v_complaint WHERE complainant_key IS NOT NULL")
        assert keys.frame.height > 1
        assert set(keys.frame["complainant_key"].str.len_chars().to_list()) == {COMPLAINANT_KEY_CHARS}
        full_hash = re.compile(r"[0-9a-f]{64}")
        for relation, column in schema.filter(schema["type"] == "VARCHAR").select("relation", "column").rows():
            values = sandbox.run(f'SELECT DISTINCT "{column}" FROM "{relation}"', row_cap=1_000_000).frame
            assert not any(full_hash.search(v) for v in values.to_series().drop_nulls().to_list()), (relation, column)
        names = sandbox.run(
            "SELECT complainant_name_masked, phone_masked FROM v_complaint "
            "WHERE complainant_name_masked IS NOT NULL LIMIT 50"
        ).frame
    assert all(n.endswith("**") for n in names["complainant_name_masked"].to_list())
    assert all("****" in p for p in names["phone_masked"].drop_nulls().to_list())


def test_nothing_is_written_outside_the_warehouse(
    sql_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = sql_warehouse.parent

    def snapshot() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}

    before = snapshot()
    for statement, _, _ in REFUSED:
        with pytest.raises(SandboxError):
            run_sql(statement.format(dir=tmp_path), db=sql_warehouse)
    with open_sandbox(sql_warehouse) as sandbox:
        # A big sort that would spill to a temporary folder if spilling were allowed.
        sandbox.run("SELECT x FROM range(3000000) AS t(x) ORDER BY random()", row_cap=10)
        with pytest.raises(SandboxError):
            sandbox.run("SELECT count(*) FROM range(100000) AS a, range(100000) AS b", time_limit=0.5)
    assert list(tmp_path.iterdir()) == []
    assert snapshot() == before
    assert not os.path.exists("/tmp/out.csv")


def test_parameters_are_typed_and_must_all_be_given(sql_warehouse: Path) -> None:
    parsed = parse_select("SELECT count(*) FROM v_complaint WHERE received_date >= $start AND channel = $channel")
    assert parsed.params == {"start", "channel"}
    with open_sandbox(sql_warehouse) as sandbox:
        with pytest.raises(SandboxError, match=r"\$channel"):
            sandbox.run(parsed.sql, {"start": "2026-01-01"})
        everything = sandbox.run("SELECT count(*) FROM v_complaint WHERE channel = $channel", {"channel": "电话"})
        direct = sandbox.run("SELECT count(*) FILTER (WHERE channel = '电话') FROM v_complaint")
        assert everything.frame.item() == direct.frame.item() > 0


def test_a_failing_statement_says_what_went_wrong(sql_warehouse: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        run_sql("SELECT no_such_column FROM v_complaint", db=sql_warehouse)
    assert caught.value.kind == "failed"
    assert "no_such_column" in caught.value.message


def test_allowed_read_only_forms_run(sql_warehouse: Path) -> None:
    with open_sandbox(sql_warehouse) as sandbox:
        for statement in (
            "WITH m AS (SELECT received_month, count(*) AS n FROM v_complaint GROUP BY 1) SELECT * FROM m",
            "FROM dim_channel SELECT channel",
            "DESCRIBE v_complaint",
            "SUMMARIZE SELECT handling_days FROM fct_complaint",
            "SELECT * FROM range(3) AS r(x) JOIN (VALUES (1)) AS v(x) USING (x)",
            "SELECT risk_level, count(*) FROM v_case_risk GROUP BY ALL",
        ):
            assert sandbox.run(statement).frame.height > 0, statement
