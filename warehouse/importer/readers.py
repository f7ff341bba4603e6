"""Read an export file into a frame of strings, whatever its format, encoding or preamble.

- CSV: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK (transcoded here: DuckDB cannot
  read GB18030 offline) or another encoding charset-normalizer recognises; comma or tab separated;
  junk lines above the header (report titles, export dates) are skipped; quoted multi-line fields work.
- XLSX: first sheet unless one is named; same header search.
- Parquet: typed columns are kept (the value parsers accept typed columns).
Every frame gets `__source_row`: the 1-based data row number in the file (header excluded).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from warehouse.importer.errors import LoadRejected
from warehouse.importer.headers import header_keys

SOURCE_ROW = "__source_row"
HEADER_SEARCH_LINES = 60
_SEPARATORS = (",", "\t")
_SEPARATOR_NAMES = {",": "逗号", "\t": "制表符"}


@dataclass
class RawTable:
    frame: pl.DataFrame  # one column per source column (unique names) + __source_row
    headers: list[str]  # the header text as written, aligned with the frame's source columns
    format: str  # csv | xlsx | parquet
    encoding: str | None = None
    separator: str | None = None
    skipped_lines: int = 0  # junk lines above the header
    file_hash: str = ""

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != SOURCE_ROW]


def unique_names(headers: Iterable[str]) -> list[str]:
    """Frame column names for headers that may be blank or repeated."""
    seen: Counter[str] = Counter()
    names = []
    for i, header in enumerate(headers):
        base = str(header).strip() or f"列{i + 1}"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return names


# ---------------------------------------------------------------- format and encoding

def sniff_format(head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadRejected(f"文件 {name} 是旧版 Excel（.xls）或其他 Office 二进制格式：请另存为 .xlsx 或 CSV 后再导入")
    return "csv"


def _is_utf8(data: bytes) -> bool:
    """Validate without decoding into Python objects: Arrow checks the bytes in place (~0.3 s per 250 MB)."""
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _looks_chinese(text: str) -> bool:
    """Most non-ASCII characters of GB18030-decoded text are CJK when the guess is right."""
    sample = [c for c in text[:200_000] if ord(c) > 127]
    if not sample:
        return True
    cjk = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return cjk / len(sample) >= 0.9


def decode_to_utf8(data: bytes, name: str) -> tuple[bytes, str]:
    """UTF-8 bytes of a text file and the encoding it was written in."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16").encode("utf-8"), "utf-16"
    if b"\x00" in data[:65536]:
        raise LoadRejected(f"文件 {name} 不是文本表格（含二进制内容）：请导入 CSV、XLSX 或 Parquet 文件")
    if _is_utf8(data):
        return data, "utf-8"
    try:
        text = data.decode("gb18030")
        if _looks_chinese(text):
            return text.encode("utf-8"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is not None:
        try:
            return data.decode(best.encoding).encode("utf-8"), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise LoadRejected(f"文件 {name} 的编码无法识别：请另存为 UTF-8 或 GB18030 编码的 CSV")


# ---------------------------------------------------------------- header line

def _score(cells: Iterable[object], known_keys: set[str]) -> int:
    return sum(1 for cell in cells if any(k in known_keys for k in header_keys(cell)))


def choose_header_row(rows: list[list[str]], known_keys: set[str]) -> int:
    """Index of the header among the first rows: the row naming most known columns, else the first full-width row."""
    scores = [_score(row, known_keys) for row in rows]
    if scores and max(scores) > 0:
        return scores.index(max(scores))
    widths = [sum(1 for c in row if str(c or "").strip()) for row in rows]
    if not widths or max(widths) == 0:
        return 0
    modal = Counter(w for w in widths if w > 0).most_common(1)[0][0]
    target = max(modal, 1)
    return next(i for i, w in enumerate(widths) if w >= target)


def locate_csv_header(data: bytes, known_keys: set[str]) -> tuple[str, int, int, list[str]]:
    """(separator, header line index, byte offset of the header line, header cells)."""
    head = data[: 1 << 18]
    lines = head.split(b"\n")
    if len(lines) > 1 and len(head) < len(data):
        lines = lines[:-1]  # the last one may be cut in the middle
    lines = lines[:HEADER_SEARCH_LINES]
    texts = [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]
    best: tuple[int, int, str, int, list[str]] | None = None
    for separator in _SEPARATORS:
        rows = [next(csv.reader([t], delimiter=separator), []) for t in texts]
        index = choose_header_row(rows, known_keys)
        score = _score(rows[index], known_keys) if rows else 0
        width = len(rows[index]) if rows else 0
        candidate = (score, width, separator, index, rows[index] if rows else [])
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    assert best is not None
    _, _, separator, index, cells = best
    offset = sum(len(line) + 1 for line in lines[:index])
    return separator, index, offset, cells


# ---------------------------------------------------------------- readers

def _with_source_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Number the data rows, then drop rows with no value at all (blank lines, trailing empty rows)."""
    frame = frame.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    values = [c for c in frame.columns if c != SOURCE_ROW]
    if not values:
        return frame
    def is_blank(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String).str.strip_chars().fill_null("") == ""

    # Only rows whose first cell is blank can be blank rows: check the others on those alone.
    candidates = frame.filter(is_blank(values[0]))
    if candidates.height == 0:
        return frame
    blank_rows = candidates.filter(pl.all_horizontal([is_blank(c) for c in values]))[SOURCE_ROW]
    return frame.filter(~pl.col(SOURCE_ROW).is_in(blank_rows.implode())) if blank_rows.len() else frame


def read_csv_bytes(data: bytes, name: str, known_keys: set[str]) -> RawTable:
    utf8, encoding = decode_to_utf8(data, name)
    if not utf8.strip():
        raise LoadRejected(f"文件 {name} 是空文件")
    separator, index, offset, cells = locate_csv_header(utf8, known_keys)
    names = unique_names(cells)
    invalid: list[str] = []

    def record_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row.text or "")
        return "error"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(utf8)[offset:]),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                # Without any quote no field can hold a line break, and Arrow then reads in parallel.
                delimiter=separator, newlines_in_values=b'"' in utf8, invalid_row_handler=record_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        if invalid:
            text = invalid[0][:80]
            raise LoadRejected(
                f"文件 {name} 不是规整的表格：有一行的字段数与表头的 {len(names)} 列不一致（分隔符：{_SEPARATOR_NAMES[separator]}）。"
                f"该行内容：「{text}」"
            ) from error
        raise LoadRejected(f"文件 {name} 无法按 CSV 读取：{error}") from error
    frame = _with_source_rows(pl.from_arrow(table))  # type: ignore[arg-type]
    return RawTable(frame, [str(c) for c in cells], "csv", encoding, separator, index)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, name: str, known_keys: set[str], sheet: str | None = None) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise LoadRejected(f"文件 {name} 无法按 Excel（.xlsx）读取：{type(error).__name__}") from error
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise LoadRejected(f"文件 {name} 没有名为「{sheet}」的工作表；现有：{', '.join(book.sheetnames)}")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not any(any(c.strip() for c in row) for row in rows):
        raise LoadRejected(f"文件 {name} 的工作表是空的")
    index = choose_header_row(rows[:HEADER_SEARCH_LINES], known_keys)
    header, body = rows[index], rows[index + 1 :]
    width = max(len(header), *(len(r) for r in body)) if body else len(header)
    header = header + [""] * (width - len(header))
    names = unique_names(header)
    columns = {n: [r[i] if i < len(r) else "" for r in body] for i, n in enumerate(names)}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    return RawTable(_with_source_rows(frame), header, "xlsx", None, None, index)


def read_parquet(path: Path, name: str) -> RawTable:
    try:
        frame = pl.read_parquet(path)
    except Exception as error:  # polars raises several types for a damaged file
        raise LoadRejected(f"文件 {name} 无法按 Parquet 读取：{type(error).__name__}") from error
    headers = list(frame.columns)
    frame = frame.rename(dict(zip(headers, unique_names(headers), strict=True)))
    return RawTable(_with_source_rows(frame), headers, "parquet")


def read_table(path: Path | str, known_keys: set[str], sheet: str | None = None, name: str | None = None) -> RawTable:
    """Read any supported file; file-level problems raise LoadRejected with a message naming the file."""
    path = Path(path)
    name = name or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise LoadRejected(f"找不到文件 {name}") from error
    except OSError as error:
        raise LoadRejected(f"无法读取文件 {name}：{error.strerror}") from error
    if not data.strip():
        raise LoadRejected(f"文件 {name} 是空文件")
    kind = sniff_format(data[:8], name)
    if kind == "xlsx":
        table = read_xlsx(path, name, known_keys, sheet)
    elif kind == "parquet":
        table = read_parquet(path, name)
    else:
        table = read_csv_bytes(data, name, known_keys)
    table.file_hash = hashlib.sha256(data).hexdigest()
    if table.frame.height == 0:
        raise LoadRejected(f"文件 {name} 只有表头，没有数据行")
    return table
