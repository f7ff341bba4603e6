"""The moment early warnings and SLA cards are judged at ("as of"), and the complete month / week before it.

Warnings and cards are read against the data, not the wall clock, so a demo or an
export from last week is judged as of its own latest moment: by default the latest
timestamp anywhere in the warehouse (受理, 办结, stage start or finish). An explicit
as-of date means the end of that day, but never later than the data reaches, so the
end of the data's last day is not treated as already over. A later event than the
as-of moment is ignored (the state is rebuilt as it was then).

A month (week Monday–Sunday) is complete when the as-of date is on or after its last
day: an export taken on 31 October holds October.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb

from dashboard.engine.periods import add_months, month_start

LATEST_DATA_SQL = """
    SELECT max(t) FROM (
        SELECT max(received_at) AS t FROM fct_complaint
        UNION ALL SELECT max(closed_at) FROM fct_complaint
        UNION ALL SELECT max(started_at) FROM fct_case_stage
        UNION ALL SELECT max(finished_at) FROM fct_case_stage
    )
"""


def find_latest_data_time(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest timestamp in the warehouse (None when it holds no case)."""
    return con.sql(LATEST_DATA_SQL).fetchall()[0][0]


def resolve_as_of(con: duckdb.DuckDBPyConnection, day: date | None = None) -> datetime | None:
    """The as-of moment: the end of `day` capped at the latest data time; the latest data time without `day`."""
    latest = find_latest_data_time(con)
    if day is None:
        return latest
    if latest is not None and latest.date() == day:
        return latest  # the data's last day is not over yet
    return datetime.combine(day, time.max)


def latest_complete_month(day: date) -> date:
    """First day of the latest month whose last day is on or before `day`."""
    next_day = day + timedelta(days=1)
    return month_start(day) if next_day.month != day.month else add_months(month_start(day), -1)


def latest_complete_week(day: date) -> date:
    """Monday of the latest Monday–Sunday week whose Sunday is on or before `day`."""
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    return sunday - timedelta(days=6)
