"""Emissions by scope against hand calculations from the published factors.

Sources of the factors (see factors/*/source.yaml): NDRC 2013 electrolytic-aluminium guideline
(fuel table, anode and PFC defaults), CETS-AG-04.01-V01-2024 (0.411), MEE/NBS electricity CO2
factors 2021-2023, MEE's 2023-2025 reporting factor 0.5703, NDRC purchased heat 0.11 tCO2/GJ,
IPCC 2006 (Vol. 2 Tables 1.2/1.4, Vol. 3 clinker 0.52), GWPs from globalwarmingpotentials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carbon.emissions import ROW_COLUMNS, compute_emissions
from carbon.errors import InvalidInput, UnknownItemError
from carbon.factors import FactorSet
from factors import load_factor_set


@pytest.fixture(scope="module")
def fs() -> FactorSet:
    return load_factor_set()


def activity(*rows: tuple[str, int, int, str, str, str, float]) -> pd.DataFrame:
    """Rows of (entity, year, month, region, section, item, quantity)."""
    return pd.DataFrame(
        rows, columns=["entity", "year", "month", "region", "section", "item", "quantity"]
    )


def one(result_rows: pd.DataFrame, **where: object) -> pd.Series:
    mask = np.ones(len(result_rows), dtype=bool)
    for col, value in where.items():
        mask &= (result_rows[col] == value).to_numpy(na_value=False)
    found = result_rows[mask]
    assert len(found) == 1, found
    return found.iloc[0]


def test_diesel_worked_figure(fs: FactorSet) -> None:
    # DOMAIN.md: 100 x 42.652 GJ/t x 20.20e-3 tC/GJ x 0.98 x 44/12 = 309.59 tCO2.
    res = compute_emissions(activity(("E1", 2022, 1, "CN-CQ", "energy", "diesel", 100.0)), fs)
    row = one(res.rows, carrier_or_process="diesel")
    assert row["tco2e"] == pytest.approx(309.59, abs=0.005)
    assert row["tco2e"] == pytest.approx(100 * 42.652 * 20.20e-3 * 0.98 * 44 / 12, rel=1e-12)
    assert (row["scope"], row["category"], row["gas"]) == ("scope1", "combustion", "CO2")
    assert pd.isna(row["scope2_method"])
    assert row["factor_id"] == (
        "ndrc_aluminium-2013:ncv:diesel+ndrc_aluminium-2013:carbon_content:diesel"
        "+ndrc_aluminium-2013:oxidation:diesel"
    )
    assert not row["provisional"]
    # Energy: 100 t x 1.4571 tce/t = 145.71 tce (GB/T 2589).
    assert res.energy["tce_equivalent"].sum() == pytest.approx(145.71, rel=1e-12)


def test_chongqing_grid_power_2022_worked_figure(fs: FactorSet) -> None:
    # DOMAIN.md: 125.6 万千瓦时 = 1 256 000 kWh.
    res = compute_emissions(
        activity(("E1", 2022, 6, "CN-CQ", "energy", "electricity_grid", 1_256_000.0)), fs
    )
    loc = one(res.rows, scope2_method="location")
    # 1 256 000 kWh x 0.5227 kgCO2/kWh / 1000 = 656.5112 tCO2 (Chongqing 2022).
    assert loc["tco2e"] == pytest.approx(656.51, abs=0.005)
    assert loc["factor_id"] == "mee_grid-2022:grid_average:CN-CQ"
    assert not loc["provisional"]
    mkt = one(res.rows, scope2_method="market")
    # 1 256 000 x 0.5856 / 1000 = 735.5136 tCO2 (national excl. market-traded non-fossil 2022).
    assert mkt["tco2e"] == pytest.approx(735.5136, rel=1e-12)
    # 1 256 000 x 0.1229 / 1000 = 154.3624 tce.
    assert res.energy["tce_equivalent"].iloc[0] == pytest.approx(154.36, abs=0.005)
    totals = res.totals()
    assert totals["scope2_location_tco2e"] == pytest.approx(656.5112, rel=1e-12)
    assert totals["total_market_tco2e"] == pytest.approx(735.5136, rel=1e-12)


def test_primary_aluminium_worked_figure_ar5(fs: FactorSet) -> None:
    res = compute_emissions(
        activity(("E1", 2023, 3, "CN-CQ", "production", "primary_aluminium", 1.0)), fs
    )
    # DOMAIN.md: anode 0.42 x (1 - 0.02 - 0.004) x 44/12 = 0.42 x 0.976 x 3.6667 = 1.5030 tCO2.
    anode = one(res.rows, gas="CO2")
    assert anode["tco2e"] == pytest.approx(1.5030, abs=5e-5)
    assert anode["category"] == "process"
    # PFC: 0.034 kg CF4 x 6630 + 0.0034 kg C2F6 x 11100 = 225.42 + 37.74 = 263.16 kg CO2e.
    cf4, c2f6 = one(res.rows, gas="CF4"), one(res.rows, gas="C2F6")
    assert cf4["gas_t"] == pytest.approx(0.034e-3, rel=1e-12)
    assert (cf4["tco2e"] + c2f6["tco2e"]) * 1000 == pytest.approx(263.16, rel=1e-12)
    ids = {f["id"] for f in res.factors_used}
    assert {"gwp-AR5:CF4", "gwp-AR5:C2F6"} <= ids


def test_primary_aluminium_other_gwp_and_2024_guideline(fs: FactorSet) -> None:
    data = activity(("E1", 2024, 3, "CN-CQ", "production", "primary_aluminium", 1.0))
    sar = compute_emissions(data, fs, gwp="SAR")
    # SAR (CF4 6500, C2F6 9200): 0.034 x 6500 + 0.0034 x 9200 = 221 + 31.28 = 252.28 kg CO2e.
    pfc = sar.rows.loc[sar.rows["gas"] != "CO2", "tco2e"].sum()
    assert pfc * 1000 == pytest.approx(252.28, rel=1e-12)
    new = compute_emissions(data, fs, process_source="guideline_2024")
    # CETS 2024: 0.411 x 0.976 x 44/12 = 1.470832 tCO2.
    assert one(new.rows, gas="CO2")["tco2e"] == pytest.approx(0.411 * 0.976 * 44 / 12)
    assert one(new.rows, gas="CO2")["tco2e"] == pytest.approx(1.470832, abs=1e-6)


def test_clinker_green_power_own_renewables_and_heat(fs: FactorSet) -> None:
    res = compute_emissions(
        activity(
            ("E1", 2022, 1, "CN-CQ", "production", "cement_clinker", 10.0),
            ("E1", 2022, 1, "CN-CQ", "energy", "electricity_green", 1000.0),
            ("E1", 2022, 1, "CN-CQ", "energy", "electricity_onsite_renewable", 500.0),
            ("E1", 2022, 1, "CN-CQ", "energy", "heat_purchased", 100.0),
            ("E1", 2022, 1, "CN-CQ", "production", "steel_bars", 9.0),
        ),
        fs,
    )
    rows = res.rows
    # Clinker: 10 t x 0.52 tCO2/t = 5.2 tCO2 (IPCC 2006 Tier 1).
    assert one(rows, carrier_or_process="cement_clinker")["tco2e"] == pytest.approx(5.2)
    # Green power, location-based: 1000 kWh x 0.5227 / 1000 = 0.5227 tCO2; market-based 0.
    green = rows[rows["carrier_or_process"] == "electricity_green"]
    assert one(green, scope2_method="location")["tco2e"] == pytest.approx(0.5227)
    assert one(green, scope2_method="market")["tco2e"] == 0
    # Own renewables: excluded from location-based, 0 in market-based.
    own = rows[rows["carrier_or_process"] == "electricity_onsite_renewable"]
    assert own["scope2_method"].tolist() == ["market"]
    assert own["tco2e"].tolist() == [0]
    # Purchased heat: 100 GJ x 0.11 tCO2/GJ = 11 tCO2 under both methods.
    heat = rows[rows["category"] == "heat"]
    assert sorted(heat["scope2_method"].tolist()) == ["location", "market"]
    assert heat["tco2e"].tolist() == pytest.approx([11.0, 11.0])
    # Products without process emissions emit nothing.
    assert "steel_bars" not in set(rows["carrier_or_process"].astype(str))
    # Energy: green 1000 + own 500 kWh x 0.1229/1000 = 0.18435 tce; heat 100 GJ x 0.03412
    # = 3.412 tce; total 3.59635 tce.
    assert res.energy["tce_equivalent"].sum() == pytest.approx(3.59635, rel=1e-12)


def test_ipcc_fuel_source(fs: FactorSet) -> None:
    data = activity(
        ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 100.0),
        ("E1", 2022, 1, "CN-CQ", "energy", "natural_gas", 10_000.0),
    )
    res = compute_emissions(data, fs, fuel_source="ipcc2006")
    # IPCC 2006: 100 t x 43.0 GJ/t (Table 1.2) x 74 100 kgCO2/TJ (Table 1.4) = 318.63 tCO2.
    assert one(res.rows, carrier_or_process="diesel")["tco2e"] == pytest.approx(318.63)
    # Natural gas: guideline NCV 389.31 GJ/10^4 m3 x 56 100 kgCO2/TJ: 10 000 m3 x 0.038931
    # GJ/m3 x 0.0561 tCO2/GJ = 21.840291 tCO2.
    gas = one(res.rows, carrier_or_process="natural_gas")
    assert gas["tco2e"] == pytest.approx(21.840291, rel=1e-12)
    assert gas["factor_id"] == (
        "ndrc_aluminium-2013:ncv:natural_gas+ipcc2006-2006:co2_ef:natural_gas"
    )
    mee = compute_emissions(data, fs)
    # Guideline: 10 000 x 0.038931 x 15.30e-3 x 0.99 x 44/12 = 21.621894 tCO2.
    assert one(mee.rows, carrier_or_process="natural_gas")["tco2e"] == pytest.approx(
        10_000 * 0.038931 * 15.30e-3 * 0.99 * 44 / 12, rel=1e-12
    )


def test_grid_factor_series(fs: FactorSet) -> None:
    data = activity(("E1", 2022, 1, "CN-CQ", "energy", "electricity_grid", 1_000_000.0))
    loc = {"scope2_method": "location"}
    # National 2022: 1 000 000 kWh x 0.5366 / 1000 = 536.6 tCO2.
    national = compute_emissions(data, fs, grid_factor="national")
    assert one(national.rows, **loc)["tco2e"] == pytest.approx(536.6)
    # MEE reporting factor (2023-2025 only): 2022 falls forward to 0.5703, provisional.
    rep = compute_emissions(data, fs, grid_factor="mee_reporting")
    assert one(rep.rows, **loc)["tco2e"] == pytest.approx(570.3)
    assert one(rep.rows, **loc)["provisional"]
    data2023 = activity(("E1", 2023, 1, "CN-CQ", "energy", "electricity_grid", 1_000_000.0))
    rep = compute_emissions(data2023, fs, grid_factor="mee_reporting")
    assert not one(rep.rows, **loc)["provisional"]


def test_provisional_fallbacks(fs: FactorSet) -> None:
    res = compute_emissions(
        activity(
            # Chongqing 2024: no factor; the latest earlier (2022, 0.5227) is used.
            ("CQ", 2024, 5, "CN-CQ", "energy", "electricity_grid", 1000.0),
            # Beijing has no provincial factor in the library: national 2022 (0.5366).
            ("BJ", 2022, 5, "CN-BJ", "energy", "electricity_grid", 1000.0),
            # National region: the national factor, not provisional.
            ("NA", 2022, 5, "CN", "energy", "electricity_grid", 1000.0),
        ),
        fs,
    )
    loc = res.rows[res.rows["scope2_method"] == "location"].set_index("entity")
    assert loc.loc["CQ", "tco2e"] == pytest.approx(0.5227)
    assert loc.loc["CQ", "factor_id"] == "mee_grid-2022:grid_average:CN-CQ"
    assert bool(loc.loc["CQ", "provisional"])
    assert loc.loc["BJ", "tco2e"] == pytest.approx(0.5366)
    assert bool(loc.loc["BJ", "provisional"])
    assert loc.loc["NA", "tco2e"] == pytest.approx(0.5366)
    assert not bool(loc.loc["NA", "provisional"])
    used = {f["id"]: f["provisional"] for f in res.factors_used}
    assert used["mee_grid-2022:grid_average:CN-CQ"] is True


def test_nan_quantities_are_missing_not_errors(fs: FactorSet) -> None:
    res = compute_emissions(
        activity(
            ("E1", 2022, 1, "CN-CQ", "energy", "diesel", np.nan),
            ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 50.0),
            ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 50.0),
        ),
        fs,
    )
    assert res.missing_rows == 1
    # The two meters add up: 100 t diesel -> 309.59 tCO2.
    assert one(res.rows, carrier_or_process="diesel")["activity"] == 100.0
    assert res.rows["tco2e"].sum() == pytest.approx(309.59, abs=0.005)
    empty = compute_emissions(activity(("E1", 2022, 1, "CN-CQ", "energy", "diesel", np.nan)), fs)
    assert (len(empty.rows), empty.missing_rows) == (0, 1)
    assert list(empty.rows.columns) == list(ROW_COLUMNS)
    assert empty.totals()["scope1_tco2e"] == 0


def test_other_energy_is_not_covered_but_counts_as_energy(fs: FactorSet) -> None:
    res = compute_emissions(activity(("E1", 2022, 1, "CN-CQ", "energy", "other_energy", 12.5)), fs)
    assert len(res.rows) == 0
    assert res.not_covered["item"].tolist() == ["other_energy"]
    assert res.not_covered["quantity"].tolist() == [12.5]
    assert res.energy["tce_equivalent"].tolist() == [12.5]


def test_rows_per_entity_and_month(fs: FactorSet) -> None:
    res = compute_emissions(
        activity(
            ("B", 2022, 2, "CN-CQ", "energy", "diesel", 10.0),
            ("A", 2022, 1, "CN-CQ", "energy", "diesel", 20.0),
            ("A", 2022, 2, "CN-CQ", "energy", "diesel", 30.0),
        ),
        fs,
    )
    got = res.rows[["entity", "month", "activity"]].astype({"entity": str})
    assert sorted(map(tuple, got.to_numpy().tolist())) == [
        ("A", 1, 20.0),
        ("A", 2, 30.0),
        ("B", 2, 10.0),
    ]


def test_categorical_input_gives_the_same_result(fs: FactorSet) -> None:
    data = activity(
        ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 100.0),
        ("E2", 2023, 7, "CN-SC", "energy", "electricity_grid", 5000.0),
        ("E2", 2023, 7, "CN-SC", "production", "primary_aluminium", 3.0),
    )
    cat = data.astype({c: "category" for c in ("entity", "region", "section", "item")})
    a, b = compute_emissions(data, fs), compute_emissions(cat, fs)
    assert a.rows["tco2e"].tolist() == b.rows["tco2e"].tolist()
    assert a.factors_used == b.factors_used
    # Sichuan 2023: 5000 kWh x 0.1564 / 1000 = 0.782 tCO2.
    assert one(a.rows, scope2_method="location")["tco2e"] == pytest.approx(0.782)


def test_bad_input_is_refused(fs: FactorSet) -> None:
    data = activity(("E1", 2022, 1, "CN-CQ", "energy", "whale_oil", 1.0))
    with pytest.raises(UnknownItemError, match="whale_oil"):
        compute_emissions(data, fs)
    ok = activity(("E1", 2022, 1, "CN-CQ", "energy", "diesel", 1.0))
    with pytest.raises(InvalidInput, match="grid_factor"):
        compute_emissions(ok, fs, grid_factor="regional")
    with pytest.raises(InvalidInput, match="GWP"):
        compute_emissions(ok, fs, gwp="AR7")
    with pytest.raises(InvalidInput, match="quantity"):
        compute_emissions(ok.drop(columns="quantity"), fs)
    with pytest.raises(InvalidInput, match="month"):
        compute_emissions(activity(("E1", 2022, 13, "CN", "energy", "diesel", 1.0)), fs)


def test_sparse_keys_give_the_same_result(fs: FactorSet) -> None:
    # 200 000 entity categories make the dense (entity, month, item, region) space too large
    # for one bincount, so the calculation takes its hashing path; results must not change.
    data = activity(
        ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 100.0),
        ("E1", 2022, 1, "CN-CQ", "energy", "diesel", 20.0),
        ("E2", 2023, 7, "CN-CQ", "energy", "electricity_grid", 1_256_000.0),
    )
    wide = data.astype({"entity": "category"})
    wide["entity"] = wide["entity"].cat.add_categories([f"X{i}" for i in range(200_000)])
    a, b = compute_emissions(data, fs), compute_emissions(wide, fs)
    assert a.rows["tco2e"].tolist() == b.rows["tco2e"].tolist()
    # 120 t diesel: 120 x 42.652 x 20.20e-3 x 0.98 x 44/12 = 371.509 tCO2.
    assert one(b.rows, carrier_or_process="diesel")["tco2e"] == pytest.approx(
        120 * 42.652 * 20.20e-3 * 0.98 * 44 / 12, rel=1e-12
    )
