"""Rebuild the star schema from the landing tables (placeholder: owned by the marts work)."""

from __future__ import annotations

import duckdb


def rebuild_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Run warehouse/sql/1*.sql and 2*.sql in order (to be implemented)."""
