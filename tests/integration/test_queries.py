"""Every file in queries/ is valid and runs; the registry refuses broken files; a new file is found and run."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard.charts.query_chart import build_query_chart
from dashboard.engine import queries as registry
from dashboard.engine.sandbox import SandboxError, open_sandbox
from dashboard.export.table_export import encode_csv, encode_xlsx
from tests.sql_warehouse import build_sql_warehouse
from warehouse.settings import PROJECT_ROOT


@pytest.fixture
def sql_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sql_warehouse(tmp_path_factory)


QUERY_FILES = sorted(registry.QUERIES_DIR.rglob("*.sql"))

GOOD_QUERY = """\
-- name: complaints_volume_by_issue
-- title: 各问题类型投诉量
-- description: 所选期间各问题类型的投诉件数
-- grain: [issue]
-- params:
--   start_date: date
--   end_date: date
--   channel: {type: text, options: channel, optional: true, label: 渠道}
-- chart: {type: bar, x: issue, y: n_complaints}
-- tags: [问题类型, 新增]
SELECT issue, count(*) AS n_complaints
FROM v_complaint
WHERE received_date BETWEEN $start_date AND $end_date AND ($channel IS NULL OR channel = $channel)
GROUP BY issue
ORDER BY n_complaints DESC, issue
"""


def write_query(folder: Path, group: str, stem: str, text: str) -> Path:
    path = folder / group / f"{stem}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_there_are_at_least_twelve_starter_queries() -> None:
    queries, problems = registry.load_queries()
    assert problems == []
    assert len(queries) >= 12 and len(queries) == len(QUERY_FILES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_query_file_is_valid_and_runs_at_its_grain(path: Path, sql_warehouse: Path) -> None:
    query = registry.load_query(path, registry.QUERIES_DIR)
    assert query.name == path.stem
    with open_sandbox(sql_warehouse) as sandbox:
        values = registry.default_values(query, sandbox)
        assert set(values) == {p.name for p in query.params}
        result = registry.run_query(query, values, sandbox, row_cap=1_000_000)
    assert not result.truncated
    assert result.frame.height > 0, "the test warehouse has data for every starter query"
    assert set(query.grain) <= set(result.columns)
    assert result.frame.select(list(query.grain)).is_duplicated().sum() == 0
    assert set(query.chart.columns()) <= set(result.columns)
    assert registry.check_result(query, result) == []
    figure = build_query_chart(result.frame, query.chart, query.title)
    assert (figure is None) == (query.chart.type == "table")
    if figure is not None:
        assert len(figure.data) >= 1


def test_a_query_result_matches_a_count_done_another_way(sql_warehouse: Path) -> None:
    query = registry.load_query(registry.QUERIES_DIR / "volume" / "complaints_volume_by_channel.sql")
    with open_sandbox(sql_warehouse) as sandbox:
        values = {"start_date": date(2026, 1, 1), "end_date": date(2026, 3, 31)}
        result = registry.run_query(query, values, sandbox)
        cases = sandbox.run("SELECT received_date, channel FROM v_complaint", row_cap=1_000_000).frame
    expected = (
        cases.filter(pl.col("received_date").is_between(values["start_date"], values["end_date"]))
        .group_by(month=pl.col("received_date").dt.strftime("%Y-%m"), channel=pl.col("channel"))
        .agg(n_complaints=pl.len())
    )
    assert result.frame.sort("month", "channel").rows() == expected.sort("month", "channel").rows()


BROKEN = {
    "name_differs": (GOOD_QUERY.replace("name: complaints_volume_by_issue", "name: other_name"), "应与文件名一致"),
    "param_not_declared": (GOOD_QUERY.replace("--   end_date: date\n", ""), "用到但未声明：$end_date"),
    "param_not_used": (GOOD_QUERY.replace("AND ($channel IS NULL OR channel = $channel)", ""), "声明但未使用：channel"),
    "writes": (GOOD_QUERY.split("SELECT issue")[0] + "DELETE FROM fct_complaint", "DELETE"),
    "two_statements": (GOOD_QUERY.rstrip() + ";\nSELECT 1\n", "一条语句"),
    "reads_a_file": (GOOD_QUERY.replace("FROM v_complaint", "FROM read_csv('/etc/passwd')"), "read_csv"),
    "raw_table": (GOOD_QUERY.replace("FROM v_complaint", "FROM raw_cases"), "raw_cases"),
    "chart_type": (GOOD_QUERY.replace("type: bar", "type: radar"), "chart.type"),
    "chart_needs_y": (GOOD_QUERY.replace(", y: n_complaints", ""), "需要 chart 的 y"),
    "option_source": (GOOD_QUERY.replace("options: channel", "options: planet"), "options"),
    "param_type": (GOOD_QUERY.replace("start_date: date", "start_date: datetime"), "类型"),
    "bad_yaml": (GOOD_QUERY.replace("grain: [issue]", "grain: [issue"), "YAML"),
    "no_header": ("SELECT 1 AS x\n", "文件头"),
    "missing_key": (GOOD_QUERY.replace("-- description: 所选期间各问题类型的投诉件数\n", ""), "description"),
    "unknown_key": (GOOD_QUERY.replace("-- tags:", "-- tag:"), "未知的键"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_registry_refuses_a_broken_file(case: str, tmp_path: Path) -> None:
    text, fragment = BROKEN[case]
    write_query(tmp_path, "tests", "complaints_volume_by_issue", text)
    queries, problems = registry.load_queries(tmp_path)
    assert queries == []
    assert len(problems) == 1
    assert "tests/complaints_volume_by_issue.sql" in problems[0]
    assert fragment in problems[0]


def test_grain_and_chart_columns_are_checked_on_the_result(sql_warehouse: Path, tmp_path: Path) -> None:
    wrong_grain = (
        GOOD_QUERY.replace("grain: [issue]", "grain: [channel]")
        .replace("SELECT issue, count(*)", "SELECT issue, channel, count(*)")
        .replace("GROUP BY issue", "GROUP BY issue, channel")
    )
    write_query(tmp_path, "a", "complaints_volume_by_issue", wrong_grain)
    missing_column = GOOD_QUERY.replace("name: complaints_volume_by_issue", "name: complaints_count_by_issue").replace(
        "y: n_complaints", "y: n_cases"
    )
    write_query(tmp_path, "b", "complaints_count_by_issue", missing_column)
    problems = registry.check_all(tmp_path, sql_warehouse)
    assert any("complaints_volume_by_issue" in p and "重复" in p for p in problems), problems
    assert any("complaints_count_by_issue" in p and "n_cases" in p for p in problems), problems


def test_duplicate_names_in_two_groups_are_refused(tmp_path: Path) -> None:
    write_query(tmp_path, "a", "complaints_volume_by_issue", GOOD_QUERY)
    write_query(tmp_path, "b", "complaints_volume_by_issue", GOOD_QUERY)
    queries, problems = registry.load_queries(tmp_path)
    assert len(queries) == 1 and len(problems) == 1 and "重复" in problems[0]


def test_a_new_query_file_is_found_run_with_parameters_and_downloaded(sql_warehouse: Path, tmp_path: Path) -> None:
    folder = tmp_path / "queries"
    before, _ = registry.load_queries(folder) if folder.exists() else ([], [])
    write_query(folder, "issue", "complaints_volume_by_issue", GOOD_QUERY)
    queries, problems = registry.load_queries(folder)
    assert (len(before), len(queries), problems) == (0, 1, [])
    assert [q.name for q in registry.search_queries(queries, "问题类型")] == ["complaints_volume_by_issue"]
    assert [q.name for q in registry.search_queries(queries, "", ["新增"])] == ["complaints_volume_by_issue"]
    assert registry.search_queries(queries, "不存在的词") == []
    query = queries[0]
    assert query.param("channel").options == "channel"
    with open_sandbox(sql_warehouse) as sandbox:
        channels = registry.list_options(sandbox, "channel")
        assert "电话" in channels
        everything = registry.run_query(query, {"start_date": "2024-01-01", "end_date": "2026-12-31"}, sandbox)
        by_phone = registry.run_query(
            query, {"start_date": date(2024, 1, 1), "end_date": date(2026, 12, 31), "channel": "电话"}, sandbox
        )
        phone_cases = sandbox.run(
            "SELECT count(*) FROM v_complaint WHERE channel = '电话' AND received_date >= DATE '2024-01-01'"
        ).frame.item()
        with pytest.raises(SandboxError, match="开始日期"):
            registry.run_query(query, {"end_date": date(2026, 12, 31)}, sandbox)
    assert by_phone.frame["n_complaints"].sum() == phone_cases
    assert everything.frame["n_complaints"].sum() > by_phone.frame["n_complaints"].sum()

    csv = encode_csv(by_phone.frame)
    assert csv.startswith("\ufeff".encode())
    assert pl.read_csv(io.BytesIO(csv[3:])).rows() == by_phone.frame.rows()
    sheet = load_workbook(io.BytesIO(encode_xlsx(by_phone.frame))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == by_phone.frame.columns
    assert [tuple(r) for r in rows[1:]] == by_phone.frame.rows()


def test_header_params_accept_the_short_and_the_long_form(tmp_path: Path) -> None:
    path = write_query(tmp_path, "issue", "complaints_volume_by_issue", GOOD_QUERY)
    query = registry.load_query(path, tmp_path)
    assert [(p.name, p.type, p.optional) for p in query.params] == [
        ("start_date", "date", False),
        ("end_date", "date", False),
        ("channel", "text", True),
    ]
    assert query.param("start_date").label == "开始日期"
    assert query.group == "issue" and query.tags == ("问题类型", "新增")


def test_check_command_fails_on_a_broken_file_and_passes_on_good_ones(sql_warehouse: Path, tmp_path: Path) -> None:
    write_query(tmp_path, "issue", "complaints_volume_by_issue", GOOD_QUERY)
    command = [
        sys.executable,
        "-m",
        "dashboard.engine.queries",
        "--check",
        "--folder",
        str(tmp_path),
        "--db",
        str(sql_warehouse),
    ]
    good = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    write_query(tmp_path, "issue", "complaints_broken_by_issue", GOOD_QUERY)  # name differs from stem
    bad = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert bad.returncode == 1
    assert "complaints_broken_by_issue" in bad.stdout and "应与文件名一致" in bad.stdout
