"""Header normalisation: many spellings of one column name map to the same key.

`Date received`, `Date_received`, `date_received`, `DateReceived`, ` 受理时间 `,
`受理 时间`, `＊受理时间` and `受理时间（必填）` are all the same column. The key is
NFKC-folded (full-width -> half-width), lower-cased, and keeps only letters and
digits, so spaces, underscores, hyphens, CamelCase and punctuation stop mattering.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_BRACKETED = re.compile(r"[(\[【{][^)\]】}]*[)\]】}]")


def header_key(text: object) -> str:
    """The comparison key of a header (empty for a blank header)."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").lower()
    return _NOT_ALNUM.sub("", folded)


def header_keys(text: object) -> tuple[str, ...]:
    """The key, then the key without a bracketed note such as `(元)` or `（必填）`."""
    primary = header_key(text)
    folded = unicodedata.normalize("NFKC", str(text or ""))
    without_note = header_key(_BRACKETED.sub("", folded))
    return (primary,) if without_note in ("", primary) else (primary, without_note)


def build_alias_index(spellings: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{target: [spelling, ...]} -> {key: target}. The first target to claim a key keeps it."""
    index: dict[str, str] = {}
    for target, names in spellings.items():
        for name in names:
            key = header_key(name)
            if key:
                index.setdefault(key, target)
    return index


def match_header(text: object, index: Mapping[str, str]) -> str | None:
    for key in header_keys(text):
        if key in index:
            return index[key]
    return None


def match_headers(headers: Iterable[str], index: Mapping[str, str]) -> dict[str, list[str]]:
    """{target: [source header, ...]} for every header that matches (several headers may claim one target)."""
    found: dict[str, list[str]] = {}
    for header in headers:
        target = match_header(header, index)
        if target is not None:
            found.setdefault(target, []).append(header)
    return found
