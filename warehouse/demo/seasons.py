"""The demo's calendar: its three-year window and how busy each day of it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

YEARS = 3

# 春节 (first day of the lunar year): the holiday empties branches and call queues.
SPRING_FESTIVAL: dict[int, date] = {
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
}

# Month-of-year level (Jan..Dec): March has 3·15 consumer-rights week, December the year-end push.
MONTH_LEVEL = np.array([1.00, 0.98, 1.06, 1.00, 0.99, 1.02, 1.04, 1.03, 0.99, 0.97, 1.00, 1.05])
WEEKDAY_LEVEL = np.array([1.10, 1.02, 1.00, 1.00, 0.98, 0.66, 0.56])  # Monday first
MONTH_END_DAYS = 3
MONTH_END_LEVEL = 1.35  # repayment and statement dates fall at month end
ANNUAL_TREND = -0.06  # slow improvement: about 6% fewer complaints a year


@dataclass(frozen=True)
class DemoPeriod:
    start: date  # first day of the window
    end: date  # exclusive: first day after the last complete month; also the export cut-off

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_month(self) -> date:
        return (self.end - timedelta(days=1)).replace(day=1)


def demo_period(as_of: date | None = None) -> DemoPeriod:
    """Three full years ending with the last month complete on `as_of` (default today)."""
    as_of = as_of or date.today()
    end = (as_of + timedelta(days=1)).replace(day=1)  # on a month's last day that month is complete
    return DemoPeriod(start=end.replace(year=end.year - YEARS), end=end)


def spring_festival(year: int) -> date:
    # Outside the table: the festival falls between 21 Jan and 20 Feb; early February is the typical middle.
    return SPRING_FESTIVAL.get(year, date(year, 2, 5))


def _holiday_level(day: date) -> float:
    festival = spring_festival(day.year if day.month < 7 else day.year + 1)
    offset = (day - festival).days
    if -1 <= offset <= 6:  # 除夕 to 初六: the statutory holiday
        return 0.35
    if -7 <= offset <= -2 or 7 <= offset <= 14:  # travel rush and the weeks up to 元宵
        return 0.85
    if day.month == 10 and day.day <= 7:  # 国庆
        return 0.5
    if day.month == 5 and day.day <= 5:  # 劳动节
        return 0.7
    if day.month == 3 and 14 <= day.day <= 16:  # 3·15
        return 1.5
    return 1.0


def _days_to_month_end(day: date) -> int:
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (next_month - day).days


def daily_weights(period: DemoPeriod, rng: np.random.Generator) -> np.ndarray:
    """Relative case volume of every day in the window (trend x season x weekday x holidays x noise)."""
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    years = np.arange(period.days) / 365.25
    level = np.exp(ANNUAL_TREND * years)
    level *= MONTH_LEVEL[[d.month - 1 for d in days]]
    level *= WEEKDAY_LEVEL[[d.weekday() for d in days]]
    level *= np.array([MONTH_END_LEVEL if _days_to_month_end(d) <= MONTH_END_DAYS else 1.0 for d in days])
    level *= np.array([_holiday_level(d) for d in days])
    return level * rng.lognormal(0.0, 0.06, period.days)
