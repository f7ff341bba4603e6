"""Mapping profiles: YAML files that describe another system's export in terms of the contract.

A profile may
- name the source columns of a field (`fields.<field>.columns`; several fields may read one column),
- map source values (`values`, compared case-insensitively; `~` maps to unknown), match substrings
  (`contains`), and say what non-matching (`other`) or blank (`blank`) values become,
- set constants for every row (`constants`),
- declare the source system, the region scheme (`cn` or `us_states`), the day-month order of
  ambiguous dates (`day_first`), a sheet name, literal text replacements, the kind it describes,
- declare required fields it cannot provide (`optional`; only fields the warehouse can store as unknown).
See profiles/cfpb.yaml for a complete example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warehouse.importer.contract import KINDS, Field, fields_of
from warehouse.importer.errors import LoadRejected
from warehouse.importer.headers import header_key

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
REGION_SCHEMES = ("cn", "us_states")
# Required fields a profile may leave unknown: the landing tables accept NULL there.
MAY_BE_OPTIONAL = {
    "cases": {"complainant_id"},
    "customers": set(),
    "events": set(),
    "contacts": set(),
    "defects": set(),
}

_KEEP = object()  # `other` not given: keep non-matching values as written
_TOP_KEYS = {
    "name",
    "description",
    "source_system",
    "kind",
    "region_scheme",
    "day_first",
    "contract_headers",
    "fields",
    "constants",
    "optional",
    "sheet",
    "text_replace",
}
_FIELD_KEYS = {"columns", "values", "contains", "other", "blank"}


@dataclass(frozen=True)
class FieldMapping:
    columns: tuple[str, ...] = ()
    values: dict[str, str | None] = field(default_factory=dict)  # keys lower-cased
    contains: tuple[tuple[str, str | None], ...] = ()
    other: Any = _KEEP
    blank: str | None = None

    @property
    def keeps_other(self) -> bool:
        return self.other is _KEEP

    @property
    def maps_values(self) -> bool:
        return bool(self.values or self.contains) or not self.keeps_other or self.blank is not None


@dataclass(frozen=True)
class Profile:
    name: str
    source_system: str = "default"
    description: str = ""
    kind: str | None = None
    region_scheme: str = "cn"
    day_first: bool = True
    contract_headers: bool = True  # also accept the contract's Chinese/English headers and aliases
    fields: dict[str, FieldMapping] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    sheet: str | None = None
    text_replace: tuple[tuple[str, str], ...] = ()
    path: Path | None = None

    def spellings(self, f: Field) -> list[str]:
        """Source headers that mean field `f`, explicit profile columns first."""
        names = list(self.fields[f.name].columns) if f.name in self.fields else []
        if self.contract_headers:
            names += [f.zh, f.name, *f.aliases]
        return names

    def known_header_keys(self) -> set[str]:
        """Every header key this profile recognises (to find the header line below junk lines)."""
        kinds = [self.kind] if self.kind else list(KINDS)
        return {header_key(name) for kind in kinds for f in fields_of(kind) for name in self.spellings(f)} - {""}

    def required_fields(self, kind: str) -> list[Field]:
        return [
            f for f in fields_of(kind) if f.required and f.name not in self.optional and f.name not in self.constants
        ]


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def _profile_file(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix.lower() in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise LoadRejected(f"找不到导入配置文件 {candidate}")
        return candidate
    bundled = PROFILES_DIR / f"{name_or_path}.yaml"
    if not bundled.is_file():
        raise LoadRejected(f"没有名为「{name_or_path}」的导入配置；可用的配置：{', '.join(available_profiles())}")
    return bundled


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):  # YAML 1.1 reads unquoted Yes/No as booleans
        return "yes" if value else "no"
    return str(value)


def _parse_field(where: str, name: str, spec: Any) -> FieldMapping:
    if spec is None:
        return FieldMapping()
    if not isinstance(spec, dict):
        raise LoadRejected(f"导入配置 {where}：字段 {name} 的设置应为映射（columns/values/...）")
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise LoadRejected(
            f"导入配置 {where}：字段 {name} 有不认识的设置 {sorted(unknown)}；可用：{sorted(_FIELD_KEYS)}"
        )
    columns = spec.get("columns", [])
    columns = [columns] if isinstance(columns, str) else list(columns or [])
    values = {(_text(k) or "").strip().lower(): _text(v) for k, v in (spec.get("values") or {}).items()}
    contains = tuple(((_text(k) or "").lower(), _text(v)) for k, v in (spec.get("contains") or {}).items())
    other = _text(spec["other"]) if "other" in spec else _KEEP
    return FieldMapping(tuple(str(c) for c in columns), values, contains, other, _text(spec.get("blank")))


def parse_profile(raw: dict[str, Any], where: str, path: Path | None = None) -> Profile:
    """Validate a profile's YAML content; every mistake is reported in Chinese with the offending key."""
    if not isinstance(raw, dict):
        raise LoadRejected(f"导入配置 {where} 的内容应为 YAML 映射")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise LoadRejected(f"导入配置 {where} 有不认识的设置 {sorted(unknown)}；可用：{sorted(_TOP_KEYS)}")
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise LoadRejected(f"导入配置 {where}：kind 应为 {', '.join(KINDS)} 之一，而不是 {kind!r}")
    scheme = raw.get("region_scheme", "cn")
    if scheme not in REGION_SCHEMES:
        raise LoadRejected(f"导入配置 {where}：region_scheme 应为 {', '.join(REGION_SCHEMES)} 之一，而不是 {scheme!r}")
    known_fields = {f.name for k in ([kind] if kind else KINDS) for f in fields_of(k)}
    fields_spec = raw.get("fields") or {}
    constants = {str(k): _text(v) or "" for k, v in (raw.get("constants") or {}).items()}
    for name in [*fields_spec, *constants]:
        if name not in known_fields:
            raise LoadRejected(
                f"导入配置 {where}：{name} 不是数据约定中的字段；可用：{', '.join(sorted(known_fields))}"
            )
    optional = frozenset(str(o) for o in raw.get("optional") or [])
    allowed = set().union(*(MAY_BE_OPTIONAL[k] for k in ([kind] if kind else KINDS)))
    if optional - allowed:
        raise LoadRejected(
            f"导入配置 {where}：必填字段 {sorted(optional - allowed)} 不能声明为可缺省（可缺省的只有 {sorted(allowed)}）"
        )
    replace = raw.get("text_replace") or {}
    return Profile(
        name=str(raw.get("name") or (path.stem if path else where)),
        source_system=str(raw.get("source_system") or "default"),
        description=str(raw.get("description") or ""),
        kind=kind,
        region_scheme=scheme,
        day_first=bool(raw.get("day_first", True)),
        contract_headers=bool(raw.get("contract_headers", True)),
        fields={str(n): _parse_field(where, str(n), s) for n, s in fields_spec.items()},
        constants=constants,
        optional=optional,
        sheet=raw.get("sheet"),
        text_replace=tuple((str(k), str(v)) for k, v in replace.items()),
        path=path,
    )


def load_profile(name_or_path: str | Path = "canonical") -> Profile:
    """A bundled profile by name (`canonical`, `cfpb`) or a YAML file by path."""
    path = _profile_file(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LoadRejected(f"无法读取导入配置 {path}：{error}") from error
    return parse_profile(raw or {}, str(path.name), path)
