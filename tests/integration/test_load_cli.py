"""`python -m warehouse load`: the automation contract of ARCHITECTURE.md (JSON keys, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import build_cases, read_table_rows, write_csv
from warehouse.__main__ import main
from warehouse.importer.results import EXTRA_JSON_KEYS, JSON_KEYS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = [
    "file",
    "kind",
    "read",
    "loaded",
    "updated",
    "duplicates",
    "quarantined",
    "rejected",
    "message",
    "batch_id",
]


def test_the_json_keys_are_the_contract() -> None:
    assert list(JSON_KEYS) == CONTRACT_KEYS
    assert list(EXTRA_JSON_KEYS) == ["footer_lines", "malformed"]  # added after the contract's keys


@pytest.mark.slow  # fresh interpreters per CLI call; make test runs it
def test_subprocess_json_and_exit_codes(tmp_path: Path, tmp_db: Path) -> None:
    good = write_csv(build_cases([{}, {"province": "火星", "city": None}, {}]), tmp_path / "good.csv")
    run = subprocess.run(
        [sys.executable, "-m", "warehouse", "load", str(good), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)  # stdout holds exactly one JSON object (progress goes to stderr)
    assert list(answer) == CONTRACT_KEYS + list(EXTRA_JSON_KEYS)
    assert (answer["read"], answer["loaded"], answer["quarantined"], answer["rejected"]) == (3, 2, 1, False)
    assert (answer["footer_lines"], answer["malformed"]) == (0, 0)
    assert answer["read"] == answer["loaded"] + answer["updated"] + answer["duplicates"] + answer["quarantined"]
    assert isinstance(answer["batch_id"], int)

    bad = write_csv(build_cases(2).drop("province"), tmp_path / "bad.csv")
    run = subprocess.run(
        [sys.executable, "-m", "warehouse", "load", str(bad), "--json", "--db", str(tmp_db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert run.returncode == 2
    answer = json.loads(run.stdout)
    assert list(answer) == CONTRACT_KEYS + list(EXTRA_JSON_KEYS)
    assert answer["rejected"] is True and answer["batch_id"] is None and "省份" in answer["message"]


def test_human_report_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(build_cases([{}, {"amount_disputed": -3.0}]), tmp_path / "cases.csv")
    assert main(["load", str(path)]) == 0
    out = capsys.readouterr().out
    assert "读取 2 行 = 新增 1 + 更新 0 + 重复 0 + 隔离 1" in out
    assert "negative_amount" in out and "数据第2行" in out
    assert main(["load", str(tmp_path / "missing.csv")]) == 2
    out = capsys.readouterr().out
    assert "拒绝导入" in out and "没有任何改动" in out


def test_db_option_and_kind_option(tmp_path: Path, tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other" / "wh.duckdb"
    path = write_csv(build_cases(4), tmp_path / "cases.csv")
    assert main(["load", str(path), "--db", str(other), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loaded"] == 4
    assert read_table_rows(other, "SELECT count(*) FROM raw_cases") == [(4,)]
    assert not tmp_db.exists()
    # Cases headers cannot be loaded as customer figures: the required columns are missing.
    assert main(["load", str(path), "--kind", "customers", "--json"]) == 2
    answer = json.loads(capsys.readouterr().out)
    assert answer["rejected"] and "个人客户数" in answer["message"]


def test_a_profile_given_by_path(tmp_path: Path, tmp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "branch_system.yaml"
    profile.write_text(
        "name: branch_system\nsource_system: branch_crm\nkind: cases\n"
        "fields:\n"
        "  case_id: {columns: [工单流水号]}\n"
        "  channel:\n    columns: [来源]\n    values: {A: 电话, B: 网络}\n"
        "  regulator_referred:\n    columns: [来源]\n    values: {C: 是}\n    other: 否\n"
        "constants:\n  business_line: 信用卡\n",
        encoding="utf-8",
    )
    frame = build_cases([{"channel": "A"}, {"channel": "B"}, {"channel": "C"}]).rename(
        {"case_id": "工单流水号", "channel": "来源"}
    )
    frame = frame.drop("regulator_referred", "business_line")
    path = write_csv(frame, tmp_path / "crm.csv", headers="zh")
    assert main(["load", str(path), "--profile", str(profile), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loaded"] == 3
    rows = read_table_rows(
        tmp_db, "SELECT source_system, channel, regulator_referred, business_line FROM raw_cases ORDER BY source_row"
    )
    assert rows == [
        ("branch_crm", "电话", False, "信用卡"),
        ("branch_crm", "网络", False, "信用卡"),
        ("branch_crm", "C", True, "信用卡"),
    ]


def test_a_broken_profile_is_a_rejection_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "broken.yaml"
    profile.write_text("name: broken\nfields:\n  not_a_field: {columns: [X]}\n", encoding="utf-8")
    path = write_csv(build_cases(2), tmp_path / "cases.csv")
    assert main(["load", str(path), "--profile", str(profile), "--json"]) == 2
    assert "not_a_field" in json.loads(capsys.readouterr().out)["message"]
