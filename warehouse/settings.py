"""Settings loaded once from settings.toml (COCKPIT_SETTINGS overrides the path).

Everything that is a threshold, clock, target or grouping is read from here so
that a rule change is a settings change, not a code change.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_PATH = PROJECT_ROOT / "settings.toml"


@lru_cache(maxsize=8)
def _load_settings_file(path: str) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def settings_path() -> Path:
    return Path(os.environ.get("COCKPIT_SETTINGS") or DEFAULT_SETTINGS_PATH)


def load_settings() -> dict[str, Any]:
    """The whole settings tree (cached per path; treat it as read-only)."""
    return _load_settings_file(str(settings_path()))


def setting(*keys: str, default: Any = None) -> Any:
    """A nested setting, e.g. setting("deadlines", "complaint_days")."""
    node: Any = load_settings()
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The served warehouse path: --db, then COCKPIT_DB, then settings."""
    raw = explicit or os.environ.get("COCKPIT_DB") or setting("warehouse", "db")
    path = Path(raw)
    return path if path.is_absolute() else (Path.cwd() / path)


def salt_path(db: Path) -> Path:
    """Where the hashing salt lives: outside the warehouse file, never inside it."""
    raw = os.environ.get("COCKPIT_SALT_FILE") or setting("warehouse", "salt_file") or ""
    return Path(raw) if raw else db.parent / ".cockpit_salt"
