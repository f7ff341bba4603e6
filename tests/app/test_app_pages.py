"""AppTest: the router and the 数据概况 / 数据质量 pages on a missing, an empty and a seeded warehouse.

The seeded warehouse is written straight into the landing and bookkeeping
tables (the schema of warehouse/sql/raw/00_raw.sql) so each figure a page shows can
be compared with a figure this test derives from the rows it wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views.warehouse_views import list_rejected_loads
from tests.builders import build_cases, write_csv
from warehouse import store
from warehouse.importer.pipeline import import_file

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
HOME = "pages/home.py"
QUALITY = "pages/data_quality.py"
IMPORT = "pages/data_import.py"


@dataclass(frozen=True)
class SeededBatch:
    batch_id: int
    file_name: str
    read: int
    loaded: int
    updated: int
    duplicates: int
    quarantined: int
    rules: dict[str, int]  # rule -> quarantine records


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def tables_with(at: AppTest, *headers: str) -> list:
    """The tables (pandas frames, in page order) that have all these Chinese headers."""
    frames = [d.value for d in at.dataframe]
    return [f for f in frames if set(headers) <= set(f.columns)]


def insert_batch(con, batch_id: int, file_name: str, first_case: int, n_cases: int, rules: list[str]) -> SeededBatch:
    """One cases batch: n_cases landed rows, one quarantine record per rule entry (one source row each)."""
    start = datetime(2026, 3, 1, 9, 0) + timedelta(days=batch_id)
    for i in range(n_cases):
        con.execute(
            """INSERT INTO raw_cases (batch_id, source_row, source_system, case_id, received_at, channel, product,
                                      issue, province, row_hash)
               VALUES (?, ?, 'default', ?, ?, '电话', '信用卡分期', '息费争议', '广东省', ?)""",
            [batch_id, i + 1, f"C{first_case + i:05d}", start + timedelta(hours=i), f"h{batch_id}-{i}"],
        )
    for j, rule in enumerate(rules):
        con.execute(
            """INSERT INTO quarantine VALUES (?, ?, '受理时间', '受理时间', 'not-a-date', ?, ?)""",
            [batch_id, n_cases + j + 1, rule, f"第 {n_cases + j + 1} 行：规则 {rule} 不通过"],
        )
    duplicates = 1 if n_cases > 1 else 0
    read = n_cases + duplicates + len(rules)
    con.execute(
        """INSERT INTO etl_batch VALUES (?, ?, 'sha', 'cases', 'canonical', 'default', ?, ?, ?, ?, 0, ?, ?, 'loaded', '', 0, 0)""",
        [batch_id, file_name, start, start + timedelta(minutes=1), read, n_cases, duplicates, len(rules)],
    )
    counts: dict[str, int] = {}
    for rule in rules:
        counts[rule] = counts.get(rule, 0) + 1
    return SeededBatch(batch_id, file_name, read, n_cases, 0, duplicates, len(rules), counts)


@pytest.fixture
def seeded(tmp_db: Path) -> list[SeededBatch]:
    with store.new_version(tmp_db) as con:
        first = insert_batch(con, 1, "二月投诉.csv", 0, 12, ["closed_before_received", "missing_required"])
        second = insert_batch(con, 2, "三月投诉.xlsx", 12, 7, ["missing_required"] * 3)
        con.execute(
            """INSERT INTO dq_result VALUES
               (2, 'raw_cases', 'expect_column_values_to_not_be_null', 'case_id', true, true, 0, 7, NULL, ?),
               (2, 'raw_cases', 'expect_column_values_to_be_between', 'amount_disputed_yuan', false, false, 1, 7,
                NULL, ?)""",
            [datetime(2026, 3, 3), datetime(2026, 3, 3)],
        )
    return [first, second]


@pytest.mark.parametrize("page", [HOME, QUALITY])
def test_pages_explain_how_to_create_a_missing_warehouse(page: str) -> None:
    at = open_app(page)
    notes = " ".join(i.value for i in at.info)
    assert "还没有数据仓库" in notes and "python -m warehouse demo" in notes


def test_router_lists_the_pages_with_chinese_titles() -> None:
    at = open_app()
    assert [t.value for t in at.title] == ["驾驶舱总览"]  # the cockpit is the home page
    for page, title in [(HOME, "数据概况"), (QUALITY, "数据质量"), (IMPORT, "数据导入")]:
        at.switch_page(page).run()
        assert not at.exception
        assert at.title[0].value == title


@pytest.mark.parametrize("page", [HOME, QUALITY])
def test_pages_say_an_empty_warehouse_has_no_data(tmp_db: Path, page: str) -> None:
    with store.new_version(tmp_db):
        pass
    at = open_app(page)
    assert any("还没有导入任何数据" in i.value for i in at.info)


def test_home_shows_what_the_warehouse_holds(seeded: list[SeededBatch]) -> None:
    at = open_app(HOME)
    values = metric_values(at)
    assert values["投诉案件数"] == f"{sum(b.loaded for b in seeded):,}"
    assert values["导入批次"] == str(len(seeded))
    # The last landed case of the last batch has the latest 受理时间 (one hour apart, batch start one day apart).
    last = seeded[-1]
    latest = datetime(2026, 3, 1, 9, 0) + timedelta(days=last.batch_id) + timedelta(hours=last.loaded - 1)
    assert values["最近受理日期"] == latest.strftime("%Y-%m-%d")
    assert any(latest.strftime("%Y-%m-%d %H:%M") in c.value for c in at.caption)
    recent = at.dataframe[-1].value
    assert list(recent["文件名"]) == [b.file_name for b in reversed(seeded)]


def test_quality_page_reconciles_the_latest_batch_then_the_chosen_one(seeded: list[SeededBatch]) -> None:
    at = open_app(QUALITY)
    for batch in (seeded[-1], seeded[0]):
        if batch is not seeded[-1]:
            at.selectbox(key="dq-batch").select(batch.batch_id).run()
            assert not at.exception
        values = metric_values(at)
        expected = {
            "读取": batch.read,
            "新增": batch.loaded,
            "更新": batch.updated,
            "重复": batch.duplicates,
            "隔离": batch.quarantined,
        }
        assert {k: values[k] for k in expected} == {k: f"{v:,}" for k, v in expected.items()}
        assert any(batch.file_name in m.value for m in at.markdown)
        by_rule = tables_with(at, "规则", "隔离记录数")[0]  # tab 本批次 comes first
        assert dict(zip(by_rule["规则"], by_rule["隔离记录数"], strict=True)) == batch.rules
        (rows,) = tables_with(at, "源文件行号")
        assert len(rows) == batch.quarantined
        assert list(rows.columns) == ["源文件行号", "字段", "源表头", "值", "规则", "原因"]
        assert [d.label for d in at.get("download_button")] == ["下载隔离行（CSV）"]


def test_quality_page_counts_rules_over_all_batches(seeded: list[SeededBatch]) -> None:
    at = open_app(QUALITY)
    totals: dict[str, int] = {}
    for batch in seeded:
        for rule, n in batch.rules.items():
            totals[rule] = totals.get(rule, 0) + n
    by_rule = tables_with(at, "规则", "隔离记录数")[1]  # tab 全部批次
    assert dict(zip(by_rule["规则"], by_rule["隔离记录数"], strict=True)) == totals


def test_quality_page_shows_suite_results_of_the_batch(seeded: list[SeededBatch]) -> None:
    at = open_app(QUALITY)
    checks = tables_with(at, "检查套件")[0]  # tab 本批次的检查
    assert len(checks) == 2
    values = metric_values(at)
    assert values["未通过"] == "1" and values["通过"] == "1" and values["关键检查未通过"] == "0"


def test_quality_page_lists_rejected_loads_even_without_a_warehouse(tmp_path: Path) -> None:
    bad = write_csv(build_cases(3).drop("product"), tmp_path / "缺少产品列.csv")
    result = import_file(bad)
    assert result.rejected and store.current_version() is None
    at = open_app(QUALITY)
    (rejected,) = tables_with(at, "文件", "说明")
    assert list(rejected["文件"]) == [str(bad)]
    assert "产品" in rejected["说明"][0]


def test_a_newly_published_version_is_seen_on_the_next_run(seeded: list[SeededBatch], tmp_db: Path) -> None:
    at = open_app(HOME)
    before = metric_values(at)["导入批次"]
    with store.new_version(tmp_db) as con:
        insert_batch(con, 3, "四月投诉.csv", 100, 4, [])
    at.run()
    assert not at.exception
    assert before == str(len(seeded))
    assert metric_values(at)["导入批次"] == str(len(seeded) + 1)


def test_rejected_log_skips_a_line_cut_short_and_lists_newest_first(tmp_path: Path) -> None:
    log = tmp_path / "cockpit.duckdb.loadlog.jsonl"
    entries = [{"at": f"2026-03-0{i}T10:00:00", "file": f"f{i}.csv", "rejected": True, "message": "m"} for i in (1, 2)]
    log.write_text("\n".join(json.dumps(e) for e in entries) + '\n{"at": "2026-03-03', encoding="utf-8")
    frame = list_rejected_loads(log)
    assert list(frame["file"]) == ["f2.csv", "f1.csv"]
    assert list_rejected_loads(tmp_path / "absent.jsonl").is_empty()
