"""Yearly totals per enterprise from monthly canonical sums (carbon.yearly).

Coefficients: GB/T 2589-2008 Appendix A, equivalent value (shared/DOMAIN.md): diesel 1.4571
kgce/kg, electricity 0.1229 kgce/kWh, natural gas 1.2143 kgce/m3.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carbon.yearly import YEARLY_COLUMNS, yearly_totals
from factors import load_factor_set

COLS = ["uscc", "park_code", "year", "month", "section", "item", "quantity",
        "generated", "from_storage", "utilised"]  # fmt: skip
NAN = math.nan


def test_months_add_up_and_energy_is_converted() -> None:
    rows = [
        # January and February: 100 t diesel and 1,000,000 kWh grid power each.
        ("A", "P1", 2022, 1, "energy", "diesel", 100.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 1, "energy", "electricity_grid", 1e6, NAN, NAN, NAN),
        ("A", "P1", 2022, 2, "energy", "diesel", 100.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 2, "energy", "electricity_grid", 1e6, NAN, NAN, NAN),
        ("A", "P1", 2022, 2, "energy", "natural_gas", 10_000.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 2, "energy", "electricity_green", 1e5, NAN, NAN, NAN),
        ("A", "P1", 2022, 1, "economics", "value_added", 500.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 2, "economics", "gross_output_value", 2000.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 1, "water", "fresh_withdrawal", 300.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 1, "water", "reused", 900.0, NAN, NAN, NAN),
        ("A", "P1", 2022, 1, "solid_waste", "fly_ash", 50.0, 50.0, 10.0, 40.0),
        ("A", "P1", 2022, 1, "solid_waste", "aluminium_dross", 7.0, 7.0, 0.0, 7.0),  # not bulk
        ("B", None, 2023, 5, "production", "gears", 12.0, NAN, NAN, NAN),
    ]
    out = yearly_totals(pd.DataFrame(rows, columns=COLS), load_factor_set())
    assert list(out.columns) == list(YEARLY_COLUMNS)
    a = out[out["uscc"] == "A"].iloc[0]
    assert a["months"] == 2
    # 2 × (100 × 1.4571 + 1,000,000 × 0.1229e-3) = 537.22; + gas 10,000 × 1.2143e-3 = 12.143
    # + green 100,000 × 0.1229e-3 = 12.29 → 561.653 tce; clean 12.143 + 12.29 = 24.433.
    assert a["energy_tce"] == pytest.approx(561.653)
    assert a["clean_tce"] == pytest.approx(24.433)
    assert a["grid_electricity_tce"] == pytest.approx(245.8)
    assert a["electricity_kwh"] == pytest.approx(2.1e6)
    assert (a["value_added"], a["gross_output"]) == (500.0, 2000.0)
    assert (a["fresh_water_m3"], a["reused_water_m3"]) == (300.0, 900.0)
    assert (a["bulk_generated_t"], a["bulk_from_storage_t"], a["bulk_utilised_t"]) == (
        50.0,
        10.0,
        40.0,
    )
    # B has a line (production) but no energy, water or money: zeros, not missing rows.
    b = out[out["uscc"] == "B"].iloc[0]
    assert b["park_code"] is None and b["energy_tce"] == 0.0 and b["value_added"] == 0.0


def test_empty_frame() -> None:
    out = yearly_totals(pd.DataFrame(columns=COLS), load_factor_set())
    assert out.empty and list(out.columns) == list(YEARLY_COLUMNS)
