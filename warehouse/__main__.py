"""Warehouse CLI: python -m warehouse {init,demo,load,rebuild,status} (contract: ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import sys

from warehouse.commands import demo, init, load, rebuild, status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description="投诉信访治理驾驶舱 · 数据仓库")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (init, demo, load, rebuild, status):
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
