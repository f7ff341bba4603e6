"""Password quality (等保 2.0 身份鉴别: 口令复杂度并定期更换): length, character classes, not the user name, age.

Settings in settings.toml [auth]: password_min_length (default 12) and password_min_classes
(default 3 of: lower-case, upper-case, digits, other characters). Every path that sets a
password calls `problem()` and refuses with its Chinese reason; logins never do (a password
already issued keeps working until it is changed).
"""

from __future__ import annotations

import secrets
import string
from datetime import date

from warehouse.settings import setting

CLASS_NAMES = ("小写字母", "大写字母", "数字", "其他符号")


def min_length() -> int:
    return int(setting("auth", "password_min_length", default=12))


def min_classes() -> int:
    return int(setting("auth", "password_min_classes", default=3))


def max_age_days() -> int:
    """[auth] password_max_days: a password older than this must be changed at the next login (0 = never)."""
    return int(setting("auth", "password_max_days", default=90))


def expired(changed: str, today: date | None = None) -> bool:
    """Whether a password set on `changed` (ISO date) is past the maximum age; an unknown date is not."""
    days = max_age_days()
    if days <= 0 or not changed:
        return False
    try:
        set_on = date.fromisoformat(changed)
    except ValueError:
        return True  # a date nobody can read is treated as old: the user sets a new password
    return ((today or date.today()) - set_on).days > days


def character_classes(password: str) -> set[str]:
    found: set[str] = set()
    for char in password:
        if char.islower():
            found.add(CLASS_NAMES[0])
        elif char.isupper():
            found.add(CLASS_NAMES[1])
        elif char.isdigit():
            found.add(CLASS_NAMES[2])
        else:
            found.add(CLASS_NAMES[3])
    return found


def problem(password: str, username: str = "") -> str | None:
    """Why `password` may not be set (Chinese), or None when it meets the policy."""
    length, classes = min_length(), min_classes()
    if len(password) < length:
        return f"密码至少 {length} 个字符（当前 {len(password)} 个）"
    used = character_classes(password)
    if len(used) < classes:
        return f"密码须包含{'、'.join(CLASS_NAMES)}中的至少 {classes} 类（当前只有：{'、'.join(sorted(used)) or '无'}）"
    name = username.strip().lower()
    # Containment is checked for names of 3+ characters: a 2-letter name ("gd") would forbid too much.
    if name and (password.lower() == name or (len(name) >= 3 and name in password.lower())):
        return "密码不能包含用户名"
    return None


def generate(length: int = 16) -> str:
    """A random password that meets the policy (the demo admin's): all four classes, unambiguous symbols."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#%+="
    size = max(length, min_length())
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(size))
        if len(character_classes(candidate)) == 4 and problem(candidate) is None:
            return candidate
