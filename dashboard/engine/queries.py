"""The analysts' query registry: queries/<group>/<name>.sql files with a YAML header.

The header format is ../shared/ARCHITECTURE.md "Query header" (queries/README.md explains it
with an example). A file is rejected when its header is not valid YAML or misses a key, its
name differs from the file stem, its declared and used $params differ, its chart type or
columns are unknown, or its body is anything but one SELECT the sandbox allows (no writes).
Files run through the same sandbox as the SQL box (dashboard/engine/sandbox.py).

`python -m dashboard.engine.queries --check [--db PATH]` checks every file (and runs each one on the
warehouse when there is one); `make check-queries` calls it.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dashboard.engine.sandbox import Sandbox, SandboxError, SandboxResult, open_sandbox, parse_select
from warehouse.settings import PROJECT_ROOT

QUERIES_DIR = PROJECT_ROOT / "queries"
HEADER_KEYS = {"name", "title", "description", "grain", "params", "chart", "tags"}
REQUIRED_KEYS = ("name", "title", "description", "grain", "chart")
PARAM_TYPES = {"date", "text", "int", "number", "bool"}
PARAM_KEYS = {"type", "label", "options", "optional", "multiple", "default"}
# Chart type -> header keys it needs; every named key must be a column of the result.
CHART_TYPES: dict[str, tuple[str, ...]] = {
    "bar": ("x", "y"),
    "barh": ("x", "y"),
    "line": ("x", "y"),
    "area": ("x", "y"),
    "scatter": ("x", "y"),
    "pie": ("x", "y"),
    "heatmap": ("x", "y", "z"),
    "table": (),
}
CHART_KEYS = {"type", "x", "y", "z", "color", "y_title", "x_title"}
# Where a list parameter's options come from (`options: channel`): one column of one exposed view.
OPTION_SOURCES: dict[str, str] = {
    "channel": "SELECT channel FROM dim_channel ORDER BY channel_key",
    "business_line": "SELECT DISTINCT business_line FROM dim_product ORDER BY 1",
    "product": "SELECT DISTINCT product FROM dim_product ORDER BY 1",
    "issue": "SELECT issue FROM dim_issue ORDER BY issue_key",
    "province": "SELECT DISTINCT province FROM v_complaint WHERE province IS NOT NULL ORDER BY 1",
    "city": "SELECT DISTINCT city FROM v_complaint WHERE city IS NOT NULL ORDER BY 1",
    "branch": "SELECT branch FROM dim_branch ORDER BY branch_key",
    "department": "SELECT department FROM dim_department ORDER BY department_key",
    "region_group": "SELECT region_group FROM dim_region_group GROUP BY ALL ORDER BY min(group_order)",
    "vulnerable_group": "SELECT DISTINCT vulnerable_group FROM fct_complaint WHERE vulnerable_group IS NOT NULL ORDER BY 1",
    "satisfaction": "SELECT DISTINCT satisfaction FROM fct_complaint WHERE satisfaction IS NOT NULL ORDER BY 1",
    "status": "SELECT DISTINCT status FROM fct_complaint WHERE status IS NOT NULL ORDER BY 1",
    "source_system": "SELECT DISTINCT source_system FROM fct_complaint ORDER BY 1",
    "rule": "SELECT DISTINCT rule FROM quarantine ORDER BY 1",
}
_DEFAULT_LABELS = {"start_date": "开始日期", "end_date": "结束日期（含）"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class QueryFileError(Exception):
    """A query file that cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str  # date | text | int | number | bool
    label: str
    options: str | None = None  # an OPTION_SOURCES key: the form shows a list
    optional: bool = False  # may be left empty (NULL, or [] when multiple): "全部"
    multiple: bool = False  # a list of values (VARCHAR[]): use list_contains($p, col)
    default: Any = None


@dataclass(frozen=True)
class ChartSpec:
    type: str
    x: str | None = None
    y: tuple[str, ...] = ()
    z: str | None = None
    color: str | None = None
    x_title: str | None = None
    y_title: str | None = None

    def columns(self) -> list[str]:
        return [c for c in (self.x, *self.y, self.z, self.color) if c]


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    group: str
    title: str
    description: str
    grain: tuple[str, ...]
    params: tuple[QueryParam, ...]
    chart: ChartSpec
    tags: tuple[str, ...]
    sql: str  # the body: plain DuckDB SQL with $name parameters
    text: str = field(repr=False, default="")  # the whole file, shown on the page for learning

    def param(self, name: str) -> QueryParam:
        return next(p for p in self.params if p.name == name)


# -- reading and validating files ----------------------------------------------------------------


def split_header(text: str) -> tuple[str, str]:
    """The leading `--` block with its prefixes stripped, and the SQL body after it."""
    lines = text.lstrip("\ufeff").splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("--"):
            break
        body = line[2:]
        header.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(header), "\n".join(lines[len(header) :]).strip()


def load_query(path: Path, root: Path | None = None) -> Query:
    """Read and validate one query file; raise QueryFileError with a Chinese message."""
    root = root or path.parent.parent
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryFileError(f"{path.name}：无法读取（{error}）") from error
    header_text, body = split_header(text)
    try:
        header = yaml.safe_load(header_text) if header_text.strip() else None
    except yaml.YAMLError as error:
        raise QueryFileError(f"{path.name}：文件头不是有效的 YAML（{str(error).splitlines()[0]}）") from error
    if not isinstance(header, dict):
        raise QueryFileError(f"{path.name}：缺少以 `-- name:` 开头的文件头（见 queries/README.md）")
    _check_header_keys(path, header)
    if header["name"] != path.stem:
        raise QueryFileError(f"{path.name}：文件头 name 为 {header['name']!r}，应与文件名一致：{path.stem!r}")
    if not _NAME.match(path.stem):
        raise QueryFileError(f"{path.name}：文件名只能用小写字母、数字和下划线，并以字母开头")
    params = _read_params(path, header.get("params") or {})
    chart = _read_chart(path, header["chart"])
    grain = header["grain"]
    if not isinstance(grain, list) or not grain or not all(isinstance(g, str) for g in grain):
        raise QueryFileError(f"{path.name}：grain 应为非空的列名列表，例如 [month, channel]")
    tags = header.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise QueryFileError(f"{path.name}：tags 应为标签列表，例如 [渠道, 月度]")
    try:
        parsed = parse_select(body)
    except SandboxError as error:
        raise QueryFileError(f"{path.name}：{error.message}") from error
    declared = {p.name for p in params}
    if parsed.params != declared:
        parts = []
        if parsed.params - declared:
            parts.append("用到但未声明：" + "、".join(sorted("$" + p for p in parsed.params - declared)))
        if declared - parsed.params:
            parts.append("声明但未使用：" + "、".join(sorted(declared - parsed.params)))
        raise QueryFileError(f"{path.name}：params 与 SQL 中的参数不一致（{'；'.join(parts)}）")
    relative = path.relative_to(root) if path.is_relative_to(root) else path
    group = relative.parts[0] if len(relative.parts) > 1 else ""
    return Query(
        name=path.stem,
        path=path,
        group=group,
        title=str(header["title"]),
        description=str(header["description"]),
        grain=tuple(grain),
        params=params,
        chart=chart,
        tags=tuple(tags),
        sql=body,
        text=text,
    )


def _check_header_keys(path: Path, header: dict[str, Any]) -> None:
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise QueryFileError(f"{path.name}：文件头有未知的键 {sorted(unknown)}（可用：{sorted(HEADER_KEYS)}）")
    missing = [k for k in REQUIRED_KEYS if not header.get(k)]
    if missing:
        raise QueryFileError(f"{path.name}：文件头缺少 {', '.join(missing)}")


def _read_params(path: Path, raw: Any) -> tuple[QueryParam, ...]:
    if not isinstance(raw, dict):
        raise QueryFileError(f"{path.name}：params 应写作 {{参数名: 类型}}，例如 {{start_date: date}}")
    params = []
    for name, spec in raw.items():
        spec = {"type": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or set(spec) - PARAM_KEYS:
            raise QueryFileError(f"{path.name}：参数 {name} 的写法不对（可用键：{sorted(PARAM_KEYS)}）")
        kind = spec.get("type")
        if kind not in PARAM_TYPES:
            raise QueryFileError(f"{path.name}：参数 {name} 的类型 {kind!r} 不支持（可用：{sorted(PARAM_TYPES)}）")
        options = spec.get("options")
        if options is not None and (kind != "text" or options not in OPTION_SOURCES):
            raise QueryFileError(
                f"{path.name}：参数 {name} 的 options {options!r} 不支持（只用于 text 参数，可用：{sorted(OPTION_SOURCES)}）"
            )
        multiple = bool(spec.get("multiple", False))
        if multiple and options is None:
            raise QueryFileError(f"{path.name}：参数 {name} 设了 multiple，还需要 options（选项来源）")
        default = spec.get("default")
        params.append(
            QueryParam(
                name=str(name),
                type=kind,
                label=str(spec.get("label") or _DEFAULT_LABELS.get(str(name), name)),
                options=options,
                optional=bool(spec.get("optional", False)),
                multiple=multiple,
                default=None
                if default is None
                else coerce_value(QueryParam(str(name), kind, str(name), multiple=multiple), default),
            )
        )
    return tuple(params)


def _read_chart(path: Path, raw: Any) -> ChartSpec:
    if not isinstance(raw, dict) or raw.get("type") not in CHART_TYPES:
        raise QueryFileError(f"{path.name}：chart.type 应为 {sorted(CHART_TYPES)} 之一")
    if set(raw) - CHART_KEYS:
        raise QueryFileError(f"{path.name}：chart 有未知的键 {sorted(set(raw) - CHART_KEYS)}")
    missing = [k for k in CHART_TYPES[raw["type"]] if not raw.get(k)]
    if missing:
        raise QueryFileError(f"{path.name}：{raw['type']} 图需要 chart 的 {', '.join(missing)}")
    y = raw.get("y")
    ys = tuple(y) if isinstance(y, list) else ((y,) if y else ())
    return ChartSpec(
        type=raw["type"],
        x=raw.get("x"),
        y=tuple(str(v) for v in ys),
        z=raw.get("z"),
        color=raw.get("color"),
        x_title=raw.get("x_title"),
        y_title=raw.get("y_title"),
    )


def load_queries(folder: Path | None = None) -> tuple[list[Query], list[str]]:
    """Every valid query under `folder` (sorted by group, name) and a message per broken file."""
    root = folder or QUERIES_DIR
    queries: list[Query] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.rglob("*.sql")):
        try:
            query = load_query(path, root)
        except QueryFileError as error:
            problems.append(str(error).replace(f"{path.name}：", f"{path.relative_to(root)}：", 1))
            continue
        if query.name in seen:
            problems.append(
                f"{path.relative_to(root)}：查询名 {query.name} 与 {seen[query.name].relative_to(root)} 重复"
            )
            continue
        seen[query.name] = path
        queries.append(query)
    queries.sort(key=lambda q: (q.group, q.name))
    return queries, problems


def search_queries(queries: list[Query], text: str = "", tags: list[str] | tuple[str, ...] = ()) -> list[Query]:
    """Queries whose name, title, description or tags contain `text` and that carry every tag in `tags`."""
    needle = text.strip().lower()
    found = []
    for query in queries:
        haystack = " ".join((query.name, query.title, query.description, query.group, *query.tags)).lower()
        if needle and needle not in haystack:
            continue
        if any(tag not in query.tags for tag in tags):
            continue
        found.append(query)
    return found


def list_tags(queries: list[Query]) -> list[str]:
    return sorted({tag for query in queries for tag in query.tags})


# -- parameter values ---------------------------------------------------------------------------


def coerce_value(param: QueryParam, value: Any) -> Any:
    """A form or command-line value as the parameter's type (None stays None)."""
    if value is None or (isinstance(value, str) and value.strip() == "" and param.type != "text"):
        return None
    if param.multiple:
        items = value.split(",") if isinstance(value, str) else list(value)
        return [str(v).strip() for v in items if str(v).strip()]
    try:
        if param.type == "date":
            return value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        if param.type == "int":
            return int(value)
        if param.type == "number":
            return float(value)
        if param.type == "bool":
            return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "是", "y", "yes")
    except ValueError as error:
        raise QueryFileError(f"参数 {param.label}（{param.name}）的值 {value!r} 不是有效的{param.type}") from error
    return str(value)


def list_options(sandbox: Sandbox, source: str) -> list[str]:
    """The values a list parameter offers, from the warehouse's dimensions."""
    frame = sandbox.run(OPTION_SOURCES[source], row_cap=100_000).frame
    return [str(v) for v in frame.to_series(0).to_list() if v is not None]


def latest_received_date(sandbox: Sandbox) -> date | None:
    value = sandbox.run("SELECT max(received_date) FROM fct_complaint").frame.item()
    return value if isinstance(value, date) else None


def default_values(query: Query, sandbox: Sandbox) -> dict[str, Any]:
    """Values that run the query on this warehouse: header defaults, else the last 12 months of data."""
    latest = latest_received_date(sandbox) or date.today()
    year_back = date(latest.year - 1 if latest.month < 12 else latest.year, latest.month % 12 + 1, 1)
    values: dict[str, Any] = {}
    for param in query.params:
        if param.default is not None:
            values[param.name] = param.default
        elif param.type == "date":
            start_like = any(part in param.name for part in ("start", "from", "begin"))
            values[param.name] = year_back if start_like else latest
        elif param.multiple:
            values[param.name] = [] if param.optional else list_options(sandbox, param.options or "")[:1]
        elif param.optional:
            values[param.name] = None
        elif param.options:
            options = list_options(sandbox, param.options)
            values[param.name] = options[0] if options else None
        elif param.type == "bool":
            values[param.name] = False
        elif param.type == "text":
            values[param.name] = ""
        else:
            raise QueryFileError(f"{query.name}：参数 {param.name} 没有默认值（在文件头写 default 或 optional: true）")
    return values


def run_query(query: Query, values: dict[str, Any], sandbox: Sandbox, row_cap: int | None = None) -> SandboxResult:
    """Run a query file with typed values for its params (missing optional ones are NULL)."""
    typed = {p.name: coerce_value(p, values.get(p.name)) for p in query.params}
    for param in query.params:
        if typed[param.name] is None and param.multiple:
            typed[param.name] = []
        if typed[param.name] is None and not param.optional:
            raise SandboxError("refused", f"请填写参数：{param.label}")
    return sandbox.run(query.sql, typed, row_cap=row_cap)


def check_result(query: Query, result: SandboxResult) -> list[str]:
    """What is wrong with a query's result: missing grain/chart columns, repeated grain."""
    columns = set(result.columns)
    problems = []
    missing_grain = [c for c in query.grain if c not in columns]
    if missing_grain:
        problems.append(f"{query.name}：grain 的列不在结果中：{', '.join(missing_grain)}")
    missing_chart = [c for c in query.chart.columns() if c not in columns]
    if missing_chart:
        problems.append(f"{query.name}：chart 的列不在结果中：{', '.join(missing_chart)}")
    if not missing_grain and result.frame.height:
        repeated = result.frame.height - result.frame.select(list(query.grain)).unique().height
        if repeated:
            problems.append(f"{query.name}：按 grain {list(query.grain)} 有 {repeated} 行重复，结果不是这个粒度")
    return problems


def check_all(folder: Path | None = None, db: str | Path | None = None) -> list[str]:
    """Every problem of every query file; each is also run on the warehouse when one exists."""
    queries, problems = load_queries(folder)
    try:
        with open_sandbox(db) as sandbox:
            for query in queries:
                try:
                    result = run_query(query, default_values(query, sandbox), sandbox, row_cap=1_000_000)
                except (SandboxError, QueryFileError) as error:
                    problems.append(f"{query.name}：用默认参数运行失败：{error}")
                    continue
                problems += check_result(query, result)
    except SandboxError as error:
        print(f"只检查了文件头与语句（{error.message}）", file=sys.stderr)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.engine.queries", description="检查 queries/ 下的全部查询文件"
    )
    parser.add_argument("--check", action="store_true", help="检查文件头、参数与语句，并在数据仓库上运行每个查询")
    parser.add_argument("--folder", type=Path, default=None, help="查询文件夹（默认 queries/）")
    parser.add_argument("--db", default=None, help="数据仓库路径（默认 COCKPIT_DB 或 settings.toml）")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 0
    queries, _ = load_queries(args.folder)
    problems = check_all(args.folder, args.db)
    for problem in problems:
        print(f"✗ {problem}")
    print(f"查询文件 {len(queries)} 个有效，发现 {len(problems)} 个问题。")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
