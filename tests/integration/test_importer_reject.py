"""File-level problems reject the whole file with a message naming file (and column); nothing changes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from data_checks import gate
from data_checks.gate import CheckOutcome
from tests.builders import build_cases, snapshot_warehouse, write_csv, write_xlsx
from tests.cockpit_support import module_warehouse
from warehouse import store
from warehouse.importer.pipeline import import_file
from warehouse.importer.results import JSON_KEYS


def _loadlog(db: Path) -> list[dict]:
    log = db.with_name(db.name + ".loadlog.jsonl")
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _without(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.drop(column)


def _write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# (id, writer of the bad file, words the message must contain besides the file name)
BAD_FILES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("empty", lambda d: _write_text(d / "empty.csv", ""), ["空文件"]),
    ("whitespace", lambda d: _write_text(d / "blank.csv", " \n\n  \n"), ["空文件"]),
    (
        "header_only",
        lambda d: _write_text(d / "header.csv", "案件编号,受理时间,渠道,产品,问题类型,省份,客户标识\n"),
        ["没有数据行"],
    ),
    ("binary", lambda d: (d / "photo.csv").write_bytes(bytes(range(256)) * 40) and d / "photo.csv", ["不是文本表格"]),
    (
        "damaged_xlsx",
        lambda d: (d / "bad.xlsx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50) and d / "bad.xlsx",
        ["Excel"],
    ),
    (
        "damaged_parquet",
        lambda d: (d / "bad.parquet").write_bytes(b"PAR1" + b"garbage" * 50) and d / "bad.parquet",
        ["Parquet"],
    ),
    (
        "old_xls",
        lambda d: (d / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) and d / "old.xls",
        [".xlsx"],
    ),
    (
        "not_a_table",
        lambda d: _write_text(d / "letter.csv", "尊敬的领导：\n关于上月投诉情况的说明如下。\n此致\n"),
        ["表头"],
    ),
    (
        "missing_required_column",
        lambda d: write_csv(_without(build_cases(3), "received_at"), d / "no_date.csv"),
        ["受理时间", "received_at", "缺少必填列"],
    ),
    (
        "missing_required_column_xlsx",
        lambda d: write_xlsx(_without(build_cases(3), "province"), d / "no_province.xlsx"),
        ["省份", "缺少必填列"],
    ),
    (
        "ragged_row",
        lambda d: _write_text(
            d / "ragged.csv",
            "案件编号,受理时间,渠道,产品,问题类型,省份,客户标识\nC1,2024-07-01,电话,借记卡,服务态度,广东,ID1,多出来的一列\n",
        ),
        ["字段数"],
    ),
    (
        "one_header_twice",
        lambda d: _write_text(
            d / "twice.csv",
            "案件编号,受理时间,受理 时间,渠道,产品,问题类型,省份,客户标识\nC1,2024-07-01,2024-07-02,电话,借记卡,服务态度,广东,ID1\n",
        ),
        ["「受理时间」", "「受理 时间」"],
    ),
]


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after one good load, imported once; each test below rejects a file on its own copy."""
    folder = tmp_path_factory.mktemp("good")
    with module_warehouse(folder) as db:
        good = import_file(write_csv(build_cases(5), folder / "good.csv"))
        assert not good.rejected, good.message
    assert not _loadlog(db)
    return db


@pytest.mark.parametrize(("writer", "words"), [(w, words) for _, w, words in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_rejected_and_the_warehouse_is_unchanged(
    writer: Callable[[Path], Path],
    words: list[str],
    tmp_path: Path,
    tmp_db: Path,
    good_warehouse: Path,
) -> None:
    shutil.copytree(good_warehouse.parent, tmp_db.parent, symlinks=True)  # this test's own copy of a good load
    shutil.copyfile(good_warehouse.parent.parent / "salt", tmp_path / "salt")
    assert store.current_version(tmp_db) is not None
    before = snapshot_warehouse(tmp_db)
    bad = writer(tmp_path)
    result = import_file(bad)
    assert result.rejected
    assert bad.name in result.message
    for word in words:
        assert word in result.message, result.message
    assert (result.loaded, result.updated, result.duplicates, result.batch_id) == (0, 0, 0, None)
    assert snapshot_warehouse(tmp_db) == before
    log = _loadlog(tmp_db)
    assert len(log) == 1
    assert log[0]["rejected"] is True and log[0]["message"] == result.message
    assert set(JSON_KEYS) <= set(log[0])


def test_a_rejected_first_load_creates_no_warehouse(tmp_path: Path, tmp_db: Path) -> None:
    result = import_file(write_csv(_without(build_cases(3), "channel"), tmp_path / "no_channel.csv"))
    assert result.rejected and "渠道" in result.message
    assert store.current_version(tmp_db) is None
    assert len(_loadlog(tmp_db)) == 1


def test_a_missing_file_and_an_unknown_profile_are_rejected(tmp_path: Path, tmp_db: Path) -> None:
    missing = import_file(tmp_path / "nowhere.csv")
    assert missing.rejected and "nowhere.csv" in missing.message
    path = write_csv(build_cases(2), tmp_path / "cases.csv")
    unknown = import_file(path, profile="no_such_system")
    assert unknown.rejected and "no_such_system" in unknown.message and "canonical" in unknown.message
    assert len(_loadlog(tmp_db)) == 2


@pytest.mark.parametrize("check", ["validate_batch", "validate_marts"])
def test_a_critical_data_check_failure_rejects_the_load_and_changes_nothing(
    check: str,
    tmp_path: Path,
    tmp_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not import_file(write_csv(build_cases(5), tmp_path / "first.csv")).rejected
    before = snapshot_warehouse(tmp_db)
    failing = CheckOutcome(suite="raw_cases", critical_failures=["cases.case_id_not_null: 案件编号不得为空"])
    monkeypatch.setattr(gate, check, lambda *args: failing)
    result = import_file(write_csv(build_cases(8), tmp_path / "second.csv"))
    assert result.rejected
    assert "数据质量检查" in result.message and "案件编号不得为空" in result.message
    assert snapshot_warehouse(tmp_db) == before
    assert [entry["file"] for entry in _loadlog(tmp_db)] == [str(tmp_path / "second.csv")]
