"""积案 (backlog) buckets and trend on hand-made cases loaded by the importer; expected figures worked out by hand
from METRICS.md: open at the end of the day, past the due date (受理日期 + 办理时限天数), aged since 受理."""

from __future__ import annotations

import argparse
import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.commands import kpis as kpis_command
from dashboard.engine import backlog
from dashboard.engine.filters import Filters
from dashboard.engine.periods import Period
from tests.builders import build_cases
from warehouse import store
from warehouse.importer.pipeline import load_frame

END = date(2024, 6, 30)  # the snapshot: end of June 2024
PERIOD = Period(date(2024, 6, 1), date(2024, 7, 1))

# case_id -> (received, closed or None, deadline days, department, province)
CASES = {
    "A": (date(2024, 6, 10), None, 15, "甲部", "广东省"),  # due 06-25, age 20: ≤30
    "B": (date(2024, 6, 15), None, 15, "甲部", "广东省"),  # due 06-30 = the last day: past due, age 15: ≤30
    "C": (date(2024, 6, 16), None, 15, "甲部", "广东省"),  # due 07-01: not yet due, not backlog
    "D": (date(2024, 5, 31), None, 15, "乙部", "北京市"),  # age 30: ≤30
    "E": (date(2024, 5, 30), None, 15, "乙部", "北京市"),  # age 31: 31–60
    "F": (date(2024, 4, 1), None, 60, "乙部", "北京市"),  # due 05-31, age 90: 61–90
    "G": (date(2024, 3, 1), date(2024, 7, 5), 15, "甲部", "北京市"),  # closed after the end: open then, age 121: >90
    "H": (date(2024, 3, 1), date(2024, 6, 30), 15, "甲部", "广东省"),  # closed on the last day: not open
    "I": (date(2024, 7, 1), None, 15, "甲部", "广东省"),  # received after the end
}


@pytest.fixture(scope="module")
def backlog_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backlog")
    db = folder / "cockpit.duckdb"
    rows = [
        {
            "case_id": case_id,
            "received_at": datetime.combine(received, datetime.min.time()) + timedelta(hours=10),
            "closed_at": None
            if closed is None
            else datetime.combine(closed, datetime.min.time()) + timedelta(hours=16),
            "status": "办理中" if closed is None else "已办结",
            "deadline_days": days,
            "department": department,
            "province": province,
            "city": None,
            "channel": "电话",
        }
        for case_id, (received, closed, days, department, province) in CASES.items()
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        assert load_frame(build_cases(rows), "cases", db=db, file_name="c.csv").loaded == len(rows)
    return db


def test_backlog_buckets_at_the_end_of_the_period(backlog_db: Path) -> None:
    with store.open_reader(backlog_db) as con:
        report = backlog.compute_backlog(con, Filters(), PERIOD)
    assert report.as_of == END
    assert report.buckets == {"≤30天": 3, "31–60天": 1, "61–90天": 1, ">90天": 1}  # A B D | E | F | G
    departments = {row["department"]: row["total"] for row in report.by_department.to_dicts()}
    assert departments == {"甲部": 3, "乙部": 3}
    provinces = {row["province"]: (row["≤30天"], row[">90天"]) for row in report.by_province.to_dicts()}
    assert provinces == {"广东省": (2, 0), "北京市": (1, 1)}


def test_the_trend_takes_the_same_snapshot_at_each_month_end(backlog_db: Path) -> None:
    with store.open_reader(backlog_db) as con:
        report = backlog.compute_backlog(con, Filters(), PERIOD)
    trend = {row["snapshot"]: row["total"] for row in report.trend.to_dicts()}
    assert len(trend) == backlog.TREND_MONTHS + 1  # June is both a month end and the snapshot
    # End of May: G and H (received 03-01, due 03-16) are open and aged 91 days; F (due 05-31, the last day)
    # is past due at the end of that day, aged 60 days.
    may = report.trend.filter(report.trend["snapshot"] == date(2024, 5, 31)).to_dicts()[0]
    assert (may[">90天"], may["31–60天"], may["total"]) == (2, 1, 3)
    # End of April: G and H aged 60 days (31–60); F not yet due (05-31).
    april = report.trend.filter(report.trend["snapshot"] == date(2024, 4, 30)).to_dicts()[0]
    assert (april["31–60天"], april["total"]) == (2, 2)
    assert trend[date(2024, 2, 29)] == 0 and trend[END] == 6


def test_filters_apply_to_the_backlog(backlog_db: Path) -> None:
    with store.open_reader(backlog_db) as con:
        report = backlog.compute_backlog(con, Filters(provinces=("广东省",)), PERIOD)
    assert report.total == 2  # A and B


def test_kpis_json_carries_the_backlog(backlog_db: Path) -> None:
    parser = argparse.ArgumentParser()
    kpis_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["kpis", "--from", "2024-06-01", "--to", "2024-07-01", "--db", str(backlog_db), "--json"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert args.handler(args) == 0
    payload = json.loads(out.getvalue())["backlog"]
    assert payload["as_of"] == "2024-06-30" and payload["total"] == 6
    assert payload["buckets"] == {"≤30天": 3, "31–60天": 1, "61–90天": 1, ">90天": 1}
    assert payload["trend"][-1] == {
        "snapshot": "2024-06-30",
        "month": "2024-06",
        "≤30天": 3,
        "31–60天": 1,
        "61–90天": 1,
        ">90天": 1,
        "total": 6,
    }


def test_the_pack_reports_the_backlog(backlog_db: Path) -> None:
    from dashboard.export.pack.content import build_pack_content
    from dashboard.export.pack.summary import build_summary

    with store.open_reader(backlog_db) as con:
        content = build_pack_content(con, PERIOD)
    assert content.kpis["backlog"]["total"] == content.backlog.total == 6
    sentence = next(p for p in build_summary(content) if p.startswith("积案"))
    assert "6件" in sentence and "超过90天的1件" in sentence
