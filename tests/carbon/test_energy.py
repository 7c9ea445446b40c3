"""Energy in standard coal: GB/T 2589 equivalent value, and the equal-value option.

Coefficients: GB/T 2589-2008 Appendix A (DOMAIN.md table); equal-value coal per kWh supplied:
factors/cec_coal_per_kwh/2022 (not confirmed against the releases, see its source.yaml).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carbon.energy import coefficient_table, energy_tce, tce
from carbon.errors import InvalidInput, UnknownItemError
from carbon.factors import FactorSet
from factors import load_factor_set


@pytest.fixture(scope="module")
def fs() -> FactorSet:
    return load_factor_set()


@pytest.mark.parametrize(
    ("item", "quantity", "expected"),
    [
        # DOMAIN.md worked figure: 100 t diesel x 1.4571 tce/t = 145.71 tce.
        ("diesel", 100.0, 145.71),
        # DOMAIN.md: 125.6 万千瓦时 = 1 256 000 kWh x 0.1229 kgce/kWh / 1000 = 154.3624 tce.
        ("electricity_grid", 1_256_000.0, 154.3624),
        # Green power and own renewables count like any electricity (DOMAIN.md).
        ("electricity_green", 1000.0, 0.1229),
        ("electricity_onsite_renewable", 1000.0, 0.1229),
        # 10 000 m3 natural gas x 1.2143 kgce/m3 / 1000 = 12.143 tce.
        ("natural_gas", 10_000.0, 12.143),
        # 10 000 m3 coke-oven gas x 0.5929 kgce/m3 (midpoint of 0.5714-0.6143) / 1000 = 5.929.
        ("coke_oven_gas", 10_000.0, 5.929),
        # 1000 GJ heat x 34.12 kgce/GJ / 1000 = 34.12 tce.
        ("heat_purchased", 1000.0, 34.12),
        # 2 t raw coal x 0.7143 = 1.4286 tce; 3 t coke x 0.9714 = 2.9142 tce.
        ("raw_coal", 2.0, 1.4286),
        ("coke", 3.0, 2.9142),
        # 10 t LPG x 1.7143 = 17.143 tce.
        ("lpg", 10.0, 17.143),
        # other_energy is already in tce.
        ("other_energy", 5.0, 5.0),
    ],
)
def test_equivalent_value_scalar(
    fs: FactorSet, item: str, quantity: float, expected: float
) -> None:
    assert tce(item, quantity, fs) == pytest.approx(expected, rel=1e-12)


def test_nan_quantity_gives_nan(fs: FactorSet) -> None:
    assert math.isnan(tce("diesel", float("nan"), fs))


def test_equal_value_converts_electricity_at_the_year_coal_per_kwh(fs: FactorSet) -> None:
    # 2022: 1 256 000 kWh x 300.7 gce/kWh / 1e6 = 377.6792 tce.
    assert tce("electricity_grid", 1_256_000, fs, method="equal_value", year=2022) == (
        pytest.approx(377.6792, rel=1e-12)
    )
    # 2020: 1000 kWh x 305.5 gce/kWh / 1e6 = 0.3055 tce.
    assert tce("electricity_green", 1000, fs, method="equal_value", year=2020) == (
        pytest.approx(0.3055, rel=1e-12)
    )
    # Fuels are the same under both methods: 100 t diesel = 145.71 tce.
    assert tce("diesel", 100, fs, method="equal_value", year=2022) == pytest.approx(145.71)


def test_equal_value_needs_the_year_for_electricity(fs: FactorSet) -> None:
    with pytest.raises(InvalidInput, match="year"):
        tce("electricity_grid", 1000, fs, method="equal_value")


def test_unknown_carrier_is_refused(fs: FactorSet) -> None:
    with pytest.raises(UnknownItemError):
        tce("whale_oil", 1, fs)


def test_equal_value_after_the_last_statistics_year_is_provisional(fs: FactorSet) -> None:
    table = coefficient_table(["electricity_grid", "diesel"], [2022, 2024], fs)
    # 2024 has no figure: 2022's 300.7 gce/kWh is used and marked provisional.
    assert table.equal_value[0].tolist() == pytest.approx([300.7e-6, 300.7e-6])
    assert table.equal_value_provisional[0].tolist() == [False, True]
    assert table.equal_value_provisional[1].tolist() == [False, False]


def test_energy_column(fs: FactorSet) -> None:
    activity = pd.DataFrame(
        {
            "section": ["energy", "energy", "energy", "production", "energy"],
            "item": ["diesel", "electricity_grid", "other_energy", "steel", "natural_gas"],
            "year": [2022, 2024, 2022, 2022, 2022],
            "quantity": [100.0, 1000.0, 5.0, 7.0, np.nan],
        }
    )
    out = energy_tce(activity, fs)
    # 145.71 (diesel); 1000 kWh x 0.1229/1000 = 0.1229; 5 tce; production row and NaN: NaN.
    np.testing.assert_allclose(
        out["tce_equivalent"].to_numpy(), [145.71, 0.1229, 5.0, np.nan, np.nan], rtol=1e-12
    )
    # Equal value, 2024 falls back to 2022: 1000 x 300.7e-6 = 0.3007 tce, provisional.
    np.testing.assert_allclose(
        out["tce_equal_value"].to_numpy(), [145.71, 0.3007, 5.0, np.nan, np.nan], rtol=1e-12
    )
    assert out["equal_value_provisional"].tolist() == [False, True, False, False, False]
    assert list(activity.columns) == ["section", "item", "year", "quantity"]  # not modified


def test_energy_column_refuses_unknown_carriers(fs: FactorSet) -> None:
    activity = pd.DataFrame(
        {"section": ["energy"], "item": ["whale_oil"], "year": [2022], "quantity": [1.0]}
    )
    with pytest.raises(UnknownItemError, match="whale_oil"):
        energy_tce(activity, fs)
