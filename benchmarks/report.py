"""The results table of benchmarks/README.md, written from one `make bench` result (benchmarks/run.py)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

START = "<!-- bench-results:start -->"
END = "<!-- bench-results:end -->"
MIB_LIMIT = 4 * 1024
DAILY_CASES = (
    2_000,
    20_000,
)  # the daily-load file sizes benchmarks/run.py measures: a regional and a national bank's day
TWO_FILTERS = "省份=广东省+渠道=电话"  # benchmarks/engine.py: a pair with a cube
TWO_FILTERS_NO_CUBE = "问题类型=息费争议+渠道=电话"  # a pair without one

Getter = Callable[[dict[str, Any]], float | None]


def _get(*path: str) -> Getter:
    def read(size: dict[str, Any]) -> float | None:
        value: Any = size
        for key in path:
            if not isinstance(value, dict) or value.get(key) is None:
                return None
            value = value[key]
        return float(value)

    return read


def _single_filter_median(page: str) -> Getter:
    def read(size: dict[str, Any]) -> float | None:
        states = size.get("engine", {}).get("filter_change_s", {}).get(page)
        if not states:
            return None
        return statistics.median(v for k, v in states.items() if "+" not in k)

    return read


def _ratio(numerator: Getter, denominator: Getter) -> Getter:
    def read(size: dict[str, Any]) -> float | None:
        top, bottom = numerator(size), denominator(size)
        return None if top is None or not bottom else top / bottom

    return read


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MiB"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


# (row label, getter, formatter, target text, check on the 10M value or None)
Row = tuple[str, Getter, Callable[[float | None], str], str, Callable[[float], bool] | None]


def _rows() -> list[Row]:
    pages = ["驾驶舱总览", "趋势分析", "区域分析", "风险雷达", "产品与问题", "重点人员", "预警", "时效与红黄牌"]
    rows: list[Row] = [
        ("构建演示数据仓库（生成 + 导入 + 集市，一次）", _get("build", "seconds"), _seconds, "", None),
        ("　构建时内存峰值", _get("build", "peak_rss_mib"), _mib, "", None),
        ("重建集市（含预聚合，仅旧缓存需要）", _get("marts_rebuild", "seconds"), _seconds, "", None),
        ("驾驶舱全部数字：冷（新进程首次计算）", _get("engine", "cockpit_cold_s"), _seconds, "", None),
        ("驾驶舱全部数字：热（同一筛选重算，不用缓存）", _get("engine", "cockpit_warm_s"), _seconds, "", None),
        (
            "筛选变更后重算驾驶舱（单维筛选，中位数）",
            _single_filter_median("驾驶舱总览"),
            _seconds,
            "≤ 300 ms",
            lambda v: v <= 0.3,
        ),
        (
            "筛选变更后重算驾驶舱（省份 + 渠道两维）",
            _get("engine", "filter_change_s", "驾驶舱总览", TWO_FILTERS),
            _seconds,
            "≤ 300 ms",
            lambda v: v <= 0.3,
        ),
        (
            "　同上，热（5 次中位数，省份 + 渠道立方体）",
            _get("engine", "two_filters_s", "pair_cube_s"),
            _seconds,
            "",
            None,
        ),
        ("　同上，热，不用预聚合（逐案扫描）", _get("engine", "two_filters_s", "case_table_s"), _seconds, "", None),
        (
            "筛选变更后重算驾驶舱（问题类型 + 渠道，无立方体，逐案扫描）",
            _get("engine", "filter_change_s", "驾驶舱总览", TWO_FILTERS_NO_CUBE),
            _seconds,
            "",
            None,
        ),
        ("驾驶舱全部数字：不用预聚合（逐案扫描，无筛选）", _get("engine", "cockpit_case_table_s"), _seconds, "", None),
        ("指标集（12 项 × 本期/同期/上期）：引擎", _get("engine", "kpi_set_s"), _seconds, "", None),
        ("指标集：引擎逐案扫描（不用预聚合）", _get("engine", "kpi_set_case_table_s"), _seconds, "", None),
        ("指标集：pandas 参照（读事实表 + 分组）", _get("engine", "pandas_read_and_compute_s"), _seconds, "", None),
        ("指标集：pandas 仅计算（数据已在内存）", _get("engine", "pandas_compute_only_s"), _seconds, "", None),
        ("指标集：纯 DuckDB SQL", _get("engine", "sql_reference_s"), _seconds, "", None),
        (
            "引擎比 pandas 参照快（读取 + 计算）",
            _ratio(_get("engine", "pandas_read_and_compute_s"), _get("engine", "kpi_set_s")),
            _times,
            "≥ 10×",
            lambda v: v >= 10,
        ),
        (
            "引擎比 pandas 仅计算快",
            _ratio(_get("engine", "pandas_compute_only_s"), _get("engine", "kpi_set_s")),
            _times,
            "",
            None,
        ),
    ]
    rows += [
        (f"筛选变更：{page}（单维筛选，中位数）", _single_filter_median(page), _seconds, "", None) for page in pages
    ]
    rows += [
        ("红黄牌（与筛选无关，按截止时点缓存）", _get("engine", "sla_cards_s"), _seconds, "", None),
        ("`python -m dashboard kpis --json`（整个进程）", _get("kpis_json", "seconds"), _seconds, "", None),
        ("委员会汇报材料 PDF（整个进程）", _get("pack_pdf", "seconds"), _seconds, "", None),
        (
            "浏览器：打开驾驶舱到首屏画完（服务首次，启动时已预热）",
            _get("browser", "first_draw_cold_s"),
            _seconds,
            "≤ 4 s",
            lambda v: v <= 4,
        ),
        (
            "浏览器：打开驾驶舱到首屏画完（服务已热）",
            _get("browser", "first_draw_warm_s"),
            _seconds,
            "≤ 2 s",
            lambda v: v <= 2,
        ),
        ("浏览器：滚动到首屏下方的图表到画完", _get("browser", "below_fold_s"), _seconds, "", None),
        ("浏览器：改一个筛选到重画完（含已滚动到的图表）", _get("browser", "filter_change_s"), _seconds, "", None),
        (
            "浏览器：访问外网的请求数",
            _get("browser", "blocked_requests"),
            lambda v: "—" if v is None else f"{v:.0f}",
            "0",
            lambda v: v == 0,
        ),
        (
            "内存峰值：应用服务进程（浏览器测量期间）",
            _get("browser", "server_peak_rss_mib"),
            _mib,
            "≤ 4 GiB",
            lambda v: v <= MIB_LIMIT,
        ),
        ("内存峰值：引擎测量进程（含 pandas 参照）", _get("engine", "process_peak_rss_mib"), _mib, "", None),
    ]
    rows += _daily_load_rows()
    rows += _concurrent_rows()
    return rows


def _daily_load_rows() -> list[Row]:
    """A day's file into the warehouse (benchmarks/run.py measure_daily_loads): median of three, fresh processes."""
    rows: list[Row] = []
    for cases in DAILY_CASES:
        rows += [
            (
                f"日常增量导入 {cases:,} 件（校验、落地、集市增量更新、检查、发布）",
                _get("daily_load", str(cases), "seconds"),
                _seconds,
                "≤ 30 s",
                lambda v: v <= 30,
            ),
            (
                "　其中：准备新版本（接管上一版本并追平；否则复制）",
                _get("daily_load", str(cases), "prepare_s"),
                _seconds,
                "",
                None,
            ),
            ("　其中：集市增量更新", _get("daily_load", str(cases), "refresh_s"), _seconds, "", None),
            (
                "　导入进程内存峰值",
                _get("daily_load", str(cases), "peak_rss_mib"),
                _mib,
                "≤ 4 GiB",
                lambda v: v <= MIB_LIMIT,
            ),
        ]
    return rows


def _daily_ratio_line(results: dict[str, Any], labels: list[str]) -> str | None:
    """1M ÷ 100k of the daily load, per file size: a load should cost what it loads, not the warehouse's size."""
    baseline, sizes = results.get("daily_load_baseline"), results.get("sizes", {})
    million = sizes.get("1m", {}).get("daily_load")
    if not baseline or not million or "1m" not in labels:
        return None
    ratios = [
        million[str(c)]["seconds"] / baseline[str(c)]["seconds"]
        for c in DAILY_CASES
        if str(c) in million and str(c) in baseline and baseline[str(c)]["seconds"]
    ]
    if not ratios:
        return None
    cells = [" / ".join(f"{r:.2f}" for r in ratios) if label == "1m" else "" for label in labels]
    verdict = "✅" if max(ratios) <= 1.3 else "❌"
    sizes_text = " / ".join(f"{c:,}" for c in DAILY_CASES)
    return f"| 日常增量导入耗时之比：100 万件 ÷ 10 万件（{sizes_text} 件） | {' | '.join(cells)} | ≤ 1.3 | {verdict} |"


def _concurrent_rows() -> list[Row]:
    """N people at once (benchmarks/concurrent_sessions.py): every session signs in, opens, filters, switches page."""
    count = lambda v: "—" if v is None else f"{v:.0f}"  # noqa: E731
    return [
        ("多人同时使用：会话数（同时登录、打开、筛选、换页）", _get("concurrent", "sessions"), count, "", None),
        ("　失败的会话（报错或卡住）", _get("concurrent", "failed"), count, "0", lambda v: v == 0),
        ("　健康检查失败（服务无响应）", _get("concurrent", "health_failures"), count, "0", lambda v: v == 0),
        ("　健康检查最慢一次", _get("concurrent", "health_slowest_s"), _seconds, "", None),
        ("　登录后驾驶舱画完 p50", _get("concurrent", "open_p50_s"), _seconds, "", None),
        ("　登录后驾驶舱画完 p95", _get("concurrent", "open_p95_s"), _seconds, "", None),
        ("　改筛选到重画完 p50（20 人同一瞬间）", _get("concurrent", "filter_p50_s"), _seconds, "", None),
        ("　改筛选到重画完 p95（20 人同一瞬间）", _get("concurrent", "filter_p95_s"), _seconds, "", None),
        (
            "　改筛选到重画完 p50（20 人在 1 分钟内先后）",
            _get("concurrent_spread", "filter_p50_s"),
            _seconds,
            "",
            None,
        ),
        (
            "　改筛选到重画完 p95（20 人在 1 分钟内先后）",
            _get("concurrent_spread", "filter_p95_s"),
            _seconds,
            "≤ 1.5 s",
            lambda v: v <= 1.5,
        ),
        ("　打开第二页（趋势分析）p95", _get("concurrent", "second_page_p95_s"), _seconds, "", None),
        (
            "　服务进程 CPU 时间 / 墙钟时间",
            _ratio(_get("concurrent", "server_cpu_s"), _get("concurrent", "wall_s")),
            lambda v: "—" if v is None else f"{v:.0%}",
            "",
            None,
        ),
        ("　服务内存峰值", _get("concurrent", "server_peak_rss_mib"), _mib, "≤ 4 GiB", lambda v: v <= MIB_LIMIT),
    ]


def _verdict(row: Row, value: float | None) -> str:
    check = row[4]
    if check is None or value is None:
        return ""
    return "✅" if check(value) else "❌"


def render_table(results: dict[str, Any]) -> str:
    sizes = results.get("sizes", {})
    labels = [label for label in ("1m", "10m") if label in sizes]
    names = {"1m": "100 万件", "10m": "1000 万件"}
    machine = results.get("machine", {})
    lines = [
        f"运行于 {results.get('date', '?')}，提交 `{results.get('commit', '?')}`；机器："
        f"{machine.get('cpus', '?')} 核 {machine.get('cpu_model', '')}，{machine.get('memory_gib', '?')} GiB 内存，"
        f"Python {machine.get('python', '?')}；每项取 {results.get('runs', '?')} 次的中位数（另有注明的除外）。",
        *(
            f"{names[label]}一列来自较早的运行（{sizes[label]['measured_in'].get('date')}，"
            f"提交 `{sizes[label]['measured_in'].get('commit')}`），本次未测；其中没有的行显示为 —。"
            for label in labels
            if sizes[label].get("measured_in")
        ),
        *(
            [
                f"本次未测、沿用较早运行（{results['carried_over'].get('date')}，提交 "
                f"`{results['carried_over'].get('commit')}`）的项：{'、'.join(results['carried_over']['parts'])}。"
            ]
            if results.get("carried_over")
            else []
        ),
        "",
        "| 测量 | " + " | ".join(names[label] for label in labels) + " | 目标（1000 万件） | 达标 |",
        "|---|" + "---:|" * len(labels) + "---|:-:|",
    ]
    imported = results.get("csv_import")
    if imported:
        empty = " | " * (len(labels) - 1)
        value = imported.get("seconds")
        ok = "✅" if value is not None and value <= 60 else "❌"
        lines.append(
            f"| 导入 100 万行标准 CSV（含逐行校验与质量检查，{imported.get('runs')} 次中位数）| "
            f"{_seconds(value)}{empty} | ≤ 60 s | {ok} |"
        )
    for row in _rows():
        values = [row[1](sizes[label]) for label in labels]
        if all(v is None for v in values):
            continue
        ten_million = row[1](sizes["10m"]) if "10m" in sizes else None
        cells = " | ".join(row[2](v) for v in values)
        lines.append(f"| {row[0]} | {cells} | {row[3]} | {_verdict(row, ten_million)} |")
    ratio = _daily_ratio_line(results, labels)
    if ratio:
        lines.append(ratio)
    return "\n".join(lines)


def write_readme_table(readme: Path, results: dict[str, Any]) -> None:
    """Replace the table between the markers (the rest of the README is prose kept by hand)."""
    table = render_table(results)
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"# 性能基准\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    readme.write_text(pattern.sub(lambda _m: f"{START}\n{table}\n{END}", text), encoding="utf-8")
