"""Apply a profile to a read table: find the kind, match headers to fields, map source values.

The result has one column per contract field (source strings after the profile's value maps,
or typed values from Parquet), `__src_<field>` with the value as written (for quarantine
messages), and `__source_row`. Missing required columns reject the file, naming them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from warehouse.importer.contract import KIND_ZH, KINDS, Field, fields_of
from warehouse.importer.errors import LoadRejected
from warehouse.importer.headers import header_keys
from warehouse.importer.profiles import FieldMapping, Profile
from warehouse.importer.readers import SOURCE_ROW, RawTable

SRC_PREFIX = "__src_"


@dataclass
class MappedTable:
    kind: str
    frame: pl.DataFrame
    sources: dict[str, str] = field(default_factory=dict)  # field -> header as written in the file
    unmapped: list[str] = field(default_factory=list)  # source headers no field uses


def _match_field(f: Field, profile: Profile, headers: list[str], claimed: set[int]) -> list[tuple[int, int]]:
    """[(priority, column index)] of the source columns that can be field `f` (lower priority wins)."""
    explicit = profile.fields[f.name].columns if f.name in profile.fields else ()
    matches = []
    for priority, spelling in enumerate(profile.spellings(f)):
        wanted = header_keys(spelling)[0]
        for i, header in enumerate(headers):
            # A column the profile names explicitly for another field is not taken by a contract alias.
            if i in claimed and spelling not in explicit:
                continue
            if wanted and wanted in header_keys(header):
                matches.append((priority, i))
    return matches


def match_columns(kind: str, profile: Profile, headers: list[str], file_name: str) -> dict[str, int]:
    """{field: column index}; two columns equally good for one field reject the file."""
    explicit_cols = {
        i
        for fm in profile.fields.values()
        for i, h in enumerate(headers)
        for c in fm.columns
        if header_keys(c)[0] in header_keys(h)
    }
    found: dict[str, int] = {}
    for f in fields_of(kind):
        if f.name in profile.constants:
            continue
        matches = sorted(set(_match_field(f, profile, headers, explicit_cols)))
        if not matches:
            continue
        best = [i for p, i in matches if p == matches[0][0]]
        if len(set(best)) > 1:
            names = "、".join(f"「{headers[i]}」" for i in sorted(set(best)))
            raise LoadRejected(f"文件 {file_name} 中 {names} 都对应字段「{f.zh}」({f.name})：请删除或改名其中一列")
        found[f.name] = best[0]
    return found


def detect_kind(profile: Profile, headers: list[str], file_name: str) -> str:
    """The kind whose required columns the headers cover best (the profile's kind when it declares one)."""
    if profile.kind:
        return profile.kind
    scored = []
    for kind in KINDS:
        found = match_columns(kind, profile, headers, file_name)
        required = [f for f in profile.required_fields(kind)]
        covered = sum(1 for f in required if f.name in found)
        scored.append((covered == len(required), covered, len(found), kind))
    best = max(scored)
    if best[2] == 0:
        raise LoadRejected(
            f"文件 {file_name} 的表头中没有数据约定中的列，无法判断是哪类数据；"
            f"表头为：{'、'.join(h for h in headers if h.strip()) or '（空）'}。请检查表头或用 --kind 指定类型"
        )
    return best[3]


def _map_values(column: pl.Expr, mapping: FieldMapping) -> pl.Expr:
    """Apply a field's `values`, `contains`, `other` and `blank` settings to a string column."""
    text = column.cast(pl.String).str.strip_chars()
    blank = text.is_null() | (text == "")
    lowered = text.str.to_lowercase()
    result: pl.Expr = pl.lit(None, dtype=pl.String)
    mapped_any = pl.lit(False)
    if mapping.values:
        keys = list(mapping.values)
        result = lowered.replace_strict(mapping.values, default=None, return_dtype=pl.String)
        mapped_any = lowered.is_in(keys)
    for needle, target in reversed(mapping.contains):
        hit = lowered.str.contains(needle, literal=True)
        result = pl.when(~mapped_any & hit).then(pl.lit(target, dtype=pl.String)).otherwise(result)
        mapped_any = mapped_any | hit
    other = text if mapping.keeps_other else pl.lit(mapping.other, dtype=pl.String)
    return pl.when(blank).then(pl.lit(mapping.blank, dtype=pl.String)).when(mapped_any).then(result).otherwise(other)


def _describe_missing(f: Field, profile: Profile) -> str:
    """「受理时间」(received_at), plus the headers a foreign profile expects for it."""
    explicit = profile.fields[f.name].columns if f.name in profile.fields else ()
    expected = f"，该配置认可的表头：{'、'.join(explicit)}" if explicit else ""
    return f"「{f.zh}」({f.name}{expected})"


def apply_profile(table: RawTable, profile: Profile, kind: str | None, file_name: str) -> MappedTable:
    """One column per field of `kind`, ready for the value parsers; rejects when a required column is missing."""
    kind = kind or detect_kind(profile, table.headers, file_name)
    found = match_columns(kind, profile, table.headers, file_name)
    missing = [f for f in profile.required_fields(kind) if f.name not in found]
    if missing:
        names = "、".join(_describe_missing(f, profile) for f in missing)
        raise LoadRejected(
            f"文件 {file_name} 缺少必填列 {names}（{KIND_ZH[kind]}，导入配置 {profile.name}）；"
            f"文件的表头为：{'、'.join(h for h in table.headers if h.strip()) or '（空）'}"
        )
    columns = table.columns
    exprs: list[pl.Expr] = [pl.col(SOURCE_ROW)]
    for f in fields_of(kind):
        if f.name in profile.constants:
            exprs.append(pl.lit(profile.constants[f.name], dtype=pl.String).alias(f.name))
            continue
        if f.name not in found:
            continue
        source = pl.col(columns[found[f.name]])
        is_text = table.frame.schema[columns[found[f.name]]] == pl.String
        if is_text:
            for old, new in profile.text_replace:
                source = source.str.replace_all(old, new, literal=True)
        exprs.append(source.alias(SRC_PREFIX + f.name))
        mapping = profile.fields.get(f.name)
        value = _map_values(source, mapping) if mapping is not None and mapping.maps_values else source
        exprs.append(value.alias(f.name))
    used = set(found.values())
    return MappedTable(
        kind,
        table.frame.select(exprs),
        {name: table.headers[i] for name, i in found.items()},
        [h for i, h in enumerate(table.headers) if i not in used and h.strip()],
    )
