"""Table downloads that a spreadsheet can never execute: text cells that start like a formula are
prefixed with an apostrophe (OWASP CSV injection), then written as CSV (UTF-8 BOM) or XLSX."""

from __future__ import annotations

import polars as pl

from dashboard.export import table_export

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: str | None) -> str | None:
    """'=HYPERLINK(…)' -> "'=HYPERLINK(…)"; other text unchanged."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised; numbers, dates and booleans stay typed (a -5 stays a number)."""
    pattern = "^[" + "".join({"\t": "\\t", "\r": "\\r"}.get(c, "\\" + c) for c in FORMULA_STARTS) + "]"
    text_columns = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical, pl.Enum)]
    return frame.with_columns(
        pl.when(text.str.contains(pattern)).then(pl.lit("'") + text).otherwise(text).alias(name)
        for name in text_columns
        for text in [pl.col(name).cast(pl.String)]
    )


def encode_table_csv(frame: pl.DataFrame) -> bytes:
    return table_export.encode_csv(neutralise_frame(frame))


def encode_table_xlsx(frame: pl.DataFrame, sheet: str = "数据") -> bytes:
    return table_export.encode_xlsx(neutralise_frame(frame), sheet=sheet)
