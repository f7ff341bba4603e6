"""Dashboard CLI: python -m dashboard {kpis, sql, alerts, watchlist, rectification, pack, scorecard, serve,
replicas} (contract: ../shared/ARCHITECTURE.md).

Each subcommand lives in dashboard/commands/<name>.py with add_parser(sub) and
run(args); it calls the same functions as the pages.
"""

from __future__ import annotations

import argparse
import sys

from dashboard.app import replicas, serve
from dashboard.commands import alerts, kpis, pack, rectification, scorecard, sql, watchlist


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="投诉信访治理驾驶舱 · 指标与报表")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (kpis, sql, alerts, watchlist, rectification, pack, scorecard, serve, replicas):
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # `serve` hands the options it does not know to Streamlit; every other command refuses them.
    args, extra = build_parser().parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        build_parser().parse_args(argv)  # exits 2 with argparse's own message
    args.extra = extra
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
