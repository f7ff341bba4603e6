"""The KPI engine over hand-built case frames: every expected figure is worked out here from the rows."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from dashboard.engine import kpis
from dashboard.engine.filters import Filters
from dashboard.engine.kpis import compute_breakdown, compute_kpis, compute_mix, compute_period_metrics
from dashboard.engine.metrics import KPI_IDS, target_for
from dashboard.engine.periods import Period
from tests.reference.kpi_frames import FrameSource, build_case_frame, build_customer_base

JULY = Period(date(2024, 7, 1), date(2024, 8, 1))
D = date


def headline(cases: pl.DataFrame, period: Period = JULY, **source_args: object) -> dict[str, object]:
    return compute_period_metrics(FrameSource(cases, **source_args), period).row(0, named=True)  # type: ignore[arg-type]


base_rows = build_customer_base


# ---- volume and coverage ----------------------------------------------------------------------
def test_volume_counts_cases_received_in_the_half_open_period() -> None:
    received = [JULY.start - timedelta(days=1), JULY.start, JULY.last_day, JULY.end]
    cases = build_case_frame([{"received_date": d} for d in received])
    expected = sum(JULY.start <= d < JULY.end for d in received)
    assert headline(cases)["volume"] == expected == 2


def test_empty_period_inside_the_data_is_a_true_zero_but_rates_are_not_computable() -> None:
    cases = build_case_frame(
        [{"received_date": D(2024, 6, 1), "closed_date": D(2024, 6, 3)}, {"received_date": D(2024, 8, 20)}]
    )
    row = headline(cases)
    assert row["volume"] == 0 and row["volume__reason"] is None
    assert row["repeat_rate"] is None and row["repeat_rate__reason"] == kpis.REASON_NO_CASES
    assert row["one_time_resolution_rate"] is None and row["one_time_resolution_rate__reason"] == kpis.REASON_NO_CLOSED
    assert row["handling_days_mean"] is None and row["satisfaction_rate"] is None
    assert row["on_time_rate"] is None and row["on_time_rate__reason"] == kpis.REASON_NO_DUE


def test_a_period_outside_the_data_is_not_computable_and_says_why() -> None:
    cases = build_case_frame([{"received_date": D(2024, 7, 5)}])
    report = compute_kpis(FrameSource(cases), JULY)
    volume = report.kpis["volume"]
    assert volume.value == 1
    assert volume.previous_year is None and volume.yoy is None  # 2023-07 is before the data starts
    row = headline(cases, Period(D(2025, 1, 1), D(2025, 2, 1)))
    for metric_id in KPI_IDS:
        assert row[metric_id] is None
        assert "2024-07-05" in row[f"{metric_id}__reason"]
    assert headline(build_case_frame([]))["volume__reason"] == kpis.REASON_NO_WAREHOUSE_DATA


# ---- repeat rate -------------------------------------------------------------------------------
def test_repeat_rate_leaves_cases_without_identifier_out_of_the_denominator() -> None:
    rows = [
        {"received_date": D(2024, 7, 2), "complainant_key": "a"},
        {"received_date": D(2024, 7, 9), "complainant_key": "a", "is_repeat": True, "prior_repeats": 1},
        {"received_date": D(2024, 7, 3), "complainant_key": "b"},
        {"received_date": D(2024, 7, 4), "complainant_key": "c"},
        {"received_date": D(2024, 7, 5)},  # no 客户标识
        {"received_date": D(2024, 7, 6)},
    ]
    identified = [r for r in rows if r.get("complainant_key")]
    expected = sum(bool(r.get("is_repeat")) for r in identified) / len(identified)
    row = headline(build_case_frame(rows))
    assert row["repeat_rate"] == pytest.approx(expected) == 0.25
    assert row["volume"] == len(rows)


def test_repeat_rate_without_any_customer_identifier_is_not_available() -> None:
    row = headline(build_case_frame([{"received_date": D(2024, 7, 2)}, {"received_date": D(2024, 7, 3)}]))
    assert row["repeat_rate"] is None
    assert row["repeat_rate__reason"] == kpis.REASON_NO_IDENTIFIED


# ---- one-time resolution -----------------------------------------------------------------------
def test_one_time_resolution_is_over_cases_closed_in_the_period() -> None:
    rows = [
        {"received_date": D(2024, 6, 20), "closed_date": D(2024, 7, 2), "is_resolved_first_time": True},
        {"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 31), "is_resolved_first_time": False},
        {"received_date": D(2024, 7, 3), "closed_date": D(2024, 7, 4), "is_resolved_first_time": True},
        {"received_date": D(2024, 7, 5), "closed_date": D(2024, 7, 6), "is_resolved_first_time": None},  # unknown
        {"received_date": D(2024, 7, 5), "closed_date": D(2024, 8, 1), "is_resolved_first_time": False},  # after P
        {"received_date": D(2024, 6, 1), "closed_date": D(2024, 6, 30), "is_resolved_first_time": False},  # before
    ]
    in_p = [r for r in rows if JULY.start <= r["closed_date"] < JULY.end]
    known = [r for r in in_p if r["is_resolved_first_time"] is not None]
    expected = sum(r["is_resolved_first_time"] for r in known) / len(known)
    assert headline(build_case_frame(rows))["one_time_resolution_rate"] == pytest.approx(expected)
    assert expected == pytest.approx(2 / 3)


def test_one_time_resolution_not_derivable_for_any_closed_case() -> None:
    row = headline(build_case_frame([{"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 2)}]))
    assert row["one_time_resolution_rate"] is None
    assert row["one_time_resolution_rate__reason"] == kpis.REASON_RFT_UNKNOWN


# ---- on-time rate ------------------------------------------------------------------------------
def on_time_cases() -> list[dict[str, object]]:
    """Deadline 15 days; P = July 2024. Comments: how each case counts."""
    return [
        {"case_id": "on_time", "received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 16)},  # due 16th: on time
        {"case_id": "late", "received_date": D(2024, 6, 1), "closed_date": D(2024, 7, 3)},  # closed in P, late
        {"case_id": "open_due_in_p", "received_date": D(2024, 7, 2)},  # due 17 Jul, open at end: late
        {"case_id": "open_due_later", "received_date": D(2024, 7, 25)},  # due 9 Aug: not yet due
        {"case_id": "closed_after_p", "received_date": D(2024, 7, 10), "closed_date": D(2024, 8, 1)},  # open at end
        {"case_id": "closed_before_p", "received_date": D(2024, 6, 10), "closed_date": D(2024, 6, 30)},
        {"case_id": "closed_no_date", "received_date": D(2024, 7, 3), "is_closed": True},  # no 办结时间: unknown
    ]


def test_on_time_rate_counts_cases_still_open_at_the_end_of_the_period_with_due_date_in_it() -> None:
    rows = on_time_cases()
    frame = build_case_frame(rows)
    end = JULY.end
    due = {r["case_id"]: r["received_date"] + timedelta(days=15) for r in rows}
    closed_in_p = [r for r in rows if r.get("closed_date") and JULY.start <= r["closed_date"] < end]
    on_time = [r for r in closed_in_p if r["closed_date"] <= due[r["case_id"]]]
    open_due = [
        r
        for r in rows
        if not r.get("is_closed")
        and JULY.start <= due[r["case_id"]] < end
        and (r.get("closed_date") is None or r["closed_date"] >= end)
    ]
    expected = len(on_time) / (len(closed_in_p) + len(open_due))
    row = headline(frame)
    assert row["on_time_rate"] == pytest.approx(expected) == pytest.approx(1 / 4)
    assert row["on_time_due"] == 4 and row["on_time_yes"] == 1


def test_referred_on_time_rate_uses_only_regulator_referrals() -> None:
    rows = on_time_cases()
    for row in rows:
        row["is_regulator_referred"] = row["case_id"] in ("on_time", "open_due_in_p")
    row = headline(build_case_frame(rows))
    assert row["referred_on_time_rate"] == pytest.approx(1 / 2)
    none_referred = headline(build_case_frame(on_time_cases()))
    assert none_referred["referred_on_time_rate"] is None
    assert none_referred["referred_on_time_rate__reason"] == kpis.REASON_NO_REFERRED_DUE


def test_month_breakdown_judges_open_cases_at_the_end_of_each_month() -> None:
    # Received 10 Jul, due 25 Jul, closed 5 Aug: late and still open at the end of July;
    # closed (late) in August; over July-August it counts once, as a late closure.
    frame = build_case_frame([{"received_date": D(2024, 7, 10), "closed_date": D(2024, 8, 5)}])
    period = Period(D(2024, 7, 1), D(2024, 9, 1))
    by_month = {r["key"]: r for r in compute_breakdown(FrameSource(frame), period, "month").iter_rows(named=True)}
    assert (by_month["2024-07"]["on_time_due"], by_month["2024-07"]["on_time_yes"]) == (1, 0)
    assert (by_month["2024-08"]["on_time_due"], by_month["2024-08"]["on_time_yes"]) == (1, 0)
    assert by_month["2024-07"]["volume"] == 1 and by_month["2024-08"]["volume"] == 0
    whole = headline(frame, period)
    assert (whole["on_time_due"], whole["on_time_yes"]) == (1, 0)


def test_month_breakdown_clips_the_last_month_to_the_period() -> None:
    # P ends 20 Jul: a case due 25 Jul is not due within P, so it is not late in P's July.
    frame = build_case_frame([{"received_date": D(2024, 7, 10)}, {"received_date": D(2024, 7, 1)}])
    period = Period(D(2024, 7, 1), D(2024, 7, 20))
    rows = compute_breakdown(FrameSource(frame), period, "month").to_dicts()
    assert [r["key"] for r in rows] == ["2024-07"]
    assert rows[0]["on_time_due"] == 1  # only the case due 16 Jul
    assert rows[0]["on_time_rate"] == 0.0


# ---- handling days -----------------------------------------------------------------------------
def test_handling_days_mean_median_p90_are_exact_over_cases_closed_in_the_period() -> None:
    spans = [0, 1, 1, 3, 5, 8, 13, 21, 34, 40, 2]
    rows = [
        {"received_date": D(2024, 7, 1) + timedelta(days=i), "closed_date": D(2024, 7, 1) + timedelta(days=i + s)}
        for i, s in enumerate(spans)
    ]
    rows.append({"received_date": D(2024, 7, 20), "is_closed": True})  # closed without 办结时间: left out
    rows.append({"received_date": D(2024, 6, 1), "closed_date": D(2024, 6, 20)})  # closed before P
    closed_in_p = [
        (r["closed_date"] - r["received_date"]).days
        for r in rows
        if r.get("closed_date") and JULY.start <= r["closed_date"] < JULY.end
    ]
    series = pl.Series(closed_in_p)
    row = headline(build_case_frame(rows))
    assert row["handling_days_mean"] == pytest.approx(sum(closed_in_p) / len(closed_in_p))
    assert row["handling_days_median"] == pytest.approx(series.quantile(0.5, "linear"))
    assert row["handling_days_p90"] == pytest.approx(series.quantile(0.9, "linear"))
    assert row["handled"] == len(closed_in_p) and row["closed"] == len(closed_in_p) + 1


def test_handling_days_when_closed_cases_have_no_closing_date() -> None:
    row = headline(build_case_frame([{"received_date": D(2024, 7, 1), "is_closed": True}]))
    assert row["handling_days_median"] is None
    assert row["handling_days_median__reason"] == kpis.REASON_NO_HANDLING


# ---- satisfaction ------------------------------------------------------------------------------
def test_satisfaction_rate_counts_only_surveyed_closed_cases() -> None:
    answers = ["满意", "基本满意", "不满意", "未回访", None, " ", "满意"]
    rows = [{"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 2), "satisfaction": a} for a in answers]
    rows.append({"received_date": D(2024, 7, 1), "satisfaction": "满意"})  # still open: not closed in P
    surveyed = [a for a in answers if a is not None and a.strip() and a != "未回访"]
    expected = sum(a in ("满意", "基本满意") for a in surveyed) / len(surveyed)
    assert headline(build_case_frame(rows))["satisfaction_rate"] == pytest.approx(expected) == 0.75
    nobody = headline(build_case_frame(rows[3:5]))
    assert nobody["satisfaction_rate"] is None and nobody["satisfaction_rate__reason"] == kpis.REASON_NO_SURVEYED


# ---- customer base ------------------------------------------------------------------------------
def test_per_customer_and_branch_figures_use_the_mean_over_the_months_of_the_period() -> None:
    period = Period(D(2024, 7, 1), D(2024, 10, 1))
    cases = build_case_frame(
        [{"received_date": D(2024, 7, 1) + timedelta(days=3 * i)} for i in range(30)]
        + [{"received_date": D(2024, 7, 2), "province": "浙江省", "city": "杭州市"}]
    )
    months = period.months()
    # 广东: province-level rows (they win over its city rows); 浙江: only city rows (added up).
    gd = {m: 2_000_000 + i * 300_000 for i, m in enumerate(months)}
    rows = [(1, "广东省", None, m, gd[m], 100 + i) for i, m in enumerate(months)]
    rows += [(2, "广东省", "深圳市", m, 999_999, 1) for m in months]
    rows += [(3, "浙江省", "杭州市", m, 500_000, 20) for m in months] + [(4, "浙江省", "宁波市", months[0], 100_000, 5)]
    base = base_rows(rows)
    volume = 31
    customers = sum(gd[m] + 500_000 + (100_000 if m == months[0] else 0) for m in months) / len(months)
    branches = sum(100 + i + 20 + (5 if i == 0 else 0) for i in range(len(months))) / len(months)
    row = headline(cases, period, customer_base=base)
    assert row["per_million_customers"] == pytest.approx(volume / (customers / 1_000_000))
    assert row["per_10m_customers"] == pytest.approx(volume / (customers / 10_000_000))
    assert row["per_1000_branches"] == pytest.approx(volume / (branches / 1_000))

    # Filtered to 深圳: only the city's own rows count, for the cases of 深圳.
    shenzhen = headline(cases, period, customer_base=base, filters=Filters(cities=("深圳市",)))
    assert shenzhen["per_million_customers"] == pytest.approx(30 / (999_999 / 1_000_000))

    by_province = compute_breakdown(FrameSource(cases, customer_base=base), period, "province")
    zhejiang = by_province.filter(pl.col("key") == "浙江省").row(0, named=True)
    zj_customers = (500_000 * 3 + 100_000) / 3
    assert zhejiang["per_million_customers"] == pytest.approx(1 / (zj_customers / 1_000_000))


def test_no_customer_base_means_not_available_not_zero() -> None:
    cases = build_case_frame([{"received_date": D(2024, 7, 3), "province": "浙江省", "city": "杭州市"}])
    base = base_rows([(1, "广东省", None, D(2024, 7, 1), 1_000_000, None)])
    row = headline(cases, customer_base=base, filters=Filters(provinces=("浙江省",)))
    assert row["per_million_customers"] is None and row["per_million_customers__reason"] == kpis.REASON_NO_BASE
    everywhere = headline(cases, customer_base=base)
    assert everywhere["per_million_customers"] == pytest.approx(1.0)
    assert everywhere["per_1000_branches"] is None
    assert everywhere["per_1000_branches__reason"] == kpis.REASON_NO_BRANCHES
    # A city filter when the base has only province totals: not available.
    city = headline(cases, customer_base=base, filters=Filters(cities=("广州市",)))
    assert city["per_million_customers"] is None


# ---- comparisons, targets, status ------------------------------------------------------------------
def test_yoy_and_pop_compare_with_the_same_period_last_year_and_the_period_before() -> None:
    counts = {D(2023, 7, 15): 8, D(2024, 6, 15): 5, D(2024, 7, 15): 6}
    cases = build_case_frame([{"received_date": d} for d, n in counts.items() for _ in range(n)])
    report = compute_kpis(FrameSource(cases), JULY)
    volume = report.kpis["volume"]
    assert (volume.value, volume.previous_year, volume.previous_period) == (6, 8, 5)
    assert volume.yoy == pytest.approx(6 / 8 - 1)
    assert volume.pop == pytest.approx(6 / 5 - 1)
    target = target_for("volume")
    assert target is not None and target.field == "yoy"
    assert volume.target == target.target
    expected_status = "good" if volume.yoy <= target.target else ("warning" if volume.yoy <= target.warning else "bad")
    assert volume.status == expected_status == "good"
    assert report.previous_year == Period(D(2023, 7, 1), D(2023, 8, 1))
    assert report.previous_period == Period(D(2024, 6, 1), D(2024, 7, 1))


def test_yoy_is_blank_when_last_year_had_no_cases_in_the_filter() -> None:
    cases = build_case_frame(
        [{"received_date": D(2023, 7, 15), "channel": "来信"}, {"received_date": D(2024, 7, 15), "channel": "电话"}]
    )
    report = compute_kpis(FrameSource(cases, Filters(channels=("电话",))), JULY)
    assert report.kpis["volume"].previous_year == 0
    assert report.kpis["volume"].yoy is None


def test_rate_status_follows_targets_and_direction() -> None:
    # 19 of 20 closed on time: exactly the 95% target is "good".
    rows = [{"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 5)} for _ in range(19)]
    rows.append({"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 30)})
    report = compute_kpis(FrameSource(build_case_frame(rows)), JULY)
    on_time = report.kpis["on_time_rate"]
    assert on_time.value == pytest.approx(19 / 20)
    assert on_time.status == "good"
    assert report.kpis["handling_days_p90"].status is None  # no target
    rows.append({"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 30)})
    worse = compute_kpis(FrameSource(build_case_frame(rows)), JULY).kpis["on_time_rate"]
    target = target_for("on_time_rate")
    assert target is not None
    assert worse.value == pytest.approx(19 / 21)
    assert worse.status == ("warning" if worse.value >= target.warning else "bad")


# ---- breakdowns, filters and mixes ----------------------------------------------------------------
def test_breakdown_by_region_group_counts_a_case_in_every_group_it_belongs_to() -> None:
    cases = build_case_frame(
        [
            {"received_date": D(2024, 7, 1), "region_key": 10},  # 深圳
            {"received_date": D(2024, 7, 2), "region_key": 10},
            {"received_date": D(2024, 7, 3), "region_key": 20},  # 香港
            {"received_date": D(2024, 7, 4), "region_key": 30},  # outside every group
        ]
    )
    groups = pl.DataFrame({"region_group": ["珠三角", "粤港澳大湾区", "粤港澳大湾区"], "region_key": [10, 10, 20]})
    frame = compute_breakdown(FrameSource(cases, region_groups=groups), JULY, "region_group")
    assert dict(frame.select("key", "volume").iter_rows()) == {"粤港澳大湾区": 3, "珠三角": 2}
    assert frame["key"].to_list() == ["粤港澳大湾区", "珠三角"]  # largest first
    only = headline(cases, filters=Filters(region_group="珠三角"), region_groups=groups)
    assert only["volume"] == 2


def test_filters_apply_to_every_metric() -> None:
    rows = [
        {"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 2), "channel": "来访", "satisfaction": "满意"},
        {"received_date": D(2024, 7, 1), "closed_date": D(2024, 7, 2), "channel": "电话", "satisfaction": "不满意"},
        {"received_date": D(2024, 7, 1), "channel": "来访", "is_regulator_referred": True},
    ]
    cases = build_case_frame(rows)
    visits = headline(cases, filters=Filters(channels=("来访",)))
    assert visits["volume"] == 2 and visits["satisfaction_rate"] == 1.0
    referred = headline(cases, filters=Filters(referred_only=True))
    assert referred["volume"] == 1 and referred["closed"] == 0


@pytest.mark.parametrize("by", [d for d in kpis.DIMENSIONS if d not in ("region_group",)])
def test_every_breakdown_adds_up_to_the_headline_volume(by: str) -> None:
    products = ["房抵贷", "借记卡", "信用卡分期"]
    rows = [
        {
            "received_date": D(2024, 7, 1) + timedelta(days=i % 60),
            "product": products[i % 3],
            "channel": ["来访", "电话"][i % 2],
            "department": ["零售部", None][i % 2],
            "risk_level": ["高", "中", "低"][i % 3],
            "province": ["广东省", "浙江省"][i % 2],
            "city": ["深圳市", "杭州市"][i % 2],
        }
        for i in range(40)
    ]
    period = Period(D(2024, 7, 1), D(2024, 9, 1))
    cases = build_case_frame(rows)
    frame = compute_breakdown(FrameSource(cases), period, by)
    assert frame["volume"].sum() == headline(cases, period)["volume"] == 40
    if by == "risk_level":
        assert frame["key"].to_list() == ["高", "中", "低"]
    if by == "month":
        assert frame["key"].to_list() == ["2024-07", "2024-08"]


def test_mix_is_the_share_of_volume() -> None:
    channels = ["来访"] * 3 + ["电话"] * 5 + ["网络"] * 2
    cases = build_case_frame([{"received_date": D(2024, 7, 3), "channel": c} for c in channels])
    mix = compute_mix(FrameSource(cases), JULY)["channel"]
    assert mix["key"].to_list() == ["电话", "来访", "网络"]
    assert mix["share"].to_list() == pytest.approx([5 / 10, 3 / 10, 2 / 10])
    assert set(compute_mix(FrameSource(cases), JULY)) == {"channel", "business_line", "product", "issue"}


def test_unknown_breakdown_dimension_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="不能按"):
        compute_breakdown(FrameSource(build_case_frame([{"received_date": D(2024, 7, 1)}])), JULY, "colour")


def test_resolve_period_reads_a_preset_against_the_latest_case() -> None:
    cases = build_case_frame([{"received_date": D(2024, 5, 3)}, {"received_date": D(2024, 7, 14)}])
    assert kpis.resolve_period(FrameSource(cases, Filters(preset="this_month"))) == Period(
        D(2024, 7, 1), D(2024, 7, 15)
    )
    custom = Filters(preset="custom", start=D(2024, 1, 1), end=D(2024, 2, 1))
    assert kpis.resolve_period(FrameSource(cases, custom)) == Period(D(2024, 1, 1), D(2024, 2, 1))
