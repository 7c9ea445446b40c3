"""Plan indicators and status rules, against hand calculations.

Targets, baselines and rules: shared/DOMAIN.md "Plan indicators" and "Status" (the Qijiang
2021-2025 plan as loaded from factors/plans/qijiang_2021_2025): clean energy ≥ 35 %, park
concentration 73 % (2020) → 95 % (2025), bulk waste ≥ 70 %, 6 new green factories, energy
intensity −16 %, water intensity −20 %, all by 2025 from 2020.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from carbon.indicators import (
    Direction,
    IndicatorRow,
    Plan,
    Status,
    evaluate_plan,
    path_value,
    row_status,
)
from factors.plans import available_plans, load_plan

PLAN = load_plan()
COLS = [
    "uscc",
    "park_code",
    "counts_as_park",
    "above_designated_size",
    "year",
    "energy_tce",
    "clean_tce",
    "value_added",
    "gross_output",
    "fresh_water_m3",
    "bulk_generated_t",
    "bulk_from_storage_t",
    "bulk_utilised_t",
]
A, B, C, D = "A" * 18, "B" * 18, "C" * 18, "D" * 18


def frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS)


# A district of three above-size enterprises (A in QIAOHE and B in BEIDU, parks that count; C
# in the town SHIJIAO, which does not) and one below-size enterprise D, whose large figures
# must never show up.
#          uscc park     counts above year   E     clean  VA    GO     water  gen  stor util
DISTRICT = frame(
    [
        (A, "QIAOHE", True, True, 2020, 1000, 200, 1000, 4000, 10000, 500, 0, 300),
        (B, "BEIDU", True, True, 2020, 500, 100, 500, 2000, 4000, 200, 100, 150),
        (C, "SHIJIAO", False, True, 2020, 300, 0, 500, 2000, 6000, 0, 0, 0),
        (D, "QIAOHE", True, False, 2020, 99999, 0, 1, 99999, 99999, 9999, 0, 0),
        (A, "QIAOHE", True, True, 2023, 840, 300, 1100, 5000, 9000, 500, 0, 400),
        (B, "BEIDU", True, True, 2023, 660, 150, 600, 2500, 4000, 200, 50, 150),
        (C, "SHIJIAO", False, True, 2023, 300, 0, 500, 2500, 5000, 0, 0, 0),
        (D, "QIAOHE", True, False, 2023, 99999, 0, 1, 99999, 99999, 9999, 0, 0),
    ]
)
# Totals of the above-size rows:
#   2020: E 1800, clean 300, VA 2000, GO 8000 (in counted parks 6000), water 20000,
#         bulk generated + from storage 800, utilised 450.   I_2020 = 1800/2000 = 0.9 tce/万元,
#         W_2020 = 20000/2000 = 10 m3/万元.
#   2023: E 1800, clean 450, VA 2200, GO 10000 (in counted parks 7500), water 18000,
#         bulk 750, utilised 550.
CERTS = pd.DataFrame(
    [
        (A, "green_factory", "municipal", 2021),  # counts
        (A, "green_product", "national", 2022),  # not a factory
        (B, "green_factory", "national", 2023),  # counts
        (B, "green_factory", "national", 2024),  # after 2023
        (C, "green_factory", "municipal", 2019),  # before 2021
        (D, "green_factory", "municipal", 2022),  # below size
    ],
    columns=["uscc", "kind", "level", "year"],
)


def by_id(rows: list[IndicatorRow]) -> dict[str, IndicatorRow]:
    return {r.id: r for r in rows}


# --------------------------------------------------------------------------- the plan data


def test_plan_loads_with_the_six_indicators_and_the_plans_figures() -> None:
    assert "qijiang_2021_2025" in available_plans()
    got = {s.id: (s.baseline_year, s.baseline, s.target, s.target_year) for s in PLAN.indicators}
    # shared/DOMAIN.md "Plan indicators" and shared/API.md "Targets".
    assert got == {
        "clean_energy_share": (2020, None, 35.0, 2025),
        "park_concentration": (2020, 73.0, 95.0, 2025),
        "bulk_solid_waste_utilisation": (2020, None, 70.0, 2025),
        "new_green_factories": (2020, 0.0, 6.0, 2025),
        "energy_intensity_reduction": (2020, 0.0, 16.0, 2025),
        "water_intensity_reduction": (2020, 0.0, 20.0, 2025),
    }
    assert dict(PLAN.grid_non_fossil_share) == {}  # off by default


# --------------------------------------------------------------------------- status rules


def test_path_value_is_the_straight_line_from_baseline_to_target() -> None:
    # 73 + (95 − 73) × (2022 − 2020) / 5 = 73 + 8.8 = 81.8
    assert path_value(73, 95, 2020, 2025, 2022) == pytest.approx(81.8)
    assert path_value(73, 95, 2020, 2025, 2020) == 73
    assert path_value(73, 95, 2020, 2025, 2025) == 95
    assert path_value(73, 95, 2020, 2025, 2019) is None
    assert path_value(73, 95, 2020, 2025, 2026) is None


def status(value: float | None, year: int = 2023, baseline: float | None = 73.0) -> Status:
    return row_status(
        value, target=95.0, baseline=baseline, baseline_year=2020, target_year=2025, year=year
    )


def test_status_against_the_path() -> None:
    # 2023: p = 73 + 22 × 3/5 = 86.2; at-risk margin 0.1 × |86.2 − 73| = 1.32.
    assert status(95.0) is Status.MET
    assert status(96.0) is Status.MET
    assert status(86.2) is Status.ON_TRACK
    assert status(90.0) is Status.ON_TRACK
    assert status(85.0) is Status.AT_RISK  # short by 1.2 ≤ 1.32
    assert status(86.2 - 1.32) is Status.AT_RISK  # exactly on the margin
    assert status(84.8) is Status.OFF_TRACK  # short by 1.4 > 1.32


def test_status_no_data() -> None:
    assert status(None) is Status.NO_DATA
    assert status(float("nan")) is Status.NO_DATA
    no_target = row_status(
        50.0, target=None, baseline=None, baseline_year=2020, target_year=2025, year=2023
    )
    assert no_target is Status.NO_DATA


def test_status_of_a_floor_without_baseline_is_met_or_off_track() -> None:
    # ≥ 70 % with no baseline: no path, so nothing in between.
    def floor(v: float) -> Status:
        return row_status(
            v, target=70.0, baseline=None, baseline_year=2020, target_year=2025, year=2023
        )

    assert floor(70.0) is Status.MET
    assert floor(69.99) is Status.OFF_TRACK
    assert floor(10.0) is Status.OFF_TRACK


def test_status_before_the_baseline_year_and_after_the_target_year_has_no_path() -> None:
    assert status(80.0, year=2019) is Status.OFF_TRACK
    assert status(95.0, year=2019) is Status.MET
    # 2026: the path ended at 95; 94.5 would be within 0.1 × 22 = 2.2 of it, but there is no
    # path any more: off_track.
    assert status(94.5, year=2026) is Status.OFF_TRACK


def test_status_in_the_baseline_year_has_no_at_risk_margin() -> None:
    # 2020: p = b = 73, margin 0.
    assert status(73.0, year=2020) is Status.ON_TRACK
    assert status(72.9, year=2020) is Status.OFF_TRACK


def test_status_for_a_target_to_stay_below() -> None:
    # An intensity ceiling 1.0 → 0.84 (2020 → 2025). 2023: p = 1 − 0.16 × 3/5 = 0.904,
    # margin 0.1 × 0.096 = 0.0096.
    def ceiling(v: float) -> Status:
        return row_status(
            v,
            target=0.84,
            baseline=1.0,
            baseline_year=2020,
            target_year=2025,
            year=2023,
            direction=Direction.DECREASE,
        )

    assert ceiling(0.84) is Status.MET
    assert ceiling(0.90) is Status.ON_TRACK
    assert ceiling(0.91) is Status.AT_RISK  # 0.006 above p
    assert ceiling(0.92) is Status.OFF_TRACK  # 0.016 above p


# --------------------------------------------------------------------------- the district


def test_district_2023_values_and_statuses() -> None:
    rows = by_id(evaluate_plan(PLAN, DISTRICT, CERTS, 2023))
    assert list(rows) == [s.id for s in PLAN.indicators]

    clean = rows["clean_energy_share"]
    # 450 / 1800 = 25 %; no baseline → off_track.
    assert clean.value == pytest.approx(25.0)
    assert clean.status is Status.OFF_TRACK
    assert clean.baseline is None and clean.trajectory == []
    # Switch 0.35 × 1800 − 450 = 180 tce of fossil energy to clean.
    assert clean.gap == pytest.approx(180.0)
    assert clean.gap_unit == "tce"
    # Fossil use: A 840 − 300 = 540, B 660 − 150 = 510, C 300.
    assert [(m.uscc, m.value) for m in clean.top_movers] == [(A, 540.0), (B, 510.0), (C, 300.0)]
    assert "no share of grid electricity" in clean.definition

    park = rows["park_concentration"]
    # (5000 + 2500) / 10000 = 75 %; path 2023 = 86.2, short by 11.2 > 1.32 → off_track.
    assert park.value == pytest.approx(75.0)
    assert park.baseline == 73.0 and park.target == 95.0
    assert park.path_value == pytest.approx(86.2)
    assert park.status is Status.OFF_TRACK
    # 0.95 × 10000 − 7500 = 2000 万元 to bring into counted parks; C makes 2500 outside.
    assert park.gap == pytest.approx(2000.0)
    assert [(m.uscc, m.value) for m in park.top_movers] == [(C, 2500.0)]
    # Path 73 → 95 in steps of 4.4.
    assert [p["value"] for p in park.trajectory] == pytest.approx([73, 77.4, 81.8, 86.2, 90.6, 95])
    assert [p["year"] for p in park.trajectory] == [2020, 2021, 2022, 2023, 2024, 2025]

    bulk = rows["bulk_solid_waste_utilisation"]
    # 550 / (700 + 50) = 73.33 % ≥ 70 → met, nothing missing.
    assert bulk.value == pytest.approx(100 * 550 / 750)
    assert bulk.status is Status.MET
    assert bulk.gap == 0.0
    # Not utilised: A 500 − 400 = 100, B 250 − 150 = 100 (tie: by uscc).
    assert [(m.uscc, m.value) for m in bulk.top_movers] == [(A, 100.0), (B, 100.0)]

    green = rows["new_green_factories"]
    # A 2021 and B 2023 count; B 2024 is later, C 2019 earlier, D below size, A's product
    # certification is no factory. Path 2023 = 6 × 3/5 = 3.6, margin 0.36: 2 → off_track.
    assert green.value == 2.0
    assert green.status is Status.OFF_TRACK
    assert green.gap == 4.0
    # Candidates (no green-factory certificate yet): none, C has held one since 2019.
    assert green.top_movers == []
    # Least squares through (2020, 0) and (2023, 2): 2/3 a year → 2025: 10/3.
    assert green.projection == pytest.approx(10 / 3)

    energy = rows["energy_intensity_reduction"]
    # I_2023 = 1800 / 2200 = 0.81818; (1 − 0.81818 / 0.9) × 100 = 9.0909 %.
    # Path 2023 = 16 × 3/5 = 9.6, margin 0.96: short by 0.509 → at_risk.
    assert energy.value == pytest.approx(100 * (1 - (1800 / 2200) / 0.9))
    assert energy.value == pytest.approx(9.0909, abs=1e-4)
    assert energy.status is Status.AT_RISK
    assert energy.details["intensity_baseline"] == pytest.approx(0.9)
    # Allowed at the target: 0.9 × 0.84 × 2200 = 1663.2 tce; 1800 − 1663.2 = 136.8 tce.
    assert energy.gap == pytest.approx(136.8)
    # Own 2020 intensities: A 1.0, B 1.0, C 0.6. Above them at 2023 value added:
    # A 840 − 1100 < 0, B 660 − 600 = 60, C 300 − 300 = 0 → only B.
    assert [(m.uscc, m.value) for m in energy.top_movers] == [(B, pytest.approx(60.0))]
    # Line through (2020, 0) and (2023, 9.0909): 3.0303 a year → 2025: 15.1515.
    assert energy.projection == pytest.approx(9.090909 / 3 * 5, abs=1e-4)

    water = rows["water_intensity_reduction"]
    # W_2023 = 18000 / 2200 = 8.1818; (1 − 8.1818 / 10) × 100 = 18.18 % ≥ path 12 → on_track.
    assert water.value == pytest.approx(100 * (1 - 18000 / 2200 / 10))
    assert water.status is Status.ON_TRACK
    # Allowed: 10 × 0.8 × 2200 = 17600 m3; 18000 − 17600 = 400 m3.
    assert water.gap == pytest.approx(400.0)
    assert water.gap_unit == "m3"


def test_rows_carry_the_contract_fields_and_serialise() -> None:
    rows = evaluate_plan(PLAN, DISTRICT, CERTS, 2023)
    for row in rows:
        d = row.to_dict()
        for key in ("id", "name", "unit", "baseline_year", "baseline", "target", "target_year"):
            assert key in d
        assert d["status"] in {"met", "on_track", "at_risk", "off_track", "no_data"}
        json.dumps(d, ensure_ascii=False)


def test_baseline_year_itself() -> None:
    rows = by_id(evaluate_plan(PLAN, DISTRICT, CERTS, 2020))
    # 2020: park concentration 6000/8000 = 75 % ≥ path value 73 → on_track.
    assert rows["park_concentration"].value == pytest.approx(75.0)
    assert rows["park_concentration"].status is Status.ON_TRACK
    # The reductions are 0 by definition; p = 0 → on_track. No count yet → 0 → on_track.
    assert rows["energy_intensity_reduction"].value == pytest.approx(0.0)
    assert rows["energy_intensity_reduction"].status is Status.ON_TRACK
    assert rows["new_green_factories"].value == 0.0
    # Clean share 300/1800 = 16.67 % → off_track; bulk 450/800 = 56.25 % → off_track.
    assert rows["clean_energy_share"].value == pytest.approx(100 * 300 / 1800)
    assert rows["bulk_solid_waste_utilisation"].value == pytest.approx(56.25)
    assert rows["bulk_solid_waste_utilisation"].status is Status.OFF_TRACK
    # Green-factory candidates in 2020: A (4000 万元) and B (2000 万元); C certified in 2019.
    movers = rows["new_green_factories"].top_movers
    assert [(m.uscc, m.value) for m in movers] == [(A, 4000.0), (B, 2000.0)]
    # One yearly value only: no projection.
    assert rows["energy_intensity_reduction"].projection is None


# --------------------------------------------------------------------------- one park


def test_one_park_restricts_every_indicator_to_its_enterprises() -> None:
    rows = by_id(evaluate_plan(PLAN, DISTRICT, CERTS, 2023, park="QIAOHE"))
    # Only A (D is below size).
    # Clean 300/840 = 35.71 % ≥ 35 → met.
    assert rows["clean_energy_share"].value == pytest.approx(100 * 300 / 840)
    assert rows["clean_energy_share"].status is Status.MET
    # The park's share of the district's gross output: 5000 / 10000 = 50 %, no target.
    park = rows["park_concentration"]
    assert park.value == pytest.approx(50.0)
    assert park.target is None and park.baseline is None
    assert park.status is Status.NO_DATA
    assert park.scope == "QIAOHE"
    # A: I_2020 = 1.0, I_2023 = 840/1100 = 0.76364 → 23.64 % ≥ 16 → met.
    assert rows["energy_intensity_reduction"].value == pytest.approx(100 * (1 - 840 / 1100))
    assert rows["energy_intensity_reduction"].status is Status.MET
    # A's 2021 certificate: 1; the district's count target does not apply to one park.
    assert rows["new_green_factories"].value == 1.0
    assert rows["new_green_factories"].status is Status.NO_DATA
    # A: 400 / 500 = 80 % → met.
    assert rows["bulk_solid_waste_utilisation"].value == pytest.approx(80.0)


def test_park_with_no_enterprises_has_no_data() -> None:
    rows = evaluate_plan(PLAN, DISTRICT, CERTS, 2023, park="FUHUAN")
    assert {r.status for r in rows} == {Status.NO_DATA}
    assert all(r.value is None and r.gap is None and r.top_movers == [] for r in rows)


def test_a_year_without_data_is_no_data() -> None:
    rows = evaluate_plan(PLAN, DISTRICT, CERTS, 2021)
    assert {r.status for r in rows} == {Status.NO_DATA}
    assert all(r.value is None for r in rows)
    empty = evaluate_plan(PLAN, DISTRICT.iloc[0:0], CERTS.iloc[0:0], 2023)
    assert {r.status for r in empty} == {Status.NO_DATA}


def test_a_year_before_the_baseline_year() -> None:
    one = frame(
        [
            (A, "QIAOHE", True, True, 2019, 950, 0, 1000, 3000, 100, 0, 0, 0),
            (A, "QIAOHE", True, True, 2020, 900, 0, 1000, 3000, 100, 0, 0, 0),
        ]
    )
    rows = by_id(evaluate_plan(PLAN, one, CERTS.iloc[0:0], 2019))
    energy = rows["energy_intensity_reduction"]
    # (1 − 0.95 / 0.90) × 100 = −5.556 %: no path before 2020 → off_track, no projection.
    assert energy.value == pytest.approx(100 * (1 - 0.95 / 0.9))
    assert energy.status is Status.OFF_TRACK
    assert energy.projection is None
    # All output in a counted park: 100 % ≥ 95 → met even before the baseline year.
    assert rows["park_concentration"].status is Status.MET
    # Nothing can have been certified "since 2021" in 2019.
    assert rows["new_green_factories"].value == 0.0


def test_zero_value_added_gives_no_intensity() -> None:
    zero = DISTRICT.assign(value_added=DISTRICT["value_added"].where(DISTRICT["year"] != 2023, 0))
    rows = by_id(evaluate_plan(PLAN, zero, CERTS, 2023))
    assert rows["energy_intensity_reduction"].value is None
    assert rows["energy_intensity_reduction"].status is Status.NO_DATA
    assert rows["water_intensity_reduction"].status is Status.NO_DATA
    # Other indicators do not need value added.
    assert rows["clean_energy_share"].value == pytest.approx(25.0)
    # No value added in the baseline year: no reference intensity, so no baseline.
    no_base = DISTRICT.assign(
        value_added=DISTRICT["value_added"].where(DISTRICT["year"] != 2020, 0)
    )
    energy = by_id(evaluate_plan(PLAN, no_base, CERTS, 2023))["energy_intensity_reduction"]
    assert energy.value is None and energy.baseline is None
    assert energy.status is Status.NO_DATA
    assert "2020" in energy.note


def test_grid_non_fossil_share_counts_only_when_configured() -> None:
    grid = DISTRICT.assign(grid_electricity_tce=[400, 300, 200, 0, 500, 400, 300, 0])
    plan: Plan = replace(
        PLAN, grid_non_fossil_share={2023: 0.4}, grid_non_fossil_source="a sourced figure"
    )
    clean = by_id(evaluate_plan(plan, grid, CERTS, 2023))["clean_energy_share"]
    # 2023: clean 450 + 0.4 × (500 + 400 + 300) = 450 + 480 = 930; 930 / 1800 = 51.67 %.
    assert clean.value == pytest.approx(100 * 930 / 1800)
    assert clean.status is Status.MET
    assert "40.0% of grid electricity" in clean.definition
    assert "a sourced figure" in clean.definition
    # 2020 has no configured share: 300 / 1800 as before.
    clean_2020 = by_id(evaluate_plan(plan, grid, CERTS, 2020))["clean_energy_share"]
    assert clean_2020.value == pytest.approx(100 * 300 / 1800)
    # Configured, but the frame has no grid column: refused rather than silently ignored.
    with pytest.raises(ValueError, match="grid_electricity_tce"):
        evaluate_plan(plan, DISTRICT, CERTS, 2023)


def test_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="clean_tce"):
        evaluate_plan(PLAN, DISTRICT.drop(columns=["clean_tce"]), CERTS, 2023)


def test_value_at_the_baseline_up_to_reporting_precision_is_on_track() -> None:
    # In the baseline year the path value p equals the baseline b = 73 %, so the at-risk margin
    # 0.1 × |p − b| is 0. A share summed from rounded report lines, 72.9999989 %, differs from
    # 73 by 1.5e-8 relative: that is reporting precision, not a shortfall.
    from carbon.indicators import Direction, Status, row_status

    status = row_status(
        72.9999989,
        target=95.0,
        baseline=73.0,
        baseline_year=2020,
        target_year=2025,
        year=2020,
        direction=Direction.INCREASE,
    )
    assert status is Status.ON_TRACK
