"""`pack`: the quarterly committee pack (季度消保委员会汇报材料) as PPTX or PDF.

    python -m dashboard pack [--from 2026-07-01 --to 2026-10-01] [--format pptx|pdf] --out FILE
        [--db PATH] [--no-watermark]

`--to` is exclusive, as in `kpis`; without --from/--to the last complete quarter is used. The
format defaults to the --out suffix. Same code as the 委员会汇报材料 page. Exit 0 on success,
2 when the arguments or the warehouse cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.commands import open_warehouse
from dashboard.commands.kpis import _parse_day
from dashboard.engine.periods import Period
from dashboard.export.pack.build import FORMATS, build_pack_file, default_period


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("pack", help="生成委员会汇报材料（PPTX 或 PDF）")
    parser.add_argument("--from", dest="start", type=_parse_day, help="期间开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="end", type=_parse_day, help="期间结束日期 YYYY-MM-DD（不含）")
    parser.add_argument("--format", choices=FORMATS, help="输出格式（默认取 --out 的扩展名）")
    parser.add_argument("--out", required=True, help="输出文件路径")
    parser.add_argument("--db", help="数据仓库路径（默认：COCKPIT_DB 或 settings.toml）")
    parser.add_argument("--no-watermark", action="store_true", help="不加“内部资料”水印")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        print(f"错误：无法从 {out.name} 判断格式，请用 --format pptx 或 --format pdf", file=sys.stderr)
        return 2
    if (args.start is None) != (args.end is None):
        print("错误：--from 和 --to 须同时给出（或都不给，使用上一个完整季度）", file=sys.stderr)
        return 2
    con = open_warehouse(args.db)
    if con is None:
        return 2
    try:
        period = default_period(con) if args.start is None else Period(args.start, args.end)
        _document, data = build_pack_file(con, period, fmt, watermark=not args.no_watermark, db=args.db)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"已生成 {out}（{period.label()}，{fmt.upper()}，{len(data):,} 字节）")
    return 0
