"""Users of the cockpit: a YAML file of bcrypt password hashes, roles and region bindings.

The file (COCKPIT_USERS, or [auth] users_file in settings.toml) looks like:

    users:
      zhangsan:
        name: 张三
        role: 消保中心
        password_hash: "$2b$12$..."      # python -m dashboard.auth hash
        provinces: [广东]                 # optional: sees only these provinces
        must_change: true                # optional: an initial password, changed at first login
        password_changed: 2026-12-03     # written when a password is set; [auth] password_max_days ages it
      li.si@bank.example:                # an SSO (OIDC) user: no password, matched by e-mail
        name: 李四
        role: 领导

No clear password is ever stored; a user without a hash can only sign in through OIDC.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from warehouse.reference.regions import canonical_province

# bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut.
MAX_PASSWORD_BYTES = 72


class UsersFileError(Exception):
    """The users file is missing or malformed (message in Chinese, names the file and the user)."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    provinces: tuple[str, ...] = ()  # canonical province names; empty = every region
    password_hash: str = ""
    must_change: bool = False  # an initial password issued by an administrator: no page until it is changed
    password_changed: str = ""  # ISO date the password was last set ("" = unknown: never counted as expired)

    @property
    def is_region_bound(self) -> bool:
        return bool(self.provinces)

    def label(self) -> str:
        return f"{self.name}（{self.username}）" if self.name and self.name != self.username else self.username


def hash_password(password: str, rounds: int = 12) -> str:
    """A bcrypt hash for the users file (tests use fewer rounds to stay fast)."""
    encoded = password.encode("utf-8")
    if not encoded or len(encoded) > MAX_PASSWORD_BYTES:
        raise ValueError(f"密码长度须为 1 到 {MAX_PASSWORD_BYTES} 字节")
    return bcrypt.hashpw(encoded, bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(user: User, password: str) -> bool:
    encoded = password.encode("utf-8")
    if not user.password_hash or not encoded or len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, user.password_hash.encode("ascii"))
    except ValueError:  # a malformed hash in the file never lets anyone in
        return False


def load_users(path: Path, known_roles: Mapping[str, Any]) -> dict[str, User]:
    """username -> User; raises UsersFileError naming the file, user and field at fault."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise UsersFileError(f"无法读取用户文件 {path}：{error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise UsersFileError(f"用户文件 {path} 不是有效的 YAML：{error}") from error
    entries = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise UsersFileError(f"用户文件 {path} 须有顶层键 users:（用户名 → 属性）")
    users: dict[str, User] = {}
    for username, entry in entries.items():
        users[str(username)] = parse_user(str(username), entry, known_roles, path)
    return users


def parse_user(username: str, entry: Any, known_roles: Mapping[str, Any], path: Path) -> User:
    where = f"用户文件 {path} 的用户 {username}"
    if not isinstance(entry, dict):
        raise UsersFileError(f"{where}：须为键值对（name、role、password_hash、provinces）")
    role = str(entry.get("role") or "")
    if role not in known_roles:
        raise UsersFileError(f"{where}：角色“{role}”不在 settings.toml [roles] 中（可用：{'、'.join(known_roles)}）")
    provinces_raw = entry.get("provinces") or []
    if isinstance(provinces_raw, str):
        provinces_raw = [provinces_raw]
    provinces: list[str] = []
    for value in provinces_raw:
        province = canonical_province(str(value))
        if province is None:
            raise UsersFileError(f"{where}：provinces 中的“{value}”不是可识别的省份")
        provinces.append(province)
    password_hash = str(entry.get("password_hash") or "")
    if password_hash and not password_hash.startswith(("$2a$", "$2b$", "$2y$")):
        raise UsersFileError(
            f"{where}：password_hash 须为 bcrypt 哈希（python -m dashboard.auth hash 生成），不能写明文"
        )
    return User(
        username=username,
        name=str(entry.get("name") or username),
        role=role,
        provinces=tuple(dict.fromkeys(provinces)),
        password_hash=password_hash,
        must_change=bool(entry.get("must_change", False)),
        password_changed=str(entry.get("password_changed") or ""),
    )


def write_users(path: Path, users: list[User]) -> None:
    """Write a users file (the demo admin, tests); mode 600 because it holds hashes."""
    body = {
        "users": {
            u.username: {
                "name": u.name,
                "role": u.role,
                **({"password_hash": u.password_hash} if u.password_hash else {}),
                **({"provinces": list(u.provinces)} if u.provinces else {}),
                **({"must_change": True} if u.must_change else {}),
                **({"password_changed": u.password_changed} if u.password_changed else {}),
            }
            for u in users
        }
    }
    _replace_file(path, body)


def store_password(path: Path, username: str, password_hash: str, must_change: bool) -> None:
    """Set one user's hash (and must_change) in the users file, keeping every other key and user.

    The file is re-read here, not taken from a cache, so an edit made meanwhile is kept; comments
    in the file are lost (YAML round trip)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UsersFileError(f"无法读取用户文件 {path}：{error}") from error
    entries = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not isinstance(entries.get(username), dict):
        raise UsersFileError(f"用户文件 {path} 中没有用户 {username}")
    entry = entries[username]
    entry["password_hash"] = password_hash
    entry["password_changed"] = date.today().isoformat()
    if must_change:
        entry["must_change"] = True
    else:
        entry.pop("must_change", None)
    _replace_file(path, raw)


def _replace_file(path: Path, body: object) -> None:
    """Write beside, then rename: a reader (another session) never sees half a file; mode 600 (hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fresh.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    fresh.chmod(0o600)
    os.replace(fresh, path)
