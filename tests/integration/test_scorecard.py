"""考核 scorecard (METRICS.md "Scorecard") on a hand-built warehouse and on hand-made frames.

The warehouse: three departments over 2024Q1 and 2024Q2 (one case in July makes Q2 complete), three provinces,
three branches. Stage events give red cards (two late 受理 in a row = a red card; METRICS.md "SLA cards"):
- 甲部: a red card in Q1 and another in Q2 -> grey-listed in the Q2 scorecard (not in Q1's);
- 丙部: a red card in Q1 only -> never grey-listed;
- 乙部: no card.
Every expected score is computed here from the row's KPI values and settings.toml read directly, with
METRICS.md's formula; every row's KPI values are checked against `python -m dashboard kpis --where`.
"""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard.__main__ import main
from dashboard.engine.periods import Period
from dashboard.engine.scorecard import score_units
from dashboard.engine.scorecard_rules import LEADERSHIP, check_rules, read_rules
from dashboard.engine.scorecard_store import load_scorecard, publish_scorecards, read_scorecard
from tests.builders import build_cases
from tests.scorecard_support import (
    CASES_PER_DEPARTMENT,
    DEPARTMENTS,
    LOWER_IS_BETTER,
    Q1,
    Q2,
    build_rows,
    build_warehouse,
)
from warehouse import store
from warehouse.commands.rebuild import rebuild_warehouse
from warehouse.settings import settings_path


@pytest.fixture(scope="module")
def scorecard_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scorecard")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_SALT_FILE", str(folder / "salt"))
        return build_warehouse(folder)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def scorecard_json(capsys: pytest.CaptureFixture[str], db: Path, unit: str, period: Period) -> dict[str, Any]:
    dates = ["--from", period.start.isoformat(), "--to", period.end.isoformat()]
    return run_cli(capsys, "scorecard", "--unit", unit, *dates, "--db", str(db))


def settings_rules(unit: str) -> tuple[dict[str, float], dict[str, float], float]:
    """Weights, targets and deduction read straight from settings.toml (not through dashboard.engine.scorecard_rules)."""
    with open(settings_path(), "rb") as handle:
        tree = tomllib.load(handle)
    targets = {kpi: pair[0] for kpi, pair in tree["targets"].items()}
    targets.update(tree["scorecard"].get("targets", {}))
    return tree["scorecard"]["weights"][unit], targets, tree["scorecard"]["red_card_deduction"]


def expected_attainment(kpi: str, value: float | None, target: float | None) -> float | None:
    if value is None or target is None:
        return None
    if kpi in LOWER_IS_BETTER:
        return 1.0 if value <= target else target / value
    return min(1.0, value / target)


def expected_score(unit: str, kpis: dict[str, float | None], red_cards: int | None) -> float | None:
    weights, targets, deduction = settings_rules(unit)
    parts = [
        (weight, expected_attainment(kpi, kpis.get(kpi), targets.get(kpi)))
        for kpi, weight in weights.items()
    ]  # fmt: skip
    counted = [(w, a) for w, a in parts if a is not None]
    if not counted:
        return None
    return round(100 * sum(w * a for w, a in counted) / sum(w for w, _ in counted) - deduction * (red_cards or 0), 2)


# ---- the contract: each row's KPIs are `kpis --where UNIT=key` ------------------------------------------------
@pytest.mark.parametrize("unit", ["department", "branch", "province"])
def test_each_rows_kpis_equal_kpis_where_unit_key(
    unit: str, scorecard_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = scorecard_json(capsys, scorecard_db, unit, Q2)
    assert card["unit"] == unit and card["period"] == ["2024-04-01", "2024-07-01"]
    assert len(card["rows"]) == 3
    for row in card["rows"]:
        where = f"{unit}={row['key']}"
        kpis = run_cli(capsys, "kpis", "--from", "2024-04-01", "--to", "2024-07-01", "--where", where,
                       "--db", str(scorecard_db))["kpis"]  # fmt: skip
        assert set(row["kpis"]) == set(card["weights"])
        assert row["kpis"] == {kpi: kpis[kpi]["value"] for kpi in row["kpis"]}, where
        assert row["volume"] == kpis["volume"]["value"]
    assert sum(r["volume"] for r in card["rows"]) == len(DEPARTMENTS) * CASES_PER_DEPARTMENT


def test_attainment_and_score_follow_the_metrics_definition(
    scorecard_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for unit in ("department", "branch", "province"):
        card = scorecard_json(capsys, scorecard_db, unit, Q2)
        weights, targets, _ = settings_rules(unit)
        assert card["weights"] == weights
        for row in card["rows"]:
            for kpi, value in row["kpis"].items():
                assert row["attainment"][kpi] == pytest.approx(expected_attainment(kpi, value, targets.get(kpi)))
            assert row["score"] == pytest.approx(expected_score(unit, row["kpis"], row["red_cards"]))


def test_ranks_follow_scores(scorecard_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for unit in ("department", "branch", "province"):
        rows = scorecard_json(capsys, scorecard_db, unit, Q2)["rows"]
        scores = [r["score"] for r in rows]
        assert scores == sorted(scores, reverse=True)  # rows by rank
        for row in rows:
            assert row["rank"] == 1 + sum(s > row["score"] for s in scores)


def test_two_red_cards_in_a_row_grey_list_a_department_and_cost_points(
    scorecard_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = {r["key"]: r for r in scorecard_json(capsys, scorecard_db, "department", Q1)["rows"]}
    second = {r["key"]: r for r in scorecard_json(capsys, scorecard_db, "department", Q2)["rows"]}
    assert {k: (r["red_cards"], r["grey_listed"]) for k, r in first.items()} == {
        "甲部": (1, False), "乙部": (0, False), "丙部": (1, False)
    }  # fmt: skip
    assert {k: (r["red_cards"], r["grey_listed"]) for k, r in second.items()} == {
        "甲部": (1, True), "乙部": (0, False), "丙部": (0, False)
    }  # fmt: skip
    _, _, deduction = settings_rules("department")
    without = expected_score("department", second["甲部"]["kpis"], 0)
    assert second["甲部"]["score"] == pytest.approx(without - deduction)
    # Red cards are a 处理部门's: other unit kinds neither lose points nor are grey-listed.
    provinces = scorecard_json(capsys, scorecard_db, "province", Q2)["rows"]
    assert all(r["red_cards"] is None and r["grey_listed"] is None for r in provinces)


def test_rank_change_is_against_the_previous_quarter(scorecard_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {r["key"]: r["rank"] for r in scorecard_json(capsys, scorecard_db, "department", Q1)["rows"]}
    card = scorecard_json(capsys, scorecard_db, "department", Q2)
    assert card["previous_period"] == ["2024-01-01", "2024-04-01"]
    for row in card["rows"]:
        assert row["previous_rank"] == before[row["key"]]
        assert row["rank_change"] == before[row["key"]] - row["rank"]


def test_leadership_is_scored_on_the_bank_wide_headline(scorecard_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = scorecard_json(capsys, scorecard_db, "department", Q2)
    kpis = run_cli(capsys, "kpis", "--from", "2024-04-01", "--to", "2024-07-01", "--db", str(scorecard_db))["kpis"]
    leadership = card["leadership"]
    assert leadership["key"] == "全行"
    assert leadership["kpis"] == {kpi: kpis[kpi]["value"] for kpi in leadership["kpis"]}
    assert leadership["score"] == pytest.approx(expected_score(LEADERSHIP, leadership["kpis"], None))


# ---- published snapshots -------------------------------------------------------------------------------------
def test_published_quarters_keep_their_ranks_through_rebuilds_and_corrections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build_warehouse(tmp_path / "published")
    assert sorted(publish_scorecards(db)) == sorted(
        (unit, quarter) for unit in ("department", "branch", "province", LEADERSHIP) for quarter in ("2024Q1", "2024Q2")
    )
    published = scorecard_json(capsys, db, "department", Q2)
    assert published["published_at"] is not None
    version = store.current_version(db)
    assert main(["scorecard", "--publish", "--db", str(db)]) == 0  # nothing missing: no new version
    assert "没有需要发布" in capsys.readouterr().out and store.current_version(db) == version

    # A late correction: every open 乙部 case of Q2 is closed late with an unhappy customer; then a rebuild.
    cases, _ = build_rows()
    corrected = [
        {**row, "status": "已办结", "closed_at": row["received_at"] + timedelta(days=40), "satisfaction": "不满意",
         "resolved_first_time": False}
        for row in cases if row["department"] == "乙部" and Q2.start <= row["received_at"].date() < Q2.end
    ]  # fmt: skip
    from warehouse.importer.pipeline import load_frame

    assert not load_frame(build_cases(corrected), "cases", db=db, file_name="fix.csv").rejected
    rebuild_warehouse(db)
    assert publish_scorecards(db) == []

    assert scorecard_json(capsys, db, "department", Q2) == published
    with store.open_reader(db) as con:
        live = load_scorecard(con, "department", Period(Q2.start, Q2.end - timedelta(days=1)))  # not a quarter
        stored = read_scorecard(con, "department", Q2)
    assert stored is not None and stored.published_at is not None
    before = {r["key"]: r["kpis"]["satisfaction_rate"] for r in published["rows"]}
    now = {r["key"]: r["kpis"]["satisfaction_rate"] for r in live.to_json()["rows"]}
    assert now["乙部"] != before["乙部"] and now["甲部"] == before["甲部"]


# ---- the Polars job on hand-made frames -----------------------------------------------------------------------
def test_score_job_shares_out_missing_weights_deducts_red_cards_and_ties_ranks() -> None:
    rules = pl.LazyFrame(
        {"unit": ["department"] * 2, "kpi": ["x", "y"], "weight": [0.6, 0.4], "target": [0.8, 0.1],
         "lower_is_better": [False, True]}
    )  # fmt: skip
    values = {"A": (0.9, 0.2), "B": (0.4, None), "C": (0.8, 0.0), "D": (None, None), "E": (0.9, 0.2)}
    frame = pl.LazyFrame(
        {
            "unit": "department",
            "period_key": "2024Q2",
            "key": [k for k in values for _ in "xy"],
            "kpi": ["x", "y"] * len(values),
            "value": [v for pair in values.values() for v in pair],
        }
    )
    volumes = pl.LazyFrame({"unit": "department", "period_key": "2024Q2", "key": list(values), "volume": 1})
    cards = pl.LazyFrame({"period_key": ["2024Q2"], "key": ["C"], "red_cards": [3], "grey_listed": [True]})
    rows, kpis = score_units(frame, volumes, rules, cards, deduction=5.0)
    scored = {r["key"]: r for r in rows.collect().iter_rows(named=True)}
    # A: x 0.9 ≥ 0.8 -> 1, y 0.2 vs 0.1 (lower) -> 0.5: 100 × (0.6 + 0.2) = 80. B: y missing, x 0.5: 50.
    # C: both met (y = 0 is best) = 100, minus 3 red cards × 5 = 85. D: nothing to score. E ties with A.
    assert {k: r["score"] for k, r in scored.items()} == {"A": 80.0, "B": 50.0, "C": 85.0, "D": None, "E": 80.0}
    assert {k: r["rank"] for k, r in scored.items()} == {"A": 2, "B": 4, "C": 1, "D": None, "E": 2}
    assert scored["C"]["grey_listed"] is True and scored["A"]["red_cards"] == 0
    attainment = {(r["key"], r["kpi"]): r["attainment"] for r in kpis.collect().iter_rows(named=True)}
    assert attainment[("A", "y")] == pytest.approx(0.5) and attainment[("B", "y")] is None


def test_default_weights_follow_seed_000() -> None:
    rules = read_rules()
    assert check_rules(rules) == []
    for unit, weights in rules.weights.items():
        outcome = sum(
            weights.get(k, 0) for k in ("one_time_resolution_rate", "mediation_success_rate", "satisfaction_rate")
        )
        assert outcome / sum(weights.values()) >= 0.20, unit
    leadership = rules.weights[LEADERSHIP]
    assert leadership["one_time_resolution_rate"] / sum(leadership.values()) == pytest.approx(0.10)
