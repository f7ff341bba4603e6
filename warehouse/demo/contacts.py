"""The demo's contact log (一人一档, --kind contacts): what the center did for people who came back.

Most people with two or more cases in the last year were contacted one to three times, each a few days to a
few weeks after one of their cases (来电 mostly; 上门, 约谈 and 书面 for the harder ones); some were not
contacted at all, so the watch list's 待联系 mark has work to show.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.demo.people import customer_ids

CONTACTED_SHARE = 0.7  # of people with 2+ cases in the year before the cut-off
LATEST_SHARE = 0.6  # contacts that follow the person's latest case (the others follow an earlier one)
METHODS = ("来电", "上门", "约谈", "书面")
METHOD_WEIGHTS = np.array([0.55, 0.15, 0.15, 0.15])
STAFF = ("李经理", "王主管", "张专员", "陈专员", "刘经理", "赵主管")
OUTCOMES = {
    "来电": ("已解释政策，客户表示理解", "客户仍有异议，约定再次联系", "已告知处理进度"),
    "上门": ("上门走访，当面解释", "走访未遇，留下联系卡"),
    "约谈": ("约谈达成和解协议", "约谈后客户同意调解"),
    "书面": ("已寄送书面答复", "已出具情况说明"),
}
SECONDS_PER_DAY = 86_400
MICROS = 1_000_000


def draw_contacts(
    rng: np.random.Generator, person_key: np.ndarray, received_us: np.ndarray, cutoff_us: int, since_us: int
) -> pl.DataFrame:
    """Contacts of the people with 2+ cases received since `since_us`: complainant_id (clear, as the cases
    carry it), contacted_at, method, staff, outcome; all before the cut-off."""
    recent = received_us >= since_us
    people, counts = np.unique(person_key[recent], return_counts=True)
    contacted = people[(counts >= 2) & (rng.random(len(people)) < CONTACTED_SHARE)]
    # Anchor each contact on one of the person's recent cases: its receipt plus 1-25 days.
    recent_keys, recent_times = person_key[recent], received_us[recent]
    order = np.argsort(recent_keys, kind="stable")
    first = np.searchsorted(recent_keys[order], contacted, "left")
    last = np.searchsorted(recent_keys[order], contacted, "right")
    per_person = rng.integers(1, 4, len(contacted))
    who = np.repeat(np.arange(len(contacted)), per_person)
    anywhere = first[who] + (rng.random(len(who)) * (last[who] - first[who])).astype(np.int64)
    pick = np.where(rng.random(len(who)) < LATEST_SHARE, last[who] - 1, anywhere)  # mostly after the latest case
    day_us = SECONDS_PER_DAY * MICROS
    day = (recent_times[order][pick] // day_us + rng.integers(1, 26, len(who))) * day_us
    at = day + (rng.uniform(9, 17.5, len(who)) * 3600).astype(np.int64) * MICROS  # office hours
    keep = at < cutoff_us
    who, at = who[keep], at[keep]
    method = rng.choice(len(METHODS), len(who), p=METHOD_WEIGHTS)
    outcome = [
        OUTCOMES[METHODS[m]][i % len(OUTCOMES[METHODS[m]])]
        for m, i in zip(method, rng.integers(0, 6, len(who)), strict=True)
    ]
    frame = pl.DataFrame(
        {
            "complainant_id": customer_ids(contacted[who]),
            "contacted_at": pl.Series(at // MICROS * MICROS).cast(pl.Datetime("us")),
            "method": pl.Series(list(METHODS)).gather(method),
            "staff": pl.Series(list(STAFF)).gather(rng.integers(0, len(STAFF), len(who))),
            "outcome": pl.Series(outcome, dtype=pl.String),
        }
    )
    # One row per (person, moment, method): the contact log's natural key.
    return frame.unique(["complainant_id", "contacted_at", "method"], keep="first", maintain_order=True)
