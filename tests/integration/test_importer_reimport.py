"""Re-imports are idempotent, changed rows update their case, and read = loaded + updated + duplicates + quarantined."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from tests.builders import build_cases, case_row, read_table_rows, write_csv, write_parquet, write_xlsx
from warehouse import store
from warehouse.importer.pipeline import import_file, load_frame, preview_file


def _counts(result) -> tuple[int, int, int, int, int]:
    return result.read, result.loaded, result.updated, result.duplicates, result.quarantined


def test_reimporting_the_same_file_changes_no_rows(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(12), tmp_path / "cases.csv")
    first = import_file(path)
    landed = read_table_rows(tmp_db, "SELECT * FROM raw_cases ORDER BY ALL")
    again = import_file(path)
    assert _counts(first) == (12, 12, 0, 0, 0)
    assert _counts(again) == (12, 0, 0, 12, 0)
    assert read_table_rows(tmp_db, "SELECT * FROM raw_cases ORDER BY ALL") == landed
    assert read_table_rows(tmp_db, "SELECT count(*) FROM etl_batch") == [(2,)]


def test_a_changed_row_updates_its_case(tmp_path: Path, tmp_db: Path) -> None:
    rows = [case_row(i) for i in range(6)]
    import_file(write_csv(build_cases(rows), tmp_path / "v1.csv"))
    rows[2] = {**rows[2], "status": "已办结", "closed_at": datetime(2024, 8, 30, 17, 0), "satisfaction": "满意"}
    rows.append(case_row(6))
    second = import_file(write_csv(build_cases(rows), tmp_path / "v2.csv"))
    assert _counts(second) == (7, 1, 1, 5, 0)
    versions = read_table_rows(
        tmp_db, f"SELECT batch_id, closed_at FROM raw_cases WHERE case_id = '{rows[2]['case_id']}' ORDER BY batch_id"
    )
    assert len(versions) == 2 and versions[-1] == (second.batch_id, datetime(2024, 8, 30, 17, 0))


def test_rows_repeated_within_one_file(tmp_path: Path, tmp_db: Path) -> None:
    same = case_row(0)
    changed = {**same, "issue": "征信异议"}
    result = import_file(write_csv(build_cases([same, case_row(1), same, changed]), tmp_path / "repeats.csv"))
    # Row 3 repeats row 1 exactly; row 4 is a later version of the same case.
    assert _counts(result) == (4, 2, 1, 1, 0)
    assert read_table_rows(
        tmp_db, f"SELECT source_row FROM raw_cases WHERE case_id = '{same['case_id']}' ORDER BY 1"
    ) == [(1,), (4,)]


def test_reconciliation_holds_for_a_mixed_reimport(tmp_path: Path) -> None:
    base = [case_row(i) for i in range(20)]
    import_file(write_xlsx(build_cases(base), tmp_path / "base.xlsx"))
    mixed = base[:8]  # duplicates
    mixed += [{**row, "department": "零售银行部"} for row in base[8:12]]  # updates
    mixed += [case_row(i) for i in range(20, 25)]  # new
    mixed += [case_row(25, province="不存在省"), case_row(26, received_at="2024-13-40")]  # quarantined
    result = import_file(write_csv(build_cases(mixed), tmp_path / "mixed.csv", encoding="gb18030"))
    assert _counts(result) == (len(mixed), 5, 4, 8, 2)
    assert result.reconciles


def test_load_frame_hashes_identities_and_is_idempotent(tmp_db: Path) -> None:
    frame = build_cases(10)
    first = load_frame(frame, "cases", file_name="demo.parquet", profile="demo", source_system="demo")
    second = load_frame(frame, "cases", file_name="demo.parquet", profile="demo", source_system="demo")
    assert _counts(first) == (10, 10, 0, 0, 0)
    assert _counts(second) == (10, 0, 0, 10, 0)
    rows = read_table_rows(tmp_db, "SELECT DISTINCT source_system, length(complainant_key) FROM raw_cases")
    assert rows == [("demo", 64)]
    assert read_table_rows(tmp_db, "SELECT DISTINCT profile, file_name FROM etl_batch") == [("demo", "demo.parquet")]


def test_load_frame_quarantines_bad_values_and_rejects_missing_columns(tmp_db: Path) -> None:
    frame = build_cases([{}, {"received_at": "不是日期"}, {}])
    result = load_frame(frame, "cases")
    assert _counts(result) == (3, 2, 0, 0, 1)
    assert result.quarantine_rows["rule"].to_list() == ["invalid_date"]
    rejected = load_frame(build_cases(3).drop("product"), "cases")
    assert rejected.rejected and "产品" in rejected.message


def test_preview_shows_the_mapping_and_changes_nothing(tmp_path: Path, tmp_db: Path) -> None:
    frame = build_cases([{}, {}, {"province": "火星", "city": None}])
    path = write_csv(frame, tmp_path / "preview.csv", junk_lines=["导出报表"])
    preview = preview_file(path, rows=2)
    assert preview.ok and preview.kind == "cases"
    assert preview.mapping["received_at"] == "受理时间" and preview.unmapped == []
    assert (preview.read, preview.quarantined, preview.skipped_lines) == (3, 1, 1)
    assert preview.sample.height == 2 and preview.normalised.height == 2
    assert preview.normalised["客户姓名"].str.ends_with("**").all()
    assert preview.normalised["客户标识"].str.starts_with("****").all()
    assert store.current_version(tmp_db) is None


def test_preview_of_a_bad_file_explains_why(tmp_path: Path) -> None:
    path = write_csv(build_cases(2).drop("issue"), tmp_path / "no_issue.csv")
    preview = preview_file(path)
    assert not preview.ok and "问题类型" in preview.message


def test_progress_is_reported_in_chinese_from_start_to_end(tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    import_file(write_csv(build_cases(3), tmp_path / "p.csv"), progress=lambda f, s: steps.append((f, s)))
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[0] < 0.1
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in step) for _, step in steps)


def test_parquet_typed_columns_load_like_text(tmp_path: Path, tmp_db: Path) -> None:
    frame = build_cases(6)
    import_file(write_csv(frame, tmp_path / "text.csv"))
    typed = frame.with_columns(pl.col("received_at").dt.replace_time_zone("Asia/Shanghai"))
    result = import_file(write_parquet(typed, tmp_path / "typed.parquet"))
    assert _counts(result) == (6, 0, 0, 6, 0)
