"""`serve`: start the cockpit's web server, ready before the first visitor.

    python -m dashboard serve [--address 127.0.0.1] [--port 8501] [--script streamlit_app.py] [STREAMLIT OPTIONS...]

Imports the chart and data libraries and starts the run watchdog (dashboard/app/server_runtime.py)
before Streamlit accepts a connection, then runs `streamlit run` in this process; meanwhile a background
thread opens the served warehouse and computes the cockpit's default view into the pages' caches
(`--no-warmup` skips that), so the first visitor does not wait for a cold start. Options it does
not know (e.g. --server.maxUploadSize 200) are passed to Streamlit unchanged.
"""

from __future__ import annotations

import argparse
import sys

from warehouse.settings import PROJECT_ROOT


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="启动驾驶舱网页服务（启动前加载依赖库、开启运行看门狗）")
    parser.add_argument("--address", default="127.0.0.1", help="listen address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--script", default="streamlit_app.py", help="the Streamlit entry script")
    parser.add_argument(
        "--no-warmup", action="store_true", help="do not open the warehouse and warm the cockpit at start"
    )
    parser.set_defaults(handler=run, passthrough=True)


def run(args: argparse.Namespace) -> int:
    from streamlit.web import cli as streamlit_cli

    from dashboard.app.server_runtime import prepare_server, start_warmup

    prepare_server()
    if not args.no_warmup:
        start_warmup()
    script = args.script if args.script.startswith("/") else str(PROJECT_ROOT / args.script)
    options = ["--server.address", args.address, "--server.port", str(args.port), "--server.headless", "true"]
    sys.argv = ["streamlit", "run", script, *options, *args.extra]
    return int(streamlit_cli.main(prog_name="streamlit") or 0)
