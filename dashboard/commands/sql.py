"""`sql`: run one read-only SELECT through the SQL sandbox (the same one as the 查询分析 page)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from dashboard.engine.sandbox import SandboxError, run_sql


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sql",
        help="在沙箱中运行一条只读 SELECT（客户信息已脱敏）",
        description="在沙箱中运行一条只读 SELECT：只能查询 dim_*、fct_*、v_* 等脱敏视图，不能读写文件或联网，"
        "有行数上限和时间限制。被拒绝或出错时退出码为 2。",
    )
    parser.add_argument("statement", help='SQL 语句，例如 "SELECT channel, count(*) FROM v_complaint GROUP BY 1"')
    parser.add_argument("--db", help="数据仓库路径（默认 COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--json", action="store_true", help='输出 {"columns", "rows", "truncated"}')
    parser.add_argument("--max-rows", type=int, default=None, dest="max_rows", help="行数上限（默认见 settings）")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        result = run_sql(args.statement, db=args.db, row_cap=args.max_rows)
    except SandboxError as error:
        print(error.message, file=sys.stderr)
        return 2
    if args.json:
        payload = {
            "columns": result.columns,
            "rows": [[to_json_value(v) for v in row] for row in result.frame.iter_rows()],
            "truncated": result.truncated,
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(result.frame.write_csv(separator="\t"), end="")
    note = f"（已截断：只显示前 {result.frame.height:,} 行）" if result.truncated else ""
    print(f"{result.frame.height:,} 行，用时 {result.elapsed_seconds:.2f} 秒{note}", file=sys.stderr)
    return 0


def to_json_value(value: Any) -> Any:
    """A cell as JSON: dates ISO, decimals as numbers, other objects as text."""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
