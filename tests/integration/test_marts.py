"""Star schema rebuilt from hand-built raw rows in real DuckDB files (see docs/design.md "Star schema")."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.marts_support import at, build_warehouse, by_case, insert_cases, query
from warehouse import store
from warehouse.marts import build_region_group_members, rebuild_marts
from warehouse.settings import PROJECT_ROOT, setting

D = date(2024, 3, 1)


def design_columns(after: str) -> list[str]:
    """The column list docs/design.md gives after `after` (the contract the KPI engine codes against)."""
    text = (PROJECT_ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = text[text.index(after) + len(after) :]
    block = re.sub(r"\([^)]*\)", "", block[: block.index("`")])
    return [name.strip() for name in block.split(",")]


def test_fct_complaint_and_view_have_the_design_columns() -> None:
    build_warehouse([{"case_id": "A", "received_at": at(D)}])
    fct_columns = list(query("SELECT * FROM fct_complaint")[0])
    expected = design_columns("Columns: `")
    assert [c for c in fct_columns if c in expected] == expected
    view_columns = set(query("SELECT * FROM v_complaint")[0])
    assert set(design_columns("joined to its dimensions with names: `")) <= view_columns
    assert {"is_open", "has_complainant"} <= view_columns


def test_empty_warehouse_rebuilds_to_empty_marts() -> None:
    build_warehouse()
    for table in ("fct_complaint", "fct_customer_base", "fct_case_stage", "dim_date", "v_complaint"):
        assert query(f"SELECT count(*) AS n FROM {table}")[0]["n"] == 0
    provinces = query("SELECT count(*) AS n FROM dim_region WHERE is_province_level AND region_kind = 'china'")
    assert provinces[0]["n"] == len({r["province"] for r in query("SELECT province FROM ref_province")})


def test_latest_version_of_each_case_wins() -> None:
    build_warehouse(
        [
            {"batch_id": 1, "source_row": 100, "case_id": "A", "received_at": at(D), "product": "旧产品"},
            {"batch_id": 1, "source_row": 101, "case_id": "B", "received_at": at(D)},
            {
                "batch_id": 2,
                "source_row": 1,
                "case_id": "A",
                "received_at": at(D),
                "product": "新产品",
                "closed_at": at(D, 17),
            },
            # One file listing a case twice: its later row wins.
            {"batch_id": 2, "source_row": 7, "case_id": "C", "received_at": at(D), "issue": "第一次"},
            {"batch_id": 2, "source_row": 9, "case_id": "C", "received_at": at(D), "issue": "第二次"},
            # Same case id in another source system is another case.
            {"batch_id": 2, "source_row": 10, "source_system": "cfpb", "case_id": "A", "received_at": at(D)},
        ]
    )
    rows = query("SELECT source_system, case_id, product, issue, batch_id, is_closed FROM v_complaint")
    keyed = {(r["source_system"], r["case_id"]): r for r in rows}
    assert len(rows) == len(keyed) == 4
    assert keyed[("default", "A")]["product"] == "新产品"
    assert keyed[("default", "A")]["batch_id"] == 2
    assert keyed[("default", "A")]["is_closed"] is True
    assert keyed[("default", "C")]["issue"] == "第二次"
    assert keyed[("cfpb", "A")]["product"] == "信用卡分期"
    assert sorted(r["case_key"] for r in query("SELECT case_key FROM fct_complaint")) == [1, 2, 3, 4]


def test_province_short_and_full_names_converge() -> None:
    spellings = [("广东", "深圳"), ("广东省", "深圳市"), (" 广东 ", "深圳"), ("Guangdong", "深圳市")]
    month = date(2024, 3, 1)
    build_warehouse(
        [{"case_id": f"G{i}", "received_at": at(D), "province": p, "city": c} for i, (p, c) in enumerate(spellings)]
        + [
            {"case_id": "US1", "received_at": at(D), "province": "CA", "city": None},
            {"case_id": "US2", "received_at": at(D), "province": " california", "city": None},
        ],
        customers=[
            {"batch_id": 1, "province": "广东", "city": None, "month": month, "personal_customers": 100},
            {"batch_id": 2, "province": "广东省", "city": None, "month": month, "personal_customers": 250},
        ],
    )
    cases = by_case()
    guangdong = [cases[f"G{i}"] for i in range(len(spellings))]
    assert {(c["region_key"], c["province"], c["province_short"], c["city"]) for c in guangdong} == {
        (guangdong[0]["region_key"], "广东省", "广东", "深圳市")
    }
    assert query("SELECT count(*) AS n FROM dim_region WHERE province IN ('广东', 'Guangdong')")[0]["n"] == 0
    assert cases["US1"]["region_key"] == cases["US2"]["region_key"]
    assert (cases["US1"]["region_kind"], cases["US1"]["province"], cases["US1"]["province_en"]) == (
        "us_state",
        "CA",
        "California",
    )
    base = query("SELECT * FROM v_customer_base")
    assert [(b["province"], b["city"], b["personal_customers"], b["is_province_level"]) for b in base] == [
        ("广东省", None, 250, True)
    ]


def test_repeat_window_boundary_both_sides_and_same_day_ties() -> None:
    window = int(setting("repeat", "window_days"))
    build_warehouse(
        [
            {"case_id": "in-1", "complainant_key": "k1", "received_at": at(D)},
            {"case_id": "in-2", "complainant_key": "k1", "received_at": at(D + timedelta(days=window), 8)},
            {"case_id": "out-1", "complainant_key": "k2", "received_at": at(D)},
            {"case_id": "out-2", "complainant_key": "k2", "received_at": at(D + timedelta(days=window + 1), 8)},
            {"case_id": "day-1", "complainant_key": "k3", "received_at": at(D, 15)},
            {"case_id": "day-0", "complainant_key": "k3", "received_at": at(D, 9)},
            {"case_id": "tie-2", "complainant_key": "k4", "received_at": at(D, 9)},
            {"case_id": "tie-1", "complainant_key": "k4", "received_at": at(D, 9)},
            {"case_id": "other-product", "complainant_key": "k4", "received_at": at(D, 10), "product": "借记卡"},
            {"case_id": "anon-1", "complainant_key": None, "received_at": at(D, 9)},
            {"case_id": "anon-2", "complainant_key": None, "received_at": at(D, 10)},
        ]
    )
    cases = by_case()
    assert cases["in-2"]["is_repeat"] is True and cases["in-2"]["prior_repeats"] == 1
    assert cases["out-2"]["is_repeat"] is False and cases["out-2"]["prior_repeats"] == 0
    assert (cases["day-0"]["is_repeat"], cases["day-1"]["is_repeat"]) == (False, True)
    assert (cases["tie-1"]["is_repeat"], cases["tie-2"]["is_repeat"]) == (False, True)
    assert cases["other-product"]["is_repeat"] is False
    for anon in ("anon-1", "anon-2"):
        assert (cases[anon]["has_complainant"], cases[anon]["is_repeat"], cases[anon]["prior_repeats"]) == (
            False,
            False,
            0,
        )
    assert all(cases[c]["has_complainant"] for c in cases if not c.startswith("anon"))


def test_derived_first_time_resolution_boundary_both_sides() -> None:
    days = int(setting("repeat", "first_time_resolution_days"))
    closed = D + timedelta(days=10)
    build_warehouse(
        [
            {"case_id": "hit", "complainant_key": "k1", "received_at": at(D), "closed_at": at(closed, 11)},
            {"case_id": "hit-next", "complainant_key": "k1", "received_at": at(closed + timedelta(days=days), 8)},
            {"case_id": "miss", "complainant_key": "k2", "received_at": at(D), "closed_at": at(closed, 11)},
            {"case_id": "miss-next", "complainant_key": "k2", "received_at": at(closed + timedelta(days=days + 1), 8)},
            # A second case received while the first was still being handled is not "after its 办结时间".
            {"case_id": "during", "complainant_key": "k3", "received_at": at(D), "closed_at": at(closed, 11)},
            {"case_id": "during-next", "complainant_key": "k3", "received_at": at(D + timedelta(days=5))},
            # Closed on the day it was received, and the same complaint again that afternoon.
            {"case_id": "same-day", "complainant_key": "k4", "received_at": at(D, 9), "closed_at": at(D, 10)},
            {"case_id": "same-day-next", "complainant_key": "k4", "received_at": at(D, 15)},
            # Closed the day it came in, after an earlier case of that morning: nothing came after it.
            {"case_id": "last-of-day", "complainant_key": "k5", "received_at": at(D, 14), "closed_at": at(D, 16)},
            {"case_id": "first-of-day", "complainant_key": "k5", "received_at": at(D, 9)},
            {"case_id": "anon", "complainant_key": None, "received_at": at(D), "closed_at": at(closed)},
            {"case_id": "open", "complainant_key": "k6", "received_at": at(D)},
            {"case_id": "closed-no-date", "complainant_key": "k7", "received_at": at(D), "status": "已办结"},
            {
                "case_id": "source-yes",
                "complainant_key": "k8",
                "received_at": at(D),
                "closed_at": at(closed),
                "resolved_first_time": True,
            },
            {"case_id": "source-yes-next", "complainant_key": "k8", "received_at": at(closed + timedelta(days=1))},
            {
                "case_id": "source-no",
                "complainant_key": "k9",
                "received_at": at(D),
                "closed_at": at(closed),
                "resolved_first_time": False,
            },
        ]
    )
    cases = by_case()
    assert cases["hit"]["is_resolved_first_time"] is False
    assert cases["miss"]["is_resolved_first_time"] is True
    assert cases["during"]["is_resolved_first_time"] is True
    assert cases["same-day"]["is_resolved_first_time"] is False
    assert cases["last-of-day"]["is_resolved_first_time"] is True
    assert cases["anon"]["is_resolved_first_time"] is None
    assert cases["open"]["is_resolved_first_time"] is None
    assert cases["first-of-day"]["is_resolved_first_time"] is None
    no_date = cases["closed-no-date"]
    assert (no_date["is_closed"], no_date["closed_date"], no_date["handling_days"], no_date["is_on_time"]) == (
        True,
        None,
        None,
        None,
    )
    assert no_date["is_resolved_first_time"] is None
    assert (cases["source-yes"]["resolved_first_time_source"], cases["source-yes"]["is_resolved_first_time"]) == (
        True,
        True,
    )
    assert (cases["source-no"]["resolved_first_time_source"], cases["source-no"]["is_resolved_first_time"]) == (
        False,
        False,
    )
    assert cases["hit"]["resolved_first_time_source"] is None


def reference_rules(cases: list[dict[str, Any]]) -> dict[str, tuple[int, bool | None]]:
    """The METRICS.md / design.md rules written the slow, obvious way: case_id -> (prior_repeats, first-time)."""
    window = int(setting("repeat", "window_days"))
    ftr_days = int(setting("repeat", "first_time_resolution_days"))
    result: dict[str, tuple[int, bool | None]] = {}
    for case in cases:
        key = case["complainant_key"]
        subject = [
            other
            for other in cases
            if key is not None
            and other is not case
            and other["complainant_key"] == key
            and other["product"] == case["product"]
            and other["issue"] == case["issue"]
        ]
        order = (case["received_at"], case["case_id"])
        prior = sum(
            1
            for o in subject
            if (o["received_at"], o["case_id"]) < order
            and (case["received_at"].date() - o["received_at"].date()).days <= window
        )
        first_time: bool | None = None
        if key is not None and case.get("closed_at") is not None:
            closed_day = case["closed_at"].date()
            first_time = not any(
                (o["received_at"], o["case_id"]) > order
                and closed_day <= o["received_at"].date() <= closed_day + timedelta(days=ftr_days)
                for o in subject
            )
        result[case["case_id"]] = (prior, first_time)
    return result


def test_repeat_and_first_time_rules_match_a_reference_on_random_cases() -> None:
    rng = random.Random(20240301)
    cases = []
    for i in range(400):
        received = datetime(2023, 1, 1) + timedelta(days=rng.randrange(800), hours=rng.choice([9, 9, 14]))
        closed = received + timedelta(days=rng.randrange(0, 30), hours=1) if rng.random() < 0.8 else None
        cases.append(
            {
                "case_id": f"R{rng.randrange(1000):03d}-{i}",
                "received_at": received,
                "closed_at": closed,
                "complainant_key": rng.choice(["k1", "k2", "k3", "k4", "k5", None]),
                "product": rng.choice(["房抵贷", "借记卡"]),
                "issue": rng.choice(["息费争议", "服务态度"]),
            }
        )
    build_warehouse(cases)
    expected = reference_rules(cases)
    found = {c["case_id"]: (c["prior_repeats"], c["is_resolved_first_time"]) for c in by_case("fct_complaint").values()}
    assert found == expected
    assert any(prior > 0 for prior, _ in expected.values())
    assert {ftr for _, ftr in expected.values()} == {True, False, None}


def test_default_deadlines_due_date_and_on_time_on_the_last_day() -> None:
    complaint_days = int(setting("deadlines", "complaint_days"))
    petition_days = int(setting("deadlines", "petition_days"))
    petition_channel = setting("deadlines", "petition_channels")[0]
    alias_of_petition = next(
        a for a, c in setting("channels", "aliases").items() if c in setting("deadlines", "petition_channels")
    )
    build_warehouse(
        [
            {
                "case_id": "last-day",
                "channel": "电话",
                "received_at": at(D, 16),
                "closed_at": at(D + timedelta(days=complaint_days), 23),
            },
            {
                "case_id": "day-after",
                "channel": "电话",
                "received_at": at(D, 16),
                "closed_at": at(D + timedelta(days=complaint_days + 1), 8),
            },
            {
                "case_id": "petition",
                "channel": petition_channel,
                "received_at": at(D),
                "closed_at": at(D + timedelta(days=petition_days)),
            },
            {"case_id": "alias", "channel": alias_of_petition, "received_at": at(D)},
            {
                "case_id": "source",
                "channel": "电话",
                "received_at": at(D),
                "deadline_days": 30,
                "closed_at": at(D + timedelta(days=30)),
            },
            {"case_id": "open", "channel": "电话", "received_at": at(D)},
            {"case_id": "same-day", "channel": "电话", "received_at": at(D, 9), "closed_at": at(D, 18)},
        ]
    )
    cases = by_case()
    last_day = cases["last-day"]
    assert last_day["deadline_days"] == complaint_days
    assert last_day["due_date"] == D + timedelta(days=complaint_days)
    assert last_day["is_on_time"] is True and last_day["handling_days"] == complaint_days
    assert cases["day-after"]["is_on_time"] is False
    assert (cases["petition"]["deadline_days"], cases["petition"]["is_on_time"]) == (petition_days, True)
    assert cases["alias"]["channel"] == setting("channels", "aliases")[alias_of_petition]
    assert cases["alias"]["deadline_days"] == petition_days
    assert (cases["source"]["deadline_days"], cases["source"]["due_date"]) == (30, D + timedelta(days=30))
    assert (cases["open"]["is_on_time"], cases["open"]["is_open"], cases["open"]["status"]) == (None, True, "办理中")
    assert cases["open"]["due_date"] == D + timedelta(days=complaint_days)
    assert cases["same-day"]["handling_days"] == 0 and cases["same-day"]["status"] == "已办结"


def settings_with_region_groups(tmp_path: Path, groups: dict[str, list[str]]) -> Path:
    """A copy of settings.toml whose [region_groups] table is replaced by `groups`."""
    text = (PROJECT_ROOT / "settings.toml").read_text(encoding="utf-8")
    start = text.index("[region_groups]")
    following = re.search(r"^\[", text[start + 1 :], flags=re.MULTILINE)
    rest = text[start + 1 + following.start() :] if following else ""
    lines = "\n".join(
        f'"{name}" = [{", ".join(repr(m).replace(chr(39), chr(34)) for m in members)}]'
        for name, members in groups.items()
    )
    path = tmp_path / "settings.toml"
    path.write_text(text[:start] + "[region_groups]\n" + lines + "\n" + rest, encoding="utf-8")
    return path


def region_groups_of_cases() -> dict[str, set[str]]:
    rows = query(
        "SELECT f.case_id, g.region_group FROM fct_complaint f LEFT JOIN dim_region_group g USING (region_key)"
    )
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row["case_id"], set())
        if row["region_group"] is not None:
            groups[row["case_id"]].add(row["region_group"])
    return groups


REGION_CASES = [
    {"case_id": "shenzhen", "province": "广东省", "city": "深圳市"},
    {"case_id": "guangzhou", "province": "广东", "city": "广州"},
    {"case_id": "shantou", "province": "广东", "city": "汕头"},
    {"case_id": "guangdong", "province": "广东", "city": None},
    {"case_id": "hongkong", "province": "香港", "city": None},
    {"case_id": "nanjing", "province": "江苏", "city": "南京"},
    {"case_id": "jiangsu", "province": "江苏省", "city": None},
]


def test_region_groups_overlap_and_match_short_or_full_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    groups = {"湾区": ["广东/深圳", "香港"], "深广": ["广东省/深圳市", "广东/广州"], "江苏全省": ["江苏"]}
    monkeypatch.setenv("COCKPIT_SETTINGS", str(settings_with_region_groups(tmp_path, groups)))
    build_warehouse([{**case, "received_at": at(D)} for case in REGION_CASES])
    assert region_groups_of_cases() == {
        "shenzhen": {"湾区", "深广"},
        "guangzhou": {"深广"},
        "shantou": set(),
        "guangdong": set(),
        "hongkong": {"湾区"},
        "nanjing": {"江苏全省"},
        "jiangsu": {"江苏全省"},
    }
    order = query("SELECT DISTINCT region_group, group_order FROM dim_region_group ORDER BY group_order")
    assert [r["region_group"] for r in order] == list(groups)


def test_default_region_groups_overlap_for_a_city_in_two_groups() -> None:
    build_warehouse([{**case, "received_at": at(D)} for case in REGION_CASES])
    configured = setting("region_groups")
    expected = {name for name, members in configured.items() if "广东/深圳" in members or "广东" in members}
    assert len(expected) >= 2
    assert region_groups_of_cases()["shenzhen"] == expected


def test_unknown_region_group_member_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="广东/深证"):
        build_region_group_members({"珠三角": ["广东/深证"]})
    with pytest.raises(ValueError, match="火星"):
        build_region_group_members({"外星": ["火星"]})


def test_dimensions_keep_unknown_channels_and_file_products_under_business_lines() -> None:
    build_warehouse(
        [
            {"case_id": "A", "received_at": at(D), "channel": "热线", "business_line": None, "product": "借记卡"},
            {"case_id": "B", "received_at": at(D), "channel": "抖音私信", "business_line": "信用卡", "product": "分期"},
            {"case_id": "C", "received_at": at(D), "channel": "监管转办", "regulator_referred": None},
            {"case_id": "D", "received_at": at(D), "channel": "监管转办", "regulator_referred": False},
            {
                "case_id": "E",
                "received_at": at(D),
                "vulnerable_group": "老年人",
                "branch": "深圳分行",
                "department": "零售信贷部",
            },
        ]
    )
    cases = by_case()
    assert cases["A"]["channel"] == setting("channels", "aliases")["热线"]
    assert cases["A"]["business_line"] == "未分类"
    new_member = query("SELECT * FROM dim_channel WHERE channel = '抖音私信'")
    assert len(new_member) == 1 and new_member[0]["is_known"] is False
    known = [r["channel"] for r in query("SELECT channel FROM dim_channel WHERE is_known ORDER BY channel_key")]
    assert known == setting("channels", "known")
    assert (cases["C"]["is_regulator_referred"], cases["D"]["is_regulator_referred"]) == (True, False)
    assert (cases["E"]["is_vulnerable"], cases["A"]["is_vulnerable"]) == (True, False)
    assert (cases["E"]["branch"], cases["E"]["department"], cases["A"]["branch_key"]) == (
        "深圳分行",
        "零售信贷部",
        None,
    )


def test_customer_base_and_case_stages_keep_their_latest_version() -> None:
    month = date(2024, 3, 1)
    start = at(D, 9)
    build_warehouse(
        [{"case_id": "A", "received_at": start, "department": "信用卡中心"}],
        customers=[
            {
                "batch_id": 1,
                "province": "广东",
                "city": "深圳",
                "month": month,
                "personal_customers": 10,
                "branches": 1,
            },
            {
                "batch_id": 2,
                "province": "广东省",
                "city": "深圳市",
                "month": month,
                "personal_customers": 12,
                "branches": 2,
            },
            {"batch_id": 2, "province": "广东省", "city": None, "month": month, "personal_customers": 99},
        ],
        events=[
            {
                "batch_id": 1,
                "case_id": "A",
                "stage": "受理",
                "started_at": start,
                "finished_at": start + timedelta(minutes=40),
            },
            {
                "batch_id": 2,
                "case_id": "A",
                "stage": "受理",
                "started_at": start,
                "finished_at": start + timedelta(minutes=15),
            },
            {"batch_id": 2, "case_id": "A", "stage": "分派", "started_at": start + timedelta(minutes=15)},
            {"batch_id": 2, "case_id": "ghost", "stage": "受理", "started_at": start},
        ],
    )
    base = {(r["city"], r["month"]): r for r in query("SELECT * FROM v_customer_base")}
    assert len(base) == 2
    assert (base[("深圳市", month)]["personal_customers"], base[("深圳市", month)]["branches"]) == (12, 2)
    assert base[(None, month)]["is_province_level"] is True
    stages = {(r["case_id"], r["stage"]): r for r in query("SELECT * FROM v_case_stage")}
    assert len(stages) == 3
    accepted = stages[("A", "受理")]
    assert accepted["duration_minutes"] == pytest.approx(15.0)
    assert accepted["department"] == "信用卡中心" and accepted["stage_order"] < stages[("A", "分派")]["stage_order"]
    assert stages[("A", "分派")]["duration_minutes"] is None and stages[("A", "分派")]["is_finished"] is False
    assert (stages[("ghost", "受理")]["case_key"], stages[("ghost", "受理")]["department_key"]) == (None, None)


def test_dim_date_covers_whole_years_of_the_facts_with_chinese_labels() -> None:
    received = date(2024, 7, 14)
    closed = date(2025, 1, 3)
    build_warehouse([{"case_id": "A", "received_at": at(received), "closed_at": at(closed)}])
    days = query("SELECT * FROM dim_date ORDER BY date")
    assert days[0]["date"] == date(received.year, 1, 1) and days[-1]["date"] == date(closed.year, 12, 31)
    assert len(days) == (days[-1]["date"] - days[0]["date"]).days + 1
    row = {d["date"]: d for d in days}
    july = row[received]
    assert (july["month_label"], july["quarter_label"], july["year_label"]) == ("2024年7月", "2024年Q3", "2024年")
    assert (july["iso_week"], july["weekday"]) == (received.isocalendar().week, received.isoweekday())
    assert july["weekday_label"] == "星期日" and july["is_weekend"] is True
    assert row[date(2024, 2, 29)]["is_month_end"] is True and row[date(2024, 2, 28)]["is_month_end"] is False
    assert row[date(2024, 9, 30)]["is_quarter_end"] is True and row[date(2024, 8, 31)]["is_quarter_end"] is False
    assert july["date_key"] == int(received.strftime("%Y%m%d"))


def test_rebuild_is_idempotent() -> None:
    build_warehouse(
        [
            {
                "case_id": f"C{i}",
                "complainant_key": f"k{i % 3}",
                "received_at": at(D + timedelta(days=i * 40)),
                "closed_at": at(D + timedelta(days=i * 40 + 3)),
            }
            for i in range(12)
        ]
    )
    before = query("SELECT * FROM v_complaint ORDER BY case_key")
    groups_before = query("SELECT * FROM dim_region_group ORDER BY ALL")
    with store.new_version() as con:
        rebuild_marts(con)
        rebuild_marts(con)
    assert query("SELECT * FROM v_complaint ORDER BY case_key") == before
    assert query("SELECT * FROM dim_region_group ORDER BY ALL") == groups_before


def test_staging_tables_are_not_written_into_the_warehouse() -> None:
    with store.new_version() as con:
        insert_cases(con, [{"case_id": "A", "received_at": at(D)}])
        rebuild_marts(con)
    tables = {r["table_name"] for r in query("SELECT table_name FROM duckdb_tables()")}
    assert "fct_complaint" in tables
    assert not {t for t in tables if t.startswith("stg_")}
