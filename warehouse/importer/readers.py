"""Read an export file into a frame of strings, whatever its format, encoding or preamble.

- CSV: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK (transcoded here: DuckDB cannot
  read GB18030 offline) or another encoding charset-normalizer recognises; comma or tab separated;
  junk lines above the header (report titles, export dates) are skipped; quoted multi-line fields work.
- XLSX: the sheet whose header the profile recognises best (a cover or 填表说明 sheet is passed over)
  unless one is named; same header search; merged header cells read as their value.
- Parquet: typed columns are kept (the value parsers accept typed columns).
Every frame gets `__source_row`: the 1-based data record number in the file (header excluded).
Footer lines (合计, 制表人 …) are counted and dropped; records with the wrong field count are set aside
as `malformed` (records.py) unless there are so many that the file is not a usable table.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from warehouse.importer.errors import LoadRejected
from warehouse.importer.headers import header_keys
from warehouse.importer.records import (
    MAX_MALFORMED_SHARE,
    RAW_TEXT_LIMIT,
    Malformed,
    count_footer_rows,
    fit_to_width,
    has_open_quote,
    is_blank,
    malformed_share,
    split_line,
    split_records,
)

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
    footer_lines: int = 0  # 合计 / 制表人 / blank lines below the data (not read, not quarantined)
    malformed: list[Malformed] = field(default_factory=list)  # records with the wrong field count
    sheet: str | None = None  # the worksheet read (xlsx)
    sheets: list[str] = field(default_factory=list)  # every worksheet of the workbook (xlsx)

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

FOOTER_TAIL_ROWS = 50  # footers are looked for among the last rows only


def _number_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))


def _drop_footer(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The frame without the 合计 / 制表人 / blank rows below its data, and how many there were."""
    values = [c for c in frame.columns if c != SOURCE_ROW]
    count = count_footer_rows(frame.select(values).tail(FOOTER_TAIL_ROWS).rows())
    return (frame.head(frame.height - count), count) if count else (frame, 0)


def _drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop rows with no value at all (blank lines between the data rows); their numbers stay unused."""
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


def _with_source_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Number the data rows, then drop rows with no value at all (blank lines, trailing empty rows)."""
    return _drop_blank_rows(_number_rows(frame))


def _strict_csv(utf8: bytes, offset: int, names: list[str], separator: str) -> pl.DataFrame:
    """The fast read: Arrow's parser, which fails on any record whose field count is wrong."""
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(utf8)[offset:]),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(
            # Without any quote no field can hold a line break, and Arrow then reads in parallel.
            delimiter=separator,
            newlines_in_values=b'"' in utf8,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    return pl.from_arrow(table)  # type: ignore[return-value]


def _malformed_message(name: str, malformed: list[Malformed], total: int, width: int, separator: str) -> str:
    first = malformed[0]
    return (
        f"文件 {name} 不是规整的表格：{total} 条记录中有 {len(malformed)} 条（{len(malformed) / total:.1%}）"
        f"的字段数与表头的 {width} 列不一致（分隔符：{_SEPARATOR_NAMES[separator]}），超过 {MAX_MALFORMED_SHARE:.0%} "
        f"的上限，整个文件未导入。第一处：文件第{first.line}行（数据第{first.source_row}行，{first.fields} 个字段）"
        f"「{first.text[:80]}」"
    )


def _tolerant_csv(
    utf8: bytes, offset: int, index: int, names: list[str], separator: str, name: str
) -> tuple[pl.DataFrame, list[Malformed], int]:
    """The slow read after the strict one failed: good records, malformed ones, footer line count."""
    text = utf8[offset:].decode("utf-8", errors="replace")
    body = text.split("\n", 1)[1] if "\n" in text else ""
    split = split_records(body, separator, len(names), index + 1)
    total = len(split.rows) + len(split.malformed)
    if split.malformed and malformed_share(split) > MAX_MALFORMED_SHARE:
        raise LoadRejected(_malformed_message(name, split.malformed, total, len(names), separator))
    columns = list(zip(*split.rows, strict=True)) if split.rows else [() for _ in names]
    frame = pl.DataFrame(dict(zip(names, columns, strict=True)), schema={n: pl.String for n in names})
    frame = frame.with_columns(pl.Series(SOURCE_ROW, split.source_rows, dtype=pl.Int64))
    return frame.select(SOURCE_ROW, *names), split.malformed, split.footer_lines


def _number_records(lines: list[str], invalid: set[str]) -> tuple[list[int], list[tuple[int, int]]]:
    """Data record numbers of the good lines, and (number, line index) of the invalid ones (quote-free text)."""
    good: list[int] = []
    bad: list[tuple[int, int]] = []
    number = 0
    for index, line in enumerate(lines):
        text = line.rstrip("\r")
        if not text:
            continue  # an empty line is not a record
        number += 1
        if text in invalid:
            bad.append((number, index))
        else:
            good.append(number)
    return good, bad


def _skipping_csv(
    utf8: bytes, offset: int, index: int, names: list[str], separator: str, name: str
) -> tuple[pl.DataFrame, list[Malformed], int] | None:
    """Arrow's parser skipping the records with a wrong field count: a file without quotes has one record
    per line, so the skipped lines can be numbered by a scan of the lines. None when that does not hold."""
    if b'"' in utf8[offset:]:
        return None
    invalid: set[str] = set()

    def skip(row: pacsv.InvalidRow) -> str:
        invalid.add((row.text or "").rstrip("\r"))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(utf8)[offset:]),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=separator, invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    text = utf8[offset:].decode("utf-8", errors="replace")
    lines = text.split("\n")[1:]
    good, bad = _number_records(lines, invalid)
    if len(good) != table.num_rows:
        return None  # the line scan and Arrow disagree: let the csv module decide record by record
    frame = pl.from_arrow(table).with_columns(pl.Series(SOURCE_ROW, good, dtype=pl.Int64))  # type: ignore[union-attr]
    frame = frame.select(SOURCE_ROW, *names)
    frame, footer, bad = _drop_mixed_footer(frame, bad, lines, separator)
    malformed = []
    for number, line_index in bad:
        cells = split_line(lines[line_index].rstrip("\r"), separator)
        if fit_to_width(cells, len(names)) is not None:
            return None  # only extra empty fields: not damage, and the csv module pass keeps such rows
        if not is_blank(cells):  # a short blank row is a blank row, not damage
            malformed.append(
                Malformed(number, index + 2 + line_index, len(cells), lines[line_index].rstrip("\r")[:RAW_TEXT_LIMIT])
            )
    total = frame.height + len(malformed)
    if malformed and len(malformed) / total > MAX_MALFORMED_SHARE:
        raise LoadRejected(_malformed_message(name, malformed, total, len(names), separator))
    return frame, malformed, footer


def _drop_mixed_footer(
    frame: pl.DataFrame, bad: list[tuple[int, int]], lines: list[str], separator: str
) -> tuple[pl.DataFrame, int, list[tuple[int, int]]]:
    """Footer lines below the data, whether they kept the header's width (in `frame`) or not (in `bad`)."""
    values = [c for c in frame.columns if c != SOURCE_ROW]
    tail = frame.tail(FOOTER_TAIL_ROWS)
    records = [(n, list(row)) for n, *row in tail.select(SOURCE_ROW, *values).iter_rows()]
    records += [
        (n, split_line(lines[i].rstrip("\r"), separator)) for n, i in bad if not tail.height or n > tail[SOURCE_ROW][0]
    ]
    records.sort(key=lambda record: record[0])
    footer = count_footer_rows([cells for _, cells in records])
    if not footer:
        return frame, 0, bad
    first = records[len(records) - footer][0]
    return frame.filter(pl.col(SOURCE_ROW) < first), footer, [(n, i) for n, i in bad if n < first]


def read_csv_bytes(data: bytes, name: str, known_keys: set[str]) -> RawTable:
    utf8, encoding = decode_to_utf8(data, name)
    if not utf8.strip():
        raise LoadRejected(f"文件 {name} 是空文件")
    separator, index, offset, cells = locate_csv_header(utf8, known_keys)
    names = unique_names(cells)
    malformed: list[Malformed] = []
    try:
        if has_open_quote(utf8[offset:]):
            raise pa.ArrowInvalid("unterminated quote")
        frame, footer = _drop_footer(_number_rows(_strict_csv(utf8, offset, names, separator)))
    except (pa.ArrowInvalid, pa.ArrowException):
        skipped = _skipping_csv(utf8, offset, index, names, separator, name)
        if skipped is None:
            skipped = _tolerant_csv(utf8, offset, index, names, separator, name)
        frame, malformed, footer = skipped
    table = RawTable(_drop_blank_rows(frame), [str(c) for c in cells], "csv", encoding, separator, index)
    table.malformed, table.footer_lines = malformed, footer
    return table


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


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')


def _merged_ranges(worksheet: object) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of the merged cells: read-only sheets do not expose them."""
    from openpyxl.utils.cell import range_boundaries

    try:
        with worksheet._get_source() as source:  # type: ignore[attr-defined]
            xml = source.read()
    except (AttributeError, KeyError, OSError):
        return []
    return [range_boundaries(f"{a.decode()}:{b.decode()}") for a, b in _MERGE.findall(xml)]  # type: ignore[misc]


def _fill_merged(rows: list[list[str]], merged: list[tuple[int, int, int, int]], limit: int) -> None:
    """A merged header cell's value in every cell it covers (among the first `limit` rows)."""
    for min_col, min_row, max_col, max_row in merged:
        if min_row > limit or min_row > len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else ""
        for r in range(min_row - 1, min(max_row, len(rows), limit)):
            row = rows[r]
            row.extend([""] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = row[c] or value


def _sheet_rows(worksheet: object, limit: int | None = None) -> list[list[str]]:
    rows = []
    for row in worksheet.iter_rows(values_only=True, max_row=limit):  # type: ignore[attr-defined]
        rows.append([_cell_text(v) for v in row])
    return rows


def _header_score(rows: list[list[str]], known_keys: set[str]) -> int:
    head = rows[:HEADER_SEARCH_LINES]
    return max((_score(row, known_keys) for row in head), default=0)


def _choose_sheet(book: object, name: str, known_keys: set[str], sheet: str | None) -> object:
    """The named sheet, else the one whose header names most known columns (the first on a tie)."""
    names = book.sheetnames  # type: ignore[attr-defined]
    if sheet is not None:
        if sheet not in names:
            raise LoadRejected(f"文件 {name} 没有名为「{sheet}」的工作表；现有：{'、'.join(names)}")
        return book[sheet]  # type: ignore[index]
    sheets = book.worksheets  # type: ignore[attr-defined]
    if len(sheets) == 1:
        return sheets[0]
    scores = [_header_score(_sheet_rows(ws, HEADER_SEARCH_LINES), known_keys) for ws in sheets]
    return sheets[scores.index(max(scores))]


def _trim_trailing_empty(rows: list[list[str]]) -> list[list[str]]:
    """Drop the empty rows a worksheet's dimension may still include after its last written row."""
    end = len(rows)
    while end and not any(c for c in rows[end - 1]):
        end -= 1
    return rows[:end]


def read_xlsx(path: Path, name: str, known_keys: set[str], sheet: str | None = None) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise LoadRejected(f"文件 {name} 无法按 Excel（.xlsx）读取：{type(error).__name__}") from error
    try:
        worksheet = _choose_sheet(book, name, known_keys, sheet)
        rows = _trim_trailing_empty(_sheet_rows(worksheet))
        _fill_merged(rows, _merged_ranges(worksheet), HEADER_SEARCH_LINES)
        chosen, sheet_names = worksheet.title, list(book.sheetnames)  # type: ignore[attr-defined]
    finally:
        book.close()
    if not any(any(c.strip() for c in row) for row in rows):
        raise LoadRejected(f"文件 {name} 的工作表「{chosen}」是空的")
    index = choose_header_row(rows[:HEADER_SEARCH_LINES], known_keys)
    header, body = rows[index], rows[index + 1 :]
    footer = count_footer_rows(body[-FOOTER_TAIL_ROWS:])
    body = body[: len(body) - footer]
    width = max(len(header), *(len(r) for r in body)) if body else len(header)
    header = header + [""] * (width - len(header))
    names = unique_names(header)
    columns = {n: [r[i] if i < len(r) else "" for r in body] for i, n in enumerate(names)}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    table = RawTable(_with_source_rows(frame), header, "xlsx", None, None, index)
    table.footer_lines, table.sheet, table.sheets = footer, chosen, sheet_names
    return table


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
