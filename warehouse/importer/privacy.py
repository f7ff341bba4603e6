"""Customer identities never reach the warehouse in clear.

- 客户标识 -> `complainant_key` = sha256(salt + normalised identifier), hex. The salt is a
  random secret in a file outside the warehouse (warehouse.settings.salt_path), created on
  first use with mode 600, so the warehouse alone cannot be matched against ID numbers.
- 客户姓名 -> `complainant_name_masked`: first character and `**` (张**), whatever the length.
- 联系电话 -> `phone_masked`: first 3 and last 4 digits (138****1234).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb
import polars as pl

from warehouse.settings import db_path, salt_path


def ensure_salt(db: Path | str | None = None) -> str:
    """The salt of this warehouse, created (mode 600) when it does not exist yet."""
    path = salt_path(db_path(db))
    try:
        return _read_salt(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another load created it first
        return _read_salt(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return _read_salt(path)


def _read_salt(path: Path) -> str:
    salt = path.read_text(encoding="ascii").strip()
    if not salt:
        raise ValueError(f"盐值文件 {path} 是空的：请恢复备份（重新生成会使已有客户标识无法比对）")
    return salt


def hash_identifiers(identifiers: pl.Series, salt: str) -> pl.Series:
    """sha256(salt + identifier) in hex; null stays null. Computed in a private in-memory DuckDB."""
    con = duckdb.connect()
    try:
        con.register("ids", pl.DataFrame({"id": identifiers.cast(pl.String)}))
        hashed = con.sql("SELECT sha256($salt || id) AS key FROM ids", params={"salt": salt}).pl()
    finally:
        con.close()
    return hashed["key"].alias("complainant_key")


def mask_names(names: pl.Series) -> pl.Series:
    """张三 / 张三丰 -> 张** (the length is hidden too)."""
    text = names.cast(pl.String).str.strip_chars()
    masked = text.str.slice(0, 1) + "**"
    return masked.set(text.fill_null("") == "", None).alias("complainant_name_masked")


def mask_phones(phones: pl.Series) -> pl.Series:
    """13812341234 / +86 138-1234-1234 -> 138****1234; short numbers keep only their last 2 digits."""
    raw = phones.cast(pl.String).str.replace_all(r"\D", "")
    with_country = (raw.str.len_chars() == 13) & raw.str.starts_with("86")
    digits = pl.select(pl.when(with_country).then(raw.str.slice(2)).otherwise(raw)).to_series()
    long_enough = digits.str.len_chars() >= 7
    masked = pl.select(
        pl.when(digits.fill_null("") == "")
        .then(None)
        .when(long_enough)
        .then(digits.str.slice(0, 3) + "****" + digits.str.slice(-4, 4))
        .otherwise("****" + digits.str.slice(-2, 2))
    ).to_series()
    return masked.alias("phone_masked")


def protect_identities(frame: pl.DataFrame, salt: str) -> pl.DataFrame:
    """Replace complainant_id, complainant_name and phone by their hash and masks (cases; contacts: the id)."""
    if "complainant_id" not in frame.columns:
        return frame
    masks = {"complainant_name": mask_names, "phone": mask_phones}
    present = [name for name in masks if name in frame.columns]
    return frame.with_columns(
        hash_identifiers(frame["complainant_id"], salt), *(masks[name](frame[name]) for name in present)
    ).drop("complainant_id", *present)
