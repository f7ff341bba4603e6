"""Complainants in clear: customer numbers, Chinese names, mobile numbers (the importer hashes/masks them).

The random choices are drawn once per person as small integer codes; the strings are built
later, one slice of cases at a time, so that ten million cases never hold two copies of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# Common surnames, most frequent first; drawn with a Zipf-like weight.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国志文辉力斌宇浩凯鹏飞俊峰琳婷雪慧颖倩晨欣怡佳"
    "梓子轩涵博一嘉诗雨思晓海林云春梅丹宁鑫波东欢荣新亮成翔鸿瑶蕾璐睿泽昊然悦彤"
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
)
# Customer numbers: a bijection of the person's key modulo a 10-digit prime, so ids are unique
# but do not reveal the order in which complainants appeared.
ID_MODULUS = 9_999_999_967
ID_MULTIPLIER = 7_919_123
ID_OFFSET = 1_234_567_891
TWO_CHARACTER_SHARE = 0.65
MISSING_NAME_SHARE, MISSING_PHONE_SHARE = 0.01, 0.04


@dataclass(frozen=True)
class People:
    """One entry per person: the codes of their name and phone."""

    surname: np.ndarray
    first: np.ndarray
    second: np.ndarray  # -1: a one-character given name
    name_missing: np.ndarray
    prefix: np.ndarray
    line: np.ndarray
    phone_missing: np.ndarray


def draw_people(count: int, rng: np.random.Generator) -> People:
    surname_weight = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
    second = rng.integers(0, len(GIVEN), count).astype(np.int16)
    return People(
        surname=rng.choice(len(SURNAMES), count, p=surname_weight / surname_weight.sum()).astype(np.int16),
        first=rng.integers(0, len(GIVEN), count).astype(np.int16),
        second=np.where(rng.random(count) < TWO_CHARACTER_SHARE, second, -1).astype(np.int16),
        name_missing=rng.random(count) < MISSING_NAME_SHARE,
        prefix=rng.integers(0, len(MOBILE_PREFIXES), count).astype(np.int8),
        line=rng.integers(0, 100_000_000, count).astype(np.int32),
        phone_missing=rng.random(count) < MISSING_PHONE_SHARE,
    )


def customer_ids(person_key: np.ndarray) -> pl.Series:
    scrambled = (person_key.astype(np.int64) * ID_MULTIPLIER + ID_OFFSET) % ID_MODULUS
    return pl.Series("complainant_id", scrambled).cast(pl.String).str.zfill(10)


def names(people: People, index: np.ndarray) -> pl.Series:
    second = people.second[index]
    frame = pl.DataFrame(
        {
            "s": pl.Series(list(SURNAMES)).gather(people.surname[index]),
            "a": pl.Series(list(GIVEN)).gather(people.first[index]),
            "b": pl.Series(list(GIVEN)).gather(np.maximum(second, 0)),
            "two": second >= 0,
            "missing": people.name_missing[index],
        }
    )
    return frame.select(
        pl.when(pl.col("missing"))
        .then(None)
        .when(pl.col("two"))
        .then(pl.concat_str("s", "a", "b"))
        .otherwise(pl.concat_str("s", "a"))
        .alias("complainant_name")
    ).to_series()


def phones(people: People, index: np.ndarray) -> pl.Series:
    frame = pl.DataFrame(
        {
            "p": pl.Series(MOBILE_PREFIXES).gather(people.prefix[index]),
            "l": pl.Series(people.line[index]).cast(pl.String).str.zfill(8),
            "m": people.phone_missing[index],
        }
    )
    return frame.select(pl.when(pl.col("m")).then(None).otherwise(pl.concat_str("p", "l")).alias("phone")).to_series()
