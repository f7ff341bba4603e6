"""The default demo's stage timings against the card rules (METRICS.md): most departments green, a few with
yellow cards, one or two with red ones, grey listing rare; and its 案件类型 follow the contract.

The cards are computed by the definition (judge_stages → assign_cards → summarise_cards → find_grey_list)
straight from the generated frames: the same stages the warehouse would hold, without loading them.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard.engine import sla
from tests.reference import sla_definition as definition
from warehouse.demo import generate_demo
from warehouse.importer.contract import STAGES

AS_OF = date(2026, 12, 3)


@pytest.fixture(scope="module")
def cards() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    data = generate_demo(as_of=AS_OF)  # the default demo: settings' case count and seed
    cases = data.cases.select("case_id", "department", "case_type", "litigation")
    stages = (
        data.events.join(cases, on="case_id")
        .with_columns(
            source_system=pl.lit("default"),
            stage_order=pl.col("stage").replace_strict({s: i + 1 for i, s in enumerate(STAGES)}, return_dtype=pl.Int64),
        )
        .select(list(sla.STAGE_SCHEMA))
        .cast(sla.STAGE_SCHEMA)  # type: ignore[arg-type]
    )
    as_of = data.events["started_at"].max()
    finished = pl.when(pl.col("finished_at") <= as_of).then(pl.col("finished_at"))  # as read_stages reads them
    judged = sla.judge_stages(stages.with_columns(finished_at=finished), sla.read_stage_rules(), as_of)
    return cases, definition.summarise_cards(definition.assign_cards(judged)), judged


def test_case_types_follow_the_contract(cards: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    cases = cards[0]
    shares = dict(cases["case_type"].value_counts(normalize=True).iter_rows())
    assert set(shares) == {"简单", "复杂", "诉讼"} and shares["简单"] > 0.7
    assert (cases.filter(pl.col("litigation"))["case_type"] == "诉讼").all()  # litigated: 诉讼


def test_grey_listing_is_rare_and_most_departments_stay_green(
    cards: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    _cases, summary, _judged = cards
    latest_year = summary.filter(pl.col("quarter").str.slice(0, 4) == str(AS_OF.year))
    totals = summary.group_by("department").agg(pl.col("yellow", "red").sum())
    green = totals.filter(pl.col("yellow") == 0).height
    red = totals.filter(pl.col("red") > 0).height
    grey = sla.find_grey_list(latest_year)
    assert green > totals.height / 2  # most departments: no card at all
    assert 1 <= red <= 2  # one or two earn red cards
    assert 1 <= grey.height <= 2, grey  # grey listing is the exception


def test_simple_cases_are_decided_within_a_day(cards: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    judged = cards[2].filter(pl.col("stage") == "决策", pl.col("state") != sla.PENDING)
    clocks = dict(judged.group_by("case_type").agg(pl.col("sla_minutes").first()).iter_rows())
    assert clocks == {"简单": 1440.0, "复杂": 7200.0, "诉讼": 21600.0}
    on_time = judged.group_by("case_type").agg((pl.col("state") == sla.ON_TIME).mean().alias("share"))
    assert on_time["share"].min() > 0.95
