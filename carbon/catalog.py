"""What a monthly report may contain: sections, items and their canonical units.

The names and canonical units are fixed by the service contract (``shared/API.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Section(StrEnum):
    ENERGY = "energy"
    WATER = "water"
    SOLID_WASTE = "solid_waste"
    PRODUCTION = "production"
    ECONOMICS = "economics"


class CarrierKind(StrEnum):
    ELECTRICITY = "electricity"
    FUEL = "fuel"
    HEAT = "heat"
    OTHER = "other"


@dataclass(frozen=True)
class Carrier:
    """An energy carrier as reported."""

    name: str
    canonical_unit: str
    kind: CarrierKind
    label_zh: str


CARRIERS: dict[str, Carrier] = {
    c.name: c
    for c in [
        Carrier("electricity_grid", "kWh", CarrierKind.ELECTRICITY, "外购电网电力"),
        Carrier("electricity_green", "kWh", CarrierKind.ELECTRICITY, "绿色电力(绿证/绿电交易)"),
        Carrier(
            "electricity_onsite_renewable", "kWh", CarrierKind.ELECTRICITY, "自发自用可再生电力"
        ),
        Carrier("raw_coal", "t", CarrierKind.FUEL, "原煤"),
        Carrier("washed_coal", "t", CarrierKind.FUEL, "洗精煤"),
        Carrier("coke", "t", CarrierKind.FUEL, "焦炭"),
        Carrier("lpg", "t", CarrierKind.FUEL, "液化石油气"),
        Carrier("gasoline", "t", CarrierKind.FUEL, "汽油"),
        Carrier("diesel", "t", CarrierKind.FUEL, "柴油"),
        Carrier("kerosene", "t", CarrierKind.FUEL, "煤油"),
        Carrier("fuel_oil", "t", CarrierKind.FUEL, "燃料油"),
        Carrier("natural_gas", "m3", CarrierKind.FUEL, "天然气(含页岩气)"),
        Carrier("coke_oven_gas", "m3", CarrierKind.FUEL, "焦炉煤气"),
        Carrier("heat_purchased", "GJ", CarrierKind.HEAT, "外购热力"),
        Carrier("other_energy", "tce", CarrierKind.OTHER, "其他能源(折标准煤)"),
    ]
}

WATER_KINDS: dict[str, str] = {
    "fresh_withdrawal": "新水取用量",
    "reused": "重复利用水量",
    "discharged": "排水量",
}
WATER_UNIT = "m3"

BULK_WASTE: frozenset[str] = frozenset(
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
WASTE_CATEGORIES: dict[str, str] = {
    "coal_gangue": "煤矸石",
    "fly_ash": "粉煤灰",
    "tailings": "尾矿",
    "smelting_slag": "冶炼渣",
    "byproduct_gypsum": "工业副产石膏",
    "red_mud": "赤泥",
    "construction_waste": "建筑垃圾",
    "aluminium_dross": "铝灰渣",
    "general_other": "其他一般工业固体废物",
    "hazardous_other": "其他危险废物",
}
WASTE_UNIT = "t"
WASTE_COLUMNS: tuple[str, ...] = ("generated", "from_storage", "utilised", "disposed", "stored")

PROCESS_PRODUCTS: dict[str, str] = {
    "primary_aluminium": "电解铝(原铝)",
    "cement_clinker": "水泥熟料",
}

ECONOMICS_FIELDS: dict[str, str] = {
    "gross_output_value": "工业总产值(当年价)",
    "value_added": "工业增加值(2020年可比价)",
}
MONEY_UNIT = "CNY_10k"


def canonical_unit(section: str, item: str) -> str | None:
    """The canonical unit of a line, or ``None`` where it follows the unit sent (products).

    Products other than those with process emissions keep the dimension they were sent in;
    their canonical unit is chosen by :func:`carbon.units.canonical_for_dimension`.
    """
    if section == Section.ENERGY:
        return CARRIERS[item].canonical_unit
    if section == Section.WATER:
        return WATER_UNIT
    if section == Section.SOLID_WASTE:
        return WASTE_UNIT
    if section == Section.ECONOMICS:
        return MONEY_UNIT
    if section == Section.PRODUCTION and item in PROCESS_PRODUCTS:
        return "t"
    return None


def known_items(section: str) -> frozenset[str]:
    """The item names allowed in a section (empty for production, which is open)."""
    if section == Section.ENERGY:
        return frozenset(CARRIERS)
    if section == Section.WATER:
        return frozenset(WATER_KINDS)
    if section == Section.SOLID_WASTE:
        return frozenset(WASTE_CATEGORIES)
    if section == Section.ECONOMICS:
        return frozenset(ECONOMICS_FIELDS)
    return frozenset()
