"""Typed canonical columns from mapped columns: each field parsed by its contract type.

Output: every field of the kind with its canonical dtype (absent fields are null), plus
`__invalid_<field>` where a written value could not be understood, `__src_<field>` and
`__source_row` passed through for the rules and their messages.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from warehouse.importer import values
from warehouse.importer.contract import UNKNOWN_MEMBERS, Field, fields_of

INVALID_PREFIX = "__invalid_"

DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "datetime": values.TIMESTAMP,
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "decimal": pl.Float64(),
    "month": pl.Date(),
    "status": pl.String(),
    "channel": pl.String(),
    "province": pl.String(),
    "city": pl.String(),
    "stage": pl.String(),
    "id": pl.String(),
    "person_name": pl.String(),
    "phone": pl.String(),
    "defect_status": pl.String(),
}

# Types whose written values can be wrong (the others are kept as written).
_CHECKED = {"datetime", "date", "bool", "int", "decimal", "month", "status", "province", "stage", "defect_status"}


def _parser(f: Field, day_first: bool, region_scheme: str) -> Callable[[pl.Series], pl.Series]:
    parsers: dict[str, Callable[[pl.Series], pl.Series]] = {
        "datetime": lambda s: values.parse_datetime(s, day_first),
        "date": lambda s: values.parse_datetime(s, day_first),  # cast to a date below (a time of day is dropped)
        "month": lambda s: values.parse_month(s, day_first),
        "bool": values.parse_bool,
        "int": values.parse_int,
        "decimal": values.parse_number,
        "status": values.parse_status,
        "channel": values.parse_channel,
        "province": lambda s: values.parse_province(s, region_scheme),
        "stage": values.parse_stage,
        "defect_status": values.parse_defect_status,
        "id": values.parse_identifier,
    }
    return parsers.get(f.type, values.clean_text)


def normalise_frame(frame: pl.DataFrame, kind: str, day_first: bool = True, region_scheme: str = "cn") -> pl.DataFrame:
    """Parse every field of `kind` present in `frame`; add typed nulls for the absent ones."""
    parsed: dict[str, pl.Series] = {}
    flags: dict[str, pl.Series] = {}
    for f in fields_of(kind):
        dtype = DTYPES[f.type]
        if f.name not in frame.columns:
            parsed[f.name] = pl.Series(f.name, [None] * frame.height, dtype=dtype)
            continue
        source = frame[f.name]
        if f.type == "city":
            province = parsed.get("province", pl.Series([None] * frame.height, dtype=pl.String))
            result = values.parse_city(province, source, region_scheme)
        else:
            result = _parser(f, day_first, region_scheme)(source)
        parsed[f.name] = result.cast(dtype).alias(f.name)
        if f.type in _CHECKED:
            flags[INVALID_PREFIX + f.name] = values.invalid_mask(source, parsed[f.name]).alias(INVALID_PREFIX + f.name)
    if kind == "cases":
        _fill_unknown(parsed, flags)
    passthrough = [c for c in frame.columns if c.startswith("__")]
    return frame.select(passthrough).with_columns(*parsed.values(), *flags.values())


def _fill_unknown(parsed: dict[str, pl.Series], flags: dict[str, pl.Series]) -> None:
    """Blank 省份/产品/问题类型/渠道 become 未知… members; a written value that is not understood stays invalid."""
    for name, (member, _rule) in UNKNOWN_MEMBERS.items():
        series = parsed[name]
        invalid = flags.get(INVALID_PREFIX + name)
        blank = series.is_null() if invalid is None else series.is_null() & ~invalid
        parsed[name] = pl.select(pl.when(blank).then(pl.lit(member)).otherwise(series).alias(name)).to_series()
