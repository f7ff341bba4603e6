"""The demo's 内部缺陷清单 is plausible (tens of defects a year, most rectified on time, a few overdue; links on
both sides) and its two planted fixes tell their story: counted here from the generated frames themselves."""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl
import pytest

from warehouse.demo import generate_demo

AS_OF = date(2026, 10, 31)  # window 2023-11-01 .. 2026-10-31; the last complete quarter is 2026 Q3
QUARTER = (date(2026, 7, 1), date(2026, 10, 1))
WINDOW = 90


@pytest.fixture(scope="module")
def demo():
    return generate_demo(cases=3_000, seed=20260101, as_of=AS_OF)


def test_tens_of_defects_a_year_most_fixed_on_time_a_few_overdue(demo) -> None:
    ledger = demo.defects
    assert 20 * 3 <= ledger.height <= 40 * 3
    assert ledger["defect_id"].is_unique().all()
    cutoff = demo.period.end
    due = ledger.filter(pl.col("due_date") < cutoff)
    on_time = due.filter(pl.col("completed_date").is_not_null() & (pl.col("completed_date") <= pl.col("due_date")))
    overdue = due.filter(pl.col("completed_date").is_null())
    assert on_time.height >= 0.75 * due.height
    assert 1 <= overdue.height <= 0.15 * due.height
    done = ledger.filter(pl.col("status").is_in(["已完成", "已验收"]))
    assert done["completed_date"].is_not_null().all() and (done["completed_date"] >= done["found_date"]).all()
    assert set(ledger["defect_type"]) <= {"制度缺陷", "系统漏洞", "流程断点"}


def test_links_on_both_sides_name_real_cases(demo) -> None:
    ids = set(demo.cases["case_id"])
    from_ledger = {c for text in demo.defects["case_ids"].drop_nulls() for c in re.split("[；,]", text)}
    from_cases = demo.cases.filter(pl.col("defect_ids").is_not_null())
    assert from_ledger and from_cases.height
    assert from_ledger <= ids
    assert {d for text in from_cases["defect_ids"] for d in text.split("；")} <= set(demo.defects["defect_id"])


def _effects(demo) -> dict[str, tuple[int, int]]:
    """(before, after) per fix judged in the quarter, by METRICS.md, from the generated frames."""
    cases = demo.cases.with_columns(day=pl.col("received_at").dt.date())
    links = [(d, c) for d, text in demo.defects.select("defect_id", "case_ids").drop_nulls().iter_rows()
             for c in re.split("[；,]", text)]  # fmt: skip
    links += [(d, c) for c, text in cases.select("case_id", "defect_ids").drop_nulls().iter_rows()
              for d in text.split("；")]  # fmt: skip
    link_frame = pl.DataFrame(links, schema=["defect_id", "case_id"], orient="row")
    result = {}
    for row in demo.defects.filter(pl.col("completed_date").is_not_null()).iter_rows(named=True):
        done = row["completed_date"]
        if not QUARTER[0] <= done + timedelta(days=WINDOW) < QUARTER[1]:
            continue
        linked = link_frame.filter(pl.col("defect_id") == row["defect_id"]).join(cases, on="case_id")
        pairs = linked.select("product", "issue").unique()
        if pairs.is_empty():
            continue
        on_pair = cases.join(pairs, on=["product", "issue"])
        before = on_pair.filter((pl.col("day") >= done - timedelta(days=WINDOW)) & (pl.col("day") < done)).height
        after = on_pair.filter((pl.col("day") > done) & (pl.col("day") <= done + timedelta(days=WINDOW))).height
        result[row["defect_id"]] = (before, after)
    return result


def test_the_quarter_has_a_fix_that_worked_and_one_that_did_not(demo) -> None:
    effects = _effects(demo)
    assert any(before and after <= 0.8 * before for before, after in effects.values()), effects
    assert any(before and after >= before for before, after in effects.values()), effects
