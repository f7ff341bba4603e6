"""The demo bank's footprint: main cities of the 31 mainland provinces, ~1,600 outlets, its customers.

Everything is proportional to the 2020 census (warehouse/reference): a province's
customers follow its population, a city's outlets follow its population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.demo.seasons import DemoPeriod
from warehouse.reference.regions import cities, provinces

NOT_MAINLAND = ("sar",)  # Hong Kong, Macao; Taiwan is excluded by name below
EXCLUDED_PROVINCES = ("台湾省",)
MAIN_CITY_MIN_POPULATION = 2_500_000  # plus every provincial capital
TOTAL_BRANCHES = 1600
MIN_BRANCHES_PER_CITY = 2
CAPITAL_WEIGHT = 1.3  # capitals host the tier-one branch and more than their share of customers
PERSONAL_CUSTOMERS_AT_START = 100_000_000
CUSTOMER_GROWTH_MEAN, CUSTOMER_GROWTH_SD = 0.04, 0.015  # per year, per province
PROVINCE_NOISE_SD = 0.08  # how far a province's customer share strays from its population share
COMPLAINT_INTENSITY_SD = 0.25  # provinces differ in complaints per customer

# Real district names for the largest cities; other cities use common sub-branch names.
DISTRICTS: dict[str, tuple[str, ...]] = {
    "北京市": (
        "东城",
        "西城",
        "朝阳",
        "海淀",
        "丰台",
        "石景山",
        "通州",
        "顺义",
        "昌平",
        "大兴",
        "房山",
        "门头沟",
        "怀柔",
        "平谷",
        "密云",
        "延庆",
        "中关村",
        "金融街",
        "望京",
        "亦庄",
        "国贸",
    ),
    "上海市": (
        "黄浦",
        "徐汇",
        "长宁",
        "静安",
        "普陀",
        "虹口",
        "杨浦",
        "闵行",
        "宝山",
        "嘉定",
        "浦东",
        "金山",
        "松江",
        "青浦",
        "奉贤",
        "崇明",
        "陆家嘴",
        "张江",
        "临港",
        "虹桥",
    ),
    "天津市": (
        "和平",
        "河东",
        "河西",
        "南开",
        "河北",
        "红桥",
        "滨海新区",
        "东丽",
        "西青",
        "津南",
        "北辰",
        "武清",
        "宝坻",
        "宁河",
        "静海",
        "蓟州",
    ),
    "重庆市": (
        "渝中",
        "江北",
        "南岸",
        "沙坪坝",
        "九龙坡",
        "大渡口",
        "渝北",
        "巴南",
        "北碚",
        "万州",
        "涪陵",
        "永川",
        "合川",
        "江津",
        "长寿",
        "璧山",
        "綦江",
        "大足",
        "铜梁",
        "潼南",
        "荣昌",
        "开州",
        "梁平",
        "黔江",
        "南川",
    ),
    "广州市": ("越秀", "海珠", "荔湾", "天河", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城", "珠江新城"),
    "深圳市": ("福田", "罗湖", "南山", "宝安", "龙岗", "龙华", "盐田", "坪山", "光明", "大鹏", "前海", "科技园"),
    "成都市": (
        "锦江",
        "青羊",
        "金牛",
        "武侯",
        "成华",
        "龙泉驿",
        "青白江",
        "新都",
        "温江",
        "双流",
        "郫都",
        "新津",
        "高新",
        "天府新区",
    ),
    "杭州市": ("上城", "拱墅", "西湖", "滨江", "萧山", "余杭", "临平", "钱塘", "富阳", "临安"),
    "武汉市": (
        "江岸",
        "江汉",
        "硚口",
        "汉阳",
        "武昌",
        "青山",
        "洪山",
        "东西湖",
        "蔡甸",
        "江夏",
        "黄陂",
        "新洲",
        "光谷",
    ),
    "南京市": ("玄武", "秦淮", "建邺", "鼓楼", "浦口", "栖霞", "雨花台", "江宁", "六合", "溧水", "高淳"),
    "西安市": ("新城", "碑林", "莲湖", "灞桥", "未央", "雁塔", "临潼", "长安", "高陵", "鄠邑", "高新"),
    "苏州市": ("姑苏", "虎丘", "吴中", "相城", "吴江", "工业园区", "昆山", "常熟", "张家港", "太仓"),
}
COMMON_STEMS: tuple[str, ...] = (
    "城东",
    "城西",
    "城南",
    "城北",
    "高新区",
    "经济开发区",
    "新区",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "人民广场",
    "火车站",
    "滨江",
    "湖滨",
    "大学城",
    "科技园",
    "金融街",
    "商务区",
    "长江路",
    "黄河路",
    "和平路",
    "文化路",
    "胜利路",
    "新华路",
    "光明路",
    "友谊路",
    "朝阳路",
    "青年路",
    "北京路",
    "上海路",
    "南京路",
    "工业园区",
    "保税区",
    "港区",
    "机场路",
    "体育中心",
    "会展中心",
    "世纪大道",
    "东风路",
    "迎宾路",
    "五一路",
    "八一路",
    "红旗路",
    "幸福路",
    "育才路",
    "学府路",
    "花园路",
    "锦绣路",
    "开元路",
    "振兴路",
    "复兴路",
    "团结路",
    "香江路",
    "天山路",
    "华山路",
    "泰山路",
    "珠江路",
    "汉江路",
    "民主路",
)


@dataclass(frozen=True)
class Network:
    cities: pl.DataFrame  # one row per main city: province, city, city_short, population, branches, customers_start,
    #                       growth, intensity
    branches: pl.DataFrame  # one row per outlet: branch, city_index, weight


def main_cities() -> pl.DataFrame:
    """Every provincial capital and every other prefecture-level city of 2.5 million or more (31 provinces)."""
    kinds = {p.name: p.kind for p in provinces()}
    rows = [
        {
            "province": c.province,
            "city": c.name,
            "city_short": c.short,
            "population": c.population_2020,
            "capital": c.code.endswith("0100"),
        }
        for c in cities()
        if kinds.get(c.province) not in NOT_MAINLAND
        and c.province not in EXCLUDED_PROVINCES
        and c.population_2020 is not None
        and c.code[2:4] != "90"  # xx90xx: county-level, province-administered
        and (c.code.endswith("0100") or c.population_2020 >= MAIN_CITY_MIN_POPULATION)
    ]
    return pl.DataFrame(rows).sort("province", "population", descending=[False, True])


def _mainland_population() -> dict[str, int]:
    return {
        p.name: p.population_2020
        for p in provinces()
        if p.kind not in NOT_MAINLAND and p.name not in EXCLUDED_PROVINCES
    }


def allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split `total` into integers proportional to `weights`, each at least `minimum` (largest remainder)."""
    spare = total - minimum * len(weights)
    quota = spare * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    short = spare - int(counts.sum())
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return counts + minimum


def _branch_names(city: str, city_short: str, count: int) -> list[str]:
    stems = list(dict.fromkeys(DISTRICTS.get(city, ()) + COMMON_STEMS))
    stems += [f"第{i}" for i in range(1, count - len(stems))]  # never needed at ~1,600 outlets; keeps names unique
    return [f"{city_short}分行营业部"] + [f"{city_short}分行{stem}支行" for stem in stems[: count - 1]]


def build_network(rng: np.random.Generator) -> Network:
    frame = main_cities()
    population = frame["population"].to_numpy().astype(float)
    weight = population * np.where(frame["capital"].to_numpy(), CAPITAL_WEIGHT, 1.0)
    branches = allocate(TOTAL_BRANCHES, weight, MIN_BRANCHES_PER_CITY)

    province_pop = _mainland_population()
    names = sorted(province_pop)
    noise = dict(zip(names, rng.lognormal(0.0, PROVINCE_NOISE_SD, len(names)), strict=True))
    growth = dict(
        zip(names, np.clip(rng.normal(CUSTOMER_GROWTH_MEAN, CUSTOMER_GROWTH_SD, len(names)), 0.005, 0.08), strict=True)
    )
    intensity = dict(zip(names, rng.lognormal(0.0, COMPLAINT_INTENSITY_SD, len(names)), strict=True))
    share = {p: province_pop[p] * noise[p] for p in names}
    total_share = sum(share.values())

    frame = frame.with_columns(branches=pl.Series(branches), weight=pl.Series(weight))
    frame = frame.with_columns(
        customers_start=(
            PERSONAL_CUSTOMERS_AT_START
            * pl.col("province").replace_strict(share, return_dtype=pl.Float64)
            / total_share
            * pl.col("weight")
            / pl.col("weight").sum().over("province")
        ),
        growth=pl.col("province").replace_strict(growth, return_dtype=pl.Float64),
        intensity=pl.col("province").replace_strict(intensity, return_dtype=pl.Float64),
    ).drop("weight")

    outlet_rows: list[dict[str, object]] = []
    for index, (city, city_short, count) in enumerate(frame.select("city", "city_short", "branches").iter_rows()):
        # 营业部 (the city's main office) takes more cases than a typical sub-branch.
        weights = np.concatenate([[2.5], rng.lognormal(0.0, 0.4, count - 1)])
        outlet_rows += [
            {"branch": name, "city_index": index, "weight": float(w)}
            for name, w in zip(_branch_names(city, city_short, count), weights, strict=True)
        ]
    return Network(cities=frame, branches=pl.DataFrame(outlet_rows))


def customer_base(network: Network, period: DemoPeriod, rng: np.random.Generator) -> pl.DataFrame:
    """One row per province x city x month: personal customers growing slowly, outlets constant."""
    months = pl.date_range(period.start, period.last_month, interval="1mo", eager=True).alias("month")
    frame = (
        network.cities.select("province", "city", "customers_start", "growth", "branches")
        .join(months.to_frame(), how="cross")
        .with_columns(
            elapsed=(pl.col("month").dt.year() - period.start.year) * 12
            + pl.col("month").dt.month()
            - period.start.month
        )
    )
    wobble = rng.normal(0.0, 0.002, frame.height)
    return frame.select(
        "province",
        "city",
        "month",
        personal_customers=(
            pl.col("customers_start") * (1 + pl.col("growth")) ** (pl.col("elapsed") / 12) * (1 + pl.Series(wobble))
        )
        .round()
        .cast(pl.Int64),
        branches=pl.col("branches").cast(pl.Int64),
    ).sort("province", "city", "month")
