"""Record-level damage and report furniture: split a table's records into data, malformed records and footers.

Real exports are cut off mid-record (interrupted downloads), carry an unquoted separator in a free-text
field, or end with 合计 / 制表人 lines. None of that may cost the good rows: the strict (fast) CSV read
is tried first; when it fails, this tolerant pass reads the text with Python's csv module one record
at a time, keeps every record whose field count matches the header, and sets the others aside with
their line number and raw text (rule `malformed_record`). Footer lines are recognised from the bottom.
"""

from __future__ import annotations

import csv
import re
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


class _Lines:
    """The lines of a text as an iterator for csv.reader that knows how far it has read."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.position = start

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        line = self.lines[self.position]
        self.position += 1
        return line + "\n"


def _parse_one(line: str, separator: str) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def _swallowed_records(lines: list[str], start: int, end: int, separator: str, width: int) -> bool:
    """Whether a multi-line malformed record swallowed complete records (an unterminated quote)."""
    return any(len(_parse_one(lines[i].rstrip("\r"), separator)) == width for i in range(start + 1, end))


def _fits(cells: list[str], width: int) -> list[str] | None:
    """The record padded/trimmed to the header width, or None when its field count is wrong.

    Extra trailing empty fields (a separator at the end of each line) are not damage.
    """
    if len(cells) == width:
        return cells
    if len(cells) > width and is_blank(cells[width:]):
        return cells[:width]
    return None


def _records(lines: list[str], separator: str, width: int) -> Iterator[tuple[int, int, list[str], bool]]:
    """(first line index, line index after the record, cells, damaged) for every non-empty record."""
    position = 0
    while position < len(lines):
        feed = _Lines(lines, position)
        reader = csv.reader(feed, delimiter=separator)
        restart = False
        while True:
            while feed.position < len(lines) and not lines[feed.position].strip("\r"):
                feed.position += 1  # empty lines are not records (the strict reader skips them too)
            start = feed.position
            try:
                cells = next(reader)
            except StopIteration:
                position = len(lines)
                break
            except csv.Error:  # e.g. a NUL byte inside a record
                cells = []
            end = feed.position
            suspicious = _fits(cells, width) is None or _open_quote(lines[start:end])
            if end - start > 1 and suspicious and _swallowed_records(lines, start, end, separator, width):
                # An unterminated quote ate the following records: only its first line is damaged.
                yield start, start + 1, _parse_one(lines[start].rstrip("\r"), separator) or [""], True
                position, restart = start + 1, True
                break
            yield start, end, cells, False
        if not restart:
            break


def split_records(text: str, separator: str, width: int, header_line: int) -> SplitRecords:
    """Read the records of `text`: the data below the header, which is physical line `header_line` (1-based)."""
    lines = text.split("\n")
    parsed = list(_records(lines, separator, width))
    footer = count_footer_rows([cells for _, _, cells, _ in parsed])
    result = SplitRecords(footer_lines=footer)
    kept = parsed[: len(parsed) - footer]
    for number, (start, end, cells, damaged) in enumerate(kept, start=1):
        fitted = None if damaged else _fits(cells, width)
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
