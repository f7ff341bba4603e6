"""Risk level breakdown on a warehouse whose v_complaint has no risk_level column (scored from settings)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from dashboard.engine.kpi_source import DuckDBSource
from dashboard.engine.kpis import RISK_LEVELS, compute_breakdown
from dashboard.engine.periods import Period
from tests.reference.kpi_frames import build_case_frame
from tests.reference.star_schema import write_star_schema
from warehouse.settings import setting

FLAGS: list[dict[str, Any]] = [
    {"is_regulator_referred": True, "is_media_exposure": True},
    {"is_litigation": True, "is_repeat": True, "prior_repeats": 1, "complainant_key": "a"},
    {"is_repeat": True, "prior_repeats": 3, "complainant_key": "b"},
    {"is_repeat": True, "prior_repeats": 3, "complainant_key": "b", "is_vulnerable": True},
    {"amount_disputed_yuan": 600_000.0},
    {"amount_disputed_yuan": 60_000.0, "product": "房抵贷"},
    {"amount_disputed_yuan": 600_000.0, "product": "房抵贷"},
    {},
]


def expected_level(case: dict[str, Any]) -> str:
    points = setting("risk", "points")
    score = 0
    score += points["regulator_referred"] if case.get("is_regulator_referred") else 0
    score += points["media_exposure"] if case.get("is_media_exposure") else 0
    score += points["litigation"] if case.get("is_litigation") else 0
    if case.get("is_repeat"):
        score += points["repeat"] + (case["prior_repeats"] - 1) * points["each_further_repeat"]
    score += points["vulnerable_group"] if case.get("is_vulnerable") else 0
    amount = case.get("amount_disputed_yuan") or 0
    if amount >= setting("risk", "amount_large_yuan"):
        score += points["amount_large"]
    elif amount >= setting("risk", "amount_medium_yuan"):
        score += points["amount_medium"]
    score += points["high_risk_product"] if case.get("product") in setting("risk", "high_risk_products") else 0
    if score >= setting("risk", "high_min"):
        return "高"
    return "中" if score >= setting("risk", "medium_min") else "低"


def test_risk_levels_are_scored_from_the_settings_points_table(tmp_path: Path) -> None:
    cases = build_case_frame([{"received_date": date(2024, 7, 2), **flags} for flags in FLAGS])
    path = tmp_path / "risk.duckdb"
    con = duckdb.connect(str(path))
    write_star_schema(con, cases)
    con.close()

    expected: dict[str, int] = {}
    for flags in FLAGS:
        level = expected_level(flags)
        expected[level] = expected.get(level, 0) + 1
    assert set(expected) == set(RISK_LEVELS)  # the cases reach every level

    reader = duckdb.connect(str(path), read_only=True)
    try:
        frame = compute_breakdown(DuckDBSource(reader), Period(date(2024, 7, 1), date(2024, 8, 1)), "risk_level")
    finally:
        reader.close()
    assert frame["key"].to_list() == [level for level in RISK_LEVELS if level in expected]
    assert dict(frame.select("key", "volume").iter_rows()) == expected
