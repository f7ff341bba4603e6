"""Value normalisation, one vectorised function per value type.

Each `parse_*` takes a column as read (strings from CSV/XLSX, or typed values from
Parquet and `load_frame`) and returns the typed column; a value that was written
but cannot be understood becomes null, and `invalid_mask` tells which (the rules
turn those into quarantine rows). No Python loop runs per row: lookups are done
on the distinct values only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import polars as pl

from warehouse.importer.contract import STAGES
from warehouse.importer.regions_us import canonical_us_state
from warehouse.reference.regions import canonical_city, canonical_province
from warehouse.settings import setting

TIMESTAMP = pl.Datetime("us")

# 2024-07-14, 2024/7/14, 2024.7.14, 2024年7月14日, 14-07-2024, 7/14/2024, each with an optional time.
_DATE_PATTERN = (
    r"^(\d{1,4})[-/.年](\d{1,2})[-/.月](\d{1,4})日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?)?$"
)
_COMPACT_DATE = r"^(\d{4})(\d{2})(\d{2})$"
_EXCEL_SERIAL = r"^\d{5}(\.\d+)?$"  # 1927-2173 as Excel serial days
_EXCEL_EPOCH = datetime(1899, 12, 30)
_MONTH_PATTERN = r"^(\d{4})[-/.年](\d{1,2})月?$|^(\d{4})(\d{2})$"

TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "1.0", "对")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "0.0", "错")

STATUS_ALIASES = {
    "已办结": "已办结",
    "办结": "已办结",
    "已结": "已办结",
    "已结案": "已办结",
    "结案": "已办结",
    "已完成": "已办结",
    "完成": "已办结",
    "已处理": "已办结",
    "closed": "已办结",
    "办理中": "办理中",
    "处理中": "办理中",
    "在办": "办理中",
    "未办结": "办理中",
    "待处理": "办理中",
    "受理中": "办理中",
    "open": "办理中",
    "in progress": "办理中",
}


def clean_text(column: pl.Series) -> pl.Series:
    """Strings stripped of surrounding spaces; blank becomes null."""
    text = column if column.dtype == pl.String else column.cast(pl.String)
    text = text.str.strip_chars()
    return text.set(text == "", None)


_FULL_WIDTH = "[\u3000\uff01-\uff5e]"


def _folded(column: pl.Series) -> pl.Series:
    """Stripped text with full-width digits, letters and punctuation folded to half-width (NFKC).

    NFKC is slow on a million values, so only the values holding a full-width character get it.
    """
    text = clean_text(column)
    wide = text.str.contains(_FULL_WIDTH).fill_null(False)
    if not wide.any():
        return text
    rows = wide.arg_true()
    return text.scatter(rows, text.gather(rows).str.normalize("NFKC").str.strip_chars())


def _map_distinct(text: pl.Series, resolve: Callable[[pl.Series], pl.Series], dtype: pl.DataType) -> pl.Series:
    """Apply `resolve` to the distinct values only, then spread the results (category-like columns)."""
    distinct = text.drop_nulls().unique()
    if distinct.len() > max(1000, text.len() // 4):  # mostly distinct: resolving everything is as cheap
        return resolve(text).cast(dtype)
    return text.replace_strict(distinct, resolve(distinct).cast(dtype), default=None, return_dtype=dtype)


def invalid_mask(source: pl.Series, parsed: pl.Series) -> pl.Series:
    """True where something was written but could not be understood."""
    if source.dtype != pl.String:
        return source.is_not_null() & parsed.is_null()
    written = source.str.strip_chars().fill_null("") != ""
    return written & parsed.is_null()


def _detect_day_first(first: pl.Series, second: pl.Series, year_last: pl.Series, default: bool) -> bool:
    """Day-month order of a column's year-last dates: decided by any part above 12, else the profile."""
    if (year_last & (first > 12)).any():
        return True
    if (year_last & (second > 12)).any():
        return False
    return default


def _excel_serial_to_datetime(days: pl.Series) -> pl.Series:
    micros = (days * 86_400_000_000).round(0).cast(pl.Int64)
    return pl.select(pl.lit(_EXCEL_EPOCH, dtype=TIMESTAMP) + pl.duration(microseconds=micros)).to_series()


def parse_datetime(column: pl.Series, day_first: bool = True) -> pl.Series:
    """Timestamps (naive, China Standard Time) from any contract date format."""
    dtype = column.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            column = column.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
        return column.cast(TIMESTAMP)
    if dtype == pl.Date:
        return column.cast(TIMESTAMP)
    if dtype.is_numeric():
        return _excel_serial_to_datetime(column.cast(pl.Float64))
    text = _folded(column)
    # Fast path: most exports write one ISO format; only the rest goes through the general pattern.
    fast = text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    rest = fast.is_null() & text.is_not_null()
    if not rest.any():
        return fast.alias(column.name)
    rows = rest.arg_true()
    return fast.scatter(rows, _parse_datetime_text(text.gather(rows), day_first)).alias(column.name)


def _parse_datetime_text(text: pl.Series, day_first: bool) -> pl.Series:
    """The general date parser over folded text (see _DATE_PATTERN), Excel serials and 20240714."""
    text = text.str.replace(_COMPACT_DATE, "$1-$2-$3")
    parts = text.str.extract_groups(_DATE_PATTERN)
    a, b, c = (parts.struct.field(k) for k in ("1", "2", "3"))
    year_first = a.str.len_chars() == 4
    year_last = (c.str.len_chars() == 4) & ~year_first
    ai, bi = a.cast(pl.Int32, strict=False), b.cast(pl.Int32, strict=False)
    dmy = _detect_day_first(ai.fill_null(0), bi.fill_null(0), year_last.fill_null(False), day_first)
    frame = pl.DataFrame(
        {
            "a": a,
            "b": b,
            "c": c,
            "yf": year_first,
            "yl": year_last,
            "h": parts.struct.field("4"),
            "mi": parts.struct.field("5"),
            "s": parts.struct.field("6"),
        }
    )
    day_part, month_part = ("a", "b") if dmy else ("b", "a")
    stamped = frame.select(
        pl.format(
            "{}-{}-{} {}:{}:{}",
            pl.when("yf").then("a").when("yl").then("c"),
            pl.when("yf").then("b").otherwise(month_part).str.zfill(2),
            pl.when("yf").then("c").otherwise(day_part).str.zfill(2),
            pl.col("h").fill_null("0").str.zfill(2),
            pl.col("mi").fill_null("0").str.zfill(2),
            pl.col("s").fill_null("0").str.zfill(2),
        ).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    ).to_series()
    serial_text = text.str.extract(_EXCEL_SERIAL, 0)
    serial = _excel_serial_to_datetime(serial_text.cast(pl.Float64, strict=False))
    return stamped.fill_null(serial)


def parse_month(column: pl.Series, day_first: bool = True) -> pl.Series:
    """First day of the month from `2024-07`, `2024/7`, `2024年7月`, `202407` or any full date."""
    if column.dtype in (pl.Date,) or isinstance(column.dtype, pl.Datetime):
        return parse_datetime(column).dt.truncate("1mo").cast(pl.Date).alias(column.name)
    text = _folded(column)
    parts = text.str.extract_groups(_MONTH_PATTERN)
    year = parts.struct.field("1").fill_null(parts.struct.field("3"))
    month = parts.struct.field("2").fill_null(parts.struct.field("4"))
    short = pl.select(pl.format("{}-{}-01", year, month.str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)).to_series()
    full = parse_datetime(column, day_first).dt.truncate("1mo").cast(pl.Date)
    return short.fill_null(full).alias(column.name)


def parse_bool(column: pl.Series) -> pl.Series:
    """是/否, Y/N, yes/no, true/false, 1/0 (any case) to booleans."""
    if column.dtype == pl.Boolean:
        return column
    if column.dtype.is_numeric():
        return column.replace_strict({1: True, 0: False}, default=None, return_dtype=pl.Boolean)
    words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    return _map_distinct(
        _folded(column),
        lambda s: s.str.to_lowercase().replace_strict(words, default=None, return_dtype=pl.Boolean),
        pl.Boolean(),
    )


def parse_number(column: pl.Series) -> pl.Series:
    """Floats from `1,234.50`, `¥1234.5`, `1234.5元`; typed numbers pass through."""
    if column.dtype.is_numeric():
        return column.cast(pl.Float64)
    text = _folded(column).str.replace_all(r"[,\s¥$元]", "")
    return text.cast(pl.Float64, strict=False)


def parse_int(column: pl.Series) -> pl.Series:
    """Whole numbers; `12.0` is 12, `12.5` is not a whole number (null)."""
    if column.dtype.is_integer():
        return column.cast(pl.Int64)
    number = parse_number(column)
    return number.set(number != number.round(0), None).cast(pl.Int64, strict=False)


def _lookup_distinct(column: pl.Series, lookup: dict[str, str | None]) -> pl.Series:
    return column.replace_strict(lookup, default=None, return_dtype=pl.String)


def parse_channel(column: pl.Series) -> pl.Series:
    """Known channels and their aliases (settings [channels]); unknown values are kept as written."""
    text = _folded(column)
    aliases = {str(k).lower(): str(v) for k, v in (setting("channels", "aliases", default={}) or {}).items()}
    known = {str(k).lower(): str(k) for k in setting("channels", "known", default=[]) or []}
    lookup = known | aliases
    return _map_distinct(
        text,
        lambda s: s.str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String).fill_null(s),
        pl.String(),
    )


def parse_status(column: pl.Series) -> pl.Series:
    """已办结 / 办理中 from their common spellings; anything else is invalid (null)."""
    return _map_distinct(
        _folded(column),
        lambda s: s.str.to_lowercase().replace_strict(STATUS_ALIASES, default=None, return_dtype=pl.String),
        pl.String(),
    )


# 整改状态 of the defect ledger: the contract's four values from their common spellings.
DEFECT_STATUS_ALIASES = {
    "未开始": "未开始", "未整改": "未开始", "待整改": "未开始",
    "整改中": "整改中", "进行中": "整改中", "正在整改": "整改中",
    "已完成": "已完成", "完成": "已完成", "已整改": "已完成", "整改完成": "已完成",
    "已验收": "已验收", "验收通过": "已验收", "已销号": "已验收",
}  # fmt: skip


def parse_defect_status(column: pl.Series) -> pl.Series:
    """未开始 / 整改中 / 已完成 / 已验收; anything else is invalid (null): completion depends on it."""
    return _map_distinct(
        _folded(column),
        lambda s: s.replace_strict(DEFECT_STATUS_ALIASES, default=None, return_dtype=pl.String),
        pl.String(),
    )


def parse_stage(column: pl.Series) -> pl.Series:
    text = _folded(column)
    return text.set(~text.is_in(STAGES), None)


def parse_province(column: pl.Series, scheme: str = "cn") -> pl.Series:
    """Canonical region names: full Chinese province names, or US state codes for the `us_states` scheme."""
    text = _folded(column)
    resolve = canonical_us_state if scheme == "us_states" else canonical_province
    lookup = {value: resolve(value) for value in text.drop_nulls().unique().to_list()}
    return _lookup_distinct(text, lookup).alias(column.name)


def parse_city(province: pl.Series, city: pl.Series, scheme: str = "cn") -> pl.Series:
    """Full city names within their province (`深圳` -> `深圳市`); unknown cities are kept as written."""
    text = _folded(city)
    if scheme != "cn":
        return text
    pairs = pl.DataFrame({"province": province, "city": text})
    distinct = pairs.drop_nulls().unique()
    distinct = distinct.with_columns(
        pl.Series("canonical", [canonical_city(p, c) for p, c in distinct.iter_rows()], dtype=pl.String)
    )
    joined = pairs.join(distinct, on=["province", "city"], how="left", maintain_order="left", nulls_equal=False)
    return joined["canonical"].fill_null(text).alias(city.name)


def parse_identifier(column: pl.Series) -> pl.Series:
    """Customer identifiers compared case- and width-insensitively (ID numbers end in x or X)."""
    return _folded(column).str.replace_all(r"\s+", "").str.to_uppercase()


def now_cst() -> datetime:
    """The current China Standard Time as a naive timestamp (how the warehouse stores times)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def earliest_plausible_date() -> date:
    return date.fromisoformat(str(setting("importer", "earliest_date", default="1990-01-01")))
