from __future__ import annotations

import math

import pytest

from dashboard.engine.formatting import (
    MISSING,
    format_change,
    format_count,
    format_percent,
    format_points,
    format_value,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (5216, "5,216"), (99_999, "99,999"), (152_340, "15.2万"), (123_456_789, "1.23亿")],
)
def test_counts_use_wan_from_one_hundred_thousand(value: int, expected: str) -> None:
    assert format_count(value) == expected


def test_percent_has_one_decimal_and_missing_is_a_dash() -> None:
    assert format_percent(0.0923) == "9.2%"
    assert format_percent(None) == MISSING
    assert format_percent(math.nan) == MISSING


def test_change_carries_its_sign() -> None:
    assert format_change(-0.084) == "−8.4%"
    assert format_change(0.084) == "+8.4%"
    assert format_change(0.00001) == "0.0%"


def test_points_and_units() -> None:
    assert format_points(-0.048) == "−4.8个百分点"
    assert format_points(0.012, lang="en") == "+1.2 pp"
    assert format_value(0.151, "rate") == "15.1%"
    assert format_value(12.345, "days") == "12.3天"
    assert format_value(None, "per_million") == MISSING


def test_ratios_lose_decimals_as_they_grow_and_zero_points_have_no_sign() -> None:
    assert format_value(4.256, "per_million") == "4.26"
    assert format_value(422.36, "per_million") == "422.4"
    assert format_value(29300.4, "per_1000_branches") == "29,300"
    assert format_points(0.00001) == "0.0个百分点"
