"""Subcommands of `python -m dashboard`: one module each, with add_parser(sub) and run(args)."""

from __future__ import annotations

import sys

import duckdb

from warehouse import store


def open_warehouse(db: str | None) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection for a CLI, or None after printing why there is none (the CLI then exits 2)."""
    try:
        return store.open_reader(db)
    except (ValueError, OSError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return None
