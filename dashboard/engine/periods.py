"""Reporting periods: half-open date ranges [start, end), presets and comparisons.

Presets are relative to the data, not to the wall clock: `as_of` is the latest
受理日期 in the warehouse, so a demo built last year still opens on its own
latest month. Choice (documented in docs/kpis.md): the "current" presets run to
date — 本月 is the month of `as_of` from its first day through `as_of`, 本季度 and
本年 likewise — so that 同比 compares the same days of last year rather than a
full month with a part of one. 近12个月 is the 12 months ending with `as_of`.
上一完整季度 is the last quarter that has ended by `as_of` (the quarter of `as_of`
itself when `as_of` is its last day).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

PRESETS: dict[str, str] = {
    "this_month": "本月",
    "this_quarter": "本季度",
    "this_year": "本年",
    "last_12_months": "近12个月",
    "last_full_quarter": "上一完整季度",
    "custom": "自定义",
}
DEFAULT_PRESET = "last_12_months"

COMPARISONS: dict[str, str] = {"yoy": "同比", "pop": "环比"}


@dataclass(frozen=True)
class Period:
    """A half-open range of China Standard Time dates: start included, end excluded."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"期间结束日期 {self.end} 必须晚于开始日期 {self.start}（结束日期不含）")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def months(self) -> list[date]:
        """First days of the calendar months that this period touches."""
        months: list[date] = []
        current = month_start(self.start)
        while current < self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.last_day.isoformat()}"

    def as_list(self) -> list[str]:
        return [self.start.isoformat(), self.end.isoformat()]


def month_start(day: date) -> date:
    return day.replace(day=1)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: date, months: int) -> date:
    """Shift by calendar months; a day past the end of the target month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _shift_end(end: date, months: int) -> date:
    """Shift an exclusive end: a month boundary stays a boundary; otherwise shift its last day."""
    if end.day == 1:
        return add_months(end, months)
    return add_months(end - timedelta(days=1), months) + timedelta(days=1)


def shift_period(period: Period, months: int) -> Period:
    return Period(add_months(period.start, months), _shift_end(period.end, months))


def previous_year(period: Period) -> Period:
    """The same dates one year earlier (29 Feb becomes 28 Feb)."""
    return shift_period(period, -12)


def previous_period(period: Period) -> Period:
    """The period of the same length just before.

    A period starting on the first of a month is measured in calendar months
    (February's previous period is all of January; month-to-date 1–14 July is
    1–14 June); any other period in days.
    """
    if period.start.day == 1:
        span = _months_between(period.start, period.last_day) + 1
        return shift_period(period, -span)
    return Period(period.start - timedelta(days=period.days), period.start)


def resolve_preset(preset: str, as_of: date) -> Period:
    """The period a preset means when the latest data is dated `as_of`."""
    to_date = as_of + timedelta(days=1)
    if preset == "this_month":
        return Period(month_start(as_of), to_date)
    if preset == "this_quarter":
        return Period(quarter_start(as_of), to_date)
    if preset == "this_year":
        return Period(date(as_of.year, 1, 1), to_date)
    if preset == "last_12_months":
        return Period(_shift_end(to_date, -12), to_date)
    if preset == "last_full_quarter":
        this_quarter = quarter_start(as_of)
        if add_months(this_quarter, 3) == to_date:
            return Period(this_quarter, to_date)
        return Period(add_months(this_quarter, -3), this_quarter)
    raise ValueError(f"未知的期间预设 {preset!r}；可选：{'、'.join(PRESETS)}")


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"
