"""Formats, encodings, separators, junk lines, multi-line fields and header spellings all load the same rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.builders import (
    build_cases,
    build_customers,
    build_events,
    case_row,
    read_table_rows,
    write_csv,
    write_parquet,
    write_xlsx,
)
from warehouse.importer.pipeline import import_file, preview_file

LANDED = "SELECT * EXCLUDE (batch_id) FROM raw_cases ORDER BY source_row"


def _cases() -> pl.DataFrame:
    rows = [{} for _ in range(24)]
    # A character outside GBK (CJK extension A) proves GB18030, not GBK, is decoded; a comma and a line
    # break inside a quoted field prove multi-line fields survive every format.
    rows[3] = {"summary": "客户称㐀字写错，要求更正\n第二行说明"}
    return build_cases(rows)


@pytest.fixture
def cases() -> pl.DataFrame:
    return _cases()


def _write_all(frame: pl.DataFrame, folder: Path) -> dict[str, Path]:
    return {
        "utf8": write_csv(frame, folder / "utf8.csv"),
        "utf8_bom_tab": write_csv(frame, folder / "bom_tab.csv", bom=True, separator="\t"),
        "gb18030": write_csv(frame, folder / "gb18030.csv", encoding="gb18030"),
        "xlsx": write_xlsx(frame, folder / "cases.xlsx"),
        "parquet": write_parquet(frame, folder / "cases.parquet"),
    }


@pytest.mark.slow  # five imports; make test-fast still reads each format in the tests below and in
# test_importer_reject/test_importer_reimport/test_importer_shapes
def test_canonical_files_in_every_format_land_identical_rows(cases: pl.DataFrame, tmp_path: Path) -> None:
    files = _write_all(cases, tmp_path)
    landed = {}
    for name, path in files.items():
        db = tmp_path / name / "cockpit.duckdb"
        result = import_file(path, db=db)
        assert not result.rejected, result.message
        assert (result.read, result.loaded, result.quarantined) == (cases.height, cases.height, 0), name
        landed[name] = read_table_rows(db, LANDED)
    reference = landed.pop("utf8")
    for name, rows in landed.items():
        assert rows == reference, f"{name} landed different rows than UTF-8"
    summaries = [value for row in reference for value in row if isinstance(value, str) and "㐀" in value]
    assert summaries == ["客户称㐀字写错，要求更正\n第二行说明"]


@pytest.mark.slow  # five imports; make test-fast still reads each format in the tests below and in
# test_importer_reject/test_importer_reimport/test_importer_shapes
def test_the_same_rows_in_another_format_are_recognised_as_duplicates(
    cases: pl.DataFrame, tmp_path: Path, tmp_db: Path
) -> None:
    files = _write_all(cases, tmp_path)
    first = import_file(files["gb18030"])
    assert first.loaded == cases.height
    for name in ("utf8", "utf8_bom_tab", "xlsx", "parquet"):
        again = import_file(files[name])
        assert (again.duplicates, again.loaded, again.updated) == (cases.height, 0, 0), name


def test_encoding_and_separator_are_detected(cases: pl.DataFrame, tmp_path: Path) -> None:
    files = _write_all(cases, tmp_path)
    assert preview_file(files["gb18030"]).encoding == "gb18030"
    assert preview_file(files["utf8"]).encoding == "utf-8"
    tabbed = preview_file(files["utf8_bom_tab"])
    assert (tabbed.encoding, tabbed.separator) == ("utf-8-sig", "\t")
    gbk = preview_file(
        write_csv(cases.head(3).with_columns(pl.lit("普通摘要").alias("summary")), tmp_path / "gbk.csv", encoding="gbk")
    )
    assert gbk.ok and gbk.read == 3 and gbk.encoding == "gb18030"


def test_junk_lines_above_the_header_are_skipped(cases: pl.DataFrame, tmp_path: Path, tmp_db: Path) -> None:
    junk = ["投诉案件明细报表", "导出时间：2024-08-01 10:00,操作员：王五", ""]
    path = write_csv(cases, tmp_path / "junk.csv", encoding="gb18030", junk_lines=junk)
    preview = preview_file(path)
    assert preview.ok, preview.message
    assert preview.skipped_lines == len(junk)
    result = import_file(path)
    assert (result.read, result.loaded) == (cases.height, cases.height)
    # Data rows are numbered from the first row under the header, whatever came above it.
    assert read_table_rows(tmp_db, "SELECT min(source_row), max(source_row) FROM raw_cases") == [(1, cases.height)]


def test_junk_rows_above_an_excel_header_are_skipped(cases: pl.DataFrame, tmp_path: Path) -> None:
    path = write_xlsx(cases, tmp_path / "junk.xlsx", junk_rows=[["投诉案件明细"], ["导出日期", "2024-08-01"], []])
    result = import_file(path)
    assert not result.rejected, result.message
    assert result.loaded == cases.height


def test_english_and_mixed_header_spellings(tmp_path: Path) -> None:
    frame = build_cases(5)
    spelled = {c: c for c in frame.columns} | {
        "case_id": "Case ID",
        "received_at": "ReceivedAt",
        "channel": "CHANNEL",
        "province": " 省份 ",
        "issue": "问题类型（必填）",
    }
    path = tmp_path / "english.csv"
    frame.rename(spelled).pipe(lambda f: write_csv(f, path, headers="en"))
    result = import_file(path)
    assert not result.rejected, result.message
    assert result.loaded == 5


def test_kind_is_detected_from_the_headers(tmp_path: Path, tmp_db: Path) -> None:
    customers = write_csv(build_customers(8), tmp_path / "customers.csv")
    events = write_csv(build_events(14), tmp_path / "events.csv")
    assert import_file(customers).kind == "customers"
    assert import_file(events).kind == "events"
    assert read_table_rows(tmp_db, "SELECT count(*) FROM raw_customers") == [(8,)]
    assert read_table_rows(tmp_db, "SELECT count(*) FROM raw_events") == [(14,)]


def test_fully_blank_rows_are_not_data(tmp_path: Path) -> None:
    frame = build_cases([case_row(0), case_row(1)])
    path = write_csv(frame, tmp_path / "blank.csv")
    text = path.read_text(encoding="utf-8").splitlines()
    blank = "," * (frame.width - 1)
    path.write_text("\n".join([text[0], text[1], blank, "", text[2], blank]) + "\n", encoding="utf-8")
    result = import_file(path)
    assert (result.read, result.loaded) == (2, 2)
