"""`replicas`: several cockpit server processes behind one nginx, on this machine (docs/deploy.md).

    python -m dashboard replicas [--count 2] [--base-port 8601] [--proxy-port 8600] [--address 127.0.0.1]
                                 [--run-dir data/replicas] [--nginx /usr/sbin/nginx]

Starts `python -m dashboard serve --port P` for P = base-port … base-port+count-1 (loopback only: nginx is
the one door), waits until each answers /_stcore/health, then runs Debian's nginx as this user with the
configuration rendered from deploy/nginx/cockpit.conf.template into the run directory (pid, logs, temporary
files all there), and waits. Ctrl-C (or SIGTERM) stops nginx, then the replicas. A replica that exits is
reported and not restarted: nginx sends its browsers to the others (restart it with a service manager in
production, docs/deploy.md). When everything answers, `replicas.json` in the run directory lists the
processes (the replica test reads it).

It lives beside `serve` because all it runs is `serve`; it imports nothing of Streamlit itself.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from warehouse.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "cockpit.conf.template"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
START_SECONDS = 180
STOP_SECONDS = 15
STATE_FILE = "replicas.json"


@dataclass(frozen=True)
class Replica:
    name: str
    port: int
    pid: int = 0
    log: str = ""


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("replicas", help="多个网页服务进程 + nginx 反向代理（粘性会话），见 docs/deploy.md")
    parser.add_argument("--count", type=int, default=2, help="number of replicas (default 2)")
    parser.add_argument("--base-port", type=int, default=8601, help="first replica's port; the next ones follow")
    parser.add_argument("--proxy-port", type=int, default=8600, help="nginx's port: the address people open")
    parser.add_argument("--address", default="127.0.0.1", help="nginx's listen address (replicas stay on loopback)")
    parser.add_argument("--run-dir", type=Path, default=PROJECT_ROOT / "data" / "replicas", help="config, pids, logs")
    parser.add_argument("--nginx", default=None, help="the nginx binary (default: Debian's /usr/sbin/nginx)")
    parser.set_defaults(handler=run)


def find_nginx(explicit: str | None = None) -> str:
    found = explicit or shutil.which("nginx") or next((p for p in NGINX_CANDIDATES if Path(p).exists()), None)
    if not found:
        raise SystemExit("找不到 nginx：请安装 Debian 软件包 nginx（make setup-dev 会安装）。")
    return found


def _upstream(name: str, replicas: list[Replica], backups: list[Replica]) -> str:
    lines = [f"    upstream {name} {{", f"        zone {name} 64k;"]
    lines += [f"        server 127.0.0.1:{r.port} max_fails=1 fail_timeout=10s;" for r in replicas]
    lines += [f"        server 127.0.0.1:{r.port} max_fails=1 fail_timeout=10s backup;" for r in backups]
    return "\n".join([*lines, "    }"])


def render_config(replicas: list[Replica], listen: str, run_dir: Path, template: Path = TEMPLATE) -> str:
    """The nginx configuration for these replicas: fills the @…@ fields of the template.

    Upstreams: `cockpit_all` (every replica, for a browser without the sticky cookie) and one per replica,
    `cockpit_rN`, with that replica first and the others, in ring order, as backups.
    """
    upstreams = [_upstream("cockpit_all", replicas, [])]
    for i, replica in enumerate(replicas):
        others = replicas[i + 1 :] + replicas[:i]
        upstreams.append(_upstream(f"cockpit_{replica.name}", [replica], others))
    routes = "\n".join(f"        {r.name} cockpit_{r.name};" for r in replicas)
    # The last address of $upstream_addr is the replica that answered (a failed-over request lists several).
    names = "\n".join(f'        "~(^|, )127\\.0\\.0\\.1:{r.port}$" "{r.name}";' for r in replicas)
    # nginx started by root runs its workers as `nobody`, who could not write in this user's run directory.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else "# (not root: no user directive)"
    fields = {
        "@RUN_DIR@": str(run_dir.resolve()),
        "@UPSTREAMS@": "\n".join(upstreams),
        "@STICKY_ROUTES@": routes,
        "@REPLICA_NAMES@": names,
        "@LISTEN@": listen,
        "@USER_DIRECTIVE@": user,
    }
    text = template.read_text(encoding="utf-8")
    for field, value in fields.items():
        text = text.replace(field, value)
    return text


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_healthy(url: str, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{tail}")
        if _healthy(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer {url}/_stcore/health within {START_SECONDS}s (log: {log})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def run(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise SystemExit("--count 至少为 1")
    nginx = find_nginx(args.nginx)
    run_dir: Path = args.run_dir.resolve()
    logs = run_dir / "logs"
    for folder in (logs, run_dir / "temp"):
        folder.mkdir(parents=True, exist_ok=True)
    (run_dir / STATE_FILE).unlink(missing_ok=True)
    planned = [Replica(f"r{i + 1}", args.base_port + i) for i in range(args.count)]
    conf = run_dir / "nginx.conf"
    conf.write_text(render_config(planned, f"{args.address}:{args.proxy_port}", run_dir), encoding="utf-8")
    # One Streamlit cookie secret for all replicas: a browser failed over to another replica keeps a valid XSRF
    # cookie (uploads). Given to the children in their environment, never on a command line.
    env = dict(os.environ)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))

    children: dict[str, subprocess.Popen[bytes]] = {}
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        started: list[Replica] = []
        for replica in planned:
            log = logs / f"{replica.name}.log"
            command = [sys.executable, "-m", "dashboard", "serve", "--address", "127.0.0.1"]
            command += ["--port", str(replica.port)]
            with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
                # Own session: Ctrl-C reaches this launcher only, which stops the children in order.
                children[replica.name] = subprocess.Popen(
                    command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
                )
            started.append(Replica(replica.name, replica.port, children[replica.name].pid, str(log)))
        for replica in started:
            _wait_healthy(f"http://127.0.0.1:{replica.port}", children[replica.name], replica.name, Path(replica.log))
        nginx_log = logs / "error.log"
        nginx_command = [nginx, "-p", str(run_dir), "-c", str(conf), "-e", str(nginx_log), "-g", "daemon off;"]
        children["nginx"] = subprocess.Popen(nginx_command, cwd=run_dir, start_new_session=True)
        proxy_url = f"http://{args.address}:{args.proxy_port}"
        _wait_healthy(proxy_url, children["nginx"], "nginx", nginx_log)
        state = {
            "proxy": proxy_url,
            "nginx_pid": children["nginx"].pid,
            "replicas": [asdict(r) for r in started],
            "run_dir": str(run_dir),
        }
        (run_dir / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        ports = ", ".join(str(r.port) for r in started)
        print(
            f"驾驶舱已启动：{proxy_url}（{len(started)} 个副本，端口 {ports}；日志 {logs}）。Ctrl-C 全部停止。",
            flush=True,
        )
        return _supervise(children)
    except _Stop:
        return 0
    except RuntimeError as error:  # a replica or nginx did not start: say which, with its log's tail
        print(f"启动失败：{error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # nginx first (no new requests reach a replica that is stopping), then the replicas.
        if "nginx" in children:
            _stop(children.pop("nginx"))
        for process in children.values():
            _stop(process)
        (run_dir / STATE_FILE).unlink(missing_ok=True)


def _supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait; report a replica that exits (the others keep serving); end when nginx or every replica is gone."""
    reported: set[str] = set()
    while True:
        for name, process in children.items():
            code = process.poll()
            if code is not None and name not in reported:
                reported.add(name)
                print(f"{name} 已退出（退出码 {code}）；其余进程继续服务。", file=sys.stderr, flush=True)
        if "nginx" in reported:
            return 1
        if all(name in reported for name in children if name != "nginx"):
            print("所有副本都已退出。", file=sys.stderr, flush=True)
            return 1
        time.sleep(0.5)
