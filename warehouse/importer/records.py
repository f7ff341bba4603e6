"""Record-level damage and report furniture: split a table's records into data, malformed records and footers.

Real exports are cut off mid-record (interrupted downloads), carry an unquoted separator in a free-text
field, or end with 合计 / 制表人 lines. None of that may cost the good rows: the strict (fast) CSV read
is tried first; when it fails, this tolerant pass reads the text with Python's csv module one record
at a time, keeps every record whose field count matches the header, and sets the others aside with
their line number and raw text (rule `malformed_record`). Footer lines are recognised from the bottom.
(A file without any quote is re-read by Arrow instead, skipping bad lines: readers._skipping_csv.)
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

# A file with more malformed records than this share is not a usable table: it is rejected whole.
MAX_MALFORMED_SHARE = 0.05
RAW_TEXT_LIMIT = 2000  # characters of a malformed record kept in quarantine
# First words of the lines that close a hand-made report (totals, sign-off); compared without spaces.
FOOTER_WORDS = (
    "合计",
    "总计",
    "小计",
    "累计",
    "制表",
    "审核",
    "复核",
    "填表人",
    "填报人",
    "填报日期",
    "负责人",
    "打印日期",
    "打印时间",
)
_SPACES = re.compile(r"\s+")
# A free-text narrative may exceed csv's default 128 KiB field limit; Arrow's strict reader has none.
csv.field_size_limit(min(sys.maxsize, (1 << 31) - 1))


@dataclass(frozen=True)
class Malformed:
    """A record whose field count differs from the header's (or whose quote never closes)."""

    source_row: int  # 1-based data record number, as good rows count it
    line: int  # 1-based physical line of the file where the record starts
    fields: int
    text: str
    open_quote: bool = False  # a quoted field that never closes (cut off, or a stray quote)


@dataclass
class SplitRecords:
    rows: list[list[str]] = field(default_factory=list)  # well-formed records, padded to the header width
    source_rows: list[int] = field(default_factory=list)  # their data record numbers
    malformed: list[Malformed] = field(default_factory=list)
    footer_lines: int = 0


def is_blank(cells: Sequence[object]) -> bool:
    return all(not str(c or "").strip() for c in cells)


def is_footer(cells: Sequence[object]) -> bool:
    """A 合计/小计 row or a 制表人/审核人/制表日期 line: its first filled cell starts with a footer word."""
    first = next((str(c) for c in cells if str(c or "").strip()), "")
    text = _SPACES.sub("", first)
    return text.startswith(FOOTER_WORDS)


def count_footer_rows(rows: Sequence[Sequence[object]]) -> int:
    """How many rows at the end are footers: footer lines and blank rows below the last data row."""
    count = 0
    for cells in reversed(rows):
        if is_blank(cells) or is_footer(cells):
            count += 1
            continue
        break
    return count


def split_line(line: str, separator: str) -> list[str]:
    """The cells of one physical line (a damaged line that csv cannot read is one cell)."""
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return [line]


def _swallowed(lines: list[str], start: int, end: int, cells: list[str], separator: str, width: int) -> bool:
    """Whether a multi-line record that does not fit (or never closes its quote) swallowed complete records."""
    if fit_to_width(cells, width) is not None and not _open_quote(lines[start:end]):
        return False  # a well-formed quoted multi-line field
    return any(len(split_line(lines[i].rstrip("\r"), separator)) == width for i in range(start + 1, end))


def fit_to_width(cells: list[str], width: int) -> list[str] | None:
    """The record padded/trimmed to the header width, or None when its field count is wrong.

    Extra trailing empty fields (a separator at the end of each line) are not damage.
    """
    if len(cells) == width:
        return cells
    if len(cells) > width and is_blank(cells[width:]):
        return cells[:width]
    return None


def _records(lines: list[str], separator: str, width: int) -> Iterator[tuple[int, int, list[str], bool]]:
    """(first line index, line index after the record, cells, damaged) for every non-empty record.

    csv.reader runs over the lines in C; `line_num` tells where each record ends. A damaged
    stretch (an unterminated quote, a NUL byte) restarts the reader on the next line.
    """
    feed = [line + "\n" for line in lines]
    position = 0
    while position < len(lines):
        reader = csv.reader(itertools.islice(feed, position, None), delimiter=separator)
        consumed, restart = 0, None
        try:
            for cells in reader:
                start, consumed = position + consumed, reader.line_num
                end = position + consumed
                if not cells:
                    continue  # an empty line is not a record (the strict reader skips it too)
                if end - start > 1 and _swallowed(lines, start, end, cells, separator, width):
                    # An unterminated quote ate the following records: only its first line is damaged.
                    yield start, start + 1, split_line(lines[start].rstrip("\r"), separator), True
                    restart = start + 1
                    break
                yield start, end, cells, False
        except csv.Error:  # e.g. a NUL byte: that line is damaged, the next one starts afresh
            start = position + consumed
            yield start, start + 1, split_line(lines[start].rstrip("\r"), separator), True
            restart = start + 1
        if restart is None:
            break
        position = restart


def split_records(text: str, separator: str, width: int, header_line: int) -> SplitRecords:
    """Read the records of `text`: the data below the header, which is physical line `header_line` (1-based)."""
    lines = text.split("\n")
    parsed = list(_records(lines, separator, width))
    footer = count_footer_rows([cells for _, _, cells, _ in parsed])
    result = SplitRecords(footer_lines=footer)
    kept = parsed[: len(parsed) - footer]
    for number, (start, end, cells, damaged) in enumerate(kept, start=1):
        fitted = None if damaged else fit_to_width(cells, width)
        if number == len(kept) and end == len(lines) and _open_quote(lines[start:end]):
            fitted = None  # the file ends inside a quoted field: the last record was cut off
        if fitted is None and is_blank(cells):
            fitted = [""] * width  # a short blank row is a blank row, not damage
        if fitted is None:
            raw = "\n".join(line.rstrip("\r") for line in lines[start:end])
            record = Malformed(number, header_line + 1 + start, len(cells), raw[:RAW_TEXT_LIMIT], _open_quote([raw]))
            result.malformed.append(record)
            continue
        result.rows.append(fitted)
        result.source_rows.append(number)
    return result


def _open_quote(lines: list[str]) -> bool:
    """Quotes come in pairs in well-formed CSV (an escaped quote is doubled): an odd count never closed."""
    return sum(line.count('"') for line in lines) % 2 == 1


def has_open_quote(data: bytes) -> bool:
    """Whether a file's text ends inside a quoted field (the strict reader would accept the cut record)."""
    return data.count(b'"') % 2 == 1


def malformed_share(split: SplitRecords) -> float:
    total = len(split.rows) + len(split.malformed)
    return len(split.malformed) / total if total else 0.0
