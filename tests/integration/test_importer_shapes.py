"""Shapes that real exports have (DATA_CONTRACT.md): none of them may cost a good row.

Title rows and footers, a notes sheet before the data, a GBK tab file with a 合计 line, a record cut off
at the end, a ragged row in the middle, blank 省份. Every expected figure comes from the file the test builds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import build_cases, read_table_rows, snapshot_warehouse, write_csv, write_xlsx
from warehouse.importer.pipeline import import_file, preview_file
from warehouse.importer.records import MAX_MALFORMED_SHARE

ROWS = 40


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    return path.read_bytes().decode(encoding).splitlines()


def _write_lines(path: Path, lines: list[str], encoding: str = "utf-8", ending: str = "\n") -> Path:
    path.write_bytes((ending.join(lines) + ending).encode(encoding))
    return path


def _landed_rows(db: Path) -> list[int]:
    return [row for (row,) in read_table_rows(db, "SELECT source_row FROM raw_cases ORDER BY source_row")]


def test_title_rows_and_footer_lines_of_a_hand_made_xlsx_are_skipped(tmp_path: Path, tmp_db: Path) -> None:
    titles = [["《2024年7月投诉明细表》"], ["统计期间：2024-07-01 至 2024-07-31"], ["单位：件、元"], []]
    path = write_xlsx(build_cases(ROWS), tmp_path / "report.xlsx", junk_rows=titles)
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.active
    footer = [[], ["合计", ROWS], ["制表人：张三", None, "审核人：李四"], ["制表日期：2024-08-01"]]
    for row in footer:
        sheet.append(row)
    book.save(path)

    preview = preview_file(path)
    assert preview.ok, preview.message
    assert (preview.skipped_lines, preview.footer_lines, preview.read) == (len(titles), len(footer), ROWS)
    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.footer_lines) == (ROWS, ROWS, 0, len(footer))
    assert result.reconciles
    assert _landed_rows(tmp_db) == list(range(1, ROWS + 1))
    assert read_table_rows(tmp_db, "SELECT rows_read, rows_footer, rows_malformed FROM etl_batch") == [
        (ROWS, len(footer), 0)
    ]


def test_a_notes_sheet_before_the_data_is_passed_over(tmp_path: Path, tmp_db: Path) -> None:
    from openpyxl import load_workbook

    path = write_xlsx(build_cases(ROWS), tmp_path / "with_notes.xlsx", sheet="投诉明细")
    book = load_workbook(path)
    notes = book.create_sheet("填表说明", 0)
    for line in ("1. 受理时间 格式为 YYYY-MM-DD", "2. 省份 填写省级行政区全称", "3. 客户标识 填写客户号"):
        notes.append([line])
    book.save(path)

    preview = preview_file(path)
    assert preview.ok, preview.message
    assert (preview.sheet, preview.sheets) == ("投诉明细", ["填表说明", "投诉明细"])
    result = import_file(path)
    assert (result.rejected, result.read, result.loaded) == (False, ROWS, ROWS)

    named = import_file(path, sheet="投诉明细")
    assert (named.rejected, named.read, named.duplicates) == (False, ROWS, ROWS)
    wrong = import_file(path, sheet="填表说明")
    assert wrong.rejected and "表头" in wrong.message
    missing = import_file(path, sheet="汇总")
    assert missing.rejected and "汇总" in missing.message and "填表说明" in missing.message


def test_merged_header_cells_are_read_as_their_value(tmp_path: Path, tmp_db: Path) -> None:
    from openpyxl import load_workbook

    cases = build_cases(ROWS)
    path = write_xlsx(cases, tmp_path / "merged.xlsx", junk_rows=[["投诉明细表"]])
    book = load_workbook(path)
    sheet = book.active
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cases.columns))
    sheet.insert_rows(2)  # a two-row header: 案件编号 merged down over the blank row below it
    sheet.cell(row=3, column=1).value = None
    sheet.cell(row=2, column=1).value = "案件编号"
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    book.save(path)

    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded) == (ROWS, ROWS)


def test_a_gbk_tab_file_with_a_total_line(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(ROWS), tmp_path / "gbk.tsv", encoding="gbk", separator="\t")
    lines = _lines(path, "gbk") + [f"合计\t{ROWS} 件"]
    _write_lines(path, lines, "gbk", "\r\n")
    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.footer_lines, result.malformed) == (
        ROWS,
        ROWS,
        0,
        1,
        0,
    )


def test_a_record_cut_off_at_the_end_is_quarantined_and_the_rest_loads(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(ROWS + 1), tmp_path / "cut.csv")
    lines = _lines(path)
    cut = lines[-1][: len(lines[-1]) // 3]
    path.write_text("\n".join(lines[:-1] + [cut]), encoding="utf-8")  # no final line break: a broken download

    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.malformed) == (ROWS + 1, ROWS, 1, 1)
    assert result.reconciles
    assert _landed_rows(tmp_db) == list(range(1, ROWS + 1))
    quarantined = read_table_rows(tmp_db, "SELECT source_row, rule, value, message FROM quarantine")
    assert len(quarantined) == 1
    source_row, rule, value, message = quarantined[0]
    assert (source_row, rule, value) == (ROWS + 1, "malformed_record", cut)
    assert f"文件第{len(lines)}行" in message and cut in message


def test_a_cut_inside_a_quoted_field_is_an_unterminated_quote(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(ROWS), tmp_path / "quote.csv")
    broken = 'C99999,2024-07-01 10:00:00,,,电话,零售信贷,借记卡,服务态度,广东省,深圳市,x,y,ID9,"张某\n第二行'
    path.write_text(path.read_text(encoding="utf-8") + broken, encoding="utf-8")
    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.malformed) == (ROWS + 1, ROWS, 1, 1)
    assert result.quarantine_rows["rule"].to_list() == ["malformed_record"]
    assert "引号未闭合" in result.quarantine_rows["message"][0]


def test_a_ragged_row_in_the_middle_is_quarantined_with_its_line(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(ROWS), tmp_path / "ragged.csv")
    lines = _lines(path)
    middle = ROWS // 2  # data row number; its physical line is middle + 1
    lines[middle] = lines[middle] + ",多出来的一列,又一列"
    _write_lines(path, lines)

    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined, result.malformed) == (ROWS, ROWS - 1, 1, 1)
    assert _landed_rows(tmp_db) == [r for r in range(1, ROWS + 1) if r != middle]
    row = result.quarantine_rows.row(0, named=True)
    assert (row["source_row"], row["rule"], row["value"]) == (middle, "malformed_record", lines[middle])
    assert f"文件第{middle + 1}行" in row["message"]

    again = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert (again["malformed"], again["footer_lines"], again["quarantined"]) == (1, 0, 1)


def test_an_unterminated_quote_in_the_middle_costs_only_its_record(tmp_path: Path, tmp_db: Path) -> None:
    path = write_csv(build_cases(ROWS), tmp_path / "open_quote.csv")
    lines = _lines(path)
    middle = ROWS // 2
    cells = lines[middle].split(",")
    cells[-1] = '"' + cells[-1]  # 诉求摘要 opens a quote that never closes
    lines[middle] = ",".join(cells)
    _write_lines(path, lines)

    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.malformed) == (ROWS, ROWS - 1, 1)
    assert result.quarantine_rows["source_row"].to_list() == [middle]


def test_a_file_with_too_many_ragged_rows_is_rejected_whole(tmp_path: Path, tmp_db: Path) -> None:
    good = import_file(write_csv(build_cases(5), tmp_path / "good.csv"))
    assert not good.rejected
    before = snapshot_warehouse(tmp_db)
    path = write_csv(build_cases([{"case_id": f"R{i}"} for i in range(ROWS)]), tmp_path / "ragged20.csv")
    lines = _lines(path)
    ragged = [i for i in range(1, ROWS + 1) if i % 5 == 0]  # every fifth data row: 20%
    for i in ragged:
        lines[i] += ",多余"
    _write_lines(path, lines)
    assert len(ragged) / ROWS > MAX_MALFORMED_SHARE

    result = import_file(path)
    assert result.rejected
    share = f"{len(ragged) / ROWS:.1%}"
    for words in ("ragged20.csv", "不是规整的表格", f"{ROWS} 条记录中有 {len(ragged)} 条", share, "5%", "字段数"):
        assert words in result.message, result.message
    assert f"文件第{ragged[0] + 1}行" in result.message
    assert snapshot_warehouse(tmp_db) == before


def test_blank_provinces_load_as_unknown_region_and_count_nationally(
    tmp_path: Path, tmp_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = list(range(0, ROWS, 10))  # 10% of the cases have no 省份
    rows = [{"province": "", "city": None} if i in blank else {} for i in range(ROWS)]
    cases = build_cases(rows)
    path = write_csv(cases, tmp_path / "blank_province.csv")

    result = import_file(path)
    assert not result.rejected, result.message
    assert (result.read, result.loaded, result.quarantined) == (ROWS, ROWS, 0)
    assert any("未知地区" in w and f"{len(blank)} 件" in w for w in result.warnings)
    assert read_table_rows(tmp_db, "SELECT count(*) FROM raw_cases WHERE province = '未知地区'") == [(len(blank),)]
    checks = "SELECT unexpected_count, critical, success FROM dq_result WHERE expectation = 'region_unknown'"
    assert read_table_rows(tmp_db, checks) == [(len(blank), False, False)]

    from dashboard.__main__ import main

    received = cases["received_at"]
    start, end = received.min().date().isoformat(), f"{received.max().year + 1}-01-01"
    code = main(["kpis", "--from", start, "--to", end, "--by", "province", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["kpis"]["volume"]["value"] == ROWS
    by_province = {row["key"]: row["volume"] for row in payload["by"]["rows"]}
    assert by_province["未知地区"] == len(blank)
    assert sum(by_province.values()) == ROWS


def test_both_tolerant_readers_agree_on_a_quote_free_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without quotes, Arrow skips the damaged lines and a line scan numbers them; the csv module must agree."""
    from warehouse.importer import readers
    from warehouse.importer.profiles import load_profile

    path = write_csv(build_cases(ROWS), tmp_path / "damaged.csv")
    lines = _lines(path)
    lines[3] += ",多余"
    lines[7] = lines[7][:15]
    lines.insert(10, "")
    lines.insert(12, "   ")
    lines += ["", "合计," + "," * (len(lines[0].split(",")) - 2), "制表人：张三"]  # an empty line is no record
    _write_lines(path, lines, ending="\r\n")
    keys = load_profile("canonical").known_header_keys()

    skipping = readers._skipping_csv
    answers: list[object] = []
    monkeypatch.setattr(readers, "_skipping_csv", lambda *args: answers.append(skipping(*args)) or answers[-1])
    fast = readers.read_table(path, keys)
    assert answers and answers[0] is not None, "the Arrow pass read this quote-free file"
    monkeypatch.setattr(readers, "_skipping_csv", lambda *args: None)
    slow = readers.read_table(path, keys)
    assert fast.frame.equals(slow.frame)
    assert (fast.malformed, fast.footer_lines) == (slow.malformed, slow.footer_lines)
    assert [m.source_row for m in fast.malformed] == [3, 7]
    assert fast.footer_lines == 2
    assert fast.frame.height == ROWS - 2
