"""Working days of the official calendar (国务院办公厅 holiday notices with their 调休 make-up days).

The calendar comes from the maintained `chinese-calendar` package, never a hand-written list. A year the
package does not know yet (its data ends with the latest published notice) falls back to Monday–Friday;
callers say so on the page (`fallback_years`), and the pin in requirements.txt is raised when the next
year's notice is published.

A clock of N working days started at moment t is due at t's time of day on the N-th working day after
t's date (the start day itself does not count, whether or not it is a working day: "N个工作日内").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import chinese_calendar
import polars as pl

CALENDAR_SCHEMA: dict[str, pl.DataType] = {"day": pl.Date(), "is_workday": pl.Boolean(), "ordinal": pl.Int64()}


@cache
def _known_years() -> frozenset[int]:
    """Years the package has the official schedule for (its holiday table)."""
    return frozenset(day.year for day in chinese_calendar.holidays)


def is_known_year(year: int) -> bool:
    return year in _known_years()


def is_workday(day: date) -> bool:
    """Official working day (调休 included) where the package knows the year, else Monday–Friday."""
    if is_known_year(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def fallback_years(first: date, last: date) -> list[int]:
    """Years in [first, last] that only have the Monday–Friday fallback."""
    return [year for year in range(first.year, last.year + 1) if not is_known_year(year)]


def build_calendar(first: date, last: date) -> pl.DataFrame:
    """One row per day of [first, last]: is_workday and ordinal = working days from `first` up to that day."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    flags = [is_workday(day) for day in days]
    frame = pl.DataFrame({"day": days, "is_workday": flags}, schema={"day": pl.Date, "is_workday": pl.Boolean})
    return frame.with_columns(ordinal=pl.col("is_workday").cast(pl.Int64).cum_sum()).cast(CALENDAR_SCHEMA)  # type: ignore[arg-type]


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start` (same time of day); a plain loop for single cases."""
    day, left = start.date(), days
    while left > 0:
        day += timedelta(days=1)
        left -= is_workday(day)
    return datetime.combine(day, start.time() if isinstance(start, datetime) else time())
