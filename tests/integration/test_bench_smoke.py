"""`make bench` on a small warehouse: the engine timings and the README table come out whole.

Timings are not checked (tests do not time things); what is checked is that every measurement
runs on a real warehouse and lands in the table, so the benchmark cannot rot between releases.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from benchmarks import engine, report
from benchmarks.pages import PAGES

# A smoke run of the benchmark harness (about 6 s): `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def measured(demo_db: Path) -> dict[str, Any]:
    return engine.measure_engine(demo_db, runs=1)


def test_engine_measurements_cover_every_page_and_reference(measured: dict[str, Any]) -> None:
    for key in (
        "cockpit_cold_s",
        "cockpit_warm_s",
        "kpi_set_s",
        "kpi_set_case_table_s",
        "pandas_read_and_compute_s",
        "pandas_compute_only_s",
        "sql_reference_s",
        "sla_cards_s",
    ):
        assert math.isfinite(measured[key]) and measured[key] > 0, key
    assert set(measured["filter_change_s"]) == set(PAGES)
    for page, states in measured["filter_change_s"].items():
        assert set(states) == set(engine.FILTER_CHANGES), page
    assert measured["peak_rss_mib"] > 0
    assert set(measured["two_filters_s"]) == {"pair_cube_s", "case_table_s"}  # which path answers 省份 + 渠道


def test_parts_a_run_skipped_are_kept_from_the_earlier_result_and_named(tmp_path: Path, monkeypatch) -> None:
    from benchmarks import run

    earlier = {
        "date": "2026-11-23T00:00:00",
        "commit": "old1234",
        "csv_import": {"seconds": 30.0, "runs": 3},
        "sizes": {"1m": {"cases": 3000, "pack_pdf": {"seconds": 12.0}, "engine": {"sql_reference_s": 0.2}}},
    }
    (tmp_path / "2026-11-23-old1234.json").write_text(json.dumps(earlier), encoding="utf-8")
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    results = {"date": "2026-12-03T00:00:00", "commit": "new5678", "runs": 1, "machine": {}}
    results["sizes"] = {"1m": {"cases": 3000, "engine": {"kpi_set_s": 0.05}}}
    run.keep_parts_not_measured(results)
    assert results["csv_import"]["seconds"] == 30.0
    assert results["sizes"]["1m"]["pack_pdf"]["seconds"] == 12.0
    assert results["sizes"]["1m"]["engine"] == {"kpi_set_s": 0.05, "sql_reference_s": 0.2}
    assert results["carried_over"]["commit"] == "old1234"
    note = report.render_table(results)
    assert "old1234" in note and "1m.pack_pdf" in note and "1m.engine.sql_reference_s" in note


def test_the_readme_table_is_replaced_between_its_markers(measured: dict[str, Any], tmp_path: Path) -> None:
    results = {
        "date": "2026-11-23T00:00:00",
        "commit": "abc1234",
        "machine": {"cpus": 2, "cpu_model": "test", "memory_gib": 1.0, "python": "3.11"},
        "runs": 1,
        "sizes": {"1m": {"cases": 3000, "engine": measured}},
    }
    readme = tmp_path / "README.md"
    readme.write_text(f"# 性能基准\n\n说明文字\n\n{report.START}\nold table\n{report.END}\n\n结尾\n", encoding="utf-8")
    report.write_readme_table(readme, results)
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and "说明文字" in text and "结尾" in text
    assert "abc1234" in text
    kpi_row = next(line for line in text.splitlines() if line.startswith("| 指标集（12 项"))
    assert report._seconds(measured["kpi_set_s"]) in kpi_row
    ratio = measured["pandas_read_and_compute_s"] / measured["kpi_set_s"]
    assert f"{ratio:,.1f}×" in text


def test_daily_loads_take_over_the_previous_version_and_fill_their_rows(
    demo_db: Path, tmp_path: Path, monkeypatch
) -> None:
    """The daily-load benchmark measures the steady state (every load takes over the previous version, none
    copies the file) on a scratch copy, and its figures reach the table with the 1M÷100k ratio."""
    from benchmarks import run

    monkeypatch.setattr(run, "CACHE", tmp_path)
    monkeypatch.setattr(run, "DAILY_CASES", (40,))
    monkeypatch.setattr(run, "DAILY_RUNS", 2)
    served_before = (demo_db.resolve(), demo_db.resolve().stat().st_mtime)
    daily = run.measure_daily_loads(demo_db)
    assert (demo_db.resolve(), demo_db.resolve().stat().st_mtime) == served_before, "the cached warehouse changed"
    assert daily["40"]["prepared_by"] == ["reused", "reused"]
    assert daily["40"]["seconds"] > 0 and daily["40"]["peak_rss_mib"] > 0
    monkeypatch.setattr(report, "DAILY_CASES", (40,))
    baseline = {"40": {**daily["40"], "seconds": daily["40"]["seconds"] * 2}}
    results = {"runs": 1, "machine": {}, "daily_load_baseline": baseline, "sizes": {"1m": {"daily_load": daily}}}
    table = report.render_table(results)
    assert "| 日常增量导入 40 件" in table
    assert "100 万件 ÷ 10 万件（40 件） | 0.50 |" in table
