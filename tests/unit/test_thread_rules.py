"""The rule that keeps the concurrent-session freeze from coming back (docs/design.md, "Concurrent sessions").

A Python callback inside a Polars expression runs on Polars' thread pool and takes the GIL there; a
Polars call in another session's thread that waits on that pool while holding the GIL (`to_pandas`
from `st.dataframe`) then waits forever, and so does the whole server. Product code therefore never
hands Python functions to Polars and never stores Python objects in Polars frames.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.cockpit_support import PROJECT_ROOT

PRODUCT_CODE = ("dashboard", "warehouse", "data_checks", "pages", "queries")
# Polars methods that call back into Python for every element, batch, group or row.
PYTHON_CALLBACKS = {"map_elements", "map_batches", "map_groups", "map_rows"}
POLARS_ALIASES = {"pl", "polars"}


def product_files() -> list[Path]:
    files = [PROJECT_ROOT / "streamlit_app.py"]
    for folder in PRODUCT_CODE:
        files += sorted((PROJECT_ROOT / folder).rglob("*.py"))
    return files


def find_callbacks(source: str) -> list[tuple[int, str]]:
    """(line, what) for every Polars Python-callback call and every pl.Object dtype in `source`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PYTHON_CALLBACKS:
            found.append((node.lineno, node.func.attr))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "Object"
            and isinstance(node.value, ast.Name)
            and node.value.id in POLARS_ALIASES
        ):
            found.append((node.lineno, "pl.Object"))
    return sorted(found)


def test_no_python_callbacks_inside_polars_in_product_code() -> None:
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} {what}"
        for path in product_files()
        for line, what in find_callbacks(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "format in plain Python instead (dashboard.engine.formatting.format_series):\n" + "\n".join(
        offenders
    )


def test_the_rule_sees_the_calls_it_forbids() -> None:
    sample = """
import polars as pl
frame.select(pl.col("v").map_elements(str, return_dtype=pl.String))
frame.with_columns(pl.col("v").map_batches(lambda s: s))
frame.group_by("k").map_groups(len)
schema = {"x": pl.Object}
pandas_frame["v"].apply(str)
"""
    assert [what for _, what in find_callbacks(sample)] == ["map_elements", "map_batches", "map_groups", "pl.Object"]
