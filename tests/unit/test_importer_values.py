"""Value and header normalisation: every spelling in the contract means the same thing."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from warehouse.importer import values
from warehouse.importer.contract import CASE_FIELDS
from warehouse.importer.headers import header_key, match_header
from warehouse.importer.profiles import load_profile
from warehouse.importer.regions_us import US_REGIONS
from warehouse.settings import setting


@pytest.mark.parametrize(
    "written",
    [
        "2024-07-14",
        "2024/7/14",
        "2024/07/14",
        "2024年7月14日",
        "2024.7.14",
        "20240714",
        "14-07-2024",
        "２０２４－０７－１４",
        " 2024-07-14 ",
        "45487",
    ],
)
def test_every_contract_date_format_means_the_same_day(written: str) -> None:
    # Excel counts days from 1899-12-30: 45487 days later is 2024-07-14.
    assert (date(2024, 7, 14) - date(1899, 12, 30)).days == 45487
    parsed = values.parse_datetime(pl.Series([written]))
    assert parsed.to_list() == [datetime(2024, 7, 14)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-07-14 09:05", datetime(2024, 7, 14, 9, 5)),
        ("2024-07-14 09:05:33", datetime(2024, 7, 14, 9, 5, 33)),
        ("2024/7/14 9:05:33", datetime(2024, 7, 14, 9, 5, 33)),
        ("2024年7月14日 09:05", datetime(2024, 7, 14, 9, 5)),
        ("2024-07-14T09:05:33.250", datetime(2024, 7, 14, 9, 5, 33)),
        ("45487.5", datetime(2024, 7, 14, 12, 0)),
    ],
)
def test_optional_times_are_kept(written: str, expected: datetime) -> None:
    assert values.parse_datetime(pl.Series([written])).to_list() == [expected]


def test_day_month_order_is_detected_per_column_and_defaults_to_the_profile() -> None:
    # A day above 12 anywhere in the column settles the order for the whole column.
    assert values.parse_datetime(pl.Series(["03-04-2023", "27-04-2023"]), day_first=False).to_list() == [
        datetime(2023, 4, 3),
        datetime(2023, 4, 27),
    ]
    assert values.parse_datetime(pl.Series(["4/3/2023", "8/30/2013"]), day_first=True).to_list() == [
        datetime(2023, 4, 3),
        datetime(2013, 8, 30),
    ]
    # Nothing above 12: the profile decides (canonical: day first; cfpb: month first).
    assert values.parse_datetime(pl.Series(["03/04/2023"]), day_first=True).to_list() == [datetime(2023, 4, 3)]
    assert values.parse_datetime(pl.Series(["03/04/2023"]), day_first=False).to_list() == [datetime(2023, 3, 4)]


@pytest.mark.parametrize("written", ["2024-02-30", "2024-13-01", "2024-07-14 25:00", "abc", "2024", "14/07"])
def test_impossible_or_unreadable_dates_become_invalid(written: str) -> None:
    source = pl.Series([written])
    parsed = values.parse_datetime(source)
    assert parsed.to_list() == [None]
    assert values.invalid_mask(source, parsed).to_list() == [True]


def test_blank_dates_are_missing_not_invalid() -> None:
    source = pl.Series(["", "  ", None], dtype=pl.String)
    parsed = values.parse_datetime(source)
    assert parsed.to_list() == [None, None, None]
    assert values.invalid_mask(source, parsed).to_list() == [False, False, False]


def test_typed_dates_pass_through_and_aware_times_become_china_time() -> None:
    naive = pl.Series([datetime(2024, 7, 14, 9, 0)])
    assert values.parse_datetime(naive).to_list() == [datetime(2024, 7, 14, 9, 0)]
    utc = naive.dt.replace_time_zone("UTC")
    assert values.parse_datetime(utc).to_list() == [datetime(2024, 7, 14, 17, 0)]
    assert values.parse_datetime(pl.Series([date(2024, 7, 14)])).to_list() == [datetime(2024, 7, 14)]


@pytest.mark.parametrize("written", ["2024-07", "2024/7", "2024年7月", "202407", "2024-07-15", "2024/7/1"])
def test_months(written: str) -> None:
    assert values.parse_month(pl.Series([written])).to_list() == [date(2024, 7, 1)]


def test_booleans_in_every_contract_spelling() -> None:
    written = ["是", "否", "Y", "n", "yes", "NO", "True", "false", "1", "0", "是 ", "maybe", ""]
    parsed = values.parse_bool(pl.Series(written))
    assert parsed.to_list() == [True, False, True, False, True, False, True, False, True, False, True, None, None]
    assert values.invalid_mask(pl.Series(written), parsed).to_list() == [False] * 11 + [True, False]


def test_channel_aliases_come_from_settings_and_unknown_channels_are_kept() -> None:
    aliases: dict[str, str] = setting("channels", "aliases")
    known: list[str] = setting("channels", "known")
    alias, target = next(iter(aliases.items()))
    parsed = values.parse_channel(pl.Series([alias, known[0], "抖音私信", None]))
    assert parsed.to_list() == [target, known[0], "抖音私信", None]


def test_provinces_short_full_and_english_names_and_cities_without_suffix() -> None:
    provinces = values.parse_province(pl.Series(["广东", "广东省", "Guangdong", "内蒙古", "火星", None]))
    assert provinces.to_list() == ["广东省", "广东省", "广东省", "内蒙古自治区", None, None]
    cities = values.parse_city(pl.Series(["广东省", "广东省", "北京市"]), pl.Series(["深圳", "深圳市", "北京"]))
    assert cities.to_list() == ["深圳市", "深圳市", "北京市"]


def test_us_state_scheme_accepts_codes_and_names() -> None:
    parsed = values.parse_province(pl.Series(["CA", "ny", "Texas", "PR", "XX", "广东"]), "us_states")
    assert parsed.to_list() == ["CA", "NY", "TX", "PR", None, None]
    assert all(len(code) == 2 for code in US_REGIONS)


def test_numbers_integers_and_statuses() -> None:
    assert values.parse_number(pl.Series(["1,234.50", "¥12", "3元", "-5", "x"])).to_list() == [
        1234.5,
        12.0,
        3.0,
        -5.0,
        None,
    ]
    assert values.parse_int(pl.Series(["15", "15.0", "15.5", "x"])).to_list() == [15, 15, None, None]
    assert values.parse_status(pl.Series(["已办结", "结案", "处理中", "In progress", "不知道"])).to_list() == [
        "已办结",
        "已办结",
        "办理中",
        "办理中",
        None,
    ]


def test_large_low_cardinality_columns_map_like_small_ones() -> None:
    # The distinct-value path must agree with value-by-value mapping.
    source = pl.Series(["是", "否", "x", None] * 2000)
    mapped = values.parse_bool(source)
    assert mapped.head(4).to_list() == [True, False, None, None]
    assert mapped.null_count() == 4000


@pytest.mark.parametrize(
    "spelling",
    [
        "Date received",
        "Date_received",
        "date_received",
        "DateReceived",
        "DATE RECEIVED",
        "date-received",
        "ｄａｔｅ ｒｅｃｅｉｖｅｄ",
    ],
)
def test_header_spellings_share_one_key(spelling: str) -> None:
    assert header_key(spelling) == header_key("Date received") == "datereceived"


def test_chinese_and_english_headers_match_their_field() -> None:
    profile = load_profile("canonical")
    index = {}
    for f in CASE_FIELDS:
        for spelling in profile.spellings(f):
            index.setdefault(header_key(spelling), f.name)
    for f in CASE_FIELDS:
        for written in (f.zh, f" {f.zh} ", f.name, f.name.upper(), "*" + f.zh, f"{f.zh}（必填）"):
            assert match_header(written, index) == f.name, written
    assert match_header("ReceivedAt", index) == "received_at"
    assert match_header("AmountDisputed", index) == "amount_disputed"
    assert match_header("争议金额(元)", index) == "amount_disputed"
