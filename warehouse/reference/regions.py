"""Canonical Chinese region names: 广东 / 广东省 / ＧＤ-style variants -> 广东省."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Province:
    name: str
    short: str
    name_en: str
    kind: str
    population_2020: int


@dataclass(frozen=True)
class City:
    province: str
    name: str
    short: str
    code: str
    population_2020: int | None


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "")


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    with open(REFERENCE_DIR / "provinces.csv", encoding="utf-8") as handle:
        return tuple(
            Province(
                r["province"], r["province_short"], r["province_en"], r["province_kind"], int(r["population_2020"])
            )
            for r in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    with open(REFERENCE_DIR / "cities.csv", encoding="utf-8") as handle:
        return tuple(
            City(
                r["province"],
                r["city"],
                r["city_short"],
                r["city_code"],
                int(r["population_2020"]) if r["population_2020"] else None,
            )
            for r in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def _province_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for p in provinces():
        for alias in (p.name, p.short, p.name_en, p.name_en.lower()):
            index[alias] = p.name
    # Common informal spellings seen in exports.
    index.update(
        {
            "内蒙": "内蒙古自治区",
            "广西省": "广西壮族自治区",
            "新疆省": "新疆维吾尔自治区",
            "西藏省": "西藏自治区",
            "宁夏省": "宁夏回族自治区",
            "香港": "香港特别行政区",
            "澳门": "澳门特别行政区",
            "中国香港": "香港特别行政区",
            "中国澳门": "澳门特别行政区",
        }
    )
    return index


def canonical_province(name: str | None) -> str | None:
    """Full official name for any common spelling, or None when it is not a Chinese province."""
    if name is None:
        return None
    cleaned = _clean(name)
    if not cleaned:
        return None
    return _province_index().get(cleaned) or _province_index().get(cleaned.lower())


@lru_cache(maxsize=1)
def _city_index() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for c in cities():
        index[(c.province, c.name)] = c.name
        index[(c.province, c.short)] = c.name
    return index


def canonical_city(province: str, name: str | None) -> str | None:
    """Full city name within a canonical province; an unknown city is kept as written."""
    if name is None:
        return None
    cleaned = _clean(name)
    if not cleaned:
        return None
    known = _city_index().get((province, cleaned))
    if known:
        return known
    # Municipalities: a district name or the municipality itself both mean the municipality's city row.
    if cleaned in (province, province.removesuffix("市")):
        return province
    return cleaned


def province_short(name: str) -> str:
    for p in provinces():
        if p.name == name:
            return p.short
    return name
