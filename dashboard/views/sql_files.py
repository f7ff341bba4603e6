"""The view-models' SQL, kept in dashboard/views/sql/*.sql beside them rather than in Python strings.

Values always travel as DuckDB parameters ($name). `{name}` marks a fragment the view composes from trusted
parts only (a WHERE clause that Filters.to_sql_where builds with parameters, a join from a fixed table).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def _read(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def view_sql(name: str, **fragments: str) -> str:
    """The statement in sql/<name>.sql with its `{fragment}` slots filled."""
    text = _read(name)
    return text.format(**fragments) if fragments else text
