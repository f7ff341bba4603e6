"""The one filter state every page shares: dataclass <-> URL query params <-> SQL / Polars.

A link reproduces the view: `to_query_params()` writes only what differs from
the defaults, `from_query_params()` reads it back (unknown keys are ignored, a
bad value falls back to the default). A preset is kept as a preset in the URL,
so a link to 本月 keeps meaning 本月 after new data arrives; a custom range is
kept as its dates. Lists are comma-joined (`province=广东省,浙江省`) because
Streamlit's `st.query_params.to_dict()` keeps one value per key; repeated keys
are accepted too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from dashboard.engine.periods import COMPARISONS, DEFAULT_PRESET, PRESETS, Period, resolve_preset
from warehouse.reference.regions import canonical_city, canonical_province, cities

# Filter field -> (URL key, v_complaint column). Region group is special (membership table).
LIST_FILTERS: dict[str, tuple[str, str]] = {
    "provinces": ("province", "province"),
    "cities": ("city", "city"),
    "business_lines": ("line", "business_line"),
    "products": ("product", "product"),
    "issues": ("issue", "issue"),
    "channels": ("channel", "channel"),
    "departments": ("dept", "department"),
    "branches": ("branch", "branch"),  # 机构 (the 考核 scorecard's branch units); no sidebar widget
    "vulnerable_groups": ("vulnerable", "vulnerable_group"),
    "risk_levels": ("risk", "risk_level"),
}

# `--where DIM=VALUE` and breakdown dimension names -> filter field.
DIMENSION_FIELDS: dict[str, str] = {
    "province": "provinces",
    "city": "cities",
    "business_line": "business_lines",
    "product": "products",
    "issue": "issues",
    "channel": "channels",
    "department": "departments",
    "branch": "branches",
    "vulnerable_group": "vulnerable_groups",
    "risk_level": "risk_levels",
    "region_group": "region_group",
    "regulator_referred": "referred_only",
    "referred": "referred_only",
}

TRUE_WORDS = {"1", "true", "yes", "y", "是"}
FALSE_WORDS = {"0", "false", "no", "n", "否", ""}

# How each filter reaches a case row of the star schema: through the key column of its
# dimension (a semi-join on a small table), so the same condition works on fct_complaint
# (fast: no join to build names) and on v_complaint (which carries the key columns too).
# filter column -> (case column, dimension table, dimension column); None = a column of the case.
STAR_FILTERS: dict[str, tuple[str, str | None, str | None]] = {
    "province": ("region_key", "dim_region", "province"),
    "city": ("region_key", "dim_region", "city"),
    "business_line": ("product_key", "dim_product", "business_line"),
    "product": ("product_key", "dim_product", "product"),
    "issue": ("issue_key", "dim_issue", "issue"),
    "channel": ("channel_key", "dim_channel", "channel"),
    "department": ("department_key", "dim_department", "department"),
    "branch": ("branch_key", "dim_branch", "branch"),
    "vulnerable_group": ("vulnerable_group", None, None),
    # fct_complaint (and the agg_* cubes) carry each case's level from warehouse/sql/marts/23_fct_case_risk.sql.
    "risk_level": ("risk_level", None, None),
}
# `--where risk_level=high` names a level in English; the warehouse stores 高 / 中 / 低.
RISK_LEVEL_WORDS = {
    "high": "高",
    "medium": "中",
    "mid": "中",
    "low": "低",
    "高风险": "高",
    "中风险": "中",
    "低风险": "低",
}
# dim_region_group lists every member region_key (a province member brings its cities).
REGION_GROUP_MEMBERSHIP_SQL = (
    "{alias}.region_key IN (SELECT region_key FROM dim_region_group WHERE region_group = {param})"
)


@dataclass(frozen=True)
class Filters:
    """What the user selected. Tuples keep it hashable (usable as a cache key)."""

    preset: str = DEFAULT_PRESET
    start: date | None = None  # custom range only (end exclusive)
    end: date | None = None
    comparison: str = "yoy"
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    region_group: str | None = None
    business_lines: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    vulnerable_groups: tuple[str, ...] = ()
    risk_levels: tuple[str, ...] = ()
    referred_only: bool = False

    # ---- period -------------------------------------------------------------
    def period(self, as_of: date | None) -> Period:
        """The selected period; presets need the latest data date `as_of`."""
        if self.preset == "custom":
            if self.start is None or self.end is None:
                raise ValueError("自定义期间需要开始和结束日期")
            return Period(self.start, self.end)
        if as_of is None:
            raise ValueError(f"数据仓库中没有案件，无法确定“{PRESETS.get(self.preset, self.preset)}”的期间")
        return resolve_preset(self.preset, as_of)

    def with_custom_period(self, period: Period) -> Filters:
        return replace(self, preset="custom", start=period.start, end=period.end)

    # ---- state --------------------------------------------------------------
    def is_default(self) -> bool:
        return self == Filters()

    def reset(self) -> Filters:
        """One-click reset: every filter back to its default."""
        return Filters()

    def has_region_filter(self) -> bool:
        return bool(self.provinces or self.cities or self.region_group)

    def case_columns(self) -> set[str]:
        """The fct_complaint columns these filters test (which pre-aggregated cube can answer them)."""
        columns = {STAR_FILTERS[column][0] for name, (_key, column) in LIST_FILTERS.items() if getattr(self, name)}
        if self.region_group:
            columns.add("region_key")
        if self.referred_only:
            columns.add("is_regulator_referred")
        return columns

    def describe(self) -> list[str]:
        """Chinese one-liners of the active filters (for captions and exports)."""
        names = {
            "provinces": "省份",
            "cities": "城市",
            "business_lines": "业务条线",
            "products": "产品",
            "issues": "问题类型",
            "channels": "渠道",
            "departments": "处理部门",
            "branches": "机构",
            "vulnerable_groups": "特殊群体",
            "risk_levels": "风险等级",
        }
        lines = [f"{names[name]}：{'、'.join(getattr(self, name))}" for name in LIST_FILTERS if getattr(self, name)]
        if self.region_group:
            lines.append(f"区域：{self.region_group}")
        if self.referred_only:
            lines.append("仅监管转办")
        return lines

    # ---- URL ----------------------------------------------------------------
    def to_query_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.preset != DEFAULT_PRESET:
            params["preset"] = self.preset
        if self.preset == "custom":
            if self.start is not None:
                params["from"] = self.start.isoformat()
            if self.end is not None:
                params["to"] = self.end.isoformat()
        if self.comparison != "yoy":
            params["cmp"] = self.comparison
        for name, (key, _column) in LIST_FILTERS.items():
            values = getattr(self, name)
            if values:
                params[key] = ",".join(values)
        if self.region_group:
            params["group"] = self.region_group
        if self.referred_only:
            params["referred"] = "1"
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | Iterable[str]]) -> Filters:
        values: dict[str, object] = {}
        preset = _first(params.get("preset"))
        if preset in PRESETS:
            values["preset"] = preset
        start, end = _parse_date(_first(params.get("from"))), _parse_date(_first(params.get("to")))
        if preset == "custom":
            if start is None or end is None or end <= start:
                values.pop("preset")  # an unusable custom range: back to the default period
            else:
                values.update(start=start, end=end)
        comparison = _first(params.get("cmp"))
        if comparison in COMPARISONS:
            values["comparison"] = comparison
        for name, (key, _column) in LIST_FILTERS.items():
            items = _split(params.get(key))
            if items:
                values[name] = canonical_values(name, items)
        group = _first(params.get("group"))
        if group:
            values["region_group"] = group.strip()
        referred = (_first(params.get("referred")) or "").strip().lower()
        values["referred_only"] = referred in TRUE_WORDS
        return cls(**values)  # type: ignore[arg-type]

    # ---- SQL ----------------------------------------------------------------
    def to_sql_where(self, alias: str = "f") -> tuple[str, dict[str, object]]:
        """A WHERE condition over fct_complaint or v_complaint (aliased) and its named parameters.

        Values travel as parameters, never inside the SQL text. "TRUE" when nothing is selected.
        """
        clauses: list[str] = []
        params: dict[str, object] = {}
        for name, (_key, column) in LIST_FILTERS.items():
            selected = getattr(self, name)
            if not selected:
                continue
            names = []
            for index, value in enumerate(selected):
                param = f"f_{column}_{index}"
                params[param] = value
                names.append(f"${param}")
            values = ", ".join(names)
            case_column, table, table_column = STAR_FILTERS[column]
            if table is None:
                clauses.append(f"{alias}.{case_column} IN ({values})")
            else:
                clauses.append(
                    f"{alias}.{case_column} IN (SELECT {case_column} FROM {table} WHERE {table_column} IN ({values}))"
                )
        if self.region_group:
            params["f_region_group"] = self.region_group
            clauses.append(REGION_GROUP_MEMBERSHIP_SQL.format(param="$f_region_group", alias=alias))
        if self.referred_only:
            clauses.append(f"{alias}.is_regulator_referred")
        return (" AND ".join(clauses) or "TRUE"), params

    # ---- Polars -------------------------------------------------------------
    def to_polars_expr(self) -> pl.Expr:
        """The same condition as a Polars expression (region group is a join: see tests/reference/kpi_frames.FrameSource)."""
        condition = pl.lit(True)
        for name, (_key, column) in LIST_FILTERS.items():
            selected = getattr(self, name)
            if selected:
                condition = condition & pl.col(column).is_in(list(selected))
        if self.referred_only:
            condition = condition & pl.col("is_regulator_referred").fill_null(False)
        return condition

    def with_where(self, dimension: str, value: str) -> Filters:
        """Add one `DIM=VALUE` condition (several values of one dimension are OR-ed)."""
        target = DIMENSION_FIELDS.get(dimension)
        if target is None:
            allowed = "、".join(DIMENSION_FIELDS)
            raise ValueError(f"不能按 {dimension!r} 筛选；可用的维度：{allowed}")
        value = value.strip()
        if target == "referred_only":
            lowered = value.lower()
            if lowered not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError(f"{dimension}={value!r}：请写 是 或 否")
            return replace(self, referred_only=lowered in TRUE_WORDS)
        if target == "region_group":
            return replace(self, region_group=value)
        current: tuple[str, ...] = getattr(self, target)
        added = canonical_values(target, [value])
        return replace(self, **{target: tuple(dict.fromkeys(current + added))})


def canonical_values(name: str, values: Iterable[str]) -> tuple[str, ...]:
    """Provinces and cities in their canonical full names (广东 -> 广东省); others trimmed."""
    result: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if name == "provinces":
            value = canonical_province(value) or value
        elif name == "cities":
            value = _canonical_city_anywhere(value)
        elif name == "risk_levels":
            value = RISK_LEVEL_WORDS.get(value.lower(), value)
        result.append(value)
    return tuple(dict.fromkeys(result))


def _canonical_city_anywhere(name: str) -> str:
    """A city written without its province: the full name when exactly one province has it."""
    matches = {c.name for c in cities() if name in (c.name, c.short)}
    if len(matches) == 1:
        return matches.pop()
    province = canonical_province(name)  # a municipality written as a city
    if province is not None:
        return canonical_city(province, name) or name
    return name


def _first(value: str | Iterable[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    items = list(value)
    return items[-1] if items else None


def _split(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    raw = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in raw for part in item.split(",") if part.strip()]


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
