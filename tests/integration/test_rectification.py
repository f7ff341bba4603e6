"""溯源整改 双清单: a hand-made defect ledger (--kind defects) and its cases come back with exactly the counts that
METRICS.md's definitions give when this test applies them to the rows it wrote, from `dashboard rectification
--json` and from the page; a planted fix that worked shows the drop, one that did not shows none; bad ledger rows
go to quarantine with their rule, and a link to an unknown case is kept and reported."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.__main__ import main as dashboard_main
from dashboard.engine.rectification import mask_free_text
from tests.builders import build_cases, case_row
from tests.cockpit_support import module_warehouse, serve
from warehouse import store
from warehouse.importer.pipeline import import_file, load_frame

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
START, END = date(2025, 1, 1), date(2025, 4, 1)  # P, end exclusive
WINDOW = 90  # METRICS.md: 90 days before and after 完成日期
WORKED_DROP = 0.2  # settings.toml [rectification] worked_drop
PAIR_A = ("信用卡分期", "息费争议")  # D-A fixed it on 2024-12-01: complaints drop
PAIR_B = ("手机银行", "业务办理效率")  # D-B "fixed" it on 2024-11-15: complaints do not drop
PAIR_C = ("借记卡", "服务态度")
HEADERS = ["缺陷编号", "缺陷类型", "缺陷描述", "根因分类", "责任部门", "发现日期", "整改期限", "整改状态", "完成日期",
           "整改措施", "关联案件"]  # fmt: skip
LEDGER: list[dict[str, Any]] = [
    # defect, type, root cause, department, found, due, status, completed, measure, 关联案件
    {"id": "D-A", "type": "制度缺陷", "root": "制度缺失", "dept": "信用卡中心", "found": "2024-10-01", "due": "2024-12-31",
     "status": "已验收", "done": "2024-12-01", "measure": "修订制度", "cases": "A01；A02；A03"},
    {"id": "D-B", "type": "系统漏洞", "root": "系统设计缺陷", "dept": "电子银行部", "found": "2024-09-20",
     "due": "2024-11-30", "status": "已完成", "done": "2024-11-15", "measure": "优化系统功能", "cases": ""},
    {"id": "D-C", "type": "流程断点", "root": "流程衔接", "dept": "运营管理部", "found": "2025-01-10", "due": "2025-02-28",
     "status": "整改中", "done": "", "measure": "关闭流程断点", "cases": "C01,C02,C-NOPE"},
    {"id": "D-D", "type": "制度缺陷", "root": "制度缺失", "dept": "信用卡中心", "found": "2025-02-01", "due": "2025-06-30",
     "status": "已完成", "done": "2025-03-15", "measure": "修订制度", "cases": "C04"},
    {"id": "D-E", "type": "系统漏洞", "root": "人员操作", "dept": "运营管理部", "found": "2025-03-01", "due": "2025-03-20",
     "status": "已完成", "done": "2025-04-10", "measure": "优化系统功能", "cases": ""},
    {"id": "D-F", "type": "外包管理缺陷", "root": "第三方", "dept": "个人金融部", "found": "2025-03-10",
     "due": "2025-05-31", "status": "未开始", "done": "", "measure": "培训", "cases": ""},
    {"id": "D-G", "type": "流程断点", "root": "流程衔接", "dept": "个人金融部", "found": "2024-06-01", "due": "2024-08-31",
     "status": "整改中", "done": "", "measure": "关闭流程断点", "cases": ""},
    {"id": "D-H", "type": "制度缺陷", "root": "制度缺失", "dept": "信用卡中心", "found": "2025-04-05", "due": "2025-04-30",
     "status": "未开始", "done": "", "measure": "修订制度", "cases": ""},
]  # fmt: skip


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _cases() -> list[dict[str, Any]]:
    """(case_id, received day, (product, issue), province, 缺陷编号 on the case)."""
    rows: list[tuple[str, date, tuple[str, str], str, str | None]] = []
    for k in range(10):  # pair A before D-A's completion (2024-12-01): weekly from 09-10
        rows.append(
            (f"A{k + 1:02d}", date(2024, 9, 10) + timedelta(days=7 * k), PAIR_A, ("广东省", "北京市")[k % 2], None)
        )
    rows.append(("A11", date(2024, 12, 1), PAIR_A, "广东省", None))  # the completion day counts in neither window
    rows += [("A12", date(2024, 12, 20), PAIR_A, "广东省", None), ("A13", date(2025, 2, 10), PAIR_A, "北京市", None)]
    b_days = [date(2024, 8, 20), date(2024, 9, 15), date(2024, 10, 5), date(2024, 11, 1)]  # before 2024-11-15
    b_days += [date(2024, 11, 20), date(2024, 12, 10), date(2025, 1, 5), date(2025, 1, 20), date(2025, 2, 1),
               date(2025, 2, 13)]  # fmt: skip
    rows += [(f"B{k + 1:02d}", day, PAIR_B, "北京市", "D-B" if k == 0 else None) for k, day in enumerate(b_days)]
    rows += [
        ("C01", date(2025, 1, 12), PAIR_C, "广东省", None),
        ("C02", date(2025, 1, 25), PAIR_C, "北京市", None),
        ("C03", date(2025, 2, 14), PAIR_C, "广东省", "D-E；D-C"),  # traced from the case side, to two defects
        ("C04", date(2025, 3, 3), PAIR_C, "北京市", None),
        ("C05", date(2025, 3, 20), PAIR_C, "北京市", "D-ZZZ"),  # a 缺陷编号 the ledger does not hold
        ("C06", date(2025, 4, 2), PAIR_C, "广东省", None),
    ]
    return [
        {
            "case_id": cid,
            "received": day,
            "product": pair[0],
            "issue": pair[1],
            "province": province,
            "defects": defects,
        }
        for cid, day, pair, province, defects in rows
    ]


CASES = _cases()


def _split(text: str | None) -> list[str]:
    return [part for part in re.split(r"[；;，,、\s]+", text or "") if part]


def _links() -> set[tuple[str, str]]:
    links = {(d["id"], c) for d in LEDGER for c in _split(d["cases"])}
    return links | {(d, c["case_id"]) for c in CASES for d in _split(c["defects"])}


def expected(province: str | None = None) -> dict[str, Any]:
    """METRICS.md "Root cause and rectification" applied to LEDGER and CASES in plain Python."""
    cases = {c["case_id"]: c for c in CASES if province is None or c["province"] == province}
    ledger_ids = {d["id"] for d in LEDGER}
    links = _links()
    scoped = [d for d in LEDGER if province is None or any((d["id"], c) in links for c in cases)]
    found = [d for d in scoped if START <= _day(d["found"]) < END]

    def completed(d: dict[str, Any]) -> bool:
        return d["status"] in ("已完成", "已验收") and _day(d["done"]) is not None and _day(d["done"]) < END

    def counts(key: str) -> dict[str, int]:
        result: dict[str, int] = {}
        for d in found:
            result[d[key]] = result.get(d[key], 0) + 1
        return result

    overdue = sorted(
        (d for d in scoped if _day(d["found"]) < END and _day(d["due"]) < END and not completed(d)),
        key=lambda d: d["due"],
    )
    in_p = [c for c in cases.values() if START <= c["received"] < END]
    linked = [c for c in in_p if any((d, c["case_id"]) in links for d in ledger_ids)]
    effects = []
    for d in sorted(scoped, key=lambda d: d["done"]):
        done = _day(d["done"])
        if d["status"] not in ("已完成", "已验收") or done is None or not START <= done + timedelta(days=WINDOW) < END:
            continue
        every = {c["case_id"]: c for c in CASES}
        pairs = {(every[c]["product"], every[c]["issue"]) for (x, c) in links if x == d["id"] and c in every}
        on_pair = [c for c in cases.values() if (c["product"], c["issue"]) in pairs]
        before = sum(1 for c in on_pair if done - timedelta(days=WINDOW) <= c["received"] < done)
        after = sum(1 for c in on_pair if done < c["received"] <= done + timedelta(days=WINDOW))
        verdict = "no_baseline" if not before else "worked" if after <= before * (1 - WORKED_DROP) else "not_worked"
        effects.append({"defect_id": d["id"], "before": before, "after": after, "verdict": verdict})
    return {
        "defects": len(found),
        "by_type": counts("type"),
        "by_measure": counts("measure"),
        "completed": sum(1 for d in found if completed(d)),
        "completion_rate": sum(1 for d in found if completed(d)) / len(found) if found else None,
        "overdue": [d["id"] for d in overdue],
        "linked_cases": len(linked),
        "linked_ids": sorted(c["case_id"] for c in linked),
        "volume": len(in_p),
        "effects": effects,
    }


def ledger_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    keys = ["id", "type", "desc", "root", "dept", "found", "due", "status", "done", "measure", "cases"]
    frame = pl.DataFrame(
        [[str(r.get(k, f"{r['id']}的描述" if k == "desc" else "")) for k in keys] for r in rows],
        schema=HEADERS,
        orient="row",
    )
    frame.write_csv(path)
    return path


@pytest.fixture(scope="module")
def built_ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests that use it only read it."""
    folder = tmp_path_factory.mktemp("ledger")
    with module_warehouse(folder) as db:
        rows = [
            case_row(
                i,
                case_id=c["case_id"],
                received_at=datetime.combine(c["received"], datetime.min.time()) + timedelta(hours=10),
                closed_at=None,
                status="办理中",
                product=c["product"],
                issue=c["issue"],
                province=c["province"],
                city=None,
                defect_ids=c["defects"],
            )
            for i, c in enumerate(CASES)
        ]
        assert load_frame(build_cases(rows), "cases", db=db, file_name="cases.csv").loaded == len(CASES)
        result = import_file(ledger_csv(folder / "缺陷清单.csv", LEDGER), kind="defects", db=db)
        assert (result.read, result.loaded, result.quarantined, result.rejected) == (len(LEDGER), len(LEDGER), 0, False)
    return db


@pytest.fixture
def ledger_db(built_ledger_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return serve(monkeypatch, built_ledger_db)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = dashboard_main(["rectification", *args])
    return code, out.getvalue(), err.getvalue()


def _cli_json(db: Path, *where: str) -> dict[str, Any]:
    code, out, err = run_cli("--from", START.isoformat(), "--to", END.isoformat(), "--db", str(db), "--json", *where)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("province", [None, "广东省"])
def test_cli_gives_the_counts_of_the_hand_made_ledger(ledger_db: Path, province: str | None) -> None:
    payload = _cli_json(ledger_db, *(["--where", f"province={province}"] if province else []))
    want = expected(province)
    assert payload["period"] == [START.isoformat(), END.isoformat()]
    for key in ("defects", "by_type", "by_measure", "completed", "linked_cases", "volume"):
        assert payload[key] == want[key], key
    assert payload["completion_rate"] == pytest.approx(want["completion_rate"])
    assert payload["traced_rate"] == pytest.approx(want["linked_cases"] / want["volume"])
    assert payload["overdue"] == len(want["overdue"])
    assert [r["defect_id"] for r in payload["overdue_list"]] == want["overdue"]
    effects = [{k: e[k] for k in ("defect_id", "before", "after", "verdict")} for e in payload["effects"]]
    assert effects == want["effects"]


def test_the_planted_fix_shows_the_drop_and_the_other_does_not(ledger_db: Path) -> None:
    effects = {e["defect_id"]: e for e in _cli_json(ledger_db)["effects"]}
    # Written out from the rows above: pair A had 10 cases in the 90 days before 2024-12-01 and 2 after
    # (A11, on the day itself, in neither); pair B 4 before 2024-11-15 and 6 after.
    assert (effects["D-A"]["before"], effects["D-A"]["after"], effects["D-A"]["verdict"]) == (10, 2, "worked")
    assert effects["D-A"]["change"] == pytest.approx(2 / 10 - 1)
    assert (effects["D-B"]["before"], effects["D-B"]["after"], effects["D-B"]["verdict"]) == (4, 6, "not_worked")
    assert "D-D" not in effects, "completed 2025-03-15: its 90 days after end after P, judged in a later period"


def test_links_from_either_side_and_unknown_ones_are_kept(ledger_db: Path) -> None:
    with store.open_reader(ledger_db) as con:
        bridge = con.sql("SELECT defect_id, case_id, linked_from, has_case, has_defect FROM bridge_case_defect").pl()
    got = {(r["defect_id"], r["case_id"]): r for r in bridge.to_dicts()}
    assert set(got) == _links()
    assert got[("D-C", "C-NOPE")]["has_case"] is False, "a 关联案件 naming no loaded case is kept"
    assert got[("D-ZZZ", "C05")]["has_defect"] is False, "a 缺陷编号 not in the ledger is kept"
    assert got[("D-B", "B01")]["linked_from"] == "case" and got[("D-A", "A01")]["linked_from"] == "defect"
    assert _cli_json(ledger_db)["unknown_links"] == 2


def test_loading_a_ledger_reports_links_to_unknown_cases_and_the_case_joins_later(tmp_db: Path, tmp_path: Path) -> None:
    rows = [dict(LEDGER[2], cases="Q1,Q2")]
    result = import_file(ledger_csv(tmp_path / "d.csv", rows), kind="defects", db=tmp_db)
    assert result.loaded == 1
    assert any("2 条「关联案件」" in w and "Q1" in w and "Q2" in w for w in result.warnings), result.warnings
    load_frame(build_cases([case_row(0, case_id="Q1")]), "cases", db=tmp_db, file_name="q.csv")
    with store.open_reader(tmp_db) as con:
        joined = dict(con.sql("SELECT case_id, has_case FROM bridge_case_defect").fetchall())
    assert joined == {"Q1": True, "Q2": False}


def test_bad_ledger_rows_each_meet_their_rule(tmp_db: Path, tmp_path: Path) -> None:
    base = LEDGER[2]
    rows = [
        dict(base, id="R1", status="已完成", done=""),  # 已完成 without 完成日期
        dict(base, id="R2", status="已验收", found="2025-02-01", done="2025-01-15"),  # completed before found
        dict(base, id="R3", type="管理漏洞"),  # unknown type: kept as written, with a warning
        dict(base, id="R4", desc="第一版"),
        dict(base, id="R4", desc="第二版"),  # the same 缺陷编号 again in one file: the later wins, an update
        dict(base, id="R5", status="差不多了"),  # not a 整改状态
    ]
    result = import_file(ledger_csv(tmp_path / "bad.csv", rows), kind="defects", db=tmp_db)
    assert (result.read, result.loaded, result.updated, result.duplicates, result.quarantined) == (6, 2, 1, 0, 3)
    rules = dict(zip(result.quarantine_rows["source_row"], result.quarantine_rows["rule"], strict=True))
    assert rules == {1: "completed_without_date", 2: "completed_before_found", 6: "invalid_defect_status"}
    assert any("管理漏洞" in w for w in result.warnings), result.warnings
    with store.open_reader(tmp_db) as con:
        kept = dict(con.sql("SELECT defect_id, defect_type || '/' || description FROM fct_defect").fetchall())
        landed = con.sql("SELECT count(*) FROM raw_defects").fetchall()[0][0]
    assert kept == {"R3": "管理漏洞/R3的描述", "R4": "流程断点/第二版"}
    assert landed == 3, "both versions of R4 land; the marts keep the later"


def test_no_ledger_exits_2_with_a_clear_message(tmp_db: Path) -> None:
    load_frame(build_cases([case_row(0)]), "cases", db=tmp_db, file_name="c.csv")
    code, out, err = run_cli("--from", "2024-01-01", "--to", "2025-01-01", "--db", str(tmp_db), "--json")
    assert code == 2 and out == ""
    assert "没有缺陷清单" in err and "--kind defects" in err


def test_the_page_shows_the_same_counts(ledger_db: Path) -> None:
    want = expected()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"preset": "custom", "from": START.isoformat(), "to": END.isoformat()})
    at.run()
    at.switch_page("pages/rectification.py").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["发现缺陷"] == f"{want['defects']} 项"
    assert metrics["整改完成率"] == f"{want['completion_rate']:.1%}"
    assert metrics["逾期未整改"] == f"{len(want['overdue'])} 项"
    assert metrics["溯源投诉"] == f"{want['linked_cases']} 件"
    frames = {tuple(d.value.columns): d.value for d in at.dataframe}
    overdue = next(f for cols, f in frames.items() if "逾期天数" in cols)
    assert overdue["缺陷编号"].tolist() == want["overdue"]
    effects = next(f for cols, f in frames.items() if "成效" in cols)
    labels = {"worked": "见效", "not_worked": "未见效", "no_baseline": "无法判断"}
    assert [(r["缺陷编号"], r["完成前"], r["完成后"], r["成效"]) for _, r in effects.iterrows()] == [
        (e["defect_id"], e["before"], e["after"], labels[e["verdict"]]) for e in want["effects"]
    ]
    traced = next(f for cols, f in frames.items() if "缺陷编号" in cols and "受理日期" in cols and "客户" in cols
                  and "状态" not in cols)  # fmt: skip
    assert sorted(traced["案件编号"]) == want["linked_ids"]


def test_descriptions_are_masked_where_they_name_people() -> None:
    text = "客户张三（13912345678，身份证440101199001011234）反映费率披露不清"
    masked = mask_free_text(text)
    assert "13912345678" not in masked and "440101199001011234" not in masked
    assert "139****5678" in masked and "4401**********1234" in masked
    assert mask_free_text("短信提醒延迟") == "短信提醒延迟"
