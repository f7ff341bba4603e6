"""The export log: who exported what, when.

Every export is one JSON object a line in `<warehouse>.exports.jsonl` (CLI exports have no
signed-in user), and an export made by a signed-in user is also an `export` entry of the
audit log, which an admin searches on the 审计日志 page."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from dashboard.auth import current
from dashboard.export.identity import current_user_label
from warehouse.settings import db_path


def export_log_path(db: str | os.PathLike[str] | None = None) -> Path:
    warehouse = db_path(db)
    return warehouse.with_name(warehouse.name + ".exports.jsonl")


def log_export(
    what: str, fmt: str, *, user: str | None = None, db: str | os.PathLike[str] | None = None, **detail: Any
) -> dict[str, Any]:
    """Append one entry (time, user, what, format, details) and return it."""
    entry = {
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        "user": user or current_user_label(),
        "what": what,
        "format": fmt,
        **detail,
    }
    path = export_log_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    current.record("export", {"what": what, "format": fmt, **{k: str(v) for k, v in detail.items()}})
    return entry


def read_export_log(db: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    path = export_log_path(db)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
