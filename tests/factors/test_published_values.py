"""Every factor the calculation uses, against the figure its publication prints.

Each expected value is copied from the source named in the comment (as recorded in
shared/DOMAIN.md and shared/reference/factor-sources.yaml), not from the CSV files; the
canonical value is the published one converted by hand.
"""

from __future__ import annotations

import pytest

from factors import load_factor_set

# (id, published value, published unit, canonical value by hand)
PUBLISHED = [
    # GB/T 2589-2008 Appendix A, equivalent value; canonical tce per canonical unit
    # (kgce/kg = tce/t; kgce/m3 / 1000 = tce/m3; kgce/kWh / 1000 = tce/kWh; kgce/MJ = tce/GJ).
    ("gbt2589-2008:tce_equivalent:raw_coal", 0.7143, "kgce/kg", 0.7143),
    ("gbt2589-2008:tce_equivalent:washed_coal", 0.9000, "kgce/kg", 0.9),
    ("gbt2589-2008:tce_equivalent:coke", 0.9714, "kgce/kg", 0.9714),
    ("gbt2589-2008:tce_equivalent:fuel_oil", 1.4286, "kgce/kg", 1.4286),
    ("gbt2589-2008:tce_equivalent:gasoline", 1.4714, "kgce/kg", 1.4714),
    ("gbt2589-2008:tce_equivalent:kerosene", 1.4714, "kgce/kg", 1.4714),
    ("gbt2589-2008:tce_equivalent:diesel", 1.4571, "kgce/kg", 1.4571),
    ("gbt2589-2008:tce_equivalent:lpg", 1.7143, "kgce/kg", 1.7143),
    ("gbt2589-2008:tce_equivalent:natural_gas", 1.2143, "kgce/m3", 0.0012143),
    # Coke-oven gas: midpoint of 0.5714-0.6143 = 0.59285, fixed at 0.5929 by DOMAIN.md.
    ("gbt2589-2008:tce_equivalent:coke_oven_gas", 0.5929, "kgce/m3", 0.0005929),
    ("gbt2589-2008:tce_equivalent:electricity", 0.1229, "kgce/kWh", 0.0001229),
    ("gbt2589-2008:tce_equivalent:heat", 0.03412, "kgce/MJ", 0.03412),
    # NDRC 2013 electrolytic-aluminium guideline fuel table (DOMAIN.md): NCV GJ/t or
    # GJ/10^4 Nm3 (/ 10 000 = GJ/m3), carbon content tC/TJ (/ 1000 = tC/GJ), oxidation.
    ("ndrc_aluminium-2013:ncv:diesel", 42.652, "GJ/t", 42.652),
    ("ndrc_aluminium-2013:carbon_content:diesel", 20.20, "tC/TJ", 0.0202),
    ("ndrc_aluminium-2013:oxidation:diesel", 0.98, "dimensionless", 0.98),
    ("ndrc_aluminium-2013:ncv:washed_coal", 26.344, "GJ/t", 26.344),
    ("ndrc_aluminium-2013:carbon_content:washed_coal", 25.40, "tC/TJ", 0.0254),
    ("ndrc_aluminium-2013:oxidation:washed_coal", 0.90, "dimensionless", 0.9),
    ("ndrc_aluminium-2013:ncv:coke", 28.447, "GJ/t", 28.447),
    ("ndrc_aluminium-2013:carbon_content:coke", 29.50, "tC/TJ", 0.0295),
    ("ndrc_aluminium-2013:oxidation:coke", 0.93, "dimensionless", 0.93),
    ("ndrc_aluminium-2013:ncv:fuel_oil", 41.816, "GJ/t", 41.816),
    ("ndrc_aluminium-2013:carbon_content:fuel_oil", 21.10, "tC/TJ", 0.0211),
    ("ndrc_aluminium-2013:ncv:gasoline", 43.070, "GJ/t", 43.07),
    ("ndrc_aluminium-2013:carbon_content:gasoline", 18.90, "tC/TJ", 0.0189),
    ("ndrc_aluminium-2013:ncv:kerosene", 44.750, "GJ/t", 44.75),
    ("ndrc_aluminium-2013:carbon_content:kerosene", 19.60, "tC/TJ", 0.0196),
    ("ndrc_aluminium-2013:ncv:lpg", 50.179, "GJ/t", 50.179),
    ("ndrc_aluminium-2013:carbon_content:lpg", 17.20, "tC/TJ", 0.0172),
    ("ndrc_aluminium-2013:ncv:natural_gas", 389.31, "GJ/Nm3_10k", 0.038931),
    ("ndrc_aluminium-2013:carbon_content:natural_gas", 15.30, "tC/TJ", 0.0153),
    ("ndrc_aluminium-2013:oxidation:natural_gas", 0.99, "dimensionless", 0.99),
    ("ndrc_aluminium-2013:ncv:coke_oven_gas", 173.54, "GJ/Nm3_10k", 0.017354),
    ("ndrc_aluminium-2013:carbon_content:coke_oven_gas", 12.10, "tC/TJ", 0.0121),
    # Raw coal: the same table's 烟煤 row (reference file: 19.57 / 26.18 / 0.93).
    ("ndrc_aluminium-2013:ncv:raw_coal", 19.570, "GJ/t", 19.57),
    ("ndrc_aluminium-2013:carbon_content:raw_coal", 26.18, "tC/TJ", 0.02618),
    ("ndrc_aluminium-2013:oxidation:raw_coal", 0.93, "dimensionless", 0.93),
    # Aluminium process defaults, 2013 guideline: 0.42 t/t, S 2 %, ash 0.4 %, CF4 0.034 and
    # C2F6 0.0034 kg/t (/ 1000 = t/t).
    ("ndrc_aluminium-2013:anode_net_consumption:primary_aluminium", 0.42, "t/t", 0.42),
    ("ndrc_aluminium-2013:anode_sulphur:primary_aluminium", 2, "percent", 0.02),
    ("ndrc_aluminium-2013:anode_ash:primary_aluminium", 0.4, "percent", 0.004),
    ("ndrc_aluminium-2013:pfc_ef:primary_aluminium:CF4", 0.034, "kg/t", 0.000034),
    ("ndrc_aluminium-2013:pfc_ef:primary_aluminium:C2F6", 0.0034, "kg/t", 0.0000034),
    # CETS-AG-04.01-V01-2024 Appendix A: net anode consumption 0.411 t/t.
    ("mee_aluminium-2024:anode_net_consumption:primary_aluminium", 0.411, "t/t", 0.411),
    # Purchased heat, NDRC public-buildings guideline: 0.11 tCO2/GJ.
    ("ndrc_public_buildings-2015:heat_ef:heat", 0.11, "tCO2/GJ", 0.11),
    # MEE/NBS electricity CO2 factors (kgCO2/kWh / 1000 = tCO2/kWh).
    ("mee_grid-2021:grid_average:CN", 0.5568, "kgCO2/kWh", 0.0005568),
    ("mee_grid-2022:grid_average:CN", 0.5366, "kgCO2/kWh", 0.0005366),
    ("mee_grid-2023:grid_average:CN", 0.5306, "kgCO2/kWh", 0.0005306),
    ("mee_grid-2021:grid_average:CN-CQ", 0.4743, "kgCO2/kWh", 0.0004743),
    ("mee_grid-2022:grid_average:CN-CQ", 0.5227, "kgCO2/kWh", 0.0005227),
    ("mee_grid-2021:grid_excl_market_nonfossil:CN", 0.5942, "kgCO2/kWh", 0.0005942),
    ("mee_grid-2022:grid_excl_market_nonfossil:CN", 0.5856, "kgCO2/kWh", 0.0005856),
    ("mee_grid-2023:grid_excl_market_nonfossil:CN", 0.6096, "kgCO2/kWh", 0.0006096),
    # MEE reporting factor for 2023-2025: 0.5703 tCO2/MWh (/ 1000 = tCO2/kWh).
    ("mee_reporting-2023:grid_reporting:CN", 0.5703, "tCO2/MWh", 0.0005703),
    # IPCC 2006 Vol. 2 Table 1.4 (kgCO2/TJ / 1e6 = tCO2/GJ) and Table 1.2 (TJ/Gg = GJ/t).
    ("ipcc2006-2006:co2_ef:diesel", 74100, "kgCO2/TJ", 0.0741),
    ("ipcc2006-2006:ncv:diesel", 43.0, "TJ/Gg", 43.0),
    ("ipcc2006-2006:co2_ef:natural_gas", 56100, "kgCO2/TJ", 0.0561),
    ("ipcc2006-2006:co2_ef:coke", 107000, "kgCO2/TJ", 0.107),
    # IPCC 2006 Vol. 3 Ch. 2 Tier 1 clinker factor 0.52 tCO2/t.
    ("ipcc2006-2006:process_ef:cement_clinker", 0.52, "tCO2/t", 0.52),
]


@pytest.mark.parametrize(("fid", "value", "unit", "canonical"), PUBLISHED, ids=lambda x: str(x))
def test_factor_matches_its_publication(
    fid: str, value: float, unit: str, canonical: float
) -> None:
    f = load_factor_set()[fid]
    assert f.value == pytest.approx(value, rel=1e-12)
    assert f.unit == unit
    assert f.canonical_value == pytest.approx(canonical, rel=1e-12)


def test_chongqing_has_no_2023_factor_yet() -> None:
    # Not found in any source read (reference file: Chongqing 2023 'not found').
    assert "mee_grid-2023:grid_average:CN-CQ" not in load_factor_set()


def test_unconfirmed_reporting_factor_is_left_out() -> None:
    # 0.581 tCO2/MWh (环办气候函〔2022〕111号) is 'verified: false' in the reference file.
    values = [f.value for f in load_factor_set() if f.kind == "grid_reporting"]
    assert values == [0.5703]
