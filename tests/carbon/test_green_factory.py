"""Green-factory indicators of one enterprise-year (carbon.green_factory), without a database.

GB 21346-2022 表1 levels (factors/quotas/gb21346/2022): 铝锭综合交流电耗 13300 / 13400 /
13750 kWh/t; 铝锭综合能耗 1670 / 1680 / 1720 kgce/t. Electricity 0.1229 kgce/kWh (GB/T 2589).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carbon.green_factory import assess_year
from factors import load_factor_set
from factors.quotas import load_quotas

COLS = ["uscc", "park_code", "year", "month", "section", "item", "canonical_unit", "quantity",
        "generated", "from_storage", "utilised", "disposed", "stored"]  # fmt: skip
NAN = math.nan


def test_smelter_above_every_level() -> None:
    # 100 t and 1,420,000 kWh: 14,200 kWh/t > 13750 (level 3); energy 1,420,000 × 0.1229e-3
    # = 174.518 tce → 1745.18 kgce/t > 1720 (level 3).
    rows = [
        ("S", "P", 2022, 3, "energy", "electricity_grid", "kWh", 1.42e6, NAN, NAN, NAN, NAN, NAN),
        ("S", "P", 2022, 3, "production", "primary_aluminium", "t", 100.0, NAN, NAN, NAN, NAN, NAN),
    ]
    out = assess_year(
        pd.DataFrame(rows, columns=COLS),
        load_factor_set(),
        uscc="S",
        year=2022,
        region="CN-CQ",
        quotas=load_quotas("gb21346", "2022"),
    )
    epp = next(i for i in out.indicators if i.id == "energy_per_unit_product")
    assert epp.value == pytest.approx(1.74518)
    assert epp.comparisons and not any(c.meets for c in epp.comparisons)
    assert "al_ingot_comprehensive_ac: no level" in epp.note
    assert out.months_reported == 1
    # No water, waste or value added: those indicators have no value.
    rest = {i.id: i.value for i in out.indicators if i.product is None}
    assert rest == {
        "solid_waste_utilisation": None,
        "water_reuse_rate": None,
        "carbon_intensity": None,
        "energy_intensity": None,
        "water_intensity": None,
    }
