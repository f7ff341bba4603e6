"""Typed 决策 clocks (案件类型) and working-day clocks on the official calendar, on a warehouse loaded by the importer.

Expected answers are written out here from the seed figures (简单 24 hours, 复杂 5 days, 诉讼 15 days) and
from the State Council's holiday notice for 2026: 中秋节 9月25日–27日 off; 国庆节 10月1日–7日
off, with 9月20日 (Sunday) and 10月10日 (Saturday) working days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard.engine import sla, workdays
from tests.builders import build_cases, build_events
from tests.reference import sla_definition as definition
from warehouse import store
from warehouse.importer.pipeline import load_frame

DECIDE_FROM = datetime(2024, 3, 4, 9)  # a Monday
AS_OF = datetime(2024, 6, 30, 12)
CLOCKS = sla.ClockRules({"简单": 1440.0, "复杂": 7200.0, "诉讼": 21600.0})

# case_id -> (案件类型 as the source writes it, 是否诉讼, how long 决策 took, expected state)
DECISIONS: dict[str, tuple[str | None, bool, timedelta, str]] = {
    "S-ok": ("简单", False, timedelta(hours=24), sla.ON_TIME),  # exactly at its clock
    "S-late": ("简单", False, timedelta(hours=25), sla.YELLOW),
    "BLANK": (None, False, timedelta(hours=30), sla.YELLOW),  # blank: 简单
    "C-ok": ("复杂", False, timedelta(days=5), sla.ON_TIME),
    "C-late": ("复杂", False, timedelta(days=5, minutes=1), sla.YELLOW),
    "L-ok": ("诉讼", False, timedelta(days=15), sla.ON_TIME),
    "L-late": ("诉讼", False, timedelta(days=15, minutes=1), sla.YELLOW),
    "SUED": (None, True, timedelta(days=10), sla.ON_TIME),  # blank and litigated: 诉讼
}


@pytest.fixture(scope="module")
def typed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clocks")
    db = folder / "cockpit.duckdb"
    cases = [
        {
            "case_id": case_id,
            "received_at": DECIDE_FROM,
            "closed_at": DECIDE_FROM + took + timedelta(days=1),
            "status": "已办结",
            "case_type": case_type,
            "litigation": sued,
            "department": "甲部",
            "deadline_days": 60,
        }
        for case_id, (case_type, sued, took, _state) in DECISIONS.items()
    ]
    events = [
        {"case_id": case_id, "stage": "决策", "started_at": DECIDE_FROM, "finished_at": DECIDE_FROM + took}
        for case_id, (_type, _sued, took, _state) in DECISIONS.items()
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        assert load_frame(build_cases(cases), "cases", db=db, file_name="c.csv", rebuild=False).loaded == len(cases)
        assert load_frame(build_events(events), "events", db=db, file_name="e.csv").loaded == len(events)
    return db


def test_case_type_defaults_to_simple_and_litigation_makes_it_litigation(typed_db: Path) -> None:
    with store.open_reader(typed_db) as con:
        types = dict(con.sql("SELECT case_id, case_type FROM fct_complaint").fetchall())
    assert types == {case_id: t or ("诉讼" if sued else "简单") for case_id, (t, sued, _took, _s) in DECISIONS.items()}


def test_each_case_type_is_judged_on_its_own_decision_clock(typed_db: Path) -> None:
    with store.open_reader(typed_db) as con:
        judged = sla.judge_stages(definition.read_stages(con, AS_OF, ["决策"]), sla.read_stage_rules(), AS_OF, CLOCKS)
    states = dict(judged.select("case_id", "state").iter_rows())
    assert states == {case_id: state for case_id, (_t, _s, _took, state) in DECISIONS.items()}
    due = dict(judged.select("case_id", "due_at").iter_rows())
    assert due["C-ok"] == DECIDE_FROM + timedelta(days=5)  # a 复杂 case: 5 days
    assert due["L-ok"] == DECIDE_FROM + timedelta(days=15)  # a 诉讼 case: 15 days


def test_the_cards_page_judges_the_same_way(typed_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sla.ClockRules, "from_settings", classmethod(lambda cls: CLOCKS))
    with store.open_reader(typed_db) as con:
        report = sla.compute_cards(con, AS_OF)
    late = {case_id for case_id, (_t, _s, _took, state) in DECISIONS.items() if state == sla.YELLOW}
    assert set(report.yellow_stages["case_id"]) == late
    minutes = dict(report.yellow_stages.select("case_id", "sla_minutes").iter_rows())
    assert minutes == {"S-late": 1440.0, "BLANK": 1440.0, "C-late": 7200.0, "L-late": 21600.0}


# ---- working days -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (datetime(2026, 9, 18, 10), 1, datetime(2026, 9, 20, 10)),  # Friday + 1: the make-up Sunday
        (datetime(2026, 9, 18, 10), 2, datetime(2026, 9, 21, 10)),
        (datetime(2026, 9, 24, 16), 1, datetime(2026, 9, 28, 16)),  # over 中秋 (Fri 25th) and the weekend
        (datetime(2026, 9, 30, 10), 1, datetime(2026, 10, 8, 10)),  # over 国庆 1–7 October
        (datetime(2026, 9, 30, 10), 5, datetime(2026, 10, 13, 10)),  # 8, 9, 10 (make-up Saturday), 12, 13
        (datetime(2026, 10, 3, 9), 1, datetime(2026, 10, 8, 9)),  # started on a holiday
    ],
)
def test_working_days_follow_the_official_calendar(start: datetime, days: int, due: datetime) -> None:
    assert workdays.add_working_days(start, days) == due


def _one_decision(start: datetime, finished: datetime, case_type: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_system": ["default"],
            "case_id": ["K1"],
            "stage": ["决策"],
            "stage_order": [5],
            "started_at": [start],
            "finished_at": [finished],
            "department": ["甲部"],
            "case_type": [case_type],
        },
        schema=sla.STAGE_SCHEMA,
    )


def test_a_working_day_clock_across_the_national_day_holiday() -> None:
    working = sla.ClockRules(CLOCKS.decision_by_case_type, working=True)
    rules = sla.read_stage_rules()
    start, as_of = datetime(2026, 9, 30, 10), datetime(2026, 11, 30)
    # 复杂: 5 working days from Wednesday 30 September: due Tuesday 13 October at 10:00.
    on_time = sla.judge_stages(_one_decision(start, datetime(2026, 10, 13, 10), "复杂"), rules, as_of, working)
    late = sla.judge_stages(_one_decision(start, datetime(2026, 10, 13, 10, 1), "复杂"), rules, as_of, working)
    assert on_time["due_at"].to_list() == [datetime(2026, 10, 13, 10)]
    assert (on_time["state"][0], late["state"][0]) == (sla.ON_TIME, sla.YELLOW)
    # In natural time the same case was due on 5 October, in the middle of the holiday.
    natural = sla.judge_stages(_one_decision(start, datetime(2026, 10, 13, 10), "复杂"), rules, as_of, CLOCKS)
    assert natural["due_at"].to_list() == [datetime(2026, 10, 5, 10)] and natural["state"][0] == sla.YELLOW


def test_a_working_day_clock_across_a_make_up_weekend() -> None:
    working = sla.ClockRules(CLOCKS.decision_by_case_type, working=True)
    start = datetime(2026, 9, 18, 10)  # Friday; Sunday 20 September is a working day
    judged = sla.judge_stages(
        _one_decision(start, datetime(2026, 9, 21, 9), "简单"), sla.read_stage_rules(), datetime(2026, 11, 30), working
    )
    assert judged["due_at"].to_list() == [datetime(2026, 9, 20, 10)] and judged["state"][0] == sla.YELLOW


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday() -> None:
    assert workdays.fallback_years(date(2026, 1, 1), date(2027, 3, 1)) == [2027]
    assert workdays.add_working_days(datetime(2027, 1, 1, 9), 1) == datetime(2027, 1, 4, 9)  # Friday -> Monday
    assert workdays.is_workday(date(2027, 1, 1))  # no official schedule yet: a plain Friday


def test_the_page_says_when_working_days_fall_back() -> None:
    from dashboard.views import sla_view

    working = sla.ClockRules(CLOCKS.decision_by_case_type, working=True)
    _text, warning = sla_view.describe_clocks(working, datetime(2026, 12, 20))  # clocks reach into 2027
    assert warning is not None and "2027" in warning and "周一至周五" in warning
    assert sla_view.describe_clocks(working, datetime(2026, 6, 30))[1] is None
    assert sla_view.describe_clocks(CLOCKS, datetime(2026, 12, 20))[1] is None  # natural time: nothing to say
