"""AppTest: the 数据导入 page drives the real importer on a real warehouse in tmp_path.

Every expected figure is derived from the file the test builds: clean rows,
exact copies of some of them, and rows whose 办结时间 is before 受理时间.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views import uploads
from tests.builders import build_cases, write_csv
from warehouse import store

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
IMPORT = "pages/data_import.py"
QUALITY = "pages/data_quality.py"
HOME = "pages/home.py"
EXTRA_COLUMN = "内部备注"


@pytest.fixture(autouse=True)
def private_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Upload copies of these tests go to the test's own folder, never to the shared /tmp."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@dataclass(frozen=True)
class BuiltFile:
    name: str
    data: bytes
    read: int
    loaded: int
    duplicates: int
    quarantined: int


def build_upload(tmp_path: Path, clean: int = 12, copies: int = 3, broken: int = 2) -> BuiltFile:
    """Canonical cases CSV: `clean` valid rows, `copies` exact repeats of the first rows, `broken` closed-before-received rows."""
    frame = build_cases(clean + broken)
    received = frame["received_at"]
    closed = [received[i] - timedelta(days=1) if i >= clean else frame["closed_at"][i] for i in range(frame.height)]
    frame = frame.with_columns(pl.Series("closed_at", closed, dtype=frame["closed_at"].dtype))
    frame = pl.concat([frame, frame.head(copies)]).with_columns(pl.lit("仅供内部").alias(EXTRA_COLUMN))
    path = write_csv(frame, tmp_path / "十月投诉明细.csv")
    return BuiltFile(path.name, path.read_bytes(), frame.height, clean, copies, broken)


def open_import_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(IMPORT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, built: BuiltFile) -> AppTest:
    at.file_uploader(key="import-file").set_value((built.name, built.data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_asks_for_a_file_and_offers_the_importer_choices() -> None:
    at = open_import_page()
    assert any("请选择要导入的文件" in i.value for i in at.info)
    assert at.selectbox(key="import-kind").options == [
        "自动识别",
        "投诉案件",
        "客户基数",
        "办理环节",
        "联系记录",
        "缺陷清单（溯源整改）",
    ]
    profiles = at.selectbox(key="import-profile").options
    assert profiles[0] == "标准模板（canonical）" and "美国 CFPB 投诉数据（cfpb）" in profiles


def test_preview_shows_mapping_ignored_columns_and_changes_nothing(tmp_path: Path) -> None:
    built = build_upload(tmp_path)
    at = upload(open_import_page(), built)
    values = metric_values(at)
    assert values["识别为"] == "投诉案件"
    assert values["数据行数"] == str(built.read)
    assert values["预计隔离"] == str(built.quarantined)
    mapping = at.dataframe[0].value
    assert list(mapping.columns) == ["中文表头", "源表头", "说明"]
    mapped = dict(zip(mapping["中文表头"], mapping["源表头"], strict=True))
    assert mapped["案件编号"] == "案件编号" and mapped["受理时间"] == "受理时间"
    assert any(EXTRA_COLUMN in w.value for w in at.warning)
    sample = at.dataframe[1].value
    assert len(sample) == min(20, built.read)
    assert not any(str(v).startswith("4401") for v in sample["客户标识"]), "customer ids must be masked"
    assert [b.label for b in at.button] == ["确认导入"]
    assert store.current_version() is None

    saved = Path(at.session_state["import.upload"][1])
    at.file_uploader(key="import-file").set_value(None).run()
    assert not saved.parent.exists(), "removing the file from the page deletes its temp copy"


def test_confirmed_import_reconciles_and_shows_quarantined_rows(tmp_path: Path) -> None:
    built = build_upload(tmp_path)
    at = upload(open_import_page(), built)
    saved = Path(at.session_state["import.upload"][1])
    assert saved.name == built.name and saved.exists()

    at.button(key="import-confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    values = metric_values(at)
    expected = {
        "读取": built.read,
        "新增": built.loaded,
        "更新": 0,
        "重复": built.duplicates,
        "隔离": built.quarantined,
    }
    assert {k: values[k] for k in expected} == {k: f"{v:,}" for k, v in expected.items()}
    assert any("对账平衡" in s.value for s in at.success)
    (rows,) = [d.value for d in at.dataframe if "原因" in d.value.columns]
    assert len(rows) == built.quarantined
    assert set(rows["规则"]) == {"closed_before_received"}
    assert [d.label for d in at.get("download_button")] == ["下载隔离行（CSV）"]
    assert not saved.exists(), "the temp copy holds clear customer data and must be deleted after the import"
    assert store.current_version() is not None

    at.switch_page(QUALITY).run()
    assert not at.exception
    assert any(built.name in m.value for m in at.markdown)
    assert metric_values(at)["读取"] == str(built.read)

    at.switch_page(HOME).run()
    assert metric_values(at)["投诉案件数"] == str(built.loaded)


def test_a_rejected_file_explains_why_and_changes_nothing(tmp_path: Path) -> None:
    frame = build_cases(5).drop("received_at")
    path = write_csv(frame, tmp_path / "缺少受理时间.csv")
    at = open_import_page()
    at.file_uploader(key="import-file").set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert any("受理时间" in e.value for e in at.error)
    assert not at.button, "a file that cannot load offers no 确认导入"
    assert store.current_version() is None


def test_an_import_failure_is_shown_as_a_rejection(tmp_path: Path) -> None:
    built = build_upload(tmp_path, clean=3, copies=0, broken=0)
    missing = tmp_path / "gone" / built.name
    result = uploads.run_import(missing, None, "canonical", built.name)
    assert result.rejected and result.message
    assert store.current_version() is None


def test_csv_download_has_bom_and_chinese_headers() -> None:
    rows = pl.DataFrame({"source_row": [3], "rule": ["closed_before_received"], "reason": ["办结时间早于受理时间"]})
    data = uploads.encode_csv_for_excel(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["源文件行号,规则,原因", "3,closed_before_received,办结时间早于受理时间"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("十月.csv", "十月.csv"), ("../../etc/passwd", "passwd"), ("C:\\导出\\a.xlsx", "a.xlsx"), ("..", "upload.csv")],
)
def test_uploads_keep_only_the_file_name(given: str, expected: str) -> None:
    path = uploads.save_upload(b"x", given)
    try:
        assert path.name == expected and path.parent.name.startswith(uploads.UPLOAD_PREFIX)
    finally:
        uploads.discard_upload(path)
    assert not path.parent.exists()


def test_copies_abandoned_for_a_day_are_swept(tmp_path: Path) -> None:
    old = uploads.save_upload(b"x", "old.csv")
    fresh = uploads.save_upload(b"y", "fresh.csv")
    try:
        day_ago = time.time() - uploads.STALE_UPLOAD_SECONDS - 60
        os.utime(old.parent, (day_ago, day_ago))
        uploads.sweep_stale_uploads()
        assert not old.parent.exists() and fresh.exists()
    finally:
        uploads.discard_upload(old)
        uploads.discard_upload(fresh)


def build_damaged_upload(tmp_path: Path, rows: int = 40) -> tuple[str, bytes, dict[str, int]]:
    """Cases with 10% blank 省份, a ragged row in the middle, a record cut at the end and two footer lines."""
    blank = set(range(0, rows, 10))
    frame = build_cases([{"province": "", "city": None} if i in blank else {} for i in range(rows + 1)])
    path = write_csv(frame, tmp_path / "七月投诉明细.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    ragged = rows // 2 + 2  # the physical line of data row ragged - 1 + 1: a row whose 省份 is filled
    lines[ragged] += ",多出来的一列"
    cut = lines[-1][:20]  # the last record (a blank-province one) cut short
    footers = ["合计,,,", "制表人：张三"]
    text = "\n".join([*lines[:-1], cut, *footers]) + "\n"
    unknown = [i for i in blank if i < rows and i != ragged - 1]
    expected = {
        "read": rows + 1,
        "loaded": rows - 1,
        "quarantined": 2,
        "malformed": 2,
        "footer": len(footers),
        "unknown": len(unknown),
    }
    return path.name, text.encode("utf-8"), expected


def test_footers_malformed_records_and_unknown_regions_are_shown_with_the_cli_numbers(tmp_path: Path) -> None:
    name, data, expected = build_damaged_upload(tmp_path)
    at = open_import_page()
    at.file_uploader(key="import-file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    values = metric_values(at)
    assert (values["数据行数"], values["预计隔离"], values["跳过表尾"]) == (
        str(expected["read"]),
        str(expected["quarantined"]),
        str(expected["footer"]),
    )
    assert any(f"跳过表尾 {expected['footer']} 行" in c.value for c in at.caption)
    assert any("未知地区" in w.value and f"{expected['unknown']} 件" in w.value for w in at.warning)

    at.button(key="import-confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    values = metric_values(at)
    assert (values["读取"], values["新增"], values["隔离"]) == (
        str(expected["read"]),
        str(expected["loaded"]),
        str(expected["quarantined"]),
    )
    assert any(f"跳过表尾 {expected['footer']} 行" in c.value for c in at.caption)
    assert any(f"{expected['malformed']} 行残缺记录" in c.value for c in at.caption)
    (rows,) = [d.value for d in at.dataframe if "原因" in d.value.columns]
    assert set(rows["规则"]) == {"malformed_record"}
    assert any("多出来的一列" in str(v) for v in rows["原因"])

    cli = tmp_path / "cli" / "cockpit.duckdb"
    from warehouse.importer.pipeline import import_file

    path = tmp_path / "cli.csv"
    path.write_bytes(data)
    result = import_file(path, db=cli)
    assert (result.read, result.loaded, result.quarantined, result.malformed, result.footer_lines) == (
        expected["read"],
        expected["loaded"],
        expected["quarantined"],
        expected["malformed"],
        expected["footer"],
    )

    at.switch_page(QUALITY).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric_values(at)["读取"] == str(expected["read"])
    assert any(f"跳过表尾 {expected['footer']} 行" in c.value for c in at.caption)
    checks = [d.value for d in at.dataframe if "详情" in d.value.columns or "details" in d.value.columns]
    assert any("region_unknown" in str(frame.to_dict()) for frame in checks)


def test_a_workbook_sheet_can_be_picked_on_the_page(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from tests.builders import write_xlsx

    path = write_xlsx(build_cases(6), tmp_path / "带说明.xlsx", sheet="投诉明细")
    book = load_workbook(path)
    book.create_sheet("填表说明", 0).append(["1. 受理时间 格式为 YYYY-MM-DD"])
    book.save(path)
    at = open_import_page()
    at.file_uploader(key="import-file").set_value((path.name, path.read_bytes(), "application/vnd.ms-excel")).run()
    assert not at.exception, [e.value for e in at.exception]
    (choice,) = [s for s in at.selectbox if s.label == "工作表"]
    assert (choice.value, list(choice.options)) == ("投诉明细", ["填表说明", "投诉明细"])
    assert metric_values(at)["数据行数"] == "6"
    choice.set_value("填表说明").run()
    assert any("表头" in e.value for e in at.error)
    assert not at.button
