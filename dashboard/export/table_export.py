"""Query results as download files: CSV with a UTF-8 BOM (opens in Excel on a Chinese desktop) and XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from openpyxl import Workbook

EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header


def encode_csv(frame: pl.DataFrame) -> bytes:
    return "\ufeff".encode() + frame.write_csv().encode("utf-8")


def encode_xlsx(frame: pl.DataFrame, sheet: str = "查询结果") -> bytes:
    """One sheet with the column names as the header; dates stay dates, lists become text."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31])
    ws.append(frame.columns)
    for row in frame.head(EXCEL_MAX_ROWS).iter_rows():
        ws.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if value is None or isinstance(value, (int, float, str, bool, date, datetime)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)
