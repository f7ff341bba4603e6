"""风险雷达 scoring (warehouse/sql/marts/23_fct_case_risk.sql) on a warehouse loaded through the import pipeline.

Each rule is tested at its boundary: a score exactly at [risk].high_min is 高 and exactly at
medium_min is 中; 争议金额 exactly at a threshold counts, a cent below does not; a repeat adds
`repeat` points and every further repeat `each_further_repeat`. Expected scores are derived from
the settings the test reads (or writes), never typed in.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboard.__main__ import main as dashboard_main
from dashboard.engine.filters import Filters
from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.periods import Period
from dashboard.views.risk_view import build_risk_breakdown, build_risk_pools
from tests.builders import BASE_TIME, build_cases, case_row
from warehouse import store
from warehouse.importer.pipeline import load_frame
from warehouse.settings import setting

PLAIN: dict[str, Any] = {
    "channel": "电话",
    "regulator_referred": False,
    "litigation": False,
    "media_exposure": False,
    "vulnerable_group": "无",
    "amount_disputed": 0.0,
    "product": "信用卡分期",
    "issue": "息费争议",
}
# name -> overrides of a plain case (one complainant each, unless `who` is given)
CASES: dict[str, dict[str, Any]] = {
    "referred_litigation": {"regulator_referred": True, "litigation": True},
    "referred_vulnerable": {"regulator_referred": True, "vulnerable_group": "老年人"},
    "referred": {"regulator_referred": True},
    "litigation": {"litigation": True},
    "media_vulnerable_product": {"media_exposure": True, "vulnerable_group": "残障人士", "product": "房抵贷"},
    "amount_large": {"amount_disputed": None},  # filled from settings below
    "amount_below_large": {"amount_disputed": None},
    "amount_medium": {"amount_disputed": None},
    "amount_below_medium": {"amount_disputed": None},
    "high_risk_product": {"product": "代销理财"},
    "repeat_1": {"who": "R"},
    "repeat_2": {"who": "R"},
    "repeat_3": {"who": "R"},
    "plain": {},
}


def points() -> dict[str, int]:
    return setting("risk", "points")


def amounts() -> dict[str, float]:
    large, medium = float(setting("risk", "amount_large_yuan")), float(setting("risk", "amount_medium_yuan"))
    return {
        "amount_large": large,
        "amount_below_large": large - 0.01,
        "amount_medium": medium,
        "amount_below_medium": medium - 0.01,
    }


def expected_score(name: str) -> int:
    """The points of METRICS.md's table, added up from the settings for the case's flags."""
    p = points()
    flags = CASES[name]
    score = 0
    score += p["regulator_referred"] if flags.get("regulator_referred") else 0
    score += p["media_exposure"] if flags.get("media_exposure") else 0
    score += p["litigation"] if flags.get("litigation") else 0
    score += p["vulnerable_group"] if flags.get("vulnerable_group") else 0
    score += p["high_risk_product"] if flags.get("product") in setting("risk", "high_risk_products") else 0
    amount = amounts().get(name, 0.0)
    if amount >= float(setting("risk", "amount_large_yuan")):
        score += p["amount_large"]
    elif amount >= float(setting("risk", "amount_medium_yuan")):
        score += p["amount_medium"]
    if name.startswith("repeat_"):
        earlier = int(name[-1]) - 1
        score += (p["repeat"] + (earlier - 1) * p["each_further_repeat"]) if earlier else 0
    return score


def expected_level(score: int) -> str:
    if score >= setting("risk", "high_min"):
        return "高"
    return "中" if score >= setting("risk", "medium_min") else "低"


def build_scoring_cases() -> list[dict[str, Any]]:
    rows = []
    for index, (name, flags) in enumerate(CASES.items()):
        who = flags.get("who", name)
        overrides = {**PLAIN, **{k: v for k, v in flags.items() if k != "who"}}
        if name in amounts():
            overrides["amount_disputed"] = amounts()[name]
        received = BASE_TIME + timedelta(days=10 * index)
        overrides.update(
            case_id=name,
            received_at=received,
            closed_at=received + timedelta(days=2),
            status="已办结",
            complainant_id=f"ID-{who}",
            complainant_name="张某某",
            phone="13800001234",
        )
        rows.append(case_row(index, **overrides))
    return rows


@pytest.fixture
def scored_db(tmp_db: Path) -> Path:
    result = load_frame(build_cases(build_scoring_cases()), "cases", db=tmp_db, file_name="risk.csv")
    assert result.loaded == len(CASES), result.message
    return tmp_db


def read_scores(db: Path) -> dict[str, tuple[int, str, list[str]]]:
    with store.open_reader(db) as con:
        rows = con.sql(
            "SELECT f.case_id, r.risk_score, r.risk_level, r.risk_reasons "
            "FROM fct_case_risk AS r JOIN fct_complaint AS f USING (case_key)"
        ).fetchall()
    return {case_id: (score, level, reasons) for case_id, score, level, reasons in rows}


def test_default_points_put_the_boundary_cases_exactly_on_the_cut_offs() -> None:
    # The boundary cases below are only boundary cases with METRICS.md's default table.
    high, medium = setting("risk", "high_min"), setting("risk", "medium_min")
    assert expected_score("referred_litigation") == high
    assert expected_score("referred") == medium
    assert expected_score("litigation") == medium - 1
    assert expected_score("repeat_3") == medium


def test_every_case_gets_the_score_and_level_of_the_points_table(scored_db: Path) -> None:
    scores = read_scores(scored_db)
    assert set(scores) == set(CASES)
    for name in CASES:
        score, level, reasons = scores[name]
        assert score == expected_score(name), name
        assert level == expected_level(score), name
        # The reasons carry their points, and the points add up to the score.
        assert sum(int(reason.rsplit("+", 1)[1]) for reason in reasons) == score, (name, reasons)


def test_levels_at_their_boundaries(scored_db: Path) -> None:
    scores = read_scores(scored_db)
    assert scores["referred_litigation"][1] == "高"  # exactly high_min
    assert scores["referred_vulnerable"][1] == "中"  # high_min - 1
    assert scores["referred"][1] == "中"  # exactly medium_min
    assert scores["litigation"][1] == "低"  # medium_min - 1


def test_amount_thresholds_count_from_the_exact_amount(scored_db: Path) -> None:
    scores = read_scores(scored_db)
    p = points()
    assert scores["amount_large"][0] == p["amount_large"]
    assert scores["amount_below_large"][0] == p["amount_medium"]
    assert scores["amount_medium"][0] == p["amount_medium"]
    assert scores["amount_below_medium"][0] == 0
    assert any(reason.startswith("争议金额≥50万元") for reason in scores["amount_large"][2])


def test_repeat_points_grow_with_each_further_repeat(scored_db: Path) -> None:
    scores = read_scores(scored_db)
    p = points()
    assert scores["repeat_1"][0] == 0
    assert scores["repeat_2"][0] == p["repeat"]
    assert scores["repeat_3"][0] == p["repeat"] + p["each_further_repeat"]
    assert scores["repeat_3"][2] == [f"重复投诉 +{p['repeat']}", f"再次重复 +{p['each_further_repeat']}"]
    assert scores["referred"][2] == [f"监管转办 +{p['regulator_referred']}"]


def test_a_settings_change_rescores_on_the_next_rebuild(
    tmp_path: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (Path(__file__).resolve().parents[2] / "settings.toml").read_text(encoding="utf-8")
    changed = text.replace("litigation = 2", "litigation = 4", 1).replace("high_min = 5", "high_min = 7", 1)
    assert changed != text
    custom = tmp_path / "settings.toml"
    custom.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("COCKPIT_SETTINGS", str(custom))
    load_frame(build_cases(build_scoring_cases()), "cases", db=tmp_db, file_name="risk.csv")
    scores = read_scores(tmp_db)
    assert setting("risk", "points")["litigation"] == 4
    for name in CASES:
        assert scores[name][:2] == (expected_score(name), expected_level(expected_score(name))), name
    # 监管转办 + 诉讼 now lands exactly on the new high_min; a case that was 高 by default drops to 中.
    assert scores["referred_litigation"][:2] == (setting("risk", "high_min"), "高")
    assert scores["media_vulnerable_product"][1] == "中"


def run_kpis_json(db: Path, period: Period) -> dict[str, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = dashboard_main(
            [
                "kpis",
                "--from",
                period.start.isoformat(),
                "--to",
                period.end.isoformat(),
                "--by",
                "risk_level",
                "--db",
                str(db),
                "--json",
            ]
        )
    assert code == 0
    return json.loads(out.getvalue())


def test_pools_equal_kpis_by_risk_level_and_the_breakdowns_add_up(scored_db: Path) -> None:
    period = Period(date(2024, 6, 1), date(2025, 1, 1))
    cli = {row["key"]: row["volume"] for row in run_kpis_json(scored_db, period)["by"]["rows"]}
    with store.open_reader(scored_db) as con:
        source = DuckDBSource(con, Filters())
        pools = build_risk_pools(source, period)
        by_product = build_risk_breakdown(con, source, period, "product")
        truth = dict(con.sql("SELECT risk_level, count(*) FROM fct_case_risk GROUP BY 1").fetchall())
    page = {row["risk_level"]: row["volume"] for row in pools.pools.iter_rows(named=True)}
    assert {k: v for k, v in page.items() if v} == cli == truth
    assert pools.total == len(CASES)
    for level in ("高", "中", "低"):
        assert int(by_product[level].sum()) == page[level]


def test_an_old_warehouse_without_scores_asks_for_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE fct_complaint (case_key BIGINT, received_date DATE)")
    with pytest.raises(ValueError, match="warehouse rebuild"):
        DuckDBSource(con)._raw_key("risk_level", "f.received_date")
    con.close()
