"""The demo generator: deterministic, shaped like a real bank, and true to the contract's value lists."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from warehouse.demo import demo_period, generate_demo, write_canonical_csv
from warehouse.reference.regions import provinces
from warehouse.settings import setting

AS_OF = date(2026, 11, 23)  # window: 2023-11-01 .. 2026-10-31
SEED = 7
# 春节 of the window's years (calendar facts, used to find the holiday month).
SPRING_FESTIVAL = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17)}
STAGES = ("受理", "分派", "调查", "沟通", "决策", "反馈", "回访", "复盘")


@pytest.fixture(scope="module")
def demo():
    return generate_demo(cases=30_000, seed=SEED, as_of=AS_OF)


def test_same_seed_and_as_of_give_identical_frames() -> None:
    first = generate_demo(cases=3_000, seed=SEED, as_of=AS_OF)
    again = generate_demo(cases=3_000, seed=SEED, as_of=AS_OF)
    other = generate_demo(cases=3_000, seed=SEED + 1, as_of=AS_OF)
    for kind in ("cases", "customers", "events"):
        assert getattr(first, kind).equals(getattr(again, kind)), kind
    assert not first.cases.equals(other.cases)


def test_window_is_three_full_years_ending_with_the_last_complete_month(demo) -> None:
    months = demo.cases.select(pl.col("received_at").dt.truncate("1mo").dt.date().unique().sort()).to_series()
    assert months.to_list() == pl.date_range(date(2023, 11, 1), date(2026, 10, 1), "1mo", eager=True).to_list()
    assert demo.customers["month"].unique().sort().to_list() == months.to_list()
    # On a month's last day that month is complete; any other day it is not.
    assert demo_period(date(2026, 10, 31)).end == date(2026, 11, 1)
    assert demo_period(date(2026, 10, 30)).end == date(2026, 10, 1)
    assert demo_period(date(2026, 10, 30)).start == date(2023, 10, 1)


def test_cases_and_customer_base_cover_the_31_mainland_provinces(demo) -> None:
    mainland = {p.name for p in provinces() if p.kind != "sar" and p.short != "台湾"}
    assert len(mainland) == 31
    assert set(demo.cases["province"].unique()) == mainland
    assert set(demo.customers["province"].unique()) == mainland
    # Every case's city is a city of the customer base (per-million figures have a denominator).
    case_cities = demo.cases.select("province", "city").unique()
    assert (
        case_cities.join(demo.customers.select("province", "city").unique(), on=["province", "city"], how="anti").height
        == 0
    )


def test_about_1600_outlets_spread_over_the_cities(demo) -> None:
    customers = demo.customers
    assert customers.select("province", "city", "month").is_unique().all()
    per_month = customers.group_by("month").agg(pl.col("branches").sum())["branches"]
    assert per_month.min() == per_month.max()
    assert 1500 <= per_month[0] <= 1700
    branches = demo.cases["branch"].unique()
    assert branches.len() <= per_month[0]
    assert branches.str.contains(r"^\S+分行(\S+支行|营业部)$").all()
    # An outlet belongs to one city.
    assert demo.cases.group_by("branch").agg(pl.col("city").n_unique())["city"].max() == 1


def test_customer_base_is_proportional_to_population_and_grows(demo) -> None:
    population = pl.DataFrame([{"province": p.name, "population": p.population_2020} for p in provinces()])
    latest = demo.customers.filter(pl.col("month") == pl.col("month").max())
    by_province = latest.group_by("province").agg(pl.col("personal_customers").sum()).join(population, on="province")
    assert by_province.select(pl.corr("personal_customers", "population")).item() > 0.95
    totals = demo.customers.group_by("month").agg(pl.col("personal_customers").sum()).sort("month")
    assert totals["personal_customers"][-1] > totals["personal_customers"][0]


def test_contract_value_lists_are_used(demo) -> None:
    cases = demo.cases
    assert set(cases["channel"].unique()) == set(setting("channels", "known"))
    assert set(cases["business_line"].unique()) == {"零售信贷", "信用卡", "财富管理", "运营服务", "电子银行"}
    assert set(cases["vulnerable_group"].unique()) == {"老年人", "残障人士", "小微企业主", "学生", "无"}
    assert set(cases["satisfaction"].drop_nulls().unique()) == {"满意", "基本满意", "不满意", "未回访"}
    assert set(cases["status"].unique()) == {"已办结", "办理中"}
    assert set(setting("risk", "high_risk_products")) <= set(cases["product"].unique())
    assert set(demo.events["stage"].unique()) == set(STAGES)
    # Each product belongs to one business line.
    assert cases.group_by("product").agg(pl.col("business_line").n_unique())["business_line"].max() == 1


def test_spring_festival_month_is_quieter_than_its_neighbours(demo) -> None:
    # Cases per calendar day, so that February is not "quiet" merely for being short.
    per_day = dict(
        demo.cases.group_by(m=pl.col("received_at").dt.truncate("1mo").dt.date())
        .agg(pl.len() / pl.col("received_at").first().dt.days_in_month())
        .iter_rows()
    )
    gaps = []
    for festival in SPRING_FESTIVAL.values():
        month = festival.replace(day=1)
        before = (month - timedelta(days=1)).replace(day=1)
        after = (month + timedelta(days=32)).replace(day=1)
        neighbours = (per_day[before] + per_day[after]) / 2
        gaps.append(per_day[month] / neighbours - 1)
    assert sum(gaps) / len(gaps) < -0.10


def test_month_end_days_are_busier_than_the_rest(demo) -> None:
    daily = (
        demo.cases.group_by(day=pl.col("received_at").dt.date())
        .len()
        .with_columns(month_end=(pl.col("day").dt.month_end() - pl.col("day")).dt.total_days() < 3)
    )
    means = dict(daily.group_by("month_end").agg(pl.col("len").mean()).iter_rows())
    assert means[True] > 1.15 * means[False]


def test_volume_trends_slowly_down(demo) -> None:
    yearly = (
        demo.cases.with_columns(
            year=(pl.col("received_at") >= pl.datetime(2025, 11, 1)).cast(pl.Int8)
            + (pl.col("received_at") >= pl.datetime(2024, 11, 1)).cast(pl.Int8)
        )
        .group_by("year")
        .len()
        .sort("year")["len"]
        .to_list()
    )
    assert yearly[2] < 0.97 * yearly[0]


def repeat_rate(cases: pl.DataFrame, window_days: int) -> float:
    """The METRICS.md rule, computed independently: an earlier case, same complainant/product/issue, within N days."""
    keyed = cases.select("case_id", "complainant_id", "product", "issue", "received_at")
    pairs = keyed.join(keyed, on=["complainant_id", "product", "issue"], suffix="_earlier").filter(
        (pl.col("received_at_earlier") < pl.col("received_at"))
        | ((pl.col("received_at_earlier") == pl.col("received_at")) & (pl.col("case_id_earlier") < pl.col("case_id"))),
        (pl.col("received_at").dt.date() - pl.col("received_at_earlier").dt.date()).dt.total_days() <= window_days,
    )
    return pairs["case_id"].n_unique() / cases.height


def test_repeat_complainants_exist_at_a_plausible_rate(demo) -> None:
    rate = repeat_rate(demo.cases, int(setting("repeat", "window_days")))
    assert 0.08 <= rate <= 0.17
    per_person = demo.cases.group_by("complainant_id").len()["len"]
    assert (per_person >= 3).sum() > 0
    assert (per_person == 1).sum() / per_person.len() > 0.8  # a minority repeat
    # A person keeps one name and one phone.
    identity = demo.cases.group_by("complainant_id").agg(pl.col("complainant_name", "phone").n_unique())
    assert identity["complainant_name"].max() == 1 and identity["phone"].max() == 1


def test_handling_times_meet_deadlines_mostly(demo) -> None:
    cases = demo.cases.with_columns(
        deadline=pl.coalesce(
            "deadline_days",
            pl.when(pl.col("channel").is_in(setting("deadlines", "petition_channels")))
            .then(setting("deadlines", "petition_days"))
            .otherwise(setting("deadlines", "complaint_days")),
        ),
        received=pl.col("received_at").dt.date(),
        closed=pl.col("closed_at").dt.date(),
    )
    closed = cases.filter(pl.col("closed").is_not_null())
    on_time = closed["closed"] <= closed["received"] + pl.Series([timedelta(days=int(d)) for d in closed["deadline"]])
    assert 0.92 <= on_time.mean() <= 0.98
    assert (closed["closed_at"] >= closed["received_at"]).all()
    assert (closed["status"] == "已办结").all()
    still_open = cases.filter(pl.col("closed").is_null())
    assert (still_open["status"] == "办理中").all()
    recent = still_open.filter(pl.col("received") >= demo.period.last_month)
    assert recent.height > still_open.height / 2  # mostly recent ...
    assert still_open.height > recent.height  # ... and a few old ones left overdue


def test_late_closures_concentrate_in_a_few_departments(demo) -> None:
    closed = demo.cases.filter(pl.col("closed_at").is_not_null()).with_columns(
        days=(pl.col("closed_at").dt.date() - pl.col("received_at").dt.date()).dt.total_days()
    )
    late = closed.group_by("department").agg(share=(pl.col("days") > 15).mean(), n=pl.len()).filter(pl.col("n") > 1000)
    assert late.height >= 4
    assert late["share"].max() > 2 * late["share"].min()


def test_events_follow_their_cases(demo) -> None:
    events, cases = demo.events, demo.cases
    assert events.join(cases, on="case_id", how="anti").height == 0
    assert events.select("case_id", "stage").is_unique().all()
    assert (events.drop_nulls("finished_at").select(pl.col("finished_at") >= pl.col("started_at"))).to_series().all()
    feedback = events.filter(pl.col("stage") == "反馈").join(cases.select("case_id", "closed_at"), on="case_id")
    assert (feedback.drop_nulls("finished_at").select(pl.col("finished_at") == pl.col("closed_at"))).to_series().all()
    # Tracked from a year before the cut-off; a stage still running at the cut-off has no end.
    tracked_from = datetime(2025, 11, 1)
    assert events["case_id"].n_unique() == cases.filter(pl.col("received_at") >= tracked_from).height
    assert cases.filter(pl.col("case_id").is_in(events["case_id"].implode()))["received_at"].min() >= tracked_from
    assert events["started_at"].max().date() < demo.period.end
    assert events["finished_at"].null_count() > 0
    sla = {stage: rule[0] for stage, rule in setting("sla").items()}
    accept = events.filter(pl.col("stage") == "受理").with_columns(
        minutes=(pl.col("finished_at") - pl.col("started_at")).dt.total_seconds() / 60
    )
    breached = (accept["minutes"] > sla["受理"]).mean()
    assert 0 < breached < 0.2  # mostly within the SLA, some breaches


def test_clear_identity_fields_look_real(demo) -> None:
    cases = demo.cases
    assert cases["complainant_id"].str.contains(r"^\d{10}$").all()
    assert cases["phone"].drop_nulls().str.contains(r"^1[3-9]\d{9}$").all()
    assert cases["complainant_name"].drop_nulls().str.contains(r"^[\u4e00-\u9fff]{2,3}$").all()
    assert 0 < cases["phone"].null_count() < cases.height * 0.1
    assert cases["case_id"].is_unique().all()


def _contract_headers(shared_dir: Path) -> dict[str, list[str]]:
    """The Chinese headers of each table in DATA_CONTRACT.md, in order."""
    text = (shared_dir / "DATA_CONTRACT.md").read_text(encoding="utf-8")
    sections = {
        "cases": "## Complaint cases",
        "customers": "## Customer base",
        "events": "## Case process events",
        "defects": "## Defect and rectification ledger",
    }
    headers: dict[str, list[str]] = {}
    for kind, title in sections.items():
        body = text.split(title, 1)[1].split("\n## ", 1)[0]
        rows = [line.split("|")[1].strip() for line in body.splitlines() if re.match(r"^\|\s*[^-\s|]", line)]
        headers[kind] = rows[1:]  # the first row is the table's own header
    return headers


def test_canonical_csv_has_the_contract_headers_and_formats(demo, tmp_path: Path, shared_dir: Path) -> None:
    small = generate_demo(cases=500, seed=SEED, as_of=AS_OF)
    paths = write_canonical_csv(small, tmp_path)
    expected = _contract_headers(shared_dir)
    expected["contacts"] = ["客户标识", "时间", "方式", "经办人", "结果"]  # issue 15 (not in DATA_CONTRACT.md yet)
    for kind, path in paths.items():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} should start with a UTF-8 BOM"
        read = pl.read_csv(raw[3:], infer_schema=False)
        assert read.columns == expected[kind], kind
        assert read.height == getattr(small, kind).height
    cases = pl.read_csv(paths["cases"], infer_schema=False)
    assert set(cases["是否监管转办"].unique()) <= {"是", "否"}
    assert cases["受理时间"].str.contains(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$").all()
    assert pl.read_csv(paths["customers"], infer_schema=False)["月份"].str.contains(r"^\d{4}-\d{2}$").all()
