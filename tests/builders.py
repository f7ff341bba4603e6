"""Small canonical data for tests: build frames from a few dicts, write them as the files banks export.

    frame = build_cases([{"case_id": "C1"}, {"case_id": "C2", "province": "火星"}])
    write_csv(frame, tmp_path / "cases.csv", encoding="gb18030", separator="\t", junk_lines=["投诉明细"])
    write_xlsx(frame, tmp_path / "cases.xlsx")
    write_parquet(frame, tmp_path / "cases.parquet")

A missing key of a row takes a valid default derived from the row's position, so every
built row loads unless a test overrides a value to break a rule. Values given as strings
stay strings (a column mixing types becomes a string column), so tests can write any text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from warehouse.importer.contract import fields_of

BASE_TIME = datetime(2024, 7, 1, 9, 0, 0)
PROVINCES = ("广东省", "北京市", "浙江省", "四川省")
CITIES = {"广东省": "深圳市", "北京市": "北京市", "浙江省": "杭州市", "四川省": "成都市"}
CHANNELS = ("电话", "网络", "来访", "来信", "监管转办")
PRODUCTS = ("信用卡分期", "个人住房贷款", "借记卡", "手机银行")
ISSUES = ("息费争议", "服务态度", "业务办理效率", "征信异议")
SURNAMES = "张王李赵刘陈"


def case_row(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid case, different for each i (0-based), with any fields overridden."""
    received = BASE_TIME + timedelta(days=i % 60, hours=i % 7)
    province = PROVINCES[i % len(PROVINCES)]
    row: dict[str, Any] = {
        "case_id": f"C{i + 1:05d}",
        "received_at": received,
        "closed_at": received + timedelta(days=3 + i % 10) if i % 5 else None,
        "status": "已办结" if i % 5 else "办理中",
        "channel": CHANNELS[i % len(CHANNELS)],
        "business_line": "信用卡" if i % 2 else "零售信贷",
        "product": PRODUCTS[i % len(PRODUCTS)],
        "issue": ISSUES[i % len(ISSUES)],
        "province": province,
        "city": CITIES[province],
        "branch": f"{province[:2]}分行",
        "department": "消费者权益保护部",
        "complainant_id": f"4401{i % 37:04d}19800101{i % 9973:04d}",
        "complainant_name": SURNAMES[i % len(SURNAMES)] + "某某",
        "phone": f"138{i % 100_000_000:08d}",
        "vulnerable_group": "老年人" if i % 11 == 0 else "无",
        "regulator_referred": i % 5 == 4,
        "deadline_days": 15,
        "resolved_first_time": (i % 3 != 0) if i % 5 else None,
        "satisfaction": ("满意", "基本满意", "不满意", "未回访")[i % 4],
        "amount_disputed": round(100.0 + i * 12.5, 2),
        "litigation": i % 13 == 0,
        "media_exposure": i % 17 == 0,
        "summary": f"客户反映问题第{i + 1}号",
    }
    row.update(overrides)
    return row


def customer_row(i: int, **overrides: Any) -> dict[str, Any]:
    province = PROVINCES[i % len(PROVINCES)]
    row: dict[str, Any] = {
        "province": province,
        "city": CITIES[province],
        "month": date(2024, 1 + (i // len(PROVINCES)) % 12, 1),
        "personal_customers": 100_000 + i * 1_000,
        "branches": 50 + i,
    }
    row.update(overrides)
    return row


def event_row(i: int, **overrides: Any) -> dict[str, Any]:
    stages = ("受理", "分派", "调查", "沟通", "决策", "反馈", "回访")
    started = BASE_TIME + timedelta(hours=i)
    row: dict[str, Any] = {
        "case_id": f"C{i // len(stages) + 1:05d}",
        "stage": stages[i % len(stages)],
        "started_at": started,
        "finished_at": started + timedelta(minutes=5 + i % 30),
    }
    row.update(overrides)
    return row


def _column(values: list[Any]) -> pl.Series:
    """Let polars type a column, but keep it as text when the values mix types (a test wrote a string)."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) > 1 and not kinds <= {int, float}:
        return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)
    if not kinds:
        return pl.Series(values, dtype=pl.String)
    return pl.Series(values)


def _build(rows: Iterable[dict[str, Any]], make_default: Any, kind: str) -> pl.DataFrame:
    full = [make_default(i, **row) for i, row in enumerate(rows)]
    names = [f.name for f in fields_of(kind)]
    names += [k for row in full for k in row if k not in names]
    return pl.DataFrame({name: _column([row.get(name) for row in full]) for name in dict.fromkeys(names)})


def build_cases(rows: Iterable[dict[str, Any]] | int) -> pl.DataFrame:
    """A canonical cases frame (English column names): `rows` dicts of overrides, or a number of default rows."""
    return _build([{}] * rows if isinstance(rows, int) else rows, case_row, "cases")


def build_customers(rows: Iterable[dict[str, Any]] | int) -> pl.DataFrame:
    return _build([{}] * rows if isinstance(rows, int) else rows, customer_row, "customers")


def build_events(rows: Iterable[dict[str, Any]] | int) -> pl.DataFrame:
    return _build([{}] * rows if isinstance(rows, int) else rows, event_row, "events")


def kind_of(frame: pl.DataFrame) -> str:
    if "personal_customers" in frame.columns:
        return "customers"
    return "events" if "stage" in frame.columns else "cases"


def headers_for(frame: pl.DataFrame, headers: str = "zh") -> dict[str, str]:
    """{English name: header to write}: `zh` for the canonical Chinese headers, `en` to keep English names."""
    if headers == "en":
        return {c: c for c in frame.columns}
    zh = {f.name: f.zh for f in fields_of(kind_of(frame))}
    return {c: zh.get(c, c) for c in frame.columns}


def to_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text an export would contain (dates `2024-07-01 09:00:00`, booleans 是/否)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Boolean:
            exprs.append(pl.when(col).then(pl.lit("是")).when(~col).then(pl.lit("否")).alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S").alias(name))
        elif dtype == pl.Date:
            fmt = "%Y-%m" if name == "month" else "%Y-%m-%d"
            exprs.append(col.dt.strftime(fmt).alias(name))
        else:
            exprs.append(col.cast(pl.String).alias(name))
    return frame.select(exprs)


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    encoding: str = "utf-8",
    separator: str = ",",
    bom: bool = False,
    headers: str = "zh",
    junk_lines: Sequence[str] = (),
) -> Path:
    """A canonical CSV as a bank system would export it (encoding e.g. utf-8, gb18030, gbk)."""
    text = to_text(frame).rename(headers_for(frame, headers)).write_csv(separator=separator)
    body = "".join(line + "\n" for line in junk_lines) + text
    data = body.encode(encoding)
    if bom and encoding.lower().replace("-", "") == "utf8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_xlsx(
    frame: pl.DataFrame, path: Path, headers: str = "zh", junk_rows: Sequence[Sequence[Any]] = (), sheet: str = "Sheet1"
) -> Path:
    """An .xlsx with real date cells and numbers (as Excel keeps them); booleans written 是/否."""
    from openpyxl import Workbook

    book = Workbook()
    sheet_ = book.active
    sheet_.title = sheet
    for junk in junk_rows:
        sheet_.append(list(junk))
    names = headers_for(frame, headers)
    sheet_.append([names[c] for c in frame.columns])
    for row in frame.iter_rows():
        sheet_.append(["是" if v is True else "否" if v is False else v for v in row])
    book.save(path)
    return path


def write_parquet(frame: pl.DataFrame, path: Path, headers: str = "zh") -> Path:
    """A Parquet file keeping the frame's types (dates, booleans, numbers)."""
    frame.rename(headers_for(frame, headers)).write_parquet(path)
    return path


def snapshot_warehouse(db: Path) -> dict[str, Any]:
    """The served version file's sha256 and every table's sorted rows: equal snapshots = nothing changed."""
    import hashlib

    from warehouse import store

    current = store.current_version(db)
    if current is None:
        return {"version": None}
    snapshot: dict[str, Any] = {"version": str(current), "sha256": hashlib.sha256(current.read_bytes()).hexdigest()}
    con = store.open_reader(db)
    try:
        for (table,) in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            snapshot[table] = con.sql(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
    finally:
        con.close()
    return snapshot


def read_table_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the served warehouse (read-only)."""
    from warehouse import store

    con = store.open_reader(db)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()
