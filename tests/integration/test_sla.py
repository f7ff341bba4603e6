"""SLA cards, grey list, on-time by deadline type and the overdue list on a hand-built warehouse.

Stage clocks come from settings.toml [sla]; every expected card is derived here from the
events built and those clocks.
- 甲部: two late 受理 in 2024Q1 (second = red), two more in 2024Q2 (red) -> grey list.
- 乙部: late, on time at exactly the SLA (resets the run), late -> no red card.
- 丙部: red in 2024Q1 and 2024Q3 (not consecutive) -> not on the grey list.
- 丁部 (复杂 cases: the 5-day 决策 clock): 反馈 is due 24h after 决策 finished: exactly then is on time; one minute later is yellow
  although the 反馈 stage itself took only a few hours.
- 戊部: a 受理 still running past its SLA at the as-of moment (yellow, open) and one not yet due.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest

from dashboard.engine import sla
from dashboard.engine.asof import resolve_as_of
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_period_metrics
from dashboard.engine.periods import Period
from dashboard.views import sla_view
from tests.builders import build_cases, build_events
from tests.reference import sla_definition as definition
from warehouse import store

RULES = {rule.stage: rule for rule in sla.read_stage_rules()}
ACCEPT = timedelta(minutes=RULES["受理"].minutes)
DECISION = timedelta(minutes=RULES["决策"].minutes)
FEEDBACK = timedelta(minutes=RULES["反馈"].minutes)
AS_OF = datetime(2024, 9, 30, 12, 0)
OVERDUE_DAY = date(2024, 6, 30)
HORIZON = sla.horizon_days()
LATE, ON_TIME = ACCEPT + timedelta(minutes=1), ACCEPT


def _accept(case_id: str, start: datetime, took: timedelta | None) -> dict[str, object]:
    return {
        "case_id": case_id,
        "stage": "受理",
        "started_at": start,
        "finished_at": None if took is None else start + took,
    }


# department -> [(case_id, start of its 受理, how long it took)]
ACCEPT_STAGES = {
    "甲部": [
        ("J1", datetime(2024, 2, 1, 9), LATE),
        ("J2", datetime(2024, 2, 2, 9), LATE),
        ("J3", datetime(2024, 4, 1, 9), LATE),
        ("J4", datetime(2024, 4, 2, 9), LATE),
    ],
    "乙部": [
        ("Y1", datetime(2024, 2, 1, 9), LATE),
        ("Y2", datetime(2024, 2, 2, 9), ON_TIME),
        ("Y3", datetime(2024, 2, 3, 9), LATE),
    ],
    "丙部": [
        ("B1", datetime(2024, 2, 1, 9), LATE),
        ("B2", datetime(2024, 2, 2, 9), LATE),
        ("B3", datetime(2024, 8, 1, 9), LATE),
        ("B4", datetime(2024, 8, 2, 9), LATE),
    ],
    "戊部": [("W1", AS_OF - ACCEPT - timedelta(minutes=1), None), ("W2", AS_OF - ACCEPT + timedelta(minutes=1), None)],
}
DECIDED = datetime(2024, 3, 1, 9)  # 丁部's 决策 finishes here (on time)


def build_sla_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    cases: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for department, stages in ACCEPT_STAGES.items():
        for case_id, start, took in stages:
            closed = None if took is None else start + timedelta(days=3)
            cases.append(
                {
                    "case_id": case_id,
                    "received_at": start,
                    "closed_at": closed,
                    "status": "办理中" if closed is None else "已办结",
                    "department": department,
                    "channel": "电话",
                }
            )
            events.append(_accept(case_id, start, took))
    for case_id, feedback_done in (("D1", DECIDED + FEEDBACK), ("D2", DECIDED + FEEDBACK + timedelta(minutes=1))):
        received = DECIDED - timedelta(days=2)
        cases.append(
            {
                "case_id": case_id,
                "received_at": received,
                "closed_at": feedback_done + timedelta(hours=1),
                "status": "已办结",
                "department": "丁部",
                "channel": "电话",
                "case_type": "复杂",
            }
        )
        events.append({"case_id": case_id, "stage": "决策", "started_at": received, "finished_at": DECIDED})
        # 反馈 starts late but takes only three hours: its clock runs from 决策's finish.
        events.append(
            {
                "case_id": case_id,
                "stage": "反馈",
                "started_at": feedback_done - timedelta(hours=3),
                "finished_at": feedback_done,
            }
        )
    return cases, events


def _day(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour))


# Overdue list as of 2024-06-30: (case_id, received, closed, deadline days)
OVERDUE_CASES = [
    ("O1", date(2024, 6, 1), None, 15),  # due 06-16: 14 days overdue
    ("O2", date(2024, 6, 15), None, 15),  # due today
    ("O3", date(2024, 6, 18), None, 15),  # due in 3 days: listed
    ("O4", date(2024, 6, 19), None, 15),  # due in 4 days: not listed
    ("O5", date(2024, 6, 5), date(2024, 7, 5), 15),  # closed after the as-of day: open then, overdue
    ("O6", date(2024, 6, 1), date(2024, 6, 10), 15),  # closed in time
    ("O7", date(2024, 7, 2), None, 15),  # received after the as-of day
    ("O8", date(2024, 5, 1), None, 60),  # a petition's 60 days: due 06-30, today
]


def build_overdue_rows() -> list[dict[str, object]]:
    return [
        {
            "case_id": case_id,
            "received_at": _day(received),
            "closed_at": None if closed is None else _day(closed, 11),
            "status": "办理中" if closed is None else "已办结",
            "deadline_days": days,
            "channel": "来访" if days == 60 else "电话",
            "department": "己部",
            "complainant_name": f"王{case_id}明",
            "complainant_id": f"ID-{case_id}-0001",
            "phone": "13912345678",
        }
        for case_id, received, closed, days in OVERDUE_CASES
    ]


@pytest.fixture(scope="module")
def sla_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sla")
    db = folder / "cockpit.duckdb"
    cases, events = build_sla_rows()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        from warehouse.importer.pipeline import load_frame

        for frame, kind in ((build_cases(cases + build_overdue_rows()), "cases"), (build_events(events), "events")):
            result = load_frame(frame, kind, db=db, file_name=f"{kind}.csv")
            assert not result.rejected and result.quarantined == 0, result.message
    return db


@pytest.fixture(scope="module")
def cards(sla_db: Path) -> sla.CardReport:
    with store.open_reader(sla_db) as con:
        return sla.compute_cards(con, AS_OF)


def _card_counts(report: sla.CardReport, department: str) -> dict[str, tuple[int, int]]:
    rows = report.cards.filter(pl.col("department") == department)
    return {r["quarter"]: (r["yellow"], r["red"]) for r in rows.iter_rows(named=True)}


def test_two_yellow_cards_in_a_row_make_a_red(cards: sla.CardReport) -> None:
    assert _card_counts(cards, "甲部") == {"2024Q1": (2, 1), "2024Q2": (2, 1)}


def test_an_on_time_stage_in_between_resets_the_run(cards: sla.CardReport) -> None:
    # Y2 finished exactly at its SLA: on time, so Y1 and Y3 are not "in a row".
    assert _card_counts(cards, "乙部") == {"2024Q1": (2, 0)}
    judged = cards.cards.filter(pl.col("department") == "乙部")
    assert judged["judged"].sum() == 3 and judged["on_time"].sum() == 1


def test_grey_list_needs_red_cards_in_two_consecutive_quarters(cards: sla.CardReport) -> None:
    assert _card_counts(cards, "丙部") == {"2024Q1": (2, 1), "2024Q3": (2, 1)}
    assert cards.grey_list.to_dicts() == [{"department": "甲部", "quarters": "2024Q1、2024Q2", "red": 2}]


def test_anchored_stage_clock_runs_from_the_anchor_finish(cards: sla.CardReport) -> None:
    yellow = cards.yellow_stages.filter(pl.col("department") == "丁部")
    assert yellow.select("case_id", "stage").rows() == [("D2", "反馈")]
    assert yellow["due_at"].to_list() == [DECIDED + FEEDBACK]
    assert yellow["late_minutes"].to_list() == [pytest.approx(1.0)]


def test_unfinished_stage_is_yellow_once_past_due_and_pending_before(cards: sla.CardReport) -> None:
    yellow = cards.yellow_stages.filter(pl.col("department") == "戊部")
    assert yellow["case_id"].to_list() == ["W1"] and yellow["is_open"].to_list() == [True]
    assert _card_counts(cards, "戊部") == {"2024Q3": (1, 0)}  # W2 is not due yet: not judged


def test_four_yellows_in_a_row_make_two_reds_and_reset() -> None:
    start = datetime(2024, 1, 1, 9)
    stages = pl.DataFrame(
        {
            "source_system": ["default"] * 5,
            "case_id": [f"K{i}" for i in range(5)],
            "stage": ["受理"] * 5,
            "stage_order": [1] * 5,
            "started_at": [start + timedelta(hours=i) for i in range(5)],
            "finished_at": [start + timedelta(hours=i) + LATE for i in range(5)],
            "department": ["庚部"] * 5,
            "case_type": ["简单"] * 5,
        },
        schema=sla.STAGE_SCHEMA,
    )
    judged = sla.judge_stages(stages, list(RULES.values()), AS_OF)
    assert definition.assign_cards(judged)["is_red"].to_list() == [False, True, False, True, False]


def test_on_time_by_deadline_type_splits_the_kpi_engine(sla_db: Path) -> None:
    period = Period(date(2024, 1, 1), date(2025, 1, 1))
    with store.open_reader(sla_db) as con:
        split = sla.compute_on_time_by_deadline(con, Filters(), period)
        total = compute_period_metrics(DuckDBSource(con, Filters()), period).row(0, named=True)
    assert split["deadline_type"].to_list() == ["投诉", "信访"]
    assert split["due"].sum() == total["on_time_due"] and split["on_time"].sum() == total["on_time_yes"]
    petition = split.row(1, named=True)
    assert petition["due"] == 1  # O8, the only 来访 case, due on 06-30 and still open at the year's end


def test_overdue_list_matches_a_computation_from_the_rows(sla_db: Path) -> None:
    with store.open_reader(sla_db) as con:
        as_of = resolve_as_of(con, OVERDUE_DAY)
        overdue = sla.list_overdue_cases(con, Filters(departments=("己部",)), as_of)
    expected = {}
    for case_id, received, closed, days in OVERDUE_CASES:
        due = received + timedelta(days=days)
        is_open = received <= OVERDUE_DAY and (closed is None or closed > OVERDUE_DAY)
        if is_open and due <= OVERDUE_DAY + timedelta(days=HORIZON):
            expected[case_id] = (OVERDUE_DAY - due).days
    assert dict(overdue.select("case_id", "days_overdue").rows()) == expected
    assert set(expected) == {"O1", "O2", "O3", "O5", "O8"}  # the scenario is what the docstring says
    assert overdue["days_overdue"].to_list() == sorted(expected.values(), reverse=True)
    shown = sla_view.build_overdue_table(overdue)
    assert dict(zip(shown["案件编号"], shown["状态"], strict=True))["O2"] == "今日到期"
    assert dict(zip(shown["案件编号"], shown["状态"], strict=True))["O3"] == f"{HORIZON}天后到期"
    text = shown.write_csv()
    for case_id in expected:  # masked: never the clear name, phone or identifier
        assert f"王{case_id}明" not in text and f"ID-{case_id}-0001" not in text
    assert "13912345678" not in text and "139****5678" in text
    assert shown["客户"].to_list() == ["王**"] * len(expected)
    assert all(len(v) == 8 for v in shown["客户ID（摘要）"].to_list())
    assert shown["处理部门"].unique().to_list() == ["己部"]


def test_region_bound_cards_count_only_the_cases_of_that_region(sla_db: Path) -> None:
    region_sql = "SELECT f.case_id, r.province FROM fct_complaint AS f JOIN dim_region AS r USING (region_key)"
    with store.open_reader(sla_db) as con:
        case_province = dict(con.sql(region_sql).fetchall())
        everything = sla.compute_cards(con, AS_OF)
        provinces = sorted(set(case_province.values()))
        bound = {p: sla.compute_cards(con, AS_OF, provinces=(p,)) for p in provinces}
    assert len(provinces) > 1 and everything.yellow_stages.height > 0
    for province, report in bound.items():
        assert {case_province[c] for c in report.yellow_stages["case_id"].to_list()} <= {province}
    # The yellow stages of the bound views partition the unbound one.
    assert sum(report.yellow_stages.height for report in bound.values()) == everything.yellow_stages.height
