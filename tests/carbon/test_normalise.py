"""Validation and normalisation of report lines, a whole frame at a time."""

from __future__ import annotations

import math
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from carbon import units
from carbon.errors import (
    DimensionMismatchError,
    InvalidInput,
    InvalidPeriodError,
    InvalidQuantityError,
    UnknownItemError,
    UnknownUnitError,
    ValidationFailed,
)
from carbon.normalise import CANONICAL_COLUMNS, normalise_columns, normalise_lines

NAN = math.nan
WASTE = ("generated", "from_storage", "utilised", "disposed", "stored")


def frame(rows: list[dict[str, object]], index: list[object] | None = None) -> pd.DataFrame:
    """Report lines with every column present (NaN where a row does not give it)."""
    columns = ["section", "item", "quantity", "unit", *WASTE]
    data = {
        c: [row.get(c, NAN if c == "quantity" or c in WASTE else None) for row in rows]
        for c in columns
    }
    out = pd.DataFrame(data, index=index)
    for c in ["quantity", *WASTE]:
        out[c] = out[c].astype(float)
    return out


def errors_of(lines: pd.DataFrame, **kwargs: object) -> list[InvalidInput]:
    with pytest.raises(ValidationFailed) as exc:
        normalise_lines(lines, **kwargs)  # type: ignore[arg-type]
    return exc.value.errors


def line(section: str, item: str, quantity: float, unit: str) -> dict[str, object]:
    return {"section": section, "item": item, "quantity": quantity, "unit": unit}


# The example report of shared/API.md, one row per line.
CONTRACT_EXAMPLE = [
    line("energy", "electricity_grid", 125.6, "万千瓦时"),
    line("energy", "natural_gas", 3.2, "万立方米"),
    line("energy", "diesel", 1800, "kg"),
    line("water", "fresh_withdrawal", 1200, "m3"),
    line("water", "reused", 5000, "t"),
    {
        "section": "solid_waste",
        "item": "fly_ash",
        "unit": "t",
        "generated": 120,
        "from_storage": 0,
        "utilised": 100,
        "disposed": 20,
        "stored": 0,
    },
    line("production", "primary_aluminium", 2500, "t"),
    line("economics", "gross_output_value", 15000, "万元"),
    line("economics", "value_added", 3000, "万元"),
]


def test_contract_example_is_normalised_to_canonical_units() -> None:
    out = normalise_lines(frame(CONTRACT_EXAMPLE))
    assert out["canonical_unit"].tolist() == [
        "kWh",
        "m3",
        "t",
        "m3",
        "m3",
        "t",
        "t",
        "CNY_10k",
        "CNY_10k",
    ]
    expected = [
        1_256_000.0,  # 125.6 万千瓦时 × 10^4 = 1,256,000 kWh
        32_000.0,  # 3.2 万立方米 × 10^4 = 32,000 m3
        1.8,  # 1800 kg ÷ 1000 = 1.8 t
        1200.0,  # m3 already
        5000.0,  # water given in t: 1 t = 1 m3 (API.md)
        120.0,  # waste: canonical_quantity is the canonical generated, 120 t
        2500.0,
        15000.0,  # 万元 already
        3000.0,
    ]
    np.testing.assert_allclose(out["canonical_quantity"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["factor"], [1e4, 1e4, 1e-3, 1, 1, 1, 1, 1, 1], rtol=1e-12)
    waste = out.iloc[5]
    assert [waste[f"{c}_c"] for c in WASTE] == [120.0, 0.0, 100.0, 20.0, 0.0]
    # Not waste: the canonical waste columns are NaN.
    assert out.iloc[0][[f"{c}_c" for c in WASTE]].isna().all()


def test_input_frame_is_left_as_it_was() -> None:
    lines = frame(CONTRACT_EXAMPLE)
    before = lines.copy()
    out = normalise_lines(lines)
    pd.testing.assert_frame_equal(lines, before)
    assert list(out.columns) == [*before.columns, *CANONICAL_COLUMNS]
    assert out.index.equals(lines.index)


def test_waste_columns_missing_from_the_frame_count_zero() -> None:
    lines = pd.DataFrame(
        {
            "section": ["solid_waste"],
            "item": ["red_mud"],
            "unit": ["kg"],
            "generated": [120_000.0],
            "utilised": [90_000.0],
        }
    )
    out = normalise_lines(lines)
    row = out.iloc[0]
    # 120,000 kg = 120 t; 90,000 kg = 90 t; the rest were not sent: 0 t.
    assert [row[f"{c}_c"] for c in WASTE] == [120.0, 0.0, 90.0, 0.0, 0.0]
    assert row["canonical_quantity"] == 120.0


def test_waste_nan_columns_other_than_generated_count_zero() -> None:
    out = normalise_lines(
        frame([{"section": "solid_waste", "item": "tailings", "unit": "万吨", "generated": 1.5}])
    )
    # 1.5 万吨 × 10^4 = 15,000 t
    assert out.iloc[0]["generated_c"] == 15_000.0
    assert out.iloc[0]["stored_c"] == 0.0


def test_waste_that_balances_exactly_or_within_tolerance_is_accepted() -> None:
    rows = [
        # 100 + 20 = 80 + 30 + 10 exactly
        {
            "section": "solid_waste",
            "item": "fly_ash",
            "unit": "t",
            "generated": 100,
            "from_storage": 20,
            "utilised": 80,
            "disposed": 30,
            "stored": 10,
        },
        # over by 1e-10 relative: inside the 1e-9 tolerance
        {
            "section": "solid_waste",
            "item": "fly_ash",
            "unit": "t",
            "generated": 100,
            "utilised": 100 * (1 + 1e-10),
        },
    ]
    assert len(normalise_lines(frame(rows))) == 2


def test_production_names_are_free_text_up_to_100_characters() -> None:
    out = normalise_lines(
        frame(
            [
                line("production", "齿轮箱" * 33 + "x", 12, "台"),
                line("production", "glass fibre", 3, "万吨"),
            ]
        )
    )
    assert out["canonical_unit"].tolist() == ["piece", "t"]
    assert out["canonical_quantity"].tolist() == [12.0, 30_000.0]  # 3 万吨 = 30,000 t


def test_empty_frame_gives_empty_frame_with_the_new_columns() -> None:
    out = normalise_lines(frame([]))
    assert len(out) == 0
    assert set(CANONICAL_COLUMNS) <= set(out.columns)


def test_nullable_and_object_quantities_are_read_as_numbers() -> None:
    lines = frame([line("energy", "diesel", 2, "t"), line("energy", "coke", 3, "t")])
    lines["quantity"] = pd.array([2.0, 3.0], dtype="Float64")
    assert normalise_lines(lines)["canonical_quantity"].tolist() == [2.0, 3.0]
    lines["quantity"] = pd.Series(["2", "3.5"], dtype=object)
    assert normalise_lines(lines)["canonical_quantity"].tolist() == [2.0, 3.5]


# --- what is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "error"),
    [
        (line("emissions", "co2", 1, "t"), "section", UnknownItemError),
        ({**line("energy", "diesel", 1, "t"), "section": None}, "section", UnknownItemError),
        (line("energy", "firewood", 1, "t"), "item", UnknownItemError),
        (line("water", "rain", 1, "m3"), "item", UnknownItemError),
        (
            {"section": "solid_waste", "item": "ash", "unit": "t", "generated": 1},
            "item",
            UnknownItemError,
        ),
        (line("economics", "profit", 1, "万元"), "item", UnknownItemError),
        (line("production", "", 1, "t"), "item", UnknownItemError),
        (line("production", "   ", 1, "t"), "item", UnknownItemError),
        (line("production", "x" * 101, 1, "t"), "item", UnknownItemError),
        (line("energy", "diesel", 1, "桶油"), "unit", UnknownUnitError),
        (line("energy", "diesel", 1, ""), "unit", UnknownUnitError),
        ({**line("energy", "diesel", 1, "t"), "unit": None}, "unit", UnknownUnitError),
        (line("energy", "electricity_grid", 1, "t"), "unit", DimensionMismatchError),
        (line("energy", "electricity_grid", 1, "tce"), "unit", DimensionMismatchError),
        (line("energy", "diesel", 1, "万元"), "unit", DimensionMismatchError),
        (line("water", "reused", 1, "万元"), "unit", DimensionMismatchError),
        (line("production", "gear_box", 1, "万元"), "unit", DimensionMismatchError),
        (line("economics", "value_added", 1, "t"), "unit", DimensionMismatchError),
        (
            {"section": "solid_waste", "item": "fly_ash", "unit": "元", "generated": 1},
            "unit",
            DimensionMismatchError,
        ),
        (line("energy", "diesel", NAN, "t"), "quantity", InvalidQuantityError),
        (line("energy", "diesel", math.inf, "t"), "quantity", InvalidQuantityError),
        (line("energy", "diesel", -math.inf, "t"), "quantity", InvalidQuantityError),
        (line("energy", "diesel", -0.5, "t"), "quantity", InvalidQuantityError),
        (line("economics", "value_added", -1, "万元"), "quantity", InvalidQuantityError),
        (
            {"section": "solid_waste", "item": "fly_ash", "unit": "t"},
            "generated",
            InvalidQuantityError,
        ),
        (
            {"section": "solid_waste", "item": "fly_ash", "unit": "t", "generated": -1},
            "generated",
            InvalidQuantityError,
        ),
        (
            {"section": "solid_waste", "item": "fly_ash", "unit": "t", "generated": math.inf},
            "generated",
            InvalidQuantityError,
        ),
        (
            {
                "section": "solid_waste",
                "item": "fly_ash",
                "unit": "t",
                "generated": 5,
                "from_storage": -1,
            },
            "from_storage",
            InvalidQuantityError,
        ),
        (
            {
                "section": "solid_waste",
                "item": "fly_ash",
                "unit": "t",
                "generated": 5,
                "utilised": math.inf,
            },
            "utilised",
            InvalidQuantityError,
        ),
        (
            {
                "section": "solid_waste",
                "item": "fly_ash",
                "unit": "t",
                "generated": 5,
                "disposed": -2,
            },
            "disposed",
            InvalidQuantityError,
        ),
        (
            {
                "section": "solid_waste",
                "item": "fly_ash",
                "unit": "t",
                "generated": 5,
                "stored": -math.inf,
            },
            "stored",
            InvalidQuantityError,
        ),
        # 100 + 0 < 80 + 20 + 0.001: over-accounted (reported on utilised)
        (
            {
                "section": "solid_waste",
                "item": "fly_ash",
                "unit": "t",
                "generated": 100,
                "utilised": 80,
                "disposed": 20,
                "stored": 0.001,
            },
            "utilised",
            InvalidQuantityError,
        ),
        # 100 + 20 < 90 + 31: taking from storage counts, but not enough
        (
            {
                "section": "solid_waste",
                "item": "coal_gangue",
                "unit": "kg",
                "generated": 100,
                "from_storage": 20,
                "utilised": 90,
                "disposed": 31,
            },
            "utilised",
            InvalidQuantityError,
        ),
    ],
)
def test_bad_line_is_refused_naming_the_field(
    row: dict[str, object], field: str, error: type[InvalidInput]
) -> None:
    lines = frame([line("energy", "coke", 1, "t"), row], index=[7, 8])
    found = errors_of(lines)
    assert [(type(e), e.loc) for e in found] == [(error, (8, field))], [e.msg for e in found]


def test_over_accounting_message_gives_both_sums() -> None:
    [err] = errors_of(
        frame(
            [
                {
                    "section": "solid_waste",
                    "item": "fly_ash",
                    "unit": "t",
                    "generated": 100,
                    "utilised": 101,
                }
            ]
        )
    )
    assert "101" in err.msg and "100" in err.msg


def test_text_in_a_number_column_is_refused() -> None:
    lines = frame(
        [
            line("energy", "diesel", 1, "t"),
            {"section": "solid_waste", "item": "fly_ash", "unit": "t", "generated": 1},
        ]
    )
    lines["quantity"] = pd.Series(["lots", None], dtype=object)
    lines["stored"] = pd.Series([None, "some"], dtype=object)
    found = errors_of(lines)
    assert [(type(e), e.loc) for e in found] == [
        (InvalidQuantityError, (0, "quantity")),
        (InvalidQuantityError, (1, "stored")),
    ]


def test_missing_quantity_column_is_refused_on_every_line_that_needs_it() -> None:
    lines = frame([line("energy", "diesel", 1, "t"), line("water", "reused", 2, "m3")])
    found = errors_of(lines.drop(columns="quantity"))
    assert [e.loc for e in found] == [(0, "quantity"), (1, "quantity")]


def test_every_error_is_collected_in_row_then_field_order() -> None:
    lines = frame(
        [
            line("energy", "electricity_grid", 125.6, "万千瓦时"),  # fine
            line("energy", "electricity_grid", -1, "t"),  # unit and quantity
            line("energy", "coal", NAN, "kg"),  # item and quantity
            line("economics", "value_added", 3000, "万元"),  # fine
            line("energy", "electricity_grid", 5, "t"),  # unit again (same combination)
        ],
        index=["a", "b", "c", "d", "e"],
    )
    found = errors_of(lines)
    assert [(type(e), e.loc) for e in found] == [
        (DimensionMismatchError, ("b", "unit")),
        (InvalidQuantityError, ("b", "quantity")),
        (UnknownItemError, ("c", "item")),
        (InvalidQuantityError, ("c", "quantity")),
        (DimensionMismatchError, ("e", "unit")),
    ]


def test_multiindex_labels_are_spread_into_the_loc() -> None:
    # A caller can index lines by (report, section, line) and get the API's loc directly.
    index = pd.MultiIndex.from_tuples([(0, "energy", 0), (3, "energy", 1)])
    lines = frame(
        [line("energy", "diesel", 1, "t"), line("energy", "diesel", 1, "kWh")], index=list(index)
    )
    lines.index = index
    [err] = errors_of(lines)
    assert err.loc == (3, "energy", 1, "unit")


def test_unknown_section_and_unknown_unit_are_both_reported() -> None:
    [section, unit] = errors_of(frame([line("energie", "diesel", 1, "bbl_of_fun")]))
    assert (type(section), section.loc) == (UnknownItemError, (0, "section"))
    assert (type(unit), unit.loc) == (UnknownUnitError, (0, "unit"))


def test_periods_are_checked_when_the_frame_has_them() -> None:
    lines = frame([line("energy", "diesel", 1, "t")] * 4)
    lines["period"] = ["2024-05", "2024-13", "2024-06", None]
    found = errors_of(lines, today=date(2024, 5, 31))
    # 2024-13 is malformed; 2024-06 is after the current month (May 2024); None is missing.
    assert [(type(e), e.loc) for e in found] == [
        (InvalidPeriodError, (1, "period")),
        (InvalidPeriodError, (2, "period")),
        (InvalidPeriodError, (3, "period")),
    ]


# --- vectorised: one lookup per distinct unit --------------------------------------------


def test_one_conversion_lookup_per_distinct_unit_on_thousands_of_rows() -> None:
    combinations = [
        line("energy", "electricity_grid", 1, "万千瓦时"),  # (kWh, 万千瓦时)
        line("energy", "electricity_green", 1, "万千瓦时"),  # same canonical and unit: shared
        line("energy", "electricity_grid", 1, "KWH"),  # (kWh, KWH)
        line("energy", "diesel", 1, "kg"),  # (t, kg)
        line("energy", "coke", 1, "kg"),  # shared with diesel
        line("solid_waste", "fly_ash", NAN, "kg"),  # shared: waste is also in t
        line("water", "reused", 1, "t"),  # (water, t)
        line("water", "fresh_withdrawal", 1, "m3"),  # (water, m3)
        line("production", "gear_box", 1, "件"),  # (by dimension, 件)
        line("production", "valve", 1, "件"),  # shared with gear_box
        line("economics", "value_added", 1, "亿元"),  # (CNY_10k, 亿元)
    ]
    combinations[5] = {**combinations[5], "generated": 10.0}
    # Distinct (canonical, unit text) pairs worked out above: 7.
    rows = combinations * 600  # 6,600 rows
    lines = frame(rows)
    units.conversion_factor.cache_clear()
    units._canonical.cache_clear()
    out = normalise_lines(lines)
    info = units.conversion_factor.cache_info()
    assert info.hits + info.misses == 7
    assert len(out) == 6_600
    # 1 亿元 = 10,000 万元 on every one of its 600 rows
    assert (out.loc[out["item"] == "value_added", "canonical_quantity"] == 1e4).all()


def test_170000_lines_normalise_in_well_under_a_second() -> None:
    n = 170_000
    kinds = [
        line("energy", "electricity_grid", 125.6, "万千瓦时"),
        line("energy", "natural_gas", 3.2, "万立方米"),
        line("energy", "diesel", 1800, "kg"),
        line("water", "reused", 5000, "t"),
        {
            "section": "solid_waste",
            "item": "fly_ash",
            "unit": "t",
            "generated": 120.0,
            "utilised": 100.0,
            "disposed": 20.0,
        },
        line("production", "gear_box", 40, "台"),
        line("economics", "value_added", 3000, "万元"),
    ]
    base = frame(kinds)
    lines = base.iloc[np.arange(n) % len(kinds)].reset_index(drop=True)
    normalise_lines(lines.head(100))  # load the caches, as a running service would have
    start = time.perf_counter()
    out = normalise_lines(lines)
    elapsed = time.perf_counter() - start
    assert len(out) == n
    # Measured about 0.03 s on two cores; one second leaves room for a slow machine.
    assert elapsed < 1.0, f"{n} lines took {elapsed:.2f} s"


# --- few lines and many: the same answer ----------------------------------------------------


def test_a_report_of_a_few_lines_and_a_batch_of_many_give_the_same_answer() -> None:
    # A report of a dozen lines is grouped in a dict, a batch with pandas (carbon.normalise
    # _SMALL): the contract example (with a bad line and missing cells) alone, and repeated
    # past that size, must give the same columns and the same errors, line for line.
    bad = [line("energy", "diesel", 1, "kWh"), {"section": "water", "quantity": 1}]
    rows = [*CONTRACT_EXAMPLE, *bad]
    few = frame(rows)
    many = frame(rows * 10)  # 110 lines
    errors_few = [(type(e), e.loc, e.msg) for e in errors_of(few)]
    errors_many = [(type(e), e.loc, e.msg) for e in errors_of(many)]
    assert [loc for _, loc, _ in errors_few] == [(9, "unit"), (10, "item"), (10, "unit")]
    n = len(rows)
    assert errors_many == [
        (kind, (int(row) + k * n, field), msg)
        for k in range(10)
        for kind, (row, field), msg in errors_few
    ]
    good_few = normalise_lines(frame(CONTRACT_EXAMPLE))
    good_many = normalise_lines(frame(CONTRACT_EXAMPLE * 10))
    assert list(good_many["canonical_unit"]) == list(good_few["canonical_unit"]) * 10
    for name in CANONICAL_COLUMNS[1:]:
        expected = np.tile(good_few[name].to_numpy(), 10)
        np.testing.assert_array_equal(good_many[name].to_numpy(), expected)


@pytest.mark.parametrize("copies", [1, 30], ids=["a report", "a batch"])
def test_columns_may_be_plain_lists(copies: int) -> None:
    # normalise_columns takes any mapping of columns: lists as well as arrays.
    one: dict[str, list[object]] = {
        "section": ["energy", "energy", "solid_waste"],
        "item": ["electricity_grid", "natural_gas", "fly_ash"],
        "unit": ["万千瓦时", "万立方米", "t"],
        "quantity": [125.6, 3.2, None],
        "generated": [None, None, 120],
        "utilised": [None, None, 100],
    }
    columns = {name: values * copies for name, values in one.items()}
    out = normalise_columns(columns, 3 * copies)
    # 1 万千瓦时 = 10,000 kWh; 1 万立方米 = 10,000 m³ (shared/API.md canonical units).
    assert list(out["canonical_unit"]) == ["kWh", "m3", "t"] * copies
    assert out["canonical_quantity"].tolist() == pytest.approx([1_256_000, 32_000, 120] * copies)
    assert out["utilised_c"][2::3].tolist() == [100] * copies
