"""产品与问题: the Pareto cut, the product × issue matrix, the channel structure and the drill to masked cases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import compute_mix
from dashboard.engine.periods import Period
from dashboard.views.case_list import CASE_COLUMNS, format_case_table, list_cases
from dashboard.views.drill import drill_filters, read_clicked
from dashboard.views.products_view import (
    PARETO_CUT,
    build_channel_structure,
    build_issue_pareto,
    build_product_issue_matrix,
)
from tests.builders import BASE_TIME, build_cases, case_row
from warehouse import store
from warehouse.importer.pipeline import load_frame

# issue -> cases; the first two make exactly PARETO_CUT of the volume.
ISSUE_COUNTS = {"息费争议": 50, "服务态度": 30, "征信异议": 10, "催收方式": 6, "其他": 4}
PRODUCTS = ("信用卡分期", "个人住房贷款", "借记卡")
PERIOD = Period(date(2024, 7, 1), date(2024, 10, 1))


@pytest.fixture
def products_db(tmp_db: Path) -> Path:
    rows = []
    for issue, count in ISSUE_COUNTS.items():
        for k in range(count):
            index = len(rows)
            received = BASE_TIME + timedelta(days=index % 80, hours=index % 5)
            rows.append(
                case_row(
                    index,
                    issue=issue,
                    product=PRODUCTS[k % len(PRODUCTS)],
                    received_at=received,
                    closed_at=received + timedelta(days=2),
                    status="已办结",
                    complainant_name="欧阳明",
                    phone=f"1370000{index:04d}",
                    complainant_id=f"ID-PI-{index:05d}",
                )
            )
    assert load_frame(build_cases(rows), "cases", db=tmp_db, file_name="pi.csv").loaded == len(rows)
    return tmp_db


def test_pareto_marks_the_issues_needed_to_reach_80_percent(products_db: Path) -> None:
    total = sum(ISSUE_COUNTS.values())
    with store.open_reader(products_db) as con:
        pareto = build_issue_pareto(DuckDBSource(con, Filters()), PERIOD)
    assert pareto.total == total
    assert pareto.issues["issue"].to_list() == sorted(ISSUE_COUNTS, key=lambda i: -ISSUE_COUNTS[i])
    assert pareto.issues["volume"].to_list() == sorted(ISSUE_COUNTS.values(), reverse=True)
    # Needed: the fewest issues whose cumulative share reaches the cut (exactly at it: no more).
    needed, running = 0, 0
    for count in sorted(ISSUE_COUNTS.values(), reverse=True):
        if running / total >= PARETO_CUT:
            break
        needed, running = needed + 1, running + count
    assert pareto.vital_count == needed == 2
    assert pareto.issues["cum_share"][-1] == pytest.approx(1.0)
    assert f"前 {needed} 类问题" in pareto.summary()


def test_matrix_cells_add_up_and_drill_to_the_same_masked_cases(products_db: Path) -> None:
    with store.open_reader(products_db) as con:
        source = DuckDBSource(con, Filters())
        matrix = build_product_issue_matrix(con, source, PERIOD)
        assert int(matrix["volume"].sum()) == sum(ISSUE_COUNTS.values())
        cell = matrix.sort("volume", descending=True).row(0, named=True)
        drilled = drill_filters(Filters(), {"product": cell["product"], "issue": cell["issue"]})
        listing = list_cases(con, drilled, PERIOD, sort="received_at")
    assert listing.total == cell["volume"] == listing.cases.height
    assert set(listing.cases["issue"]) == {cell["issue"]} and set(listing.cases["product"]) == {cell["product"]}
    text = format_case_table(listing.cases).write_csv()
    assert "欧阳明" not in text and "ID-PI-" not in text and "1370000" not in text
    assert list(listing.cases.columns) == list(CASE_COLUMNS)


def test_channel_structure_is_the_engines_channel_mix(products_db: Path) -> None:
    with store.open_reader(products_db) as con:
        source = DuckDBSource(con, Filters())
        assert build_channel_structure(source, PERIOD).equals(compute_mix(source, PERIOD, ("channel",))["channel"])


def test_risk_case_list_sorts_by_score_and_limits(products_db: Path) -> None:
    with store.open_reader(products_db) as con:
        listing = list_cases(con, Filters(), PERIOD, sort="risk_score", limit=7)
        all_scores = sorted((s for (s,) in con.sql("SELECT risk_score FROM fct_case_risk").fetchall()), reverse=True)
    assert listing.total == sum(ISSUE_COUNTS.values())
    assert listing.cases["risk_score"].to_list() == all_scores[:7]


def test_a_click_on_a_bar_names_its_category() -> None:
    state = {"selection": {"points": [{"x": "息费争议", "y": 50}], "box": [], "lasso": []}}
    assert read_clicked(state, "x") == "息费争议"
    assert read_clicked({"selection": {"points": []}}, "x") is None
    assert read_clicked(None, "y") is None
    # A drill replaces that dimension's own selection.
    narrowed = drill_filters(Filters(issues=("服务态度",)), {"issue": "息费争议"})
    assert narrowed.issues == ("息费争议",)
