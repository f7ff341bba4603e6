"""compute_cards (judged in DuckDB, runs found from the yellow stages) against the definition it replaces:
read_stages → judge_stages → assign_cards → summarise_* in polars (reference_cards below).

The warehouse is loaded through the importer from random cases and events built here, drawn so that
every hard case of the card rules occurs (the test checks that it does): many stages of a department due
at the very same moment, some late and some on time (the tie-break by source_system, case_id, stage
order decides the runs), the same case id in two source systems, unfinished stages and stages finished
after the as-of moment, anchored stages whose anchor is missing or still running, events of cases never
loaded (no department), cases without a department, stages in several quarters, every 案件类型 (and an
unknown one, and blank ones that litigation makes 诉讼), in natural time and in working days.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard.engine import sla
from tests.builders import PROVINCES, build_cases, build_events
from tests.reference import sla_definition as definition
from warehouse import store

SYSTEMS = ("default", "crm")
CASE_TYPES = ("简单", "复杂", "诉讼", None, None, "特殊类")  # 特殊类: no clock of its own, [sla] 决策
DEPARTMENTS = ("甲部", "乙部", "丙部", None)
STAGES = ("受理", "分派", "调查", "沟通", "决策", "反馈", "回访")
START = datetime(2024, 1, 1)
DAYS = 420  # five quarters and more
AS_OFS = (
    datetime(2025, 3, 1, 10),
    datetime(2024, 9, 30, 23, 59, 59, 999999),
    datetime(2024, 5, 17, 9, 30),
    datetime(2023, 12, 1),  # before every stage: nothing judged
)


def reference_cards(
    con: duckdb.DuckDBPyConnection, as_of: datetime, departments: tuple[str, ...] = (), provinces: tuple[str, ...] = ()
) -> sla.CardReport:
    """compute_cards as it was defined before it was made fast (the polars implementation)."""
    rules = sla.read_stage_rules()
    wanted = sorted({r.stage for r in rules} | {r.anchor for r in rules if r.anchor})
    judged = sla.judge_stages(definition.read_stages(con, as_of, wanted, departments, provinces), rules, as_of)
    carded = definition.assign_cards(judged)
    cards = definition.summarise_cards(carded)
    yellow = carded.filter(pl.col("is_yellow")).sort("due_at", descending=True)
    return sla.CardReport(as_of, definition.summarise_stages(judged, rules), cards, sla.find_grey_list(cards), yellow)


def _took(rng: random.Random, minutes: float) -> timedelta | None:
    """A stage's duration around its SLA: exactly on it, well within, a little or much later, or not finished."""
    choice = rng.random()
    if choice < 0.08:
        return None
    if choice < 0.35:
        return timedelta(minutes=minutes)
    if choice < 0.6:
        return timedelta(minutes=minutes / 2)
    return timedelta(minutes=minutes) + timedelta(hours=rng.choice((1, 1, 24, 24 * 30)))


def build_system(rng: random.Random, n_cases: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Cases and their stage events of one source system. Cases arrive at 9 or 10 o'clock of every seventh day
    and stages start on the hour, so stages of a department often fall due together; case ids repeat across
    systems."""
    sla_minutes = {rule.stage: rule.minutes for rule in sla.read_stage_rules()}
    cases: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for i in range(n_cases):
        case_id = f"P{i:04d}"
        received = START + timedelta(days=rng.randrange(0, DAYS, 7), hours=rng.choice((9, 10)))
        if rng.random() < 0.9:  # the rest: events of a case never loaded
            cases.append(
                {
                    "case_id": case_id,
                    "received_at": received,
                    "closed_at": None,
                    "status": "办理中",
                    "department": rng.choice(DEPARTMENTS),
                    "province": rng.choice(PROVINCES),
                    "city": None,
                    "case_type": rng.choice(CASE_TYPES),
                    "litigation": rng.random() < 0.2,
                }
            )
        clock = received
        for stage in STAGES:
            if rng.random() < 0.12:  # a skipped stage (a missing anchor when it is 决策 or 反馈)
                continue
            started = clock + timedelta(hours=rng.choice((0, 0, 1)))
            took = _took(rng, sla_minutes.get(stage, 60))
            events.append(
                {
                    "case_id": case_id,
                    "stage": stage,
                    "started_at": started,
                    "finished_at": None if took is None else started + took,
                }
            )
            clock = started + (took or timedelta(hours=2))
    return cases, events


@pytest.fixture(scope="module", params=[11, 23])
def random_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"sla_parity_{request.param}")
    db = folder / "cockpit.duckdb"
    rng = random.Random(request.param)
    loads = []
    for system in SYSTEMS:
        cases, events = build_system(rng, 140)
        loads += [(build_cases(cases), "cases", system), (build_events(events), "events", system)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        from warehouse.importer.pipeline import load_frame

        for i, (frame, kind, system) in enumerate(loads):
            result = load_frame(
                frame, kind, db=db, file_name=f"{system}-{kind}.csv", source_system=system, rebuild=i == len(loads) - 1
            )
            assert not result.rejected and result.quarantined == 0, result.message
    return db


def _assert_same_report(new: sla.CardReport, old: sla.CardReport) -> None:
    assert new.as_of == old.as_of
    for field in ("stages", "cards", "grey_list", "yellow_stages"):
        assert_frame_equal(getattr(new, field), getattr(old, field), check_exact=True)


# (departments, provinces): none; two departments, one being 未指定部门, which matches no row (read_stages reads a
# missing department as NULL); one department; two provinces; a department and three provinces.
VIEWS = [((), ()), (("甲部", sla.NO_DEPARTMENT), ()), (("乙部",), ()), ((), PROVINCES[:2]), (("丙部",), PROVINCES[1:])]


@pytest.mark.parametrize("as_of", AS_OFS)
def test_fast_cards_equal_the_polars_definition(random_db: Path, as_of: datetime) -> None:
    with store.open_reader(random_db) as con:
        for departments, provinces in VIEWS:
            new = sla.compute_cards(con, as_of, departments, provinces)
            old = reference_cards(con, as_of, departments, provinces)
            _assert_same_report(new, old)


@pytest.mark.parametrize("as_of", AS_OFS[:2])
def test_fast_cards_equal_the_polars_definition_in_working_days(
    random_db: Path, as_of: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = sla.ClockRules(sla.ClockRules.from_settings().decision_by_case_type, working=True)
    monkeypatch.setattr(sla.ClockRules, "from_settings", classmethod(lambda cls: working))
    with store.open_reader(random_db) as con:
        for departments, provinces in VIEWS[:3]:
            new = sla.compute_cards(con, as_of, departments, provinces)
            old = reference_cards(con, as_of, departments, provinces)
            _assert_same_report(new, old)
        natural = sla.judge_stages(
            definition.read_stages(con, as_of, ["决策"]),
            sla.read_stage_rules(),
            as_of,
            sla.ClockRules(working.decision_by_case_type),
        )
    # The working-day clocks differ from natural ones somewhere (weekends and holidays lie in the data).
    assert not new.stages.equals(definition.summarise_stages(natural, sla.read_stage_rules()))


def test_the_random_warehouse_holds_every_hard_case(random_db: Path) -> None:
    """Guards the parity test above: the drawn data must exercise what could break the fast path."""
    as_of = AS_OFS[0]
    with store.open_reader(random_db) as con:
        rules = sla.read_stage_rules()
        wanted = sorted({r.stage for r in rules} | {r.anchor for r in rules if r.anchor})
        judged = sla.judge_stages(definition.read_stages(con, as_of, wanted), rules, as_of)
        carded = definition.assign_cards(judged)
        unloaded = con.sql("SELECT count(*) FROM fct_case_stage WHERE case_key IS NULL").fetchall()[0][0]
    due_together = carded.group_by("department", "due_at").agg(
        yellow=pl.col("is_yellow").sum(),
        on_time=(~pl.col("is_yellow")).sum(),
        systems=pl.col("source_system").n_unique(),
    )
    assert due_together.filter((pl.col("yellow") > 0) & (pl.col("on_time") > 0)).height >= 5
    assert due_together.filter((pl.col("yellow") > 1) & (pl.col("systems") > 1)).height > 0
    assert carded["is_red"].sum() >= 10 and carded.filter(pl.col("is_yellow") & pl.col("is_open")).height > 0
    assert judged.filter(pl.col("state") == sla.PENDING).height > 0
    assert unloaded > 0 and sla.NO_DEPARTMENT in carded["department"].to_list()
    assert carded["quarter"].n_unique() >= 4
    feedback = judged.filter(pl.col("stage") == "反馈")
    decided = judged.filter(pl.col("stage") == "决策").select("source_system", "case_id")
    # 反馈 without a 决策 (its clock runs from its own start) and 反馈 whose 决策 was still running (not due)
    assert (
        feedback.join(decided, on=["source_system", "case_id"], how="anti").filter(pl.col("state") != "pending").height
    )
    assert feedback.filter(pl.col("due_at").is_null()).height > 0


def test_order_keys_order_department_then_due_time_even_centuries_apart() -> None:
    codes = [40, 3, 3, 0, 40, 3, 3]
    due = [datetime(9999, 1, 1), datetime(1, 1, 1), datetime(9999, 1, 1), datetime(5000, 6, 1), datetime(1, 1, 1)]
    due += [datetime(2024, 1, 1), datetime(2024, 1, 1)]
    keys = sla.order_keys(pl.Series(codes, dtype=pl.Int32), pl.Series(due)).to_list()
    pairs = list(zip(codes, due, strict=True))
    for i in range(len(pairs)):
        for j in range(len(pairs)):
            assert (keys[i] < keys[j]) == (pairs[i] < pairs[j]) and (keys[i] == keys[j]) == (pairs[i] == pairs[j])
