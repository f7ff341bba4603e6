"""Demo or production: which users file applies, whether login may be off, what refuses to start.

COCKPIT_MODE=demo (what `make run` sets): a banner says 演示模式, the server must listen on
loopback only, and when no users file is configured one local admin is created in
`<db folder>/demo_users.yaml` with a random password printed once to the server console
(delete the file to get a new one). Any other value, or none, is production: a users file
(COCKPIT_USERS or [auth] users_file) or OIDC ([auth] in .streamlit/secrets.toml) is required.
COCKPIT_AUTH=off turns login off for automated tests; production refuses it.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from dashboard.auth import policy
from dashboard.auth.access import ADMIN_ROLE
from dashboard.auth.users import User, hash_password, write_users
from warehouse.settings import PROJECT_ROOT, db_path, setting

DEMO, PRODUCTION = "demo", "production"
DEMO_ADMIN = "admin"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def current_mode() -> str:
    return DEMO if os.environ.get("COCKPIT_MODE", "").strip().lower() == DEMO else PRODUCTION


def auth_disabled() -> bool:
    return os.environ.get("COCKPIT_AUTH", "").strip().lower() == "off"


def configured_users_file() -> Path | None:
    raw = os.environ.get("COCKPIT_USERS") or setting("auth", "users_file", default="") or ""
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else PROJECT_ROOT / path


def demo_users_file() -> Path:
    return db_path().parent / "demo_users.yaml"


def users_file() -> Path | None:
    """The users file in force: the configured one, else in demo mode the demo file."""
    configured = configured_users_file()
    if configured is not None:
        return configured
    return demo_users_file() if current_mode() == DEMO else None


def ensure_demo_admin(path: Path) -> str | None:
    """Create the demo users file with one admin; returns the new password (None if it existed)."""
    if path.exists():
        return None
    # Random, meets the password policy, printed once; not flagged must_change: the demo is loopback-only
    # with demo data, and a forced change at every `make run` on a fresh folder would buy nothing (docs/security.md).
    password = policy.generate()
    write_users(path, [User(DEMO_ADMIN, "演示管理员", ADMIN_ROLE, password_hash=hash_password(password))])
    print(
        f"演示模式：已创建本机管理员 {DEMO_ADMIN}，密码 {password}（只显示这一次；删除 {path} 可重新生成）",
        file=sys.stderr,
        flush=True,
    )
    return password


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for st.login (needs Authlib).

    Read with tomllib from Streamlit's two default places (the project's, then the user's), so that the
    start-up check needs no Streamlit runtime."""
    section: dict = {}
    for path in (Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            section = tomllib.loads(path.read_text(encoding="utf-8")).get("auth") or {}
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if section:
            break
    return bool(section) and bool(section.get("client_id") or any(isinstance(v, dict) for v in section.values()))


def startup_problem(server_address: str | None) -> str | None:
    """Why the app must not serve (Chinese, for the page and the log), or None."""
    mode = current_mode()
    if auth_disabled():
        return "生产模式不允许关闭登录（COCKPIT_AUTH=off 仅用于测试）。" if mode == PRODUCTION else None
    if mode == DEMO:
        if (server_address or "") not in LOOPBACK:
            return (
                f"演示模式只能在本机地址上运行（当前监听：{server_address or '所有网卡'}）。"
                "请使用 --server.address 127.0.0.1，或配置用户文件后以生产模式运行。"
            )
        return None
    configured = configured_users_file()
    if configured is None and not oidc_configured():
        return (
            "生产模式需要用户文件或统一身份认证：设置 COCKPIT_USERS=用户文件路径（或 settings.toml [auth] users_file），"
            "或在 .streamlit/secrets.toml 配置 [auth]（OIDC）。演示请用 make run（COCKPIT_MODE=demo）。"
        )
    if configured is not None and not configured.is_file():
        return f"用户文件不存在：{configured}"
    return None
