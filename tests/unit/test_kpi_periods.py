"""Periods: presets relative to the latest data date, previous year, previous period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard.engine.periods import Period, add_months, previous_period, previous_year, resolve_preset

D = date


@pytest.mark.parametrize(
    ("preset", "as_of", "expected"),
    [
        ("this_month", D(2024, 7, 14), Period(D(2024, 7, 1), D(2024, 7, 15))),
        ("this_quarter", D(2024, 8, 31), Period(D(2024, 7, 1), D(2024, 9, 1))),
        ("this_year", D(2024, 2, 29), Period(D(2024, 1, 1), D(2024, 3, 1))),
        ("last_12_months", D(2024, 7, 14), Period(D(2023, 7, 15), D(2024, 7, 15))),
        ("last_12_months", D(2024, 6, 30), Period(D(2023, 7, 1), D(2024, 7, 1))),
        ("last_full_quarter", D(2024, 8, 15), Period(D(2024, 4, 1), D(2024, 7, 1))),
        ("last_full_quarter", D(2024, 9, 30), Period(D(2024, 7, 1), D(2024, 10, 1))),  # as_of ends the quarter
        ("last_full_quarter", D(2024, 2, 1), Period(D(2023, 10, 1), D(2024, 1, 1))),
    ],
)
def test_presets(preset: str, as_of: date, expected: Period) -> None:
    assert resolve_preset(preset, as_of) == expected


def test_rolling_12_months_spans_exactly_one_year_of_days() -> None:
    for as_of in (D(2024, 1, 31), D(2024, 2, 29), D(2023, 12, 31)):
        period = resolve_preset("last_12_months", as_of)
        assert period.last_day == as_of
        assert add_months(period.end, -12) == period.start or period.start.day == 1


def test_previous_year_and_leap_days() -> None:
    assert previous_year(Period(D(2024, 7, 1), D(2024, 10, 1))) == Period(D(2023, 7, 1), D(2023, 10, 1))
    assert previous_year(Period(D(2024, 2, 1), D(2024, 3, 1))) == Period(D(2023, 2, 1), D(2023, 3, 1))
    assert previous_year(Period(D(2024, 2, 29), D(2024, 3, 1))) == Period(D(2023, 2, 28), D(2023, 3, 1))


def test_previous_period_in_months_for_month_aligned_periods_else_in_days() -> None:
    assert previous_period(Period(D(2024, 3, 1), D(2024, 4, 1))) == Period(D(2024, 2, 1), D(2024, 3, 1))
    assert previous_period(Period(D(2024, 7, 1), D(2024, 10, 1))) == Period(D(2024, 4, 1), D(2024, 7, 1))
    # Month to date: the same days of the month before.
    assert previous_period(Period(D(2024, 7, 1), D(2024, 7, 15))) == Period(D(2024, 6, 1), D(2024, 6, 15))
    assert previous_period(Period(D(2024, 3, 1), D(2024, 3, 31))) == Period(D(2024, 2, 1), D(2024, 3, 1))
    custom = Period(D(2024, 7, 10), D(2024, 7, 20))
    assert previous_period(custom) == Period(custom.start - timedelta(days=custom.days), custom.start)


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="必须晚于"):
        Period(D(2024, 7, 1), D(2024, 7, 1))


def test_months_of_a_period() -> None:
    assert Period(D(2024, 6, 15), D(2024, 8, 2)).months() == [D(2024, 6, 1), D(2024, 7, 1), D(2024, 8, 1)]
    assert Period(D(2024, 6, 1), D(2024, 7, 1)).months() == [D(2024, 6, 1)]
