"""Which quarters the pack can be made for: the complete calendar quarters the data covers."""

from __future__ import annotations

from datetime import date

from dashboard.engine.periods import Period, add_months
from dashboard.export.pack.content import last_complete_quarter
from dashboard.export.pack.summary import describe_period


def list_complete_quarters(first: date, latest: date, limit: int = 12) -> list[Period]:
    """Latest first, only quarters that lie inside [first, latest]."""
    quarters: list[Period] = []
    period = last_complete_quarter(latest)
    while period.start >= date(first.year, 3 * ((first.month - 1) // 3) + 1, 1) and len(quarters) < limit:
        quarters.append(period)
        period = Period(add_months(period.start, -3), period.start)
    return quarters


def quarter_label(period: Period) -> str:
    return f"{describe_period(period)}（{period.label()}）"
