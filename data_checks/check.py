"""What a data check is, the clock it runs by, and the reference values checks compare with.

A check is plain data (no great_expectations import), so pages and docs can list
checks cheaply; `suites.py` turns GX checks into an ExpectationSuite only when a
validation runs, and `sql_checks.py` runs the checks whose expectation is SQL.
Values in `kwargs` that are callables are evaluated when the suite is built, so
"now" is the time of the check, not of the import of this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from warehouse.reference.regions import canonical_province, provinces
from warehouse.settings import setting

SQL = "sql"
SUITES = {
    "cases": "raw_cases",
    "customers": "raw_customers",
    "events": "raw_events",
    "contacts": "raw_contacts",
    "defects": "raw_defects",
    "marts": "marts",
}

# China Standard Time has no daylight saving: a fixed offset is exact.
CST = timezone(timedelta(hours=8))
# An export clock a little ahead of ours is not an error; a day is.
FUTURE_TOLERANCE = timedelta(days=1)
# Earlier dates come from parse errors (Excel serial 0 etc.); the importer quarantines them first (rules.py).
EARLIEST_DATE = date(1990, 1, 1)
# The marts are "stale" (a warning) when the latest case was received longer ago than this.
STALE_AFTER_DAYS = 31
# Expectation arguments that name columns themselves (the others get `column`).
_COLUMN_ARGUMENTS = ("column_A", "column_list", "column_set")


@dataclass(frozen=True)
class Check:
    """One expectation. `expectation` is a great_expectations class name, or SQL."""

    id: str
    suite: str
    column: str | None
    critical: bool
    description: str
    expectation: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    table: str | None = None  # the table validated (mart checks); the suite's table otherwise
    row_condition: tuple[str, str] | None = None  # (column, value): only rows where column == value

    @property
    def severity(self) -> str:
        return "critical" if self.critical else "warning"

    @property
    def severity_label(self) -> str:
        return "关键" if self.critical else "警告"

    def resolve_kwargs(self) -> dict[str, Any]:
        """The expectation's arguments with time-dependent values computed now."""
        return {key: (value() if callable(value) else value) for key, value in self.kwargs.items()}

    def columns_used(self) -> tuple[str, ...]:
        """Columns the expectation reads (a missing one means the check cannot run)."""
        used = [self.kwargs[k] for k in ("column", "column_A", "column_B") if k in self.kwargs]
        used.extend(self.kwargs.get("column_list", ()))
        if self.row_condition:
            used.append(self.row_condition[0])
        return tuple(used)


def expect(
    check_id: str,
    column: str | None,
    description: str,
    expectation: str,
    *,
    critical: bool = True,
    table: str | None = None,
    row_condition: tuple[str, str] | None = None,
    **kwargs: Any,
) -> Check:
    """A GX check; the suite comes from the id's prefix (cases.… -> raw_cases)."""
    if column and not any(name in kwargs for name in _COLUMN_ARGUMENTS):
        kwargs = {"column": column, **kwargs}
    suite = SUITES[check_id.split(".", 1)[0]]
    return Check(check_id, suite, column, critical, description, expectation, kwargs, table, row_condition)


def sql_check(check_id: str, table: str, column: str, description: str, *, critical: bool = True) -> Check:
    """A check run by the function of the same id in sql_checks.py."""
    return Check(check_id, SUITES[check_id.split(".", 1)[0]], column, critical, description, SQL, table=table)


def now_cst() -> datetime:
    """Now as naive China Standard Time, the warehouse's clock."""
    return datetime.now(CST).replace(tzinfo=None)


def latest_allowed_time() -> datetime:
    return now_cst() + FUTURE_TOLERANCE


def earliest_allowed_time() -> datetime:
    return datetime.combine(EARLIEST_DATE, datetime.min.time())


def list_valid_months() -> list[datetime]:
    """First days of every month from EARLIEST_DATE to the current month (CST)."""
    today = now_cst().date()
    months: list[datetime] = []
    year, month = EARLIEST_DATE.year, EARLIEST_DATE.month
    while (year, month) <= (today.year, today.month):
        months.append(datetime(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def list_province_aliases() -> list[str]:
    """Spellings that name a Chinese province but are not its canonical full name (广东, Guangdong ...).

    Checking for these (rather than for membership of the 34 names) lets CFPB's US state codes pass."""
    candidates: set[str] = set()
    for p in provinces():
        candidates.update({p.short, p.name_en, p.name_en.lower(), p.short + "省", p.short + "市"})
    return sorted(c for c in candidates if canonical_province(c) not in (None, c))


def list_known_channels() -> list[str]:
    return list(setting("channels", "known", default=[]))
