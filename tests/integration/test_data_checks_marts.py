"""Mart checks on a star schema built by hand here (independent of warehouse/sql), plus the catalog docs."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_checks.catalog import list_checks
from data_checks.check import STALE_AFTER_DAYS, now_cst
from data_checks.gate import load_check_results, record_outcome, validate_marts
from data_checks.mart_checks import MART_CHECKS
from warehouse import store

TODAY = now_cst().date()
README = Path(__file__).resolve().parents[2] / "data_checks" / "README.md"
N_CASES = 40


def build_fact_rows(n: int = N_CASES) -> pl.DataFrame:
    """Cases received over the last ~280 days; every fifth without a customer identifier."""
    rows = []
    for i in range(n):
        received_date = TODAY - timedelta(days=1 + i * 7)
        received_at = datetime.combine(received_date, datetime.min.time()) + timedelta(hours=9, minutes=i)
        closed_at = received_at + timedelta(days=i % 10, hours=2) if i % 3 else None
        deadline = 60 if i % 4 == 3 else 15
        identified = i % 5 != 0
        rows.append(
            {
                "case_key": i + 1,
                "source_system": "default",
                "case_id": f"C{i}",
                "received_at": received_at,
                "received_date": received_date,
                "closed_at": closed_at,
                "closed_date": closed_at.date() if closed_at else None,
                "status": "已办结" if closed_at else "办理中",
                "is_closed": closed_at is not None,
                "channel_key": 1 + i % 3,
                "product_key": 1 + i % 2,
                "issue_key": 1 + i % 2,
                "region_key": 1 + i % 4,
                "branch_key": None if i % 2 else 1,
                "department_key": None if i % 3 else 1,
                "complainant_key": hashlib.sha256(f"id{i % 4}".encode()).hexdigest() if identified else None,
                "has_complainant": identified,
                "deadline_days": deadline,
                "due_date": received_date + timedelta(days=deadline),
                "is_repeat": identified and i >= 8,
                "batch_id": 1,
            }
        )
    return pl.DataFrame(
        rows,
        schema_overrides={
            "closed_at": pl.Datetime("us"),
            "closed_date": pl.Date,
            "branch_key": pl.Int32,
            "department_key": pl.Int32,
            "deadline_days": pl.Int32,
        },
    )


def build_customer_rows() -> pl.DataFrame:
    months = sorted({(TODAY - timedelta(days=30 * k)).replace(day=1) for k in range(6)})
    rows = [
        {
            "region_key": region,
            "month": month,
            "source_system": "default",
            "personal_customers": 500_000 + 1000 * region,
            "branches": 40,
        }
        for month in months
        for region in (1, 2, 3)
    ]
    return pl.DataFrame(rows)


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    """A small star schema with the documented column names (docs/design.md)."""
    con.execute(f"""
        CREATE TABLE dim_channel AS SELECT * FROM (VALUES (1, '电话'), (2, '网络'), (3, '来访')) t(channel_key, channel);
        CREATE TABLE dim_product AS
            SELECT * FROM (VALUES (1, '信用卡', '信用卡分期'), (2, '零售信贷', '房抵贷')) t(product_key, business_line, product);
        CREATE TABLE dim_issue AS SELECT * FROM (VALUES (1, '息费争议'), (2, '催收方式')) t(issue_key, issue);
        CREATE TABLE dim_region AS SELECT * FROM (VALUES
            (1, '广东省', '广东', NULL), (2, '广东省', '广东', '深圳市'), (3, '北京市', '北京', '北京市'),
            (4, 'CA', 'CA', NULL)) t(region_key, province, province_short, city);
        CREATE TABLE dim_branch AS SELECT * FROM (VALUES (1, '深圳分行')) t(branch_key, branch);
        CREATE TABLE dim_department AS SELECT * FROM (VALUES (1, '消费者权益保护部')) t(department_key, department);
        CREATE TABLE dim_date AS
            SELECT d::DATE AS date, year(d)::INTEGER AS year
            FROM range(DATE '{TODAY}' - INTERVAL 500 DAY, DATE '{TODAY}' + INTERVAL 400 DAY, INTERVAL 1 DAY) t(d);
    """)
    facts, customers = build_fact_rows(), build_customer_rows()  # noqa: F841 (read by DuckDB below)
    con.execute("CREATE TABLE fct_complaint AS SELECT * FROM facts")
    con.execute("CREATE TABLE fct_customer_base AS SELECT * FROM customers")


@pytest.fixture
def marts_con(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "marts.duckdb"))
    store.ensure_raw_schema(con)
    build_marts(con)
    yield con
    con.close()


LATER = TODAY + timedelta(days=5)
BREAKERS: dict[str, tuple[str, str]] = {
    # check id -> (SQL that breaks the good schema, text the failure must show)
    **{
        f"marts.dim_{d}_key_unique": (f"INSERT INTO dim_{d} ({d}_key) VALUES (1)", "2 行不符")
        for d in ("channel", "product", "issue", "region", "branch", "department")
    },
    **{
        f"marts.dim_{d}_key_not_null": (f"INSERT INTO dim_{d} ({d}_key) VALUES (NULL)", "1 行不符")
        for d in ("channel", "product", "issue", "region", "branch", "department")
    },
    "marts.dim_region_province_canonical": ("INSERT INTO dim_region VALUES (9, '广东', '广东', NULL)", "广东"),
    "marts.customer_base_positive": (
        "UPDATE fct_customer_base SET personal_customers = 0 WHERE region_key = 2 "
        "AND month = (SELECT max(month) FROM fct_customer_base)",
        "例如 0",
    ),
    "marts.case_key_unique": ("UPDATE fct_complaint SET case_key = 1 WHERE case_id = 'C1'", "例如 1"),
    "marts.case_natural_key_unique": ("UPDATE fct_complaint SET case_id = 'C0' WHERE case_id = 'C1'", "default/C0"),
    **{
        f"marts.fk_{d}": (f"UPDATE fct_complaint SET {d}_key = 99 WHERE case_id = 'C3'", f"C3（{d}_key=99）")
        for d in ("channel", "product", "issue", "region", "branch", "department")
    },
    "marts.fk_received_date": (
        "DELETE FROM dim_date WHERE date = (SELECT received_date FROM fct_complaint WHERE case_id = 'C4')",
        "C4",
    ),
    "marts.fk_customer_base_region": (
        "UPDATE fct_customer_base SET region_key = 99 WHERE region_key = 3 "
        "AND month = (SELECT min(month) FROM fct_customer_base)",
        "region_key=99",
    ),
    "marts.repeat_needs_complainant": ("UPDATE fct_complaint SET is_repeat = TRUE WHERE case_id = 'C5'", "C5"),
    "marts.closed_not_before_received": (
        "UPDATE fct_complaint SET closed_at = received_at - INTERVAL 1 HOUR WHERE case_id = 'C1'",
        "C1",
    ),
    "marts.due_date_rule": ("UPDATE fct_complaint SET due_date = due_date + 1 WHERE case_id = 'C2'", "C2"),
    "marts.received_not_future": (
        f"UPDATE fct_complaint SET received_date = DATE '{LATER}', due_date = DATE '{LATER}' + deadline_days "
        "WHERE case_id = 'C6'",
        f"C6（受理日期 {LATER}）",
    ),
    "marts.data_recent": (
        f"UPDATE fct_complaint SET received_date = received_date - {STALE_AFTER_DAYS + 10}, "
        f"due_date = due_date - {STALE_AFTER_DAYS + 10}",
        "距今",
    ),
}
CHECKS_BY_ID = {check.id: check for check in MART_CHECKS}


def test_every_mart_check_has_a_breaking_case_here() -> None:
    assert set(BREAKERS) == set(CHECKS_BY_ID)


def test_good_marts_pass_every_check(marts_con: duckdb.DuckDBPyConnection) -> None:
    outcome = validate_marts(marts_con)
    assert outcome.ok, outcome.critical_failures
    assert outcome.failed_checks == []
    assert [r["expectation"] for r in outcome.results] == [c.id for c in MART_CHECKS]
    by_id = {r["expectation"]: r for r in outcome.results}
    assert by_id["marts.case_key_unique"]["element_count"] == N_CASES
    dims = marts_con.sql("SELECT count(*) FROM dim_region").fetchall()[0][0]
    assert by_id["marts.dim_region_province_canonical"]["element_count"] == dims  # GX ran on the table


@pytest.mark.parametrize("check_id", sorted(BREAKERS))
def test_each_mart_check_fails_on_data_broken_for_it(marts_con: duckdb.DuckDBPyConnection, check_id: str) -> None:
    statement, shown = BREAKERS[check_id]
    marts_con.execute(statement)
    outcome = validate_marts(marts_con)
    check = CHECKS_BY_ID[check_id]
    assert outcome.failed_checks == [check_id], "only the check aimed at should fail"
    assert outcome.ok is (not check.critical)
    result = next(r for r in outcome.results if r["expectation"] == check_id)
    assert shown in result["details"], result["details"]
    if check.critical:
        assert outcome.critical_failures == [f"{result['details']}（检查项 {check_id}）"]


def test_null_key_of_a_required_dimension_fails_but_of_an_optional_one_passes(
    marts_con: duckdb.DuckDBPyConnection,
) -> None:
    marts_con.execute("UPDATE fct_complaint SET branch_key = NULL, department_key = NULL")
    assert validate_marts(marts_con).ok
    marts_con.execute("UPDATE fct_complaint SET region_key = NULL WHERE case_id IN ('C7', 'C8')")
    outcome = validate_marts(marts_con)
    assert outcome.failed_checks == ["marts.fk_region"]
    result = next(r for r in outcome.results if r["expectation"] == "marts.fk_region")
    assert result["unexpected_count"] == 2


def test_repeat_rule_falls_back_to_complainant_key_without_has_complainant(
    marts_con: duckdb.DuckDBPyConnection,
) -> None:
    marts_con.execute("ALTER TABLE fct_complaint DROP COLUMN has_complainant")
    assert validate_marts(marts_con).ok
    marts_con.execute("UPDATE fct_complaint SET is_repeat = TRUE WHERE complainant_key IS NULL")
    expected = marts_con.sql("SELECT count(*) FROM fct_complaint WHERE complainant_key IS NULL").fetchall()[0][0]
    outcome = validate_marts(marts_con)
    result = next(r for r in outcome.results if r["expectation"] == "marts.repeat_needs_complainant")
    assert (result["success"], result["unexpected_count"]) == (False, expected)


def test_missing_dimension_table_fails_its_checks_with_the_reason(marts_con: duckdb.DuckDBPyConnection) -> None:
    marts_con.execute("DROP TABLE dim_branch")
    outcome = validate_marts(marts_con)
    assert sorted(outcome.failed_checks) == [
        "marts.dim_branch_key_not_null",
        "marts.dim_branch_key_unique",
        "marts.fk_branch",
    ]
    assert all("dim_branch 不存在" in line for line in outcome.critical_failures)


def test_missing_column_fails_the_check_that_needs_it(marts_con: duckdb.DuckDBPyConnection) -> None:
    marts_con.execute("ALTER TABLE fct_complaint DROP COLUMN due_date")
    outcome = validate_marts(marts_con)
    assert outcome.failed_checks == ["marts.due_date_rule"]
    assert "检查无法执行" in outcome.critical_failures[0]


def test_empty_warehouse_has_nothing_to_check() -> None:
    with store.new_version() as con:
        outcome = validate_marts(con)
    assert outcome.ok
    assert outcome.results == []


def test_mart_results_are_recorded_and_the_latest_run_is_read_back() -> None:
    with store.new_version() as con:
        build_marts(con)
        first = validate_marts(con)
        record_outcome(con, None, first)
        con.execute(BREAKERS["marts.due_date_rule"][0])
        second = validate_marts(con)
        record_outcome(con, 3, second)
        assert not second.ok
    reader = store.open_reader()
    try:
        runs = reader.sql("SELECT count(DISTINCT checked_at), count(*) FROM dq_result WHERE suite = 'marts'").fetchall()
        assert runs == [(2, len(first.results) + len(second.results))]
        latest = load_check_results(reader)
        assert latest.height == len(second.results)
        assert latest["batch_id"].unique().to_list() == [3]
        top = latest.row(0, named=True)
        assert (top["expectation"], top["success"], top["critical"], top["severity"]) == (
            "marts.due_date_rule",
            False,
            True,
            "关键",
        )
        assert top["description"] == CHECKS_BY_ID["marts.due_date_rule"].description
    finally:
        reader.close()


def test_readme_lists_every_check_with_its_severity() -> None:
    text = README.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\|\s*`([\w.]+)`\s*\|\s*(关键|警告)\s*\|", text, re.M)}
    assert rows == {check.id: check.severity_label for check in list_checks()}


def test_check_ids_are_unique_and_namespaced() -> None:
    ids = [check.id for check in list_checks()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"(cases|customers|events|contacts|defects|marts)\.[a-z_]+", i) for i in ids)
