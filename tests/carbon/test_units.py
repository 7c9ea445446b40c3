"""Units: the contract's spellings, conversions to canonical units, and what is refused."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pint
import pytest

from carbon import units
from carbon.errors import (
    DimensionMismatchError,
    InvalidQuantityError,
    UnknownItemError,
    UnknownUnitError,
)
from carbon.units import (
    DEFINITIONS_FILE,
    canonical_for,
    canonical_for_dimension,
    conversion_factor,
    convert,
    normalise_unit_text,
    parse_unit,
    to_unit,
    ureg,
)

# Every unit the contract (shared/API.md) says must be understood, with the unit it is checked
# against and the factor worked out by hand.
CONTRACT_UNITS: list[tuple[str, str, float]] = [
    ("kWh", "kWh", 1.0),
    ("MWh", "kWh", 1e3),  # 1 MWh = 10^3 kWh (SI prefix mega / kilo)
    ("GWh", "kWh", 1e6),  # 1 GWh = 10^6 kWh
    ("千瓦时", "kWh", 1.0),  # 千瓦时 is the Chinese name of the kWh
    ("度", "kWh", 1.0),  # 度 is the everyday name of the kWh on electricity bills
    ("万千瓦时", "kWh", 1e4),  # 万 = 10^4: 1 万千瓦时 = 10,000 kWh
    ("t", "t", 1.0),
    ("吨", "t", 1.0),
    ("kg", "t", 1e-3),  # 1 t = 1000 kg
    ("千克", "t", 1e-3),
    ("万吨", "t", 1e4),  # 1 万吨 = 10,000 t
    ("m3", "m3", 1.0),
    ("m³", "m3", 1.0),
    ("立方米", "m3", 1.0),
    ("万立方米", "m3", 1e4),  # 1 万立方米 = 10,000 m3
    ("Nm3", "m3", 1.0),  # statistical convention: 1 Nm3 is taken as 1 m3 (units.txt)
    ("GJ", "GJ", 1.0),
    ("MJ", "GJ", 1e-3),  # 1 GJ = 1000 MJ
    ("吉焦", "GJ", 1.0),
    ("tce", "GJ", 29.3076),  # GB/T 2589: 1 kgce = 7000 kcal × 4.1868 kJ = 29.3076 MJ; × 1000
    ("吨标准煤", "tce", 1.0),
    ("kgce", "MJ", 29.3076),  # GB/T 2589: 7000 kcal_IT = 29 307.6 kJ
    ("千克标准煤", "tce", 1e-3),
    ("元", "万元", 1e-4),  # 1 万元 = 10,000 元
    ("万元", "CNY_10k", 1.0),
    ("亿元", "万元", 1e4),  # 1 亿元 = 10^8 元 = 10,000 万元
]


def spellings(text: str) -> list[str]:
    """The unit as sent, in upper and lower case, spaced out, and padded."""
    return [text, text.upper(), text.lower(), " ".join(text), f"  {text}\t"]


@pytest.mark.parametrize(("text", "target", "factor"), CONTRACT_UNITS)
def test_every_contract_unit_converts_in_any_case_and_with_spaces(
    text: str, target: str, factor: float
) -> None:
    for spelling in spellings(text):
        assert conversion_factor(spelling, target) == pytest.approx(factor, rel=1e-12), spelling


def test_worked_figure_125_6_wan_kwh_is_1256000_kwh() -> None:
    # DOMAIN.md worked figure: 125.6 万千瓦时 × 10^4 = 1,256,000 kWh.
    assert to_unit(125.6, "万千瓦时", "kWh") == pytest.approx(1_256_000.0, rel=1e-12)


def test_one_tce_is_29_3076_gj_per_gbt_2589() -> None:
    # GB/T 2589: 1 kgce = 7000 kcal_IT = 7000 × 4.1868 kJ = 29 307.6 kJ; 1 tce = 1000 kgce.
    assert conversion_factor("tce", "GJ") == 29.3076
    assert conversion_factor("kgce", "kJ") == 29307.6


def test_one_yi_yuan_is_ten_thousand_wan_yuan() -> None:
    # 1 亿元 = 10^8 元; 1 万元 = 10^4 元; 10^8 / 10^4 = 10,000.
    assert conversion_factor("亿元", "万元") == 10_000.0
    assert conversion_factor("亿元", "元") == 1e8


@pytest.mark.parametrize(
    ("text", "target", "factor"),
    [
        # 1 tce/万元 = 1000 kgce / 10,000 元 = 0.1 kgce/元
        ("tce/万元", "kgce/元", 0.1),
        ("TCE / 万元", "kgce/元", 0.1),
        ("吨标准煤/万元", "tce/万元", 1.0),
        # 1 m3/万元 = 1 m3 / 10^4 元; per 亿元 that is 10^8 / 10^4 = 10,000 m3
        ("m3/万元", "m3/亿元", 1e4),
        ("M3 / 万元", "m³/万元", 1.0),
        # 1 kgce/t = 29.3076 MJ per 1000 kg = 0.0293076 GJ/t
        ("kgce/t", "GJ/t", 0.0293076),
        ("KGCE/T", "kgce/kg", 1e-3),
        # 1 万千瓦时/万吨 = 10^4 kWh / 10^4 t = 1 kWh/t
        ("万千瓦时/万吨", "kWh/t", 1.0),
        ("kW·h", "kWh", 1.0),
    ],
)
def test_compound_units_for_intensities(text: str, target: str, factor: float) -> None:
    assert conversion_factor(text, target) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "target", "factor"),
    [
        ("T", "t", 1.0),  # a tonne, never the tesla (pint's "T")
        ("kt", "t", 1e3),  # a kilotonne, never the knot (pint's "kt")
        ("mwh", "kWh", 1e3),  # MWh: milliwatt-hours make no sense for a factory
        ("mj", "MJ", 1.0),
        ("NM3", "m3", 1.0),  # not nanometre cubed
        ("ton", "t", 1.0),  # in China a ton is the metric tonne, not pint's US short ton
        ("pcs", "piece", 1.0),
        ("PC", "piece", 1.0),  # not the parsec
        ("万kWh", "kWh", 1e4),
        ("万Nm3", "m3", 1e4),
        ("万tce", "tce", 1e4),
        ("㎥", "m3", 1.0),  # NFKC folds the square-metre-cubed sign into m3
        ("ｋＷｈ", "kWh", 1.0),  # full-width letters
        ("cm3", "m3", 1e-6),  # cm3 is (cm)^3 = 10^-6 m3, never centi-(m3)
        ("kcal", "kJ", 4.1868),  # international-table calorie (GB/T 2589), not pint's 4.184 J
        ("千卡", "kJ", 4.1868),
    ],
)
def test_traps_resolve_to_what_a_factory_means(text: str, target: str, factor: float) -> None:
    assert conversion_factor(text, target) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "factor"),
    [("件", 1.0), ("台", 1.0), ("套", 1.0), ("piece", 1.0), ("PCS", 1.0), ("万台", 1e4)],
)
def test_counts_of_product(text: str, factor: float) -> None:
    assert conversion_factor(text, "piece") == factor


def test_pieces_are_not_pints_dimensionless_count() -> None:
    with pytest.raises(DimensionMismatchError):
        conversion_factor("piece", "dimensionless")


@pytest.mark.parametrize("text", ["", "   ", "foo", "1000 kg", "kWh*", "((t", "t^x", "mt", "Mt"])
def test_unknown_or_ambiguous_units_are_refused(text: str) -> None:
    with pytest.raises(UnknownUnitError):
        parse_unit(text)


def test_unit_is_refused_because_pint_reads_it_as_micro_nit() -> None:
    with pytest.raises(UnknownUnitError, match="piece"):
        parse_unit("unit")


def test_non_text_unit_is_refused() -> None:
    with pytest.raises(UnknownUnitError):
        parse_unit(12)


def test_unknown_unit_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        conversion_factor("furlongs per fortnight", "t")


@pytest.mark.parametrize(
    ("text", "target"),
    [("t", "kWh"), ("万元", "t"), ("m3", "GJ"), ("piece", "t"), ("tce/万元", "tce")],
)
def test_wrong_dimension_is_refused(text: str, target: str) -> None:
    with pytest.raises(DimensionMismatchError):
        conversion_factor(text, target)


def test_money_is_its_own_dimension() -> None:
    assert parse_unit("万元").dimensionality == ureg.Unit("CNY").dimensionality
    assert parse_unit("万元").dimensionality != ureg.Unit("kg").dimensionality


def test_standard_coal_is_energy() -> None:
    # 1 tce = 29.3076 GJ = 29.3076e9 J / 3.6e6 J/kWh = 8141 kWh
    assert conversion_factor("tce", "kWh") == pytest.approx(29.3076e9 / 3.6e6, rel=1e-12)


def test_normalised_text_is_nfkc_without_spaces_casefolded() -> None:
    assert normalise_unit_text(" K W h ") == "kwh"
    assert normalise_unit_text("m³") == "m3"
    assert normalise_unit_text("万　立方米") == "万立方米"  # ideographic space


def test_conversion_factor_is_cached_per_pair_of_unit_texts() -> None:
    conversion_factor.cache_clear()
    for _ in range(100):
        conversion_factor("万千瓦时", "kWh")
    info = conversion_factor.cache_info()
    assert (info.misses, info.hits) == (1, 99)


def test_convert_keeps_the_type_and_looks_the_factor_up_once() -> None:
    conversion_factor.cache_clear()
    values = np.arange(10_000, dtype=float)
    as_array = convert(values, "万千瓦时", "kWh")
    as_series = convert(pd.Series(values, name="q"), "万千瓦时", "kWh")
    as_float = convert(125.6, "万千瓦时", "kWh")
    assert isinstance(as_array, np.ndarray)
    assert isinstance(as_series, pd.Series) and as_series.name == "q"
    np.testing.assert_array_equal(as_array, values * 1e4)  # 1 万千瓦时 = 10^4 kWh
    np.testing.assert_array_equal(as_series.to_numpy(), values * 1e4)
    assert as_float == pytest.approx(1_256_000.0, rel=1e-12)
    # One pint conversion for 20,001 values.
    assert conversion_factor.cache_info().misses == 1


# --- canonical units of report lines -----------------------------------------------------


@pytest.mark.parametrize(
    ("section", "item", "unit", "factor", "canonical"),
    [
        ("energy", "electricity_grid", "万千瓦时", 1e4, "kWh"),
        ("energy", "electricity_green", "MWh", 1e3, "kWh"),
        ("energy", "electricity_onsite_renewable", "GJ", 1e9 / 3.6e6, "kWh"),  # 1 GJ = 277.8 kWh
        ("energy", "diesel", "kg", 1e-3, "t"),
        ("energy", "raw_coal", "万吨", 1e4, "t"),
        ("energy", "natural_gas", "万立方米", 1e4, "m3"),
        ("energy", "natural_gas", "Nm3", 1.0, "m3"),
        ("energy", "heat_purchased", "MJ", 1e-3, "GJ"),
        # heat in standard coal: 1 tce = 29.3076 GJ (GB/T 2589, whose heat coefficient
        # 0.03412 kgce/MJ is the same 1 / 29.3076)
        ("energy", "heat_purchased", "tce", 29.3076, "GJ"),
        ("energy", "other_energy", "吨标准煤", 1.0, "tce"),
        ("energy", "other_energy", "kgce", 1e-3, "tce"),
        ("water", "fresh_withdrawal", "m3", 1.0, "m3"),
        ("water", "reused", "t", 1.0, "m3"),  # water in t: 1 t = 1 m3 (API.md)
        ("water", "reused", "万吨", 1e4, "m3"),  # 1 万吨 = 10^4 t = 10^4 m3
        ("water", "discharged", "kg", 1e-3, "m3"),
        ("water", "discharged", "万立方米", 1e4, "m3"),
        ("solid_waste", "fly_ash", "kg", 1e-3, "t"),
        ("solid_waste", "hazardous_other", "吨", 1.0, "t"),
        ("production", "primary_aluminium", "万吨", 1e4, "t"),
        ("production", "cement_clinker", "t", 1.0, "t"),
        ("production", "gear_box", "台", 1.0, "piece"),
        ("production", "gear_box", "万件", 1e4, "piece"),
        ("production", "glass_fibre", "kg", 1e-3, "t"),
        ("production", "bottled_water", "L", 1e-3, "m3"),
        ("production", "steam", "MWh", 1e3, "kWh"),
        ("economics", "gross_output_value", "亿元", 1e4, "CNY_10k"),
        ("economics", "value_added", "元", 1e-4, "CNY_10k"),
    ],
)
def test_canonical_for_report_lines(
    section: str, item: str, unit: str, factor: float, canonical: str
) -> None:
    got_factor, got_unit = canonical_for(section, item, unit)
    assert got_unit == canonical
    assert got_factor == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("section", "item", "unit"),
    [
        ("energy", "electricity_grid", "t"),  # electricity in tonnes
        ("energy", "electricity_grid", "万元"),
        ("energy", "diesel", "m3"),
        ("energy", "natural_gas", "t"),
        ("water", "reused", "GJ"),
        ("water", "reused", "万元"),
        ("solid_waste", "fly_ash", "m3"),
        ("production", "primary_aluminium", "件"),
        ("production", "gear_box", "万元"),  # money only under economics
        ("production", "gear_box", "m"),
        ("economics", "value_added", "t"),
    ],
)
def test_canonical_for_refuses_the_wrong_dimension(section: str, item: str, unit: str) -> None:
    with pytest.raises(DimensionMismatchError):
        canonical_for(section, item, unit)


def test_electricity_is_never_accepted_in_standard_coal() -> None:
    # The tce of a kWh depends on the method (当量值 0.1229 kgce/kWh or a year's 等价值),
    # so the kWh could not be recovered.
    for unit in ("tce", "kgce", "吨标准煤", "万吨标准煤"):
        with pytest.raises(DimensionMismatchError, match="standard coal"):
            canonical_for("energy", "electricity_grid", unit)


def test_canonical_for_names_the_item_in_its_message() -> None:
    with pytest.raises(DimensionMismatchError, match=r"electricity_grid.*kWh"):
        canonical_for("energy", "electricity_grid", "t")


def test_canonical_for_refuses_unknown_sections_and_items() -> None:
    with pytest.raises(UnknownItemError) as section:
        canonical_for("emissions", "co2", "t")
    assert section.value.loc == ("section",)
    with pytest.raises(UnknownItemError) as item:
        canonical_for("energy", "firewood", "t")
    assert item.value.loc == ("item",)


def test_canonical_for_refuses_unknown_units() -> None:
    with pytest.raises(UnknownUnitError):
        canonical_for("energy", "diesel", "barrels of fun")


@pytest.mark.parametrize(
    ("unit", "canonical"), [("kg", "t"), ("万立方米", "m3"), ("GJ", "kWh"), ("套", "piece")]
)
def test_canonical_for_dimension(unit: str, canonical: str) -> None:
    assert canonical_for_dimension(unit) == canonical


def test_canonical_for_is_cached_per_canonical_unit_and_unit_text() -> None:
    # diesel and coke share canonical unit t: "kg" is worked out once for both.
    units._canonical.cache_clear()
    conversion_factor.cache_clear()
    canonical_for("energy", "diesel", "kg")
    canonical_for("energy", "coke", "kg")
    canonical_for("solid_waste", "fly_ash", "kg")
    info = conversion_factor.cache_info()
    assert info.hits + info.misses == 1


# --- to_unit ---------------------------------------------------------------------------


def test_to_unit_converts_an_intensity_limit() -> None:
    # 0.5 tce/万元 = 500 kgce / 10,000 元 = 0.05 kgce/元
    assert to_unit(0.5, "tce/万元", "kgce/元") == pytest.approx(0.05, rel=1e-12)
    assert to_unit(0, "tce/万元", "tce/万元") == 0.0


@pytest.mark.parametrize("quantity", [math.nan, math.inf, -math.inf, -0.1, "0.5", None, True])
def test_to_unit_refuses_bad_quantities(quantity: object) -> None:
    with pytest.raises(InvalidQuantityError) as exc:
        to_unit(quantity, "tce/万元", "tce/万元")  # type: ignore[arg-type]
    assert exc.value.loc == ("quantity",)


def test_to_unit_locates_unit_errors_on_the_unit() -> None:
    with pytest.raises(UnknownUnitError) as unknown:
        to_unit(0.5, "tce/万万", "tce/万元")
    assert unknown.value.loc == ("unit",)
    with pytest.raises(DimensionMismatchError) as mismatch:
        to_unit(0.5, "tce/t", "tce/万元")
    assert mismatch.value.loc == ("unit",)


# --- the registry ------------------------------------------------------------------------


def test_one_registry_for_the_program() -> None:
    assert pint.get_application_registry().get() is ureg
    assert parse_unit("kWh")._REGISTRY is ureg


def test_every_definition_has_a_source_line_above_it() -> None:
    lines = DEFINITIONS_FILE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if not line.strip() or line.startswith("#"):
            continue
        # Walk up through the comment block (and sibling definitions) above this one.
        above = number - 1
        while above >= 0 and lines[above].strip():
            if lines[above].startswith("# Source:"):
                break
            above -= 1
        else:
            pytest.fail(f"units.txt line {number + 1} has no '# Source:' line above: {line}")
        assert lines[above].startswith("# Source:"), f"line {number + 1}: {line}"


def test_chinese_names_are_understood_by_the_registry_itself() -> None:
    # The definitions file makes them pint aliases, so code that bypasses parse_unit still works.
    assert ureg.Quantity(1, "万千瓦时").to("kWh").magnitude == pytest.approx(1e4)
    assert ureg.Quantity(1, "吨标准煤").to("GJ").magnitude == pytest.approx(29.3076)
