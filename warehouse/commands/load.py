"""`load FILE [--kind] [--profile NAME|PATH] [--sheet NAME] [--db] [--json]`: import one export file.

Exit 0 when the file was accepted (even with quarantined rows), 2 when it was rejected whole
(nothing changed). `--json` prints the object of ARCHITECTURE.md, then `footer_lines` and `malformed`. Progress goes to
stderr once a load has taken more than a couple of seconds (or always on a terminal).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from warehouse.importer.contract import KINDS
from warehouse.importer.errors import LoadRejected
from warehouse.importer.pipeline import append_loadlog, import_file
from warehouse.importer.results import LoadResult

SHOWN_QUARANTINE_ROWS = 20
PROGRESS_AFTER_SECONDS = 2.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("load", help="导入一个导出文件（CSV / XLSX / Parquet）")
    parser.add_argument("file", help="要导入的文件")
    parser.add_argument("--kind", choices=KINDS, help="数据类型（默认按表头判断）")
    parser.add_argument("--profile", default="canonical", help="导入配置名称（canonical、cfpb）或 YAML 文件路径")
    parser.add_argument("--sheet", help="Excel 文件中要导入的工作表名称（默认：表头与导入配置相符的那一张）")
    parser.add_argument("--db", help="数据仓库路径（默认 COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    parser.set_defaults(handler=run)


def build_progress_printer(stream=sys.stderr) -> Callable[[float, str], None]:
    """Print steps to `stream`, starting only once the load is slow enough to need it."""
    started = time.monotonic()
    eager = stream.isatty()

    def report(fraction: float, step: str) -> None:
        elapsed = time.monotonic() - started
        if eager or elapsed >= PROGRESS_AFTER_SECONDS:
            print(f"[{fraction:4.0%}] {step}（已用 {elapsed:.1f} 秒）", file=stream, flush=True)

    return report


def format_report(result: LoadResult) -> str:
    """The human reconciliation, in Chinese."""
    if result.rejected:
        return f"{result.message}\n数据仓库没有任何改动。"
    lines = [
        f"文件：{result.file}（类型：{result.kind}，批次号：{result.batch_id}）",
        f"读取 {result.read} 行 = 新增 {result.loaded} + 更新 {result.updated} + 重复 {result.duplicates} "
        f"+ 隔离 {result.quarantined}",
    ]
    if result.footer_lines:
        lines.append(f"跳过表尾 {result.footer_lines} 行（合计、制表人、空行等，不是案件，不计入读取，也不隔离）")
    if result.malformed:
        lines.append(f"残缺记录 {result.malformed} 行（字段数与表头不一致或引号未闭合，已隔离，规则 malformed_record）")
    lines += [f"警告：{warning}" for warning in result.warnings]
    if result.quarantined:
        rows = result.quarantine_rows
        lines.append(
            f"隔离的行（共 {result.quarantined} 行，{rows.height} 处问题；显示前 {SHOWN_QUARANTINE_ROWS} 处）："
        )
        lines += [
            f"  [{rule}] {message}"
            for rule, message in rows.select("rule", "message").head(SHOWN_QUARANTINE_ROWS).iter_rows()
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        result = import_file(
            args.file,
            kind=args.kind,
            profile=args.profile,
            db=args.db,
            progress=build_progress_printer(),
            sheet=args.sheet,
        )
    except Exception as error:  # a bug or an I/O failure: still answer in the contract's shape
        result = LoadResult(
            args.file, args.kind, rejected=True, message=f"拒绝导入：导入过程出错（{type(error).__name__}: {error}）"
        )
        append_loadlog(args.db, result, args.profile)
        if not isinstance(error, LoadRejected):
            print(f"导入过程出错：{type(error).__name__}: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(format_report(result))
    return 2 if result.rejected else 0
