"""Complaint cases: when they arrive, who complains about what and where, and how they were handled.

Every attribute is drawn for all cases at once (numpy); cases are kept in order of
received_at, which is also the order of their case ids. Repeat complainants are
follow-up cases linked to an earlier case of the last year; they inherit the
person, region and (mostly) the product and issue of the first case in their chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from warehouse.demo import catalog
from warehouse.demo.draws import choose, choose_by_group, choose_in_blocks
from warehouse.demo.network import Network
from warehouse.demo.people import People, customer_ids, draw_people, names, phones
from warehouse.demo.process import (
    Timeline,
    build_events,
    decision_minutes,
    draw_timeline,
    stop_at_decision,
    to_whole_seconds,
)
from warehouse.demo.seasons import DemoPeriod, daily_weights
from warehouse.settings import setting

SECONDS_PER_DAY = 86_400
FOLLOW_UP_SHARE = 0.14  # cases filed by someone who complained in the year before
CHAIN_SHARE = 0.2  # follow-ups that answer an earlier follow-up rather than a first complaint
SWITCH_SHARE = 0.15  # follow-ups about another product or issue (not repeats by the definition)
FOLLOW_UP_GAP_MEAN_DAYS = 60.0
COMPLEX_SHARE = 0.04  # complaints extended to 30 days (办法 art. 18 allows it for complex cases)
COMPLEX_TYPE_SHARE = 0.12  # further cases typed 复杂 (a plan within 5 days) that keep the default deadline
EXPLICIT_DEADLINE_SHARE = 0.03  # exports that write the default deadline out
LATE_BASE = 0.035  # before the department's delay risk: on-time rate lands around 95%
STUCK_SHARE = 0.002  # old cases still open long past their deadline
SURVEY_SHARE = 0.90
UNHAPPY_BASE, BASIC_SHARE = 0.06, 0.16
REVIEW_SHARE_LATE, REVIEW_SHARE_UNHAPPY = 0.25, 0.10  # 复盘 follows some late or unsatisfied cases
SOURCE_FIRST_TIME_SHARE = 0.20  # exports that state 是否一次性化解 themselves (others are derived)
SOURCE_FIRST_TIME_DISAGREE = 0.03  # the bank's own judgement sometimes differs from the 90-day rule
MEDIA_CHANNEL_EXPOSURE, MEDIA_BACKGROUND = 0.6, 0.0008
# Outcomes of closed cases (seed 000: 84 mis-selling cases paid in advance, average payout ratio 68%).
MEDIATED_SHARE, MEDIATED_LARGE_DISPUTE, MEDIATION_SUCCESS = 0.06, 0.25, 0.74
NOT_MEDIATED_STATED = 0.7  # share of the other closed cases whose export says 未调解 (the rest leave it blank)
PAID_SHARE_WITH_DISPUTE, PAID_SHARE_SERVICE = 0.22, 0.01
PAYOUT_RATIO_LOW, PAYOUT_RATIO_HIGH = 0.35, 1.0
ADVANCE_SHARE_MIS_SELLING, ADVANCE_SHARE_OTHER = 0.3, 0.03
MEDIATION_LABELS = ("未调解", "调解成功", "调解失败")
EVENT_MONTHS = 12  # the workflow system (process events) went live a year before the cut-off
OUTAGE_SHARE = 0.5  # of phone/online first complaints during the mobile-banking outage
OUTAGE_DAYS = 4
SURGE_SIZE = 0.8  # extra cases in the surge week, relative to the province's usual week

# Registration hour of day (China Standard Time).
HOURS_ALL_DAY = np.array(
    [0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 4, 4.5, 4.2, 3, 3.2, 4, 4, 3.6, 3, 2.4, 2.4, 2.6, 2.1, 1.3, 0.7]
)
HOURS_OFFICE = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0.8, 4, 5, 4.5, 1.2, 2.5, 4.6, 4.6, 4, 2, 0.4, 0, 0, 0, 0, 0])


def _index(values: tuple[str, ...] | list[str], names: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array([values.index(n) for n in names if n in values], dtype=np.int64)


def _draw_arrivals(rng: np.random.Generator, count: int, period: DemoPeriod) -> tuple[np.ndarray, ...]:
    """Seconds after the window start (sorted), whether each case is a follow-up, and its channel."""
    weights = daily_weights(period, rng)
    day = np.repeat(np.arange(period.days), rng.multinomial(count, weights / weights.sum()))
    follow = rng.random(count) < FOLLOW_UP_SHARE
    first_w, follow_w = zip(*catalog.CHANNEL_WEIGHTS.values(), strict=True)
    channel = np.where(follow, choose(rng, follow_w, count), choose(rng, first_w, count))
    office = np.isin(channel, _index(list(catalog.CHANNEL_WEIGHTS), catalog.OFFICE_HOUR_CHANNELS))
    hour = np.where(office, choose(rng, HOURS_OFFICE, count), choose(rng, HOURS_ALL_DAY, count))
    seconds = day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, count)
    order = np.argsort(seconds, kind="stable")
    follow = follow[order]
    follow[:1] = False
    return seconds[order], follow, channel[order]


def _draw_parents(rng: np.random.Generator, seconds: np.ndarray, follow: np.ndarray) -> np.ndarray:
    """For a follow-up, an earlier case within 364 days (recent ones likelier); for others, itself.

    Most follow-ups answer a first complaint; some answer an earlier follow-up, which grows the
    chains of the few persistent complainants (linking to any case would let chains snowball).
    """
    count = len(seconds)
    position = np.arange(count)
    elapsed = seconds - seconds[0]
    gap = np.minimum(rng.exponential(FOLLOW_UP_GAP_MEAN_DAYS, count), 364.0) * SECONDS_PER_DAY
    gap = np.where(gap > elapsed, elapsed * rng.random(count), gap)  # near the window start
    target = seconds - gap
    any_case = np.minimum(np.searchsorted(seconds, target, side="left"), position - 1)
    first_cases = np.flatnonzero(~follow)
    nearest_first = np.searchsorted(seconds[first_cases], target, side="left")
    first_case = first_cases[np.minimum(nearest_first, len(first_cases) - 1)]
    parent = np.where((rng.random(count) < CHAIN_SHARE) | (first_case >= position), any_case, first_case)
    return np.where(follow & (position > 0), parent, position)


def resolve_roots(parent: np.ndarray) -> np.ndarray:
    """The first case of each chain, by pointer jumping (parents always come earlier)."""
    root = parent.copy()
    while True:
        jumped = root[root]
        if np.array_equal(jumped, root):
            return root
        root = jumped


def _draw_vulnerable(rng: np.random.Generator, product: np.ndarray) -> np.ndarray:
    groups = catalog.VULNERABLE_GROUPS
    table = np.array(
        [
            [
                p.elderly,
                catalog.DISABLED_SHARE,
                p.small_business,
                p.student,
                1 - p.elderly - catalog.DISABLED_SHARE - p.small_business - p.student,
            ]
            for p in catalog.PRODUCTS
        ]
    )
    assert len(groups) == table.shape[1]
    return choose_by_group(rng, table, product)


def _draw_amounts(rng: np.random.Generator, product: np.ndarray, issue: np.ndarray) -> np.ndarray:
    """Disputed amount in yuan (NaN when none is stated); service complaints rarely state one."""
    count = len(product)
    share = np.array([p.amount_share for p in catalog.PRODUCTS])[product]
    service = np.isin(issue, _index(catalog.ISSUES, ("服务态度", "业务办理效率")))
    stated = rng.random(count) < share * np.where(service, 0.3, 1.0)
    median = np.array([p.amount_median_yuan for p in catalog.PRODUCTS])[product]
    sigma = np.array([p.amount_sigma for p in catalog.PRODUCTS])[product]
    amount = median * np.exp(sigma * rng.standard_normal(count))
    whole_yuan = rng.random(count) < 0.6
    amount = np.where(whole_yuan, np.round(amount), np.round(amount, 2))
    return np.where(stated, amount, np.nan)


def _inject_outage(
    rng: np.random.Generator,
    period: DemoPeriod,
    seconds: np.ndarray,
    follow: np.ndarray,
    channel: np.ndarray,
    product: np.ndarray,
    issue: np.ndarray,
) -> None:
    """A mobile-banking outage of a few days in the last month: the high-frequency alert has something to find."""
    start = ((period.last_month - period.start).days + int(rng.integers(4, 20))) * SECONDS_PER_DAY
    during = (seconds >= start) & (seconds < start + OUTAGE_DAYS * SECONDS_PER_DAY)
    remote = np.isin(channel, _index(list(catalog.CHANNEL_WEIGHTS), ("电话", "网络")))
    hit = during & remote & ~follow & (rng.random(len(seconds)) < OUTAGE_SHARE)
    names = [p.name for p in catalog.PRODUCTS]
    product[hit] = names.index("手机银行")
    issue[hit] = catalog.ISSUES.index("系统故障")


def _inject_regional_surge(
    rng: np.random.Generator,
    period: DemoPeriod,
    network: Network,
    seconds: np.ndarray,
    follow: np.ndarray,
    city: np.ndarray,
    branch: np.ndarray,
    city_weight: np.ndarray,
) -> None:
    """One large province gets a week of extra complaints in the last month (a regional-surge alert)."""
    provinces = network.cities["province"].to_numpy()
    by_province = pl.DataFrame({"province": provinces, "w": city_weight}).group_by("province").agg(pl.col("w").sum())
    largest = by_province.sort("w", descending=True)["province"].head(10).to_list()
    target = largest[int(rng.integers(0, len(largest)))]
    in_target = provinces == target
    week_day = period.last_month + timedelta(days=7)
    week_day += timedelta(days=(7 - week_day.weekday()) % 7)  # a Monday-to-Sunday week inside the month
    start = (week_day - period.start).days * SECONDS_PER_DAY
    in_week = (seconds >= start) & (seconds < start + 7 * SECONDS_PER_DAY)
    usual = in_week.sum() * city_weight[in_target].sum() / city_weight.sum()
    movable = np.flatnonzero(in_week & ~follow & ~in_target[city])
    moved = rng.choice(movable, size=min(len(movable), int(round(SURGE_SIZE * usual))), replace=False)
    target_cities = np.flatnonzero(in_target)
    city[moved] = target_cities[choose(rng, city_weight[target_cities], len(moved))]
    outlets = network.branches
    branch[moved] = choose_in_blocks(rng, outlets["city_index"].to_numpy(), outlets["weight"].to_numpy(), city[moved])


def _assign_departments(rng: np.random.Generator, product: np.ndarray, issue: np.ndarray) -> np.ndarray:
    departments = catalog.DEPARTMENTS
    department = np.array([departments.index(p.department) for p in catalog.PRODUCTS])[product]
    lines = catalog.BUSINESS_LINES
    line = np.array([lines.index(p.business_line) for p in catalog.PRODUCTS])[product]
    for issue_name, (target, share) in catalog.ISSUE_DEPARTMENTS.items():
        exempt = catalog.ISSUE_DEPARTMENT_EXEMPT_LINES.get(issue_name)
        kept = line == lines.index(exempt) if exempt else np.zeros(len(line), dtype=bool)
        moved = (issue == catalog.ISSUES.index(issue_name)) & (rng.random(len(issue)) < share) & ~kept
        department[moved] = departments.index(target)
    return department


def _first_time_resolution(
    rng: np.random.Generator,
    person: np.ndarray,
    product: np.ndarray,
    issue: np.ndarray,
    received_us: np.ndarray,
    closed_us: np.ndarray,
) -> np.ndarray:
    """The source's 是否一次性化解 for a share of closed cases (1/0; -1 = not stated, so the marts derive it):
    no same-product, same-issue case from the same person within 90 days after closing."""
    window_us = int(setting("repeat", "first_time_resolution_days", default=90)) * SECONDS_PER_DAY * 1_000_000
    keys = {"person": person, "product": product, "issue": issue}
    closed = np.isfinite(closed_us)
    left = pl.DataFrame(
        {
            **{k: v[closed] for k, v in keys.items()},
            "row": np.flatnonzero(closed),
            "at": closed_us[closed].astype(np.int64),
        }
    ).sort("at")
    right = pl.DataFrame({**keys, "at": received_us, "next_received": received_us}).sort("at")
    nearest = left.join_asof(
        right, on="at", by=["person", "product", "issue"], strategy="forward", check_sortedness=False
    )  # both sorted on "at" above
    repeated = (nearest["next_received"] - nearest["at"]).fill_null(window_us + 1).to_numpy() <= window_us
    derived = np.zeros(len(person), dtype=bool)
    derived[nearest["row"].to_numpy()] = ~repeated
    disagree = rng.random(len(person)) < SOURCE_FIRST_TIME_DISAGREE
    stated = closed & (rng.random(len(person)) < SOURCE_FIRST_TIME_SHARE)
    return np.where(stated, derived ^ disagree, -1).astype(np.int8)


def _epoch_us(day: date) -> int:
    return int((datetime(day.year, day.month, day.day) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


@dataclass
class CaseCodes:
    """Every case as numbers (indices into the catalog and the network), in received_at order."""

    period: DemoPeriod
    network: Network
    received_us: np.ndarray
    closed_us: np.ndarray  # inf while open
    channel: np.ndarray
    city: np.ndarray
    branch: np.ndarray
    product: np.ndarray
    issue: np.ndarray
    department: np.ndarray
    vulnerable: np.ndarray
    deadline: np.ndarray  # -1: not stated (the marts apply the default)
    first_time: np.ndarray  # -1: not stated
    satisfaction: np.ndarray  # -1: not known yet
    amount: np.ndarray  # NaN: none stated
    litigation: np.ndarray
    mediation: np.ndarray  # index into MEDIATION_LABELS; -1: not stated (and every open case)
    compensation: np.ndarray  # yuan; NaN: not stated
    advance: np.ndarray  # 1 / 0; -1: not stated
    case_type: np.ndarray  # index into catalog.CASE_TYPES
    media: np.ndarray
    phrase: np.ndarray
    demand: np.ndarray
    person_key: np.ndarray  # the first case of the person's chain: a stable key for the customer number
    person: np.ndarray  # index into people
    people: People
    tracked: np.ndarray  # positions of the cases with process events (the last EVENT_MONTHS months)
    timeline: Timeline  # of the tracked cases
    visited: np.ndarray  # tracked cases with a 回访 stage
    review: np.ndarray  # tracked cases with a 复盘 stage

    @property
    def count(self) -> int:
        return len(self.received_us)

    @property
    def cutoff_us(self) -> int:
        return _epoch_us(self.period.end)


def draw_case_codes(rng: np.random.Generator, count: int, period: DemoPeriod, network: Network) -> CaseCodes:
    """Draw every case attribute for all cases at once."""
    products = catalog.PRODUCTS
    channels = list(catalog.CHANNEL_WEIGHTS)
    seconds, follow, channel = _draw_arrivals(rng, count, period)

    city_weight = (network.cities["customers_start"] * network.cities["intensity"]).to_numpy()
    outlets = network.branches
    city = choose(rng, city_weight, count)
    branch = choose_in_blocks(rng, outlets["city_index"].to_numpy(), outlets["weight"].to_numpy(), city)
    product = choose(rng, [p.weight for p in products], count)
    issue_table = np.array([[p.issues.get(i, 0.0) for i in catalog.ISSUES] for p in products])
    issue = choose_by_group(rng, issue_table, product)
    vulnerable = _draw_vulnerable(rng, product)
    amount = _draw_amounts(rng, product, issue)
    _inject_outage(rng, period, seconds, follow, channel, product, issue)
    _inject_regional_surge(rng, period, network, seconds, follow, city, branch, city_weight)

    # Follow-ups take the person, place and (unless they switch topic) the dispute of their chain's first case.
    root = resolve_roots(_draw_parents(rng, seconds, follow))
    same_topic = ~(follow & (rng.random(count) < SWITCH_SHARE))
    city, branch, vulnerable = city[root], branch[root], vulnerable[root]
    product = np.where(same_topic, product[root], product)
    issue = np.where(same_topic, issue[root], issue)
    amount = np.where(same_topic, amount[root], amount)
    department = _assign_departments(rng, product, issue)

    # Deadlines: most exports leave them blank (the marts apply the defaults); complex ones say 30 days.
    complaint_days = int(setting("deadlines", "complaint_days", default=15))
    petition = np.isin(channel, _index(channels, setting("deadlines", "petition_channels", default=[])))
    default_days = np.where(petition, int(setting("deadlines", "petition_days", default=60)), complaint_days)
    u = rng.random(count)
    complex_case = (u < COMPLEX_SHARE) & ~petition
    deadline = np.where(complex_case, 2 * complaint_days, default_days)
    explicit = complex_case | (u > 1 - EXPLICIT_DEADLINE_SHARE)

    litigation_share = np.array([p.litigation for p in products])[product] * np.where(amount >= 50_000, 3.0, 1.0)
    litigation = rng.random(count) < litigation_share
    # 案件类型: 诉讼 when litigated; 复杂 for the extended ones and some more; else 简单 (it chooses the 决策 clock).
    complex_type = complex_case | (rng.random(count) < COMPLEX_TYPE_SHARE)
    case_type = np.where(litigation, 2, np.where(complex_type, 1, 0))
    decision_clock = np.array([decision_minutes(t) for t in catalog.CASE_TYPES])[case_type]

    risk = np.array([catalog.DEPARTMENT_DELAY_RISK[d] for d in catalog.DEPARTMENTS])[department]
    breach = np.array([catalog.DEPARTMENT_SLA_BREACH[d] for d in catalog.DEPARTMENTS])[department]
    late = rng.random(count) < LATE_BASE * risk * np.where(follow, 1.3, 1.0)
    timeline = draw_timeline(rng, deadline, late, breach, decision_clock)
    cutoff = period.days * SECONDS_PER_DAY
    overdue_by_far = seconds + (deadline + 30) * SECONDS_PER_DAY < cutoff
    # Cases stuck in 决策 (open long past due) come from the departments that breach their clocks.
    stop_at_decision(timeline, (rng.random(count) < STUCK_SHARE * breach / breach.max()) & overdue_by_far)

    start_us = _epoch_us(period.start)
    received_us = start_us + seconds * 1_000_000
    closed_s = seconds + to_whole_seconds(timeline.closed)
    is_open = closed_s >= cutoff
    closed_us = np.where(is_open, np.inf, start_us + closed_s * 1_000_000)

    surveyed = rng.random(count) < SURVEY_SHARE
    survey_done = seconds + timeline.visit_end * 60 < cutoff
    unhappy = UNHAPPY_BASE * np.where(late, 3.0, 1.0) * np.where(follow, 2.0, 1.0)
    u = rng.random(count)
    satisfied, basic, unsatisfied = (catalog.SATISFACTION.index(s) for s in ("满意", "基本满意", "不满意"))
    satisfaction = np.where(u < unhappy, unsatisfied, np.where(u < unhappy + BASIC_SHARE, basic, satisfied))
    satisfaction = np.where(surveyed, satisfaction, catalog.SATISFACTION.index("未回访"))
    satisfaction = np.where(~is_open & (~surveyed | survey_done), satisfaction, -1)
    unhappy_case = satisfaction == catalog.SATISFACTION.index("不满意")
    review = ~is_open & (
        (late & (rng.random(count) < REVIEW_SHARE_LATE)) | (unhappy_case & (rng.random(count) < REVIEW_SHARE_UNHAPPY))
    )

    media = rng.random(count) < np.where(channel == channels.index("媒体"), MEDIA_CHANNEL_EXPOSURE, MEDIA_BACKGROUND)
    phrase = issue * 3 + rng.integers(0, 3, count)
    demand = rng.integers(0, len(catalog.DEMANDS), count)
    first_time = _first_time_resolution(rng, root, product, issue, received_us, closed_us)
    persons, person = np.unique(root, return_inverse=True)
    people = draw_people(len(persons), rng)

    tracked = np.flatnonzero(received_us >= _epoch_us(_months_before(period.end, EVENT_MONTHS)))
    mediation, compensation, advance = _draw_outcomes(received_us, ~is_open, amount, product, issue)
    return CaseCodes(
        period=period,
        network=network,
        received_us=received_us,
        closed_us=closed_us,
        channel=channel.astype(np.int8),
        city=city.astype(np.int16),
        branch=branch.astype(np.int16),
        product=product.astype(np.int8),
        issue=issue.astype(np.int8),
        department=department.astype(np.int8),
        vulnerable=vulnerable.astype(np.int8),
        deadline=np.where(explicit, deadline, -1).astype(np.int16),
        first_time=first_time,
        satisfaction=satisfaction.astype(np.int8),
        amount=amount,
        litigation=litigation,
        mediation=mediation,
        compensation=compensation,
        advance=advance,
        case_type=case_type.astype(np.int8),
        media=media,
        phrase=phrase.astype(np.int16),
        demand=demand.astype(np.int8),
        person_key=root,
        person=person.astype(np.int64),
        people=people,
        tracked=tracked,
        timeline=timeline.take(tracked),
        visited=(surveyed & ~is_open)[tracked],
        review=review[tracked],
    )


def _draw_outcomes(
    received_us: np.ndarray, closed: np.ndarray, amount: np.ndarray, product: np.ndarray, issue: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """调解结果, 赔付金额 and 是否先行赔付 of the closed cases (open ones have none yet).

    Drawn from a generator of their own, seeded from the cases, so the draws before them (and every
    figure the demo gave before outcomes existed) stay as they were."""
    rng = np.random.default_rng(np.random.SeedSequence([len(received_us), int(received_us[:64].sum() % 2**62)]))
    count = len(received_us)
    disputed = ~np.isnan(amount)
    large = disputed & (np.nan_to_num(amount) >= 50_000)
    mediated = closed & (rng.random(count) < np.where(large, MEDIATED_LARGE_DISPUTE, MEDIATED_SHARE))
    succeeded = rng.random(count) < MEDIATION_SUCCESS
    mediation = np.where(mediated, np.where(succeeded, 1, 2), np.where(rng.random(count) < NOT_MEDIATED_STATED, 0, -1))
    mediation = np.where(closed, mediation, -1).astype(np.int8)

    paid = closed & (rng.random(count) < np.where(disputed, PAID_SHARE_WITH_DISPUTE, PAID_SHARE_SERVICE))
    ratio = rng.uniform(PAYOUT_RATIO_LOW, PAYOUT_RATIO_HIGH, count)
    goodwill = np.round(rng.uniform(50, 2000, count), 2)  # a service complaint settled with a small payment
    payment = np.where(disputed, np.round(np.nan_to_num(amount) * ratio, 2), goodwill)
    # A case with a stated dispute that was not paid reads 0; one without a dispute and no payment is blank.
    compensation = np.where(paid, payment, np.where(closed & disputed, 0.0, np.nan))
    mis_selling = np.isin(product, [i for i, p in enumerate(catalog.PRODUCTS) if p.name in ("代销理财", "代销保险")])
    mis_selling &= issue == catalog.ISSUES.index("销售误导")
    in_advance = rng.random(count) < np.where(mis_selling, ADVANCE_SHARE_MIS_SELLING, ADVANCE_SHARE_OTHER)
    advance = np.where(paid, in_advance.astype(np.int8), np.where(closed & disputed, 0, -1)).astype(np.int8)
    return mediation, compensation, advance


def _labels(values: tuple[str, ...] | list[str], codes: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, list(values)).gather(codes)


def _nullable_labels(values: tuple[str, ...] | list[str], codes: np.ndarray, name: str) -> pl.Series:
    """Labels where code -1 means null."""
    return pl.Series(name, [*values, None]).gather(np.where(codes < 0, len(values), codes))


def case_frame(codes: CaseCodes, rows: slice) -> pl.DataFrame:
    """The canonical case columns (DATA_CONTRACT.md) of the cases at positions `rows`."""
    products = catalog.PRODUCTS
    channels = list(catalog.CHANNEL_WEIGHTS)
    region, outlets, period = codes.network.cities, codes.network.branches, codes.period
    position = np.arange(rows.start, rows.stop)
    received_us = codes.received_us[rows]
    closed_us = codes.closed_us[rows]
    is_open = ~np.isfinite(closed_us)
    channel, product, issue = codes.channel[rows], codes.product[rows], codes.issue[rows]
    city = codes.city[rows]

    # Case ids: TS + received date + sequence of the day, so they sort like received_at.
    day_us = SECONDS_PER_DAY * 1_000_000
    day = (received_us - _epoch_us(period.start)) // day_us
    first_of_day = np.searchsorted(codes.received_us, _epoch_us(period.start) + day * day_us, side="left")
    sequence = position - first_of_day + 1
    day_label = pl.Series([(period.start + timedelta(days=d)).strftime("%Y%m%d") for d in range(period.days)])
    phrases = [text for issue_name in catalog.ISSUES for text in catalog.ISSUE_PHRASES[issue_name]]
    product_names = [p.name for p in products]
    person = codes.person[rows]
    deadline = codes.deadline[rows]
    first_time = codes.first_time[rows]
    amount = codes.amount[rows]
    return pl.DataFrame(
        [
            day_label.gather(day).alias("day"),
            pl.Series(sequence).cast(pl.String).str.zfill(6).alias("sequence"),
        ]
    ).select(
        pl.concat_str(pl.lit("TS"), "day", "sequence").alias("case_id"),
        pl.Series("received_at", received_us).cast(pl.Datetime("us")),
        pl.Series("closed_at", np.where(is_open, 0, closed_us).astype(np.int64))
        .cast(pl.Datetime("us"))
        .set(pl.Series(is_open), None),
        _labels(("已办结", "办理中"), is_open.astype(np.int8), "status"),
        _labels(channels, channel, "channel"),
        _labels([p.business_line for p in products], product, "business_line"),
        _labels(product_names, product, "product"),
        _labels(catalog.ISSUES, issue, "issue"),
        _labels(region["province"].to_list(), city, "province"),
        _labels(region["city"].to_list(), city, "city"),
        _labels(outlets["branch"].to_list(), codes.branch[rows], "branch"),
        _labels(catalog.DEPARTMENTS, codes.department[rows], "department"),
        customer_ids(codes.person_key[rows]),
        names(codes.people, person),
        phones(codes.people, person),
        _labels(catalog.VULNERABLE_GROUPS, codes.vulnerable[rows], "vulnerable_group"),
        pl.Series("regulator_referred", np.isin(channel, _index(channels, catalog.REGULATOR_CHANNELS))),
        pl.Series("deadline_days", deadline, pl.Int32).set(pl.Series(deadline < 0), None),
        pl.Series("resolved_first_time", first_time == 1).set(pl.Series(first_time < 0), None),
        _nullable_labels(catalog.SATISFACTION, codes.satisfaction[rows], "satisfaction"),
        pl.Series("amount_disputed", amount, pl.Float64, nan_to_null=True).cast(pl.Decimal(18, 2)),
        pl.Series("litigation", codes.litigation[rows]),
        pl.Series("media_exposure", codes.media[rows]),
        _labels(catalog.CASE_TYPES, codes.case_type[rows], "case_type"),
        pl.concat_str(
            pl.lit("客户反映"),
            _labels(product_names, product, "p"),
            _labels(phrases, codes.phrase[rows], "x"),
            pl.lit("，"),
            _labels(catalog.DEMANDS, codes.demand[rows], "d"),
            pl.lit("。"),
        ).alias("summary"),
        _nullable_labels(MEDIATION_LABELS, codes.mediation[rows], "mediation"),
        pl.Series("compensation", codes.compensation[rows], pl.Float64, nan_to_null=True).cast(pl.Decimal(18, 2)),
        pl.Series("advance_payment", codes.advance[rows] == 1).set(pl.Series(codes.advance[rows] < 0), None),
        pl.Series("defect_ids", [None] * len(person), pl.String),
    )


def event_frame(codes: CaseCodes, case_ids: pl.Series, rows: slice) -> pl.DataFrame:
    """Process events of the tracked cases among positions `rows` (`case_ids` are those rows' ids)."""
    lo, hi = np.searchsorted(codes.tracked, [rows.start, rows.stop])
    positions = codes.tracked[lo:hi]
    span = np.arange(lo, hi)
    return build_events(
        case_ids.gather(positions - rows.start),
        codes.received_us[positions],
        codes.timeline.take(span),
        codes.visited[span],
        codes.review[span],
        codes.cutoff_us,
    )


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
