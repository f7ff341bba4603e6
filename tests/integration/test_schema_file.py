"""warehouse/sql/schema.yaml against what the SQL builds, the mart checks that read it, and docs/schema.md.

The demo warehouse (one per session, tests/cockpit_support.py) is built by the real CLI, so it holds every
table the pipeline writes; the check tests break a copy of it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from data_checks.gate import validate_marts
from data_checks.mart_checks import MART_CHECKS
from data_checks.schema_checks import (
    KEYS_CHECKED_ELSEWHERE,
    SCHEMA_CHECKS,
    compare_columns,
    find_key_violation,
    list_built_columns,
)
from tests import cockpit_support as support
from warehouse import store
from warehouse.commands import rebuild
from warehouse.schema import (
    LAYERS,
    SCHEMA_FILE,
    Column,
    SchemaError,
    Table,
    load_schema,
    main,
    parse_schema,
    persistent_tables,
    render_markdown,
)

PROJECT_ROOT = support.PROJECT_ROOT
SCHEMA_DOC = PROJECT_ROOT / "docs" / "schema.md"
SCHEMA_IDS = [check.id for check in SCHEMA_CHECKS]


@pytest.fixture(scope="module")
def demo(demo_db: Path):
    con = store.open_reader(str(demo_db))
    yield con
    con.close()


@pytest.fixture
def broken(demo_db: Path, tmp_path: Path):
    """A writable copy of the demo warehouse, to break."""
    copy = tmp_path / "broken.duckdb"
    shutil.copyfile(store.current_version(str(demo_db)), copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


# ------------------------------------------------------------------------------------ the file against the SQL


def test_demo_warehouse_holds_exactly_the_documented_tables_columns_and_types(demo: duckdb.DuckDBPyConnection) -> None:
    built = {table: list(columns.items()) for table, columns in list_built_columns(demo).items()}
    declared = {name: [(c.name, c.type) for c in t.columns] for name, t in persistent_tables().items()}
    assert sorted(set(built) - set(declared)) == [], "tables the warehouse holds but schema.yaml does not document"
    assert sorted(set(declared) - set(built)) == [], "tables schema.yaml documents but the warehouse does not hold"
    for name, columns in declared.items():
        assert built[name] == columns, f"{name}: columns (in table order) and types differ from schema.yaml"
    assert compare_columns(persistent_tables(), list_built_columns(demo)) == []


def test_every_layer_of_the_pipeline_is_documented() -> None:
    layers = {table.layer for table in load_schema().values()}
    assert layers == set(LAYERS)
    prefixes = {"raw": ("raw_", "etl_batch", "quarantine", "dq_result"), "config": ("cfg_", "ref_")}
    prefixes |= {"staging": ("stg_",), "mart": ("dim_", "fct_", "bridge_"), "view": ("v_",), "aggregate": ("agg_",)}
    for table in load_schema().values():
        assert table.name.startswith(prefixes[table.layer]), f"{table.name} is not named like a {table.layer} table"


def test_staging_temp_tables_are_those_the_staging_sql_creates() -> None:
    created = {
        match.group(1)
        for path in (PROJECT_ROOT / "warehouse" / "sql" / "staging").glob("*.sql")
        for match in re.finditer(r"CREATE OR REPLACE TEMP TABLE (\w+)", path.read_text(encoding="utf-8"))
    }
    documented = {name for name, table in load_schema().items() if table.temporary}
    assert documented == created


def test_each_table_names_the_file_that_creates_it() -> None:
    for table in load_schema().values():
        source = PROJECT_ROOT / table.source
        assert source.is_file(), f"{table.name}: source {table.source} does not exist"
        assert table.name in source.read_text(encoding="utf-8"), f"{table.name} is not mentioned in {table.source}"


def test_every_column_has_one_sentence() -> None:
    for table in persistent_tables().values():
        for column in table.columns:
            text = column.description
            assert "\n" not in text and len(text) <= 160, f"{table.name}.{column.name}: one short sentence"
            assert text.endswith("."), f"{table.name}.{column.name}: end the sentence with a full stop"


def test_declared_keys_hold_in_the_demo_warehouse(demo: duckdb.DuckDBPyConnection) -> None:
    """Every declared key of every table (not only the dim_*/fct_* the mart checks test) is true of real data."""
    problems = [
        problem
        for table in persistent_tables().values()
        for key, not_null in ((table.primary_key, True), (table.natural_key, False))
        if key and (problem := find_key_violation(demo, table.name, key, not_null=not_null))
    ]
    assert problems == []


def test_declared_foreign_keys_hold_in_the_demo_warehouse(demo: duckdb.DuckDBPyConnection) -> None:
    orphans = {}
    for table in persistent_tables().values():
        for fk in table.foreign_keys:
            count = demo.sql(
                f"SELECT count(*) FROM {table.name} AS s WHERE s.{fk.column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {fk.table} AS t WHERE t.{fk.references} = s.{fk.column})"
            ).fetchall()[0][0]
            if count:
                orphans[f"{table.name}.{fk.column} -> {fk.table}.{fk.references}"] = count
    assert orphans == {}


def test_the_demo_build_ran_the_schema_checks_and_they_passed(demo: duckdb.DuckDBPyConnection) -> None:
    """The import pipeline (python -m warehouse demo) ran them after its rebuild and recorded them in dq_result."""
    rows = demo.sql(
        "SELECT expectation, success, details FROM dq_result WHERE expectation IN ('marts.schema_columns', "
        "'marts.schema_keys') ORDER BY checked_at DESC, expectation"
    ).fetchall()
    latest = {expectation: (success, details) for expectation, success, details in reversed(rows)}
    assert set(latest) == set(SCHEMA_IDS)
    assert all(success for success, _ in latest.values()), latest


def test_keys_left_to_other_checks_are_declared_and_those_checks_exist() -> None:
    mart_ids = {check.id for check in MART_CHECKS}
    schema = load_schema()
    for (table, key), check_id in KEYS_CHECKED_ELSEWHERE.items():
        assert key in schema[table].keys
        assert check_id in mart_ids


# ------------------------------------------------------------------------------------ the mart checks read it

BREAKS: dict[str, tuple[str, str, list[str]]] = {
    # name -> (SQL that breaks a good warehouse, the check that must fail, what its message must name)
    "dropped column": (
        "ALTER TABLE fct_contact DROP COLUMN staff",
        "marts.schema_columns",
        ["fct_contact 缺少列 staff"],
    ),
    "undocumented column": (
        "ALTER TABLE dim_channel ADD COLUMN colour VARCHAR",
        "marts.schema_columns",
        ["dim_channel.colour 未在 schema.yaml 中说明"],
    ),
    "changed type": (
        "ALTER TABLE cfg_repeat ALTER window_days TYPE BIGINT",
        "marts.schema_columns",
        ["cfg_repeat.window_days 的类型是 BIGINT，schema.yaml 说明为 INTEGER"],
    ),
    "missing table": ("DROP TABLE fct_contact", "marts.schema_columns", ["缺少表 fct_contact"]),
    "undocumented table": ("CREATE TABLE scratch AS SELECT 1 AS x", "marts.schema_columns", ["表 scratch 未在"]),
    "duplicated primary key": (
        "INSERT INTO fct_case_stage SELECT * FROM fct_case_stage LIMIT 1",
        "marts.schema_keys",
        ["fct_case_stage 的主键（source_system, case_id, stage）重复", "出现 2 行"],
    ),
    "NULL in a primary key": (
        "UPDATE fct_customer_base SET month = NULL WHERE region_key = (SELECT min(region_key) FROM fct_customer_base)",
        "marts.schema_keys",
        ["fct_customer_base 的主键（source_system, region_key, month）有空值", "month=（空）"],
    ),
    "duplicated natural key": (
        "UPDATE dim_issue SET issue = (SELECT min(issue) FROM dim_issue) "
        "WHERE issue_key = (SELECT max(issue_key) FROM dim_issue)",
        "marts.schema_keys",
        ["dim_issue 的自然键（issue）重复"],
    ),
}


def _critical_failures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    outcome = validate_marts(con)
    return {r["expectation"]: r["details"] for r in outcome.results if r["critical"] and not r["success"]}


def test_a_good_copy_passes_the_schema_checks(broken: duckdb.DuckDBPyConnection) -> None:
    outcome = validate_marts(broken)
    by_id = {r["expectation"]: r for r in outcome.results}
    assert [by_id[i]["success"] for i in SCHEMA_IDS] == [True, True]
    assert outcome.ok, outcome.critical_failures


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_the_schema_checks_fail_on_a_broken_warehouse_naming_table_and_column(
    broken: duckdb.DuckDBPyConnection, name: str
) -> None:
    statement, check_id, shown = BREAKS[name]
    broken.execute(statement)
    failures = _critical_failures(broken)
    assert list(failures) == [check_id], "only the schema check aimed at should fail"
    for text in shown:
        assert text in failures[check_id], failures[check_id]


def test_marts_not_built_by_warehouse_marts_are_not_compared(broken: duckdb.DuckDBPyConnection) -> None:
    broken.execute("DROP TABLE cfg_marts_build; ALTER TABLE dim_channel ADD COLUMN colour VARCHAR")
    ids = [r["expectation"] for r in validate_marts(broken).results]
    assert not set(ids) & set(SCHEMA_IDS)
    assert ids == [check.id for check in MART_CHECKS]


def test_a_rebuild_that_differs_from_the_schema_file_is_not_published(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served.duckdb"
    shutil.copyfile(store.current_version(str(demo_db)), served)
    before = served.read_bytes()
    declared = dict(persistent_tables())
    fact = declared["fct_contact"]
    declared["fct_contact"] = Table(**{**fact.__dict__, "columns": (*fact.columns, Column("channel", "VARCHAR", "X."))})
    monkeypatch.setattr("data_checks.schema_checks.persistent_tables", lambda: declared)
    with pytest.raises(rebuild.MartChecksFailed, match="fct_contact 缺少列 channel"):
        rebuild.rebuild_warehouse(str(served))
    assert store.current_version(str(served)) == served.resolve()
    assert served.read_bytes() == before


# ------------------------------------------------------------------------------------ the docs read it


def test_docs_schema_md_is_the_generators_output() -> None:
    assert SCHEMA_DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/schema.md is stale: run `python -m warehouse.schema --markdown > docs/schema.md`"
    )


def test_the_generator_prints_the_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == SCHEMA_DOC.read_text(encoding="utf-8")


def test_docs_name_every_table_and_every_column_once_per_table() -> None:
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    for table in load_schema().values():
        section = text.split(f"### `{table.name}`\n", 1)[1].split("\n### ", 1)[0]
        for column in table.own_columns:
            assert f"| `{column.name}` | {column.type} |" in section, f"{table.name}.{column.name}"


def test_design_md_links_the_schema_doc() -> None:
    assert "(schema.md)" in (PROJECT_ROOT / "docs" / "design.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ the reader


def _document() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_views_carry_the_columns_of_the_table_they_extend() -> None:
    view, fact = load_schema()["v_complaint"], load_schema()["fct_complaint"]
    assert view.columns[: len(fact.columns)] == fact.columns
    assert [c.name for c in view.own_columns][:3] == ["channel", "business_line", "product"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["tables"]["dim_issue"].update(layer="marts"), "layer must be one of"),
        (lambda d: d["tables"]["dim_issue"].update(primary_key=["issue_id"]), "key columns ['issue_id']"),
        (lambda d: d["tables"]["fct_complaint"]["foreign_keys"].update(x_key="dim_x.x_key"), "foreign key column"),
        (lambda d: d["tables"]["fct_complaint"]["foreign_keys"].update(issue_key="dim_x.x"), "not declared"),
        (lambda d: d["tables"]["v_complaint"].update(extends="nothing"), "extends 'nothing'"),
        (lambda d: d["tables"]["dim_issue"]["columns"]["issue"].pop("description"), "exactly `type` and"),
        (lambda d: d["tables"]["dim_issue"].update(grian="typo"), "unknown fields ['grian']"),
        (lambda d: d["tables"]["stg_case"].update(temporary=False), "staging tables, and only they"),
    ],
)
def test_the_reader_rejects_a_schema_file_that_contradicts_itself(change, message: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(SchemaError, match=re.escape(message)):
        parse_schema(document)
