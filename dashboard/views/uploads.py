"""Files uploaded through the browser: a private temp copy with the original name, and what to show of them.

The importer reads paths, and its messages name the file, so an upload is
written to its own temp folder under the name the user chose. The copy holds
clear customer data: it is deleted as soon as it has been imported or replaced.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import polars as pl

from dashboard.engine.i18n import column_labels
from warehouse.importer.contract import KINDS, fields_of
from warehouse.importer.pipeline import LoadResult, Preview, import_file
from warehouse.importer.profiles import PROFILES_DIR

# Shown first in the profile list; other profiles follow alphabetically.
PREFERRED_PROFILES = ("canonical", "cfpb")
UPLOAD_PREFIX = "cockpit-upload-"
STALE_UPLOAD_SECONDS = 24 * 3600
# What the importer reads (DATA_CONTRACT.md: CSV/TSV, Excel .xlsx, Parquet).
ACCEPTED_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]
# None = let the importer detect the kind from the headers.
KIND_CHOICES: list[str | None] = [None, *KINDS]
SEPARATOR_NAMES = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}


def clean_file_name(name: str) -> str:
    """The last path component of a browser-supplied name (never a path), or a neutral default."""
    base = PurePath(name.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "upload.csv"


def sweep_stale_uploads(max_age_seconds: float = STALE_UPLOAD_SECONDS) -> None:
    """Delete upload copies left behind by sessions that ended before importing (they hold clear customer data)."""
    cutoff = time.time() - max_age_seconds
    for folder in Path(tempfile.gettempdir()).glob(UPLOAD_PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another session removed it first
            continue


def save_upload(data: bytes, original_name: str) -> Path:
    """Write the bytes to a new private temp folder (mode 700) under the original file name."""
    sweep_stale_uploads()
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    target = folder / clean_file_name(original_name)
    target.write_bytes(data)
    return target


def discard_upload(path: Path | str | None) -> None:
    """Delete a saved upload and its temp folder (only folders this module created)."""
    if path is None:
        return
    folder = Path(path).parent
    if folder.name.startswith(UPLOAD_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def list_profiles() -> list[str]:
    """Profile names shipped with the importer (canonical first)."""
    found = {p.stem for p in PROFILES_DIR.glob("*.yaml")} | {"canonical"}
    preferred = [p for p in PREFERRED_PROFILES if p in found]
    return preferred + sorted(found - set(preferred))


def encode_csv_for_excel(frame: pl.DataFrame) -> bytes:
    """CSV with Chinese headers and a UTF-8 BOM, so Excel on a Chinese desktop opens it correctly."""
    labelled = frame.rename(column_labels(frame.columns))
    return "\ufeff".encode() + labelled.write_csv().encode("utf-8")


def describe_format(preview: Preview) -> str:
    """One line on how the file was read: format, encoding, separator, skipped lines, data rows."""
    parts = [f"格式 {(preview.format or '未知').upper()}"]
    if preview.encoding:
        parts.append(f"编码 {preview.encoding}")
    if preview.separator:
        parts.append(f"分隔符 {SEPARATOR_NAMES.get(preview.separator, repr(preview.separator))}")
    if preview.sheet:
        parts.append(f"工作表「{preview.sheet}」")
    if preview.skipped_lines:
        parts.append(f"跳过表头上方 {preview.skipped_lines} 行")
    parts.append(f"数据 {preview.read:,} 行")
    if preview.malformed:
        parts.append(f"其中残缺记录 {preview.malformed:,} 行")
    if preview.footer_lines:
        parts.append(f"跳过表尾 {preview.footer_lines:,} 行")
    return " · ".join(parts)


def build_mapping_table(preview: Preview) -> pl.DataFrame:
    """Every field of the detected kind: its Chinese header, the file's header it is read from, required or not."""
    if preview.kind is None:
        return pl.DataFrame(schema={"target": pl.String, "source_column": pl.String, "note": pl.String})
    rows: list[dict[str, Any]] = []
    for f in fields_of(preview.kind):
        source = preview.mapping.get(f.name)
        if source is not None:
            note = "必填" if f.required else ""
        else:
            note = "必填，文件未提供" if f.required else "文件未提供（留空）"
        rows.append({"target": f.zh, "source_column": source or "—", "note": note})
    return pl.DataFrame(rows, schema={"target": pl.String, "source_column": pl.String, "note": pl.String})


def prepare_quarantine_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The importer's quarantine rows with the same columns as the warehouse view (message shown as 原因)."""
    return rows.rename({"message": "reason"}) if "message" in rows.columns else rows


def run_import(
    path: Path,
    kind: str | None,
    profile: str,
    original_name: str,
    progress: Callable[[float, str], None] | None = None,
    sheet: str | None = None,
) -> LoadResult:
    """The importer of the CLI; an unexpected error becomes a rejected result (the store discarded the copy)."""
    try:
        return import_file(
            path, kind=kind, profile=profile, progress=progress, original_name=original_name, sheet=sheet
        )
    except Exception as error:  # shown to the operator; the store discarded the copy
        return LoadResult(
            original_name,
            kind,
            rejected=True,
            message=f"导入失败（{type(error).__name__}）：{error}；数据仓库没有改动。",
        )
