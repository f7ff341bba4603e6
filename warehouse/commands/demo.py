"""`demo`: build the demo warehouse, or write the demo data as canonical-template CSV files."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from warehouse import store
from warehouse.settings import db_path, setting


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应写作 YYYY-MM-DD，收到 {text!r}") from exc


def _positive(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="生成演示数据（三年完整月份）并导入数据仓库",
        description="生成一家示范银行的投诉案件、客户基数与办理环节数据（同一种子与截止日期结果完全相同），"
        "经导入流程装入数据仓库；或写成标准模板 CSV，供参照准备自己的导出文件。"
        "数据仓库已存在时按导入规则合并（同一参数重复运行全部识别为重复）；--replace 则全新生成后整体替换。",
    )
    parser.add_argument(
        "--cases", type=_positive, default=None, help=f"案件数（默认 {setting('demo', 'cases', default=150000):,}）"
    )
    parser.add_argument("--seed", type=int, default=None, help=f"随机种子（默认 {setting('demo', 'seed')}）")
    parser.add_argument("--db", help="数据仓库路径（默认 COCKPIT_DB 或 settings.toml）")
    parser.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        dest="as_of",
        help="截止日期 YYYY-MM-DD：数据覆盖截至该日已完整结束的最后一个月及之前三年（默认今天）",
    )
    parser.add_argument("--if-missing", action="store_true", help="数据仓库已存在时不做任何事")
    parser.add_argument(
        "--csv-dir",
        type=Path,
        default=None,
        help="把演示数据写成标准模板 CSV（UTF-8 带 BOM）到该目录；不导入数据仓库，除非同时给出 --build",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="全新生成一个演示数据仓库，完成后一次性替换现有的（生成过程中页面照常读取旧数据）",
    )
    parser.add_argument("--build", action="store_true", help="与 --csv-dir 同用：写 CSV 之外也导入数据仓库")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.if_missing and store.current_version(args.db) is not None:
        print(f"数据仓库已存在，未重新生成：{db_path(args.db)}", file=sys.stderr)
        return 0
    from warehouse.demo import demo_period, generate_demo, load_demo, write_canonical_csv

    started = time.monotonic()
    build = args.csv_dir is None or args.build
    period = demo_period(args.as_of)
    print(f"数据期间：{period.start:%Y-%m} 至 {period.last_month:%Y-%m}（含）", file=sys.stderr)
    data = generate_demo(args.cases, args.seed, args.as_of, progress=_scaled(started, 0.0, 0.1 if build else 1.0))
    if args.csv_dir is not None:
        for kind, path in write_canonical_csv(data, args.csv_dir).items():
            print(f"已写出 {path}（{getattr(data, kind).height:,} 行）", file=sys.stderr)
    if not build:
        return 0
    target = db_path(args.db)
    build_at = target.with_name(f".{target.name}.building-{os.getpid()}") if args.replace else target
    results = load_demo(data, build_at, _scaled(started, 0.1, 0.9))
    for result in results:
        print(result.message, file=sys.stderr)
    if any(result.rejected for result in results):
        print(
            "演示数据未能全部导入（原因见上）；被拒绝的这一批没有改变数据仓库，此前已发布的批次保留。", file=sys.stderr
        )
        if args.replace:
            shutil.rmtree(store.versions_dir(build_at), ignore_errors=True)
            build_at.unlink(missing_ok=True)
        return 2
    if args.replace:
        store.replace_with(target, build_at)
    print(f"演示数据仓库已就绪：{db_path(args.db)}（用时 {time.monotonic() - started:.1f} 秒）", file=sys.stderr)
    return 0


def _scaled(began: float, start: float, width: float) -> Callable[[float, str], None]:
    """Progress lines on stderr: overall percentage, minutes:seconds since the command began, the step."""

    def report(fraction: float, step: str) -> None:
        elapsed = int(time.monotonic() - began)
        print(
            f"[{start + width * fraction:4.0%} {elapsed // 60:02d}:{elapsed % 60:02d}] {step}",
            file=sys.stderr,
            flush=True,
        )

    return report
