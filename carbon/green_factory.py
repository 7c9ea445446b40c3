"""Green-factory self-assessment: the quantitative indicators computable from monthly reports.

GB/T 36132-2018 绿色工厂评价通则 scores a factory on basic requirements and six first-level
indicators (基础设施, 管理体系, 能源与资源投入, 产品, 环境排放, 绩效); its 绩效 indicators follow
the principles 用地集约化, 原料无害化, 生产洁净化, 废物资源化, 能源低碳化 and are computed by
formulas. This module computes, for one enterprise and one year, those that the service's
reports allow, and a few closely related district indicators:

=============================  ==============================  ==============================
indicator                      formula                         where it comes from
=============================  ==============================  ==============================
energy_per_unit_product        E ÷ P_i  [tce/t]                GB/T 36132-2018 绩效, 能源低碳化:
                                                               单位产品综合能耗 (confirmed)
carbon_per_unit_product        CO2e ÷ P_i  [tCO2e/t]           GB/T 36132-2018 绩效, 能源低碳化:
                                                               单位产品碳排放量 (not confirmed)
solid_waste_utilisation        U ÷ (G + S) × 100  [%]          GB/T 36132-2018 绩效, 废物资源化:
                                                               工业固体废物综合利用率 (not
                                                               confirmed); formula confirmed
water_reuse_rate               R ÷ (R + F) × 100  [%]          工业用水重复利用率 of the green
                                                               industrial park indicators
carbon_intensity               CO2e ÷ VA  [tCO2e/万元]         万元工业增加值碳排放量 (green park)
energy_intensity               E ÷ VA  [tce/万元]              inverse of 能源产出率 (green park)
water_intensity                F ÷ VA  [m3/万元]               inverse of 水资源产出率 (green park)
=============================  ==============================  ==============================

with E energy [tce, equivalent value], P_i the output of product i, CO2e Scope 1 + location-based
Scope 2 [t], U, G, S general industrial solid waste utilised, generated and taken from storage
[t], R water reused, F fresh water withdrawn [m3], VA value added [万元, 2020 prices].

How far each reference was confirmed is stated on each indicator (``reference_confirmed``):
the edition, its dates, its structure, its five principles and that 单位产品综合能耗 is one of its
12 calculated indicators were read in secondary sources; the numbering of its clauses and the
rest of the list of 12 were not, and no clause number is given.

References
----------
.. [1] GB/T 36132-2018 绿色工厂评价通则 (issued 2018-05-14, in force 2018-12-01; replaced by
   GB/T 36132-2025, published and in force 2025-12-31).
.. [2] 绿色工业园区评价 indicators EG/RG (能源产出率, 水资源产出率, 工业固废综合利用率, 工业用水
   重复利用率) and their explanations A.3 (水资源产出率 = 工业增加值 ÷ 工业用新鲜水量) and A.4
   (工业固体废物综合利用率 = 综合利用量 ÷ (产生量 + 综合利用往年贮存量)).
.. [3] GB/T 2589-2008 综合能耗计算通则 (energy in standard coal, equivalent value).
.. [4] GB 21346-2022 电解铝和氧化铝单位产品能源消耗限额, 4.1 表1 (levels 1-3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from carbon.catalog import WASTE_CATEGORIES
from carbon.emissions import compute_emissions
from carbon.factors import FactorSet
from carbon.intensity import ProductQuota
from carbon.yearly import yearly_totals

__all__ = [
    "GBT36132",
    "HAZARDOUS",
    "AssessedIndicator",
    "Assessment",
    "Comparison",
    "assess_year",
]

GBT36132 = "GB/T 36132-2018 绿色工厂评价通则"
GBT36132_NOTE = (
    "GB/T 36132-2018 was replaced by GB/T 36132-2025 (published and in force 2025-12-31), "
    "which scores quantitative energy and resource indicators against 基准值/引领值; the "
    "indicators here are those of the 2018 edition that monthly reports allow."
)
#: Waste categories that are hazardous: not general industrial solid waste.
HAZARDOUS: frozenset[str] = frozenset({"hazardous_other"})
_PARK = "绿色工业园区评价指标"


@dataclass(frozen=True)
class Comparison:
    """The enterprise's figure against one level of a sector benchmark.

    Attributes
    ----------
    value : float
        The enterprise's figure, on the benchmark's basis [unit].
    limit : float
        The benchmark level [unit]; ``meets`` when ``value ≤ limit``.
    """

    source: str
    benchmark_id: str
    indicator: str
    level: int
    limit: float
    value: float
    unit: str
    meets: bool
    basis: str


@dataclass
class AssessedIndicator:
    """One quantitative indicator of the assessment.

    Attributes
    ----------
    value : float or None
        The figure [unit]; ``None`` when its denominator is zero or absent.
    inputs : dict
        The sums it is formed from, each in the unit its name says.
    """

    id: str
    name_zh: str
    name_en: str
    value: float | None
    unit: str
    formula: str
    definition: str
    reference: str
    reference_confirmed: bool
    reference_note: str = ""
    product: str | None = None
    inputs: dict[str, float | None] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Assessment:
    """The self-assessment of one enterprise's year."""

    uscc: str
    year: int
    months_reported: int
    indicators: list[AssessedIndicator]
    emissions: dict[str, float]
    factors_used: list[dict[str, object]]
    notes: list[str]


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return scale * num / den if den > 0 and math.isfinite(num) else None


def _products(monthly: pd.DataFrame) -> pd.DataFrame:
    """Output per product and canonical unit over the year (positive only)."""
    prod = monthly[monthly["section"] == "production"]
    if prod.empty:
        return pd.DataFrame({"item": [], "canonical_unit": [], "quantity": []})
    sums = prod.groupby(["item", "canonical_unit"], as_index=False)["quantity"].sum()
    return sums[sums["quantity"] > 0].sort_values("item").reset_index(drop=True)


def _benchmarks(
    product: str,
    tonnes: float,
    energy_tce: float,
    electricity_kwh: float,
    quotas: Sequence[ProductQuota],
) -> list[Comparison]:
    out = []
    for q in quotas:
        if q.product != product:
            continue
        if q.basis == "electricity_kwh":
            value, basis = electricity_kwh / tonnes, "all electricity used (kWh) ÷ output (t)"
        elif q.basis == "energy_kgce":
            value = 1000.0 * energy_tce / tonnes
            basis = "all energy used, equivalent value (kgce) ÷ output (t)"
        else:  # pragma: no cover - the quota loader admits these two bases only
            continue
        out.append(
            Comparison(
                source=q.source,
                benchmark_id=q.id,
                indicator=q.indicator,
                level=q.level,
                limit=q.value,
                value=value,
                unit=q.unit,
                meets=bool(value <= q.value),
                basis=basis,
            )
        )
    return sorted(out, key=lambda c: (c.indicator, c.level))


def _benchmark_note(comparisons: Sequence[Comparison]) -> str:
    """``铝锭综合能耗: level 1; 铝锭综合交流电耗: level 3`` — the best level met per indicator."""
    parts = []
    for indicator in dict.fromkeys(c.indicator for c in comparisons):
        met = [c.level for c in comparisons if c.indicator == indicator and c.meets]
        parts.append(f"{indicator}: " + (f"level {min(met)}" if met else "no level"))
    if not parts:
        return ""
    return f"{comparisons[0].source}, best level met — " + "; ".join(parts) + "."


def assess_year(
    monthly: pd.DataFrame,
    factors: FactorSet,
    *,
    uscc: str,
    year: int,
    region: str,
    quotas: Sequence[ProductQuota] = (),
) -> Assessment:
    """The quantitative green-factory indicators of one enterprise's year.

    Parameters
    ----------
    monthly : pandas.DataFrame
        The enterprise's monthly sums for ``year`` in the shape of
        :func:`api.reports.repository.aggregate_latest` (``uscc, park_code, year, month,
        section, item, canonical_unit, quantity, generated, from_storage, utilised, disposed,
        stored``), quantities in canonical units.
    factors : FactorSet
        The factor library (energy coefficients, emission factors, GWPs).
    uscc, year : str, int
        Whose year it is.
    region : str
        The enterprise's region (``"CN-CQ"``), for the provincial grid factor.
    quotas : sequence of ProductQuota
        Sector benchmarks per product (e.g. GB 21346-2022 for primary aluminium).

    Returns
    -------
    Assessment
        Indicators in the order of the module table; per-product indicators once per product.

    Examples
    --------
    A year of 1000 t primary aluminium, 13,500,000 kWh of grid power and 3000 万元 value added:
    energy 13,500,000 × 0.1229e-3 = 1659.15 tce, so 1.65915 tce/t (1659.15 kgce/t, within
    GB 21346-2022 level 1 of 铝锭综合能耗, 1670 kgce/t) and 1659.15 ÷ 3000 = 0.55305 tce/万元.
    """
    m = monthly[(monthly["uscc"].astype(str) == uscc) & (monthly["year"] == year)]
    totals = yearly_totals(m, factors)
    row = totals.iloc[0] if len(totals) else None

    def total(name: str) -> float:
        return float(row[name]) if row is not None else 0.0

    energy, va, kwh = total("energy_tce"), total("value_added"), total("electricity_kwh")
    fresh, reused = total("fresh_water_m3"), total("reused_water_m3")

    activity = m[m["section"].isin(["energy", "production"])]
    result = compute_emissions(
        pd.DataFrame(
            {
                "entity": activity["uscc"].astype(str),
                "year": activity["year"].astype(np.int64),
                "month": activity["month"].astype(np.int64),
                "region": region,
                "section": activity["section"].astype(str),
                "item": activity["item"].astype(str),
                "quantity": activity["quantity"].astype(np.float64),
            }
        ),
        factors,
    )
    em = result.totals()
    co2e = em["total_location_tco2e"]

    indicators: list[AssessedIndicator] = []
    products = _products(m)
    several = len(products) > 1
    shared = (
        f" The enterprise reports {len(products)} products and no allocation of its energy "
        "between them: each figure divides the whole site's energy (or emissions) by that "
        "product's output, which overstates it. Apply with sub-metered figures."
        if several
        else ""
    )
    for product, unit, qty in zip(
        products["item"].astype(str),
        products["canonical_unit"].astype(str),
        products["quantity"].to_numpy(dtype=float),
        strict=True,
    ):
        qty = float(qty)
        comparisons = _benchmarks(product, qty, energy, kwh, quotas) if unit == "t" else []
        indicators.append(
            AssessedIndicator(
                id="energy_per_unit_product",
                name_zh="单位产品综合能耗",
                name_en="Energy use per unit of product",
                value=_ratio(energy, qty),
                unit=f"tce/{unit}",
                formula="E ÷ P",
                definition=(
                    "All energy the enterprise used in the year, in tonnes of standard coal by "
                    "the equivalent-value method of GB/T 2589 (electricity 0.1229 kgce/kWh), "
                    f"divided by the year's output of {product}."
                ),
                reference=f"{GBT36132}, 绩效 — 能源低碳化: 单位产品综合能耗",
                reference_confirmed=True,
                reference_note=(
                    "Named among the standard's 12 calculated indicators in a published "
                    "explanation of the standard; the clause number was not confirmed."
                ),
                product=product,
                inputs={"energy_tce": energy, f"output_{unit}": qty, "electricity_kwh": kwh},
                comparisons=comparisons,
                note=" ".join(x for x in (_benchmark_note(comparisons), shared.strip()) if x),
            )
        )
        indicators.append(
            AssessedIndicator(
                id="carbon_per_unit_product",
                name_zh="单位产品碳排放量",
                name_en="Carbon emissions per unit of product",
                value=_ratio(co2e, qty),
                unit=f"tCO2e/{unit}",
                formula="CO2e ÷ P",
                definition=(
                    "Scope 1 (combustion and process) plus location-based Scope 2 emissions of "
                    "the year (provincial grid factor, AR5 GWPs), divided by the year's output "
                    f"of {product}."
                ),
                reference=f"{GBT36132}, 绩效 — 能源低碳化: 单位产品碳排放量",
                reference_confirmed=False,
                reference_note=(
                    "Its place in the standard's list of calculated indicators was not "
                    "confirmed in any source read."
                ),
                product=product,
                inputs={
                    "scope1_tco2e": em["scope1_tco2e"],
                    "scope2_location_tco2e": em["scope2_location_tco2e"],
                    f"output_{unit}": qty,
                },
                note=shared.strip(),
            )
        )

    waste = m[(m["section"] == "solid_waste") & ~m["item"].isin(list(HAZARDOUS))]
    by_cat = waste.groupby("item")[["generated", "from_storage", "utilised"]].sum()
    gen = float(by_cat["generated"].sum())
    store = float(by_cat["from_storage"].sum())
    used = float(by_cat["utilised"].sum())
    waste_inputs: dict[str, float | None] = {
        "generated_t": gen,
        "from_storage_t": store,
        "utilised_t": used,
    }
    for cat, g, s, u in zip(
        by_cat.index,
        by_cat["generated"].to_numpy(dtype=float),
        by_cat["from_storage"].to_numpy(dtype=float),
        by_cat["utilised"].to_numpy(dtype=float),
        strict=True,
    ):
        waste_inputs[f"{cat}_rate_pct"] = _ratio(float(u), float(g + s), 100.0)
    indicators.append(
        AssessedIndicator(
            id="solid_waste_utilisation",
            name_zh="工业固体废物综合利用率",
            name_en="Utilisation rate of industrial solid waste",
            value=_ratio(used, gen + store, 100.0),
            unit="%",
            formula="U ÷ (G + S) × 100",
            definition=(
                "General industrial solid waste utilised ÷ (generated + taken from storage for "
                "utilisation), over every reported category except hazardous waste ("
                + ", ".join(sorted(set(WASTE_CATEGORIES) - HAZARDOUS))
                + ")."
            ),
            reference=f"{GBT36132}, 绩效 — 废物资源化: 工业固体废物综合利用率",
            reference_confirmed=False,
            reference_note=(
                "The formula (综合利用量 ÷ (产生量 + 综合利用往年贮存量)) is confirmed from the "
                "green-park indicator explanation A.4; that GB/T 36132-2018 lists this "
                "indicator was not confirmed."
            ),
            inputs=waste_inputs,
        )
    )
    indicators.append(
        AssessedIndicator(
            id="water_reuse_rate",
            name_zh="工业用水重复利用率",
            name_en="Industrial water reuse rate",
            value=_ratio(reused, reused + fresh, 100.0),
            unit="%",
            formula="R ÷ (R + F) × 100",
            definition=(
                "Water reused (重复利用水量) ÷ (water reused + fresh water withdrawn), over the "
                "year."
            ),
            reference=f"{_PARK}: 工业用水重复利用率",
            reference_confirmed=True,
            reference_note=(
                "Confirmed as an indicator of the green industrial park evaluation table. "
                "GB/T 36132-2018's own water indicator is 废水处理回用率 (treated wastewater "
                "reused ÷ wastewater treated; not confirmed), which reports cannot give: they "
                "hold no treated-wastewater line."
            ),
            inputs={"reused_m3": reused, "fresh_withdrawal_m3": fresh},
            note=(
                "No reused water is reported: the rate counts as 0 until the enterprise "
                "reports its 重复利用水量 (water kind reused)."
                if reused == 0 and fresh > 0
                else ""
            ),
        )
    )
    indicators.append(
        AssessedIndicator(
            id="carbon_intensity",
            name_zh="万元工业增加值碳排放量",
            name_en="Carbon emissions per 10,000 yuan of value added",
            value=_ratio(co2e, va),
            unit="tCO2e/万元",
            formula="CO2e ÷ VA",
            definition=(
                "Scope 1 plus location-based Scope 2 emissions of the year (provincial grid "
                "factor, AR5) ÷ value added at comparable 2020 prices."
            ),
            reference=f"{_PARK}: 万元工业增加值碳排放量(削减率)",
            reference_confirmed=True,
            reference_note="Named among the green-park indicators; its thresholds not confirmed.",
            inputs={
                "scope1_tco2e": em["scope1_tco2e"],
                "scope2_location_tco2e": em["scope2_location_tco2e"],
                "scope2_market_tco2e": em["scope2_market_tco2e"],
                "value_added_cny_10k": va,
            },
        )
    )
    indicators.append(
        AssessedIndicator(
            id="energy_intensity",
            name_zh="万元工业增加值综合能耗",
            name_en="Energy use per 10,000 yuan of value added",
            value=_ratio(energy, va),
            unit="tce/万元",
            formula="E ÷ VA",
            definition=(
                "All energy used in the year (tce, equivalent value) ÷ value added at "
                "comparable 2020 prices; the inverse of 能源产出率."
            ),
            reference=f"{_PARK}: 能源产出率 (万元/tce), inverted",
            reference_confirmed=True,
            inputs={"energy_tce": energy, "value_added_cny_10k": va},
        )
    )
    indicators.append(
        AssessedIndicator(
            id="water_intensity",
            name_zh="万元工业增加值新鲜水耗",
            name_en="Fresh water per 10,000 yuan of value added",
            value=_ratio(fresh, va),
            unit="m3/万元",
            formula="F ÷ VA",
            definition=(
                "Fresh water withdrawn in the year ÷ value added at comparable 2020 prices; "
                "the inverse of 水资源产出率 (工业增加值 ÷ 工业用新鲜水量)."
            ),
            reference=f"{_PARK}: 水资源产出率 (A.3), inverted",
            reference_confirmed=True,
            inputs={"fresh_withdrawal_m3": fresh, "value_added_cny_10k": va},
        )
    )
    months = int(total("months")) if row is not None else 0
    notes = [GBT36132_NOTE]
    if months < 12:
        notes.append(
            f"Only {months} month(s) of {year} are reported: yearly figures cover those months."
        )
    if not result.not_covered.empty:
        notes.append(
            "Energy stated as other_energy (tce) has no emission factor and is not in the "
            "emission figures."
        )
    return Assessment(
        uscc=uscc,
        year=year,
        months_reported=months,
        indicators=indicators,
        emissions={k: float(v) for k, v in em.items()},
        factors_used=result.factors_used,
        notes=notes,
    )
