"""The demo data as canonical-template CSV files: exactly what a user feeds the importer."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from warehouse.demo.generate import DemoData
from warehouse.importer.contract import fields_of

FILE_NAMES = {
    "cases": "投诉案件.csv",
    "customers": "客户基数.csv",
    "events": "办理环节.csv",
    "contacts": "联系记录.csv",
    "defects": "缺陷清单.csv",
}
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _as_text(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Columns in contract order with Chinese headers; booleans as 是/否, months as 2024-07."""
    columns = []
    for field in fields_of(kind):
        column = pl.col(field.name)
        dtype = frame.schema[field.name]
        if dtype == pl.Boolean:
            column = pl.when(column).then(pl.lit("是")).when(~column).then(pl.lit("否"))
        elif field.type == "month":
            column = column.dt.strftime("%Y-%m")
        elif isinstance(dtype, pl.Datetime):
            column = column.dt.strftime(DATETIME_FORMAT)
        columns.append(column.cast(pl.String).alias(field.zh))
    return frame.select(columns)


def write_canonical_csv(data: DemoData, folder: str | Path) -> dict[str, Path]:
    """Write cases, customer base and events as UTF-8 (with BOM, so Excel opens them) CSV; returns the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind, name in FILE_NAMES.items():
        path = target / name
        _as_text(getattr(data, kind), kind).write_csv(path, include_bom=True)
        written[kind] = path
    return written
