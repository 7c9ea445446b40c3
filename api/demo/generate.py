"""A deterministic demonstration district: parks, enterprises, monthly reports, certifications.

**Demonstration data.** Every enterprise is invented (names begin with 示范, the ``demo``
column is true); only the district's shape and its 2020 totals follow the published plan.
The same seed and ``through`` month always give the same frames. Nothing here touches the
database: loading is the caller's business.

Calibration (2020, above-size enterprises, as quoted from the 綦江区"十四五"工业高质量发展规划 in
``factors/plans/qijiang_2021_2025/source.yaml``):

* gross output 428.05 亿元 = 4,280,500 万元;
* value added 137 亿元 = 1,370,000 万元;
* park concentration 73 % (gross output of enterprises in counted parks);
* primary aluminium 31.02 万吨 = 310,200 t.

Each holds before rounding; the report lines are rounded to two decimals in the unit sent, so
the sums of the lines differ from these by far less than 0.1 %.

Energy quantities are derived from per-industry intensities (tce per 万元 of value added)
and converted to the units enterprises report with the GB/T 2589 equivalent-value
coefficients (shared/DOMAIN.md): electricity 0.1229 kgce/kWh, natural gas 1.2143 kgce/m3,
raw coal 0.7143 kgce/kg, diesel 1.4571 kgce/kg, heat 0.03412 kgce/MJ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from stdnum.cn import uscc as uscc_check

from carbon.periods import Period, months_between

__all__ = ["REPORT_COLUMNS", "DemoDistrict", "generate_demo", "last_full_month"]

FIRST = Period(2020, 1)
#: Noise is drawn for every month up to this one whatever ``through`` is, so a shorter run
#: is an exact prefix of a longer one.
HORIZON = Period(2030, 12)

#: The batch CSV shape of shared/API.md: one row per line.
REPORT_COLUMNS: tuple[str, ...] = (
    "uscc",
    "period",
    "section",
    "item",
    "quantity",
    "unit",
    "generated",
    "from_storage",
    "utilised",
    "disposed",
    "stored",
)

# 2020 calibration figures (the plan; see the module docstring).
GROSS_OUTPUT_2020 = 4_280_500.0  # 万元
VALUE_ADDED_2020 = 1_370_000.0  # 万元
PARK_SHARE_2020 = 0.73
PRIMARY_ALUMINIUM_2020 = 310_200.0  # t

# GB/T 2589 equivalent-value coefficients, tce per unit (shared/DOMAIN.md).
TCE_PER = {
    "electricity": 0.1229e-3,  # per kWh
    "natural_gas": 1.2143e-3,  # per m3
    "raw_coal": 0.7143,  # per t
    "diesel": 1.4571,  # per t
    "heat_purchased": 0.03412,  # per GJ
}

# ------------------------------------------------------------------------------ the district

PARKS: tuple[tuple[str, str, bool], ...] = (
    ("QIAOHE", "桥河组团", True),
    ("BEIDU", "北渡组团", True),
    ("TONGHUI", "通惠组团", True),
    ("YONGTONG", "永桐新城组团", True),
    ("FUHUAN", "扶欢组团", True),
    ("ANWEN", "安稳组团", True),
    ("SANJIANG", "三江街道", False),
    ("DONGXI", "东溪镇", False),
    ("GANSHUI", "赶水镇", False),
    ("SHIJIAO", "石角镇", False),
)
_COUNTS = {code: counts for code, _, counts in PARKS}


@dataclass(frozen=True)
class _Industry:
    key: str
    codes: tuple[str, ...]  # GB/T 4754-2017 class codes, used in turn
    count: int
    gross_output: float  # 2020 total, 万元, before the park calibration
    va_rate: float  # value added ÷ gross output, before the VA calibration
    intensity: float  # tce per 万元 of value added, 2020
    mix: tuple[tuple[str, float], ...]  # share of energy (tce) by carrier
    water: float  # m3 of fresh water per 万元 of value added, 2020
    places: tuple[str, ...]  # parks/towns, used in turn
    stems: tuple[str, ...]  # name parts
    product: tuple[str, float] | None = None  # (product, 万元 of 2020 gross output per t)
    waste: tuple[tuple[str, float, float], ...] = ()  # (category, t per 万元 GO, 2020 use rate)


INDUSTRIES: tuple[_Industry, ...] = (
    # Recyclers of aluminium scrap: 3216 铝冶炼 takes in secondary aluminium too.
    _Industry(
        "al_recycle", ("3216",), 5, 420_000, 0.12, 0.90,
        (("natural_gas", 0.75), ("electricity_grid", 0.25)), 6.0,
        ("BEIDU", "FUHUAN", "SANJIANG"),
        ("再生铝业", "铝资源再生", "循环铝业", "铝合金锭", "再生金属"),
        ("recycled_aluminium_alloy", 1.55),
        (("smelting_slag", 0.020, 0.50), ("aluminium_dross", 0.012, 0.80)),
    ),
    _Industry(
        "al_process", ("3252", "3392"), 6, 600_000, 0.22, 0.45,
        (("natural_gas", 0.50), ("electricity_grid", 0.50)), 10.0,
        ("BEIDU", "QIAOHE", "FUHUAN"),
        ("铝型材", "铝板带", "铝压铸", "轻合金", "铝箔", "铝精密件"),
        ("aluminium_products", 2.10),
        (("aluminium_dross", 0.004, 0.85), ("general_other", 0.002, 0.90)),
    ),
    _Industry(
        "gears", ("3453",), 9, 520_000, 0.35, 0.15,
        (("electricity_grid", 0.75), ("natural_gas", 0.25)), 5.0,
        ("QIAOHE", "TONGHUI", "SANJIANG"),
        ("齿轮", "传动", "变速器", "精密齿轮", "齿轮箱", "减速机", "传动轴", "锻齿", "同步器"),
        None,
        (("smelting_slag", 0.004, 0.60), ("general_other", 0.003, 0.90)),
    ),
    _Industry(
        "auto_parts", ("3670",), 12, 900_000, 0.30, 0.10,
        (("electricity_grid", 0.80), ("natural_gas", 0.20)), 4.0,
        ("TONGHUI", "YONGTONG", "QIAOHE", "DONGXI"),
        ("车桥", "制动系统", "汽车电器", "底盘件", "轮毂", "汽配", "车身冲压", "座椅骨架",
         "汽车锻件", "转向系统", "活塞", "电驱系统"),
        None,
        (("general_other", 0.003, 0.90),),
    ),
    _Industry(
        "cement", ("3011",), 2, 200_000, 0.35, 3.0,
        (("raw_coal", 0.85), ("electricity_grid", 0.15)), 12.0,
        ("ANWEN", "GANSHUI"),
        ("水泥", "建材"),
        None,
        (),
    ),
    _Industry(
        "glass_fibre", ("3061",), 2, 230_000, 0.35, 1.8,
        (("natural_gas", 0.75), ("electricity_grid", 0.25)), 25.0,
        ("ANWEN",),
        ("玻璃纤维", "玻纤制品"),
        ("glass_fibre", 0.55),
        (("general_other", 0.010, 0.70),),
    ),
    _Industry(
        "concrete", ("3021",), 3, 90_000, 0.28, 0.12,
        (("electricity_grid", 0.60), ("diesel", 0.40)), 15.0,
        ("SHIJIAO", "DONGXI", "GANSHUI"),
        ("商砼", "管桩", "建筑构件"),
        None,
        (("construction_waste", 0.15, 0.85),),
    ),
    _Industry(
        "chemicals", ("2614", "2619", "2621", "2614"), 4, 380_000, 0.30, 1.8,
        (("natural_gas", 0.62), ("raw_coal", 0.18), ("electricity_grid", 0.15),
         ("heat_purchased", 0.05)), 40.0,
        ("FUHUAN", "ANWEN", "GANSHUI"),
        ("页岩气化工", "天然气化工", "化肥", "精细化工"),
        None,
        (("fly_ash", 0.045, 0.50), ("byproduct_gypsum", 0.015, 0.45),
         ("hazardous_other", 0.001, 0.30)),
    ),
    _Industry(
        "food", ("1353", "1431", "1462", "1512"), 8, 280_000, 0.28, 0.12,
        (("electricity_grid", 0.50), ("natural_gas", 0.30), ("raw_coal", 0.20)), 30.0,
        ("YONGTONG", "DONGXI", "SHIJIAO", "SANJIANG"),
        ("食品", "腊味", "米粉", "酱园", "酒业", "面业", "调味品", "肉制品"),
        None,
        (("fly_ash", 0.004, 0.70), ("general_other", 0.006, 0.80)),
    ),
    _Industry(
        "machinery", ("3311", "3441", "3821"), 5, 0.0, 0.30, 0.10,
        (("electricity_grid", 0.85), ("diesel", 0.15)), 4.0,
        ("QIAOHE", "TONGHUI", "SHIJIAO"),
        ("钢结构", "泵业", "变压器", "电气", "重工"),
        None,
        (("general_other", 0.002, 0.90),),
    ),
)  # fmt: skip

# Seasonal pattern of monthly output (Spring Festival in February).
_SEASON = np.array(
    [0.080, 0.065, 0.085, 0.083, 0.085, 0.087, 0.083, 0.083, 0.085, 0.084, 0.088, 0.092]
)
_DAYS = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ALUMINIUM_PRICE = {2020: 1.00, 2021: 1.32, 2022: 1.38, 2023: 1.25, 2024: 1.30}  # GO price index
_OTHER_PRICE_GROWTH = 0.02

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_NAME_PLACES = (
    "綦晟", "渝南", "綦丰", "华綦", "南州", "古剑", "金桥", "通达", "永盛", "扶阳", "安泰", "三江",
    "綦兴", "东溪", "赶水", "綦河", "长龙", "新盛", "瑞丰", "宏綦", "鼎綦", "恒綦", "和盛", "光綦",
    "綦远", "盛渝", "綦安", "隆盛", "昌綦", "綦福", "文龙", "綦顺", "綦宏", "綦江", "博綦", "綦鑫",
    "綦越", "綦驰", "綦宇", "綦辉", "綦峰", "綦源", "佳綦", "綦华", "綦康", "綦泰", "綦隆", "綦平",
    "綦新", "綦力", "綦信", "綦正", "綦达", "綦强", "綦实", "綦诚", "綦润", "綦美", "綦丰源",
    "綦合", "綦益", "綦悦", "綦嘉", "綦晨", "綦立", "綦宁", "綦坤", "綦汇", "綦川", "綦云",
)  # fmt: skip


@dataclass(frozen=True)
class DemoDistrict:
    """The demonstration district, as frames ready to load.

    Attributes
    ----------
    parks : pandas.DataFrame
        ``code, name, counts_as_park``.
    enterprises : pandas.DataFrame
        ``uscc, name, park_code, industry_code, above_designated_size, demo``, plus
        ``first_period`` (the first month it reports).
    reports : pandas.DataFrame
        Monthly report lines in the batch CSV shape (:data:`REPORT_COLUMNS`), in the units
        enterprises use (万千瓦时, 万立方米, 吨, 万元, ...). Waste lines leave ``quantity``
        empty; other lines leave the waste columns empty.
    certifications : pandas.DataFrame
        ``uscc, kind, level, year``.
    limits : pandas.DataFrame
        Energy-intensity limits set by the district: ``uscc, year, quantity, unit``.
    missing : tuple of (uscc, period)
        Months of above-size enterprises deliberately left unreported.
    """

    seed: int
    through: Period
    parks: pd.DataFrame
    enterprises: pd.DataFrame
    reports: pd.DataFrame
    certifications: pd.DataFrame
    limits: pd.DataFrame
    missing: tuple[tuple[str, str], ...] = field(default=())
    is_demo: bool = True


def last_full_month(today: date | None = None) -> Period:
    """The month before ``today``'s (today's date by default)."""
    return Period.of(today or date.today()).previous()


# ------------------------------------------------------------------------------ identifiers


def _org_code(body: str) -> str:
    """GB 11714 organisation code: eight characters and their check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def _uscc(rng: np.random.Generator, region: str, seen: set[str]) -> str:
    """A valid unified social credit code (GB 32100-2015) for an enterprise of ``region``."""
    while True:
        if rng.random() < 0.5:  # codes issued since 2015 start with MA
            body = "MA" + "".join(rng.choice(list(_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY"), 6))
        else:
            body = "".join(rng.choice(list("0123456789"), 8))
        stem = "91" + region + _org_code(body)
        code = stem + uscc_check.calc_check_digit(stem)
        if code not in seen:
            seen.add(code)
            return code


# ------------------------------------------------------------------------------ the generator


@dataclass
class _Enterprise:
    key: str
    industry: _Industry
    name: str
    uscc: str
    park: str
    code: str
    above: bool
    go_2020: float  # run-rate gross output at 2020 prices, 万元/year
    va_rate: float
    intensity: float  # tce/万元 VA, 2020
    intensity_trend: float  # per year
    water: float
    water_trend: float
    growth: float  # real output growth per year
    start: Period = FIRST
    unit_style: int = 0
    use_step: float = 0.02  # yearly rise of waste utilisation rate


def _build_enterprises(rng: np.random.Generator) -> tuple[list[_Enterprise], Iterator[str]]:
    seen: set[str] = set()
    names = list(_NAME_PLACES)
    order = rng.permutation(len(names))
    pick = iter(names[int(i)] for i in order)
    out: list[_Enterprise] = []
    for ind in INDUSTRIES:
        weights = rng.dirichlet(np.full(ind.count, 2.0))
        for i in range(ind.count):
            region = "500222" if rng.random() < 0.15 else "500110"  # 綦江县 codes of old
            place = next(pick)
            stem = ind.stems[i % len(ind.stems)]
            out.append(
                _Enterprise(
                    key=f"{ind.key}_{i + 1}",
                    industry=ind,
                    name=f"重庆示范{place}{stem}有限公司",
                    uscc=_uscc(rng, region, seen),
                    park=ind.places[i % len(ind.places)],
                    code=ind.codes[i % len(ind.codes)],
                    above=True,
                    go_2020=float(ind.gross_output * weights[i]),
                    va_rate=ind.va_rate,
                    intensity=ind.intensity * float(np.exp(rng.normal(0, 0.15))),
                    # Ordinary firms improve faster than the 3.2 %/year path of their limit.
                    intensity_trend=min(-0.042, float(rng.normal(-0.048, 0.005))),
                    water=ind.water * float(np.exp(rng.normal(0, 0.2))),
                    water_trend=float(rng.normal(-0.05, 0.015)),
                    growth=float(rng.normal(0.05, 0.025)),
                    unit_style=int(rng.integers(0, 4)),
                    use_step=float(rng.uniform(0.01, 0.03)),
                )
            )
    return out, pick


def _smelters(rng: np.random.Generator, seen: set[str]) -> list[_Enterprise]:
    ind = _Industry(
        "al_smelt", ("3216",), 2, 0.0, 0.16, 0.0, (), 8.0, ("FUHUAN",), ("电铝",),
        ("primary_aluminium", 1.25),
        (("aluminium_dross", 0.010, 0.85), ("hazardous_other", 0.020, 0.40)),
    )  # fmt: skip
    out = []
    for i, (tonnes, name) in enumerate(((200_000.0, "一厂"), (110_200.0, "二厂"))):
        out.append(
            _Enterprise(
                key=f"al_smelt_{i + 1}",
                industry=ind,
                name=f"重庆示范綦江电铝{name}有限公司",
                uscc=_uscc(rng, "500110", seen),
                park="FUHUAN",
                code="3216",
                above=True,
                go_2020=tonnes * 1.25,  # 1.25 万元/t, 2020 ex-VAT aluminium price
                va_rate=0.16,
                intensity=0.0,
                intensity_trend=0.0,
                water=8.0,
                water_trend=-0.03,
                growth=0.0,
            )
        )
    return out


@dataclass
class _Params:
    """Every random draw, made once in a fixed order so results depend on the seed only."""

    enterprises: list[_Enterprise]
    months: list[Period]
    noise: dict[str, np.ndarray]  # per enterprise key: (4, n_months) standard normals


def _draw(seed: int) -> _Params:
    rng = np.random.default_rng(seed)
    ents, pick = _build_enterprises(rng)
    seen = {e.uscc for e in ents}
    ents += _smelters(rng, seen)
    # Two enterprises that started reporting in July 2022 (first full year 2023).
    for key, start in (("auto_parts_12", Period(2022, 7)), ("al_process_6", Period(2022, 7))):
        e = next(x for x in ents if x.key == key)
        e.start = start
    # Three enterprises whose intensity rises (the overrun alerts) and two that stay flat.
    for key, trend in (
        ("al_process_2", 0.06),
        ("al_recycle_3", 0.02),
        ("food_4", 0.01),
        ("gears_5", -0.005),
        ("chemicals_3", 0.0),
    ):
        next(x for x in ents if x.key == key).intensity_trend = trend
    # A handful of below-size enterprises.
    for i, (stem, code, place) in enumerate(
        (
            ("机械配件", "3484", "SANJIANG"),
            ("食品", "1431", "DONGXI"),
            ("铝门窗", "3312", "SHIJIAO"),
            ("印刷包装", "2319", "QIAOHE"),
            ("木制品", "2110", "GANSHUI"),
        )
    ):
        base = INDUSTRIES[8]  # food-like light industry profile
        ents.append(
            _Enterprise(
                key=f"small_{i + 1}",
                industry=base,
                name=f"重庆示范{next(pick)}{stem}厂",
                uscc=_uscc(rng, "500110", seen),
                park=place,
                code=code,
                above=False,
                go_2020=float(rng.uniform(800, 1800)),
                va_rate=0.25,
                intensity=0.08,
                intensity_trend=-0.05,
                water=10.0,
                water_trend=-0.03,
                growth=0.03,
                unit_style=1,
            )
        )
    months = months_between(FIRST, HORIZON)
    noise = {e.key: rng.standard_normal((4, len(months))) for e in ents}
    return _Params(ents, months, noise)


def _calibrate(ents: list[_Enterprise]) -> float:
    """Scale 2020 gross output to the plan's total and park share; return the VA factor."""
    above = [e for e in ents if e.above and e.start == FIRST]
    smelt = [e for e in above if e.industry.key == "al_smelt"]
    others = [e for e in above if e.industry.key != "al_smelt"]
    machinery = [e for e in others if e.industry.key == "machinery"]
    fixed = sum(e.go_2020 for e in smelt)
    # The machinery firms take what the other industries leave of the total.
    rest = GROSS_OUTPUT_2020 - fixed - sum(e.go_2020 for e in others if e not in machinery)
    for i, e in enumerate(machinery):
        e.go_2020 = rest * (i + 1) / sum(range(1, len(machinery) + 1))
    inside = [e for e in others if _COUNTS[e.park]]
    outside = [e for e in others if not _COUNTS[e.park]]
    want_in = PARK_SHARE_2020 * GROSS_OUTPUT_2020 - fixed
    want_out = (1 - PARK_SHARE_2020) * GROSS_OUTPUT_2020
    a = want_in / sum(e.go_2020 for e in inside)
    b = want_out / sum(e.go_2020 for e in outside)
    for e in inside:
        e.go_2020 *= a
    for e in outside:
        e.go_2020 *= b
    # Later starters: a run-rate like a median firm of their industry.
    for e in ents:
        if e.above and e.start != FIRST:
            peers = sorted(x.go_2020 for x in above if x.industry is e.industry)
            e.go_2020 = peers[len(peers) // 2]
    va_raw = sum(e.go_2020 * e.va_rate for e in above)
    return VALUE_ADDED_2020 / va_raw


def _price(e: _Enterprise, year: int) -> float:
    if e.industry.key in ("al_smelt", "al_recycle", "al_process"):
        return _ALUMINIUM_PRICE.get(year, _ALUMINIUM_PRICE[max(_ALUMINIUM_PRICE)])
    return float((1 + _OTHER_PRICE_GROWTH) ** (year - 2020))


def _weights(e: _Enterprise, noise: np.ndarray, months: list[Period]) -> np.ndarray:
    """Each month's share of its year's output (each full year sums to 1)."""
    base = _DAYS / _DAYS.sum() if e.industry.key == "al_smelt" else _SEASON / _SEASON.sum()
    sd = 0.005 if e.industry.key == "al_smelt" else 0.03
    w = np.array([base[p.month - 1] for p in months]) * (1 + sd * noise)
    years = np.array([p.year for p in months])
    for y in np.unique(years):
        sel = years == y
        w[sel] /= w[sel].sum()
    started = np.array([p >= e.start for p in months])
    return np.where(started, w, 0.0)


@dataclass
class _Lines:
    rows: list[tuple[object, ...]] = field(default_factory=list)

    def add(self, uscc: str, period: str, section: str, item: str, qty: float, unit: str) -> None:
        self.rows.append((uscc, period, section, item, round(qty, 2), unit, *([None] * 5)))

    def waste(
        self, uscc: str, period: str, category: str, gen: float, store: float, rate: float
    ) -> None:
        gen, store = _down(gen), _down(store)
        base = gen + store
        used = _down(base * rate)
        disposed = _down((base - used) * 0.6)
        stored = _down(base - used - disposed)
        self.rows.append(
            (uscc, period, "solid_waste", category, None, "吨", gen, store, used, disposed, stored)
        )


def _down(x: float) -> float:
    """Round down to 0.01, so that rounded waste balances never exceed their totals."""
    return float(np.floor(round(x * 100, 6)) / 100)


_ELEC_UNITS = (("万千瓦时", 1e-4), ("万千瓦时", 1e-4), ("千瓦时", 1.0), ("MWh", 1e-3))
_GAS_UNITS = (("万立方米", 1e-4), ("万立方米", 1e-4), ("立方米", 1.0), ("m3", 1.0))
_WATER_UNITS = ("吨", "吨", "立方米", "m3")


def _emit(
    e: _Enterprise,
    p: _Params,
    va_factor: float,
    through: Period,
    skip: set[tuple[str, str]],
    out: _Lines,
) -> None:
    nz = p.noise[e.key]
    months = p.months
    w = _weights(e, nz[0], months)
    smelter = e.industry.key == "al_smelt"
    eunit, escale = _ELEC_UNITS[e.unit_style]
    gunit, gscale = _GAS_UNITS[e.unit_style]
    wunit = _WATER_UNITS[e.unit_style]
    va_2020 = e.go_2020 * e.va_rate * va_factor
    for j, period in enumerate(months):
        if period > through:
            break
        if w[j] == 0.0:
            continue
        text = str(period)
        if (e.uscc, text) in skip:
            continue
        y = period.year - 2020
        if smelter:
            tonnes_year = e.go_2020 / 1.25 * (1 + 0.01 * min(y, 3))
            tonnes = tonnes_year * w[j]
            kwh_t = (
                (13_480.0 if e.key == "al_smelt_1" else 13_650.0)
                * (1 - 0.004 * y)
                * (1 + 0.004 * nz[1, j])
            )
            if e.key == "al_smelt_2" and period in (
                Period(2021, 1),
                Period(2021, 2),
                Period(2021, 3),
            ):
                kwh_t *= 1.012  # pots restarted after a power cut: above the GB 21346 quota
            kwh = tonnes * kwh_t
            green = {2023: 0.10, 2024: 0.15}.get(period.year, 0.20 if period.year > 2024 else 0.0)
            if e.key != "al_smelt_1":
                green = 0.0
            va = va_2020 / (e.go_2020 / 1.25) * tonnes
            go = 1.25 * _price(e, period.year) * tonnes
            out.add(
                e.uscc, text, "energy", "electricity_grid", kwh * (1 - green) * 1e-4, "万千瓦时"
            )
            if green:
                out.add(e.uscc, text, "energy", "electricity_green", kwh * green * 1e-4, "万千瓦时")
            out.add(e.uscc, text, "energy", "natural_gas", tonnes * 25.0 * 1e-4, "万立方米")
            out.add(e.uscc, text, "energy", "diesel", tonnes * 0.0015, "吨")
            out.add(e.uscc, text, "production", "primary_aluminium", tonnes, "吨")
            fresh = e.water * (1 + e.water_trend) ** y * va
        else:
            volume = (1 + e.growth) ** y * w[j]
            if _COUNTS[e.park]:
                volume *= 1.02**y  # parks grow faster than towns
            va = va_2020 * volume
            go = e.go_2020 * volume * _price(e, period.year)
            tce = e.intensity * (1 + e.intensity_trend) ** y * va * (1 + 0.005 * nz[1, j])
            mix = dict(e.industry.mix)
            if "raw_coal" in mix and "natural_gas" in mix and y > 0:
                shift = min(mix["raw_coal"], 0.02 * y)  # coal boilers switched to gas
                mix["raw_coal"] -= shift
                mix["natural_gas"] += shift
            for carrier, share in mix.items():
                amount = tce * share
                if carrier == "electricity_grid":
                    out.add(
                        e.uscc,
                        text,
                        "energy",
                        carrier,
                        amount / TCE_PER["electricity"] * escale,
                        eunit,
                    )
                elif carrier == "natural_gas":
                    out.add(
                        e.uscc,
                        text,
                        "energy",
                        carrier,
                        amount / TCE_PER["natural_gas"] * gscale,
                        gunit,
                    )
                elif carrier == "heat_purchased":
                    out.add(
                        e.uscc, text, "energy", carrier, amount / TCE_PER["heat_purchased"], "吉焦"
                    )
                else:
                    out.add(e.uscc, text, "energy", carrier, amount / TCE_PER[carrier], "吨")
            if e.industry.key == "cement":
                coal_tce = tce * mix["raw_coal"]
                out.add(e.uscc, text, "production", "cement_clinker", coal_tce / 0.108, "吨")
            elif e.industry.product is not None:
                prod, per_t = e.industry.product
                out.add(e.uscc, text, "production", prod, e.go_2020 * volume / per_t, "吨")
            fresh = e.water * (1 + e.water_trend) ** y * va * (1 + 0.02 * nz[2, j])
        out.add(e.uscc, text, "water", "fresh_withdrawal", fresh, wunit)
        if e.industry.key in ("glass_fibre", "chemicals", "food"):
            out.add(e.uscc, text, "water", "reused", fresh * 3.0, wunit)
        volume_go = go / _price(e, period.year)
        for category, per_go, rate in e.industry.waste:
            gen = per_go * volume_go * (1 + 0.05 * nz[3, j])
            use = rate if category not in _BULK_STEP else min(0.97, rate + e.use_step * y)
            storage = 0.0
            if category == "fly_ash" and e.industry.key == "chemicals" and period.year >= 2022:
                storage = 40.0  # old ash taken from the yard to a cement works
            out.waste(e.uscc, text, category, gen, storage, use)
        out.add(e.uscc, text, "economics", "gross_output_value", go, "万元")
        out.add(e.uscc, text, "economics", "value_added", va, "万元")


_BULK_STEP = frozenset(
    {
        "coal_gangue",
        "fly_ash",
        "tailings",
        "smelting_slag",
        "byproduct_gypsum",
        "red_mud",
        "construction_waste",
    }
)


def generate_demo(
    seed: int = 2021, through: Period | None = None, *, today: date | None = None
) -> DemoDistrict:
    """Build the demonstration district.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same seed and ``through`` give the same frames.
    through : Period, optional
        Last month reported; by default the last full month before ``today``.
    today : date, optional
        Only used to choose the default ``through``.

    Returns
    -------
    DemoDistrict

    Raises
    ------
    ValueError
        If ``through`` is before 2020-01.
    """
    through = through or last_full_month(today)
    if through < FIRST:
        raise ValueError(f"through must be 2020-01 or later, got {through}")
    params = _draw(seed)
    ents = params.enterprises
    va_factor = _calibrate(ents)
    by_key = {e.key: e for e in ents}

    # Months deliberately never reported: two of a food firm, and the last month of two firms
    # whose reports are still outstanding.
    skip = {
        (by_key["food_6"].uscc, "2021-08"),
        (by_key["food_6"].uscc, "2023-02"),
        (by_key["machinery_2"].uscc, "2022-11"),
        (by_key["gears_8"].uscc, str(through)),
        (by_key["concrete_2"].uscc, str(through)),
    }
    skip = {(u, p) for u, p in skip if p <= str(through)}

    lines = _Lines()
    for e in ents:
        _emit(e, params, va_factor, through, skip, lines)
    reports = pd.DataFrame(lines.rows, columns=list(REPORT_COLUMNS))
    for c in ("quantity", "generated", "from_storage", "utilised", "disposed", "stored"):
        reports[c] = reports[c].astype("float64")

    parks = pd.DataFrame(PARKS, columns=["code", "name", "counts_as_park"])
    enterprises = pd.DataFrame(
        {
            "uscc": [e.uscc for e in ents],
            "name": [e.name for e in ents],
            "park_code": [e.park for e in ents],
            "industry_code": [e.code for e in ents],
            "above_designated_size": [e.above for e in ents],
            "demo": True,
            "first_period": [str(e.start) for e in ents],
        }
    )
    certs = [
        ("gears_1", "green_factory", "municipal", 2019),
        ("al_smelt_1", "green_factory", "national", 2021),
        ("auto_parts_2", "green_factory", "municipal", 2021),
        ("glass_fibre_1", "green_factory", "municipal", 2022),
        ("food_1", "green_product", "municipal", 2022),
        ("gears_2", "green_factory", "municipal", 2023),
        ("al_recycle_1", "green_factory", "national", 2023),
        ("auto_parts_1", "green_supply_chain", "municipal", 2023),
        ("auto_parts_3", "green_factory", "municipal", 2025),
    ]
    certifications = pd.DataFrame(
        [
            (by_key[k].uscc, kind, level, year)
            for k, kind, level, year in certs
            if year <= through.year
        ],
        columns=["uscc", "kind", "level", "year"],
    )
    # The district set smelter 1 an explicit path (its electricity per tonne cannot fall 3.2 %
    # a year); smelter 2 is left on its own path, and overruns it.
    s1 = by_key["al_smelt_1"]
    va_per_t = s1.va_rate * va_factor * 1.25
    base = (
        13_480.0 * TCE_PER["electricity"] + 25.0 * TCE_PER["natural_gas"] + 0.0015 * 1.4571
    ) / va_per_t
    limits = pd.DataFrame(
        [
            (s1.uscc, year, round(base * (1 - 0.005 * (year - 2020)) * 1.02, 3), "tce/万元")
            for year in range(2021, through.year + 1)
        ],
        columns=["uscc", "year", "quantity", "unit"],
    )
    missing = tuple(sorted(skip))
    return DemoDistrict(
        seed=seed,
        through=through,
        parks=parks,
        enterprises=enterprises,
        reports=reports,
        certifications=certifications,
        limits=limits,
        missing=missing,
    )
