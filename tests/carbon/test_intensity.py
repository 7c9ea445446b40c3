"""The scheduled checks, against hand calculations.

Rule (shared/DOMAIN.md, "Energy-intensity overrun"): limit = explicit (uscc, year) limit, else
the enterprise's base intensity × (1 − 0.16 × (y − base_year) ÷ 5); severity by value ÷ limit:
≤ 1.10 warning, ≤ 1.25 serious, above critical. Reports are due by the 10th of the next month.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from carbon.intensity import (
    ALERT_COLUMNS,
    base_intensities,
    due_date,
    intensity_limits,
    intensity_overruns,
    missing_reports,
    product_quota_overruns,
    severity,
    year_to_date,
)
from carbon.periods import Period
from factors.quotas import default_quotas, load_quotas

E1, E2, E3, E4, E5, E6 = (f"E{i}" for i in range(1, 7))

BASES = pd.DataFrame(
    [(E1, 2020, 2.0), (E2, 2020, 3.0), (E3, 2022, 1.0), (E4, 2024, 1.0), (E6, 2020, 1.0)],
    columns=["uscc", "base_year", "base_intensity"],
)
EXPLICIT = pd.DataFrame(
    [(E2, 2023, 1.5), (E2, 2022, 9.9), (E1, 2024, 0.1)], columns=["uscc", "year", "limit"]
)


def test_severity_bounds() -> None:
    ratios = pd.Series([1.0001, 1.10, 1.1001, 1.25, 1.2501, 3.0])
    assert severity(ratios).tolist() == [
        "warning",
        "warning",
        "serious",
        "serious",
        "critical",
        "critical",
    ]


def test_limits_explicit_first_then_own_path() -> None:
    got = intensity_limits([E1, E2, E3, E4, E5], 2023, EXPLICIT, BASES).set_index("uscc")
    # E1: 2.0 × (1 − 0.16 × 3/5) = 2.0 × 0.904 = 1.808 tce/万元.
    assert got.loc[E1, "limit"] == pytest.approx(1.808)
    assert got.loc[E1, "limit_source"] == "own_path"
    # E2: the 2023 explicit limit 1.5 wins over 3.0 × 0.904.
    assert got.loc[E2, "limit"] == pytest.approx(1.5)
    assert got.loc[E2, "limit_source"] == "explicit"
    # E3: first full year 2022 → 1.0 × (1 − 0.16 × 1/5) = 0.968.
    assert got.loc[E3, "limit"] == pytest.approx(0.968)
    # E4: base year 2024 is after 2023; E5 has no base and no explicit limit → none.
    assert got["limit"].isna()[E4] and got["limit_source"].isna()[E4]
    assert got["limit"].isna()[E5]


def test_overruns_for_a_month() -> None:
    ytd = pd.DataFrame(
        [
            (E1, 2000.0, 1000.0),  # 2.0 / 1.808 = 1.1062 → serious
            (E2, 1600.0, 1000.0),  # 1.6 / 1.5 = 1.0667 → warning (explicit)
            (E3, 1300.0, 1000.0),  # 1.3 / 0.968 = 1.3430 → critical
            (E4, 5000.0, 1000.0),  # no limit: not judged
            (E5, 10.0, 0.0),  # no value added: not judged
            (E6, 900.0, 1000.0),  # 0.9 ≤ 1.0 × 0.904: within
        ],
        columns=["uscc", "energy_tce", "value_added"],
    )
    alerts = intensity_overruns(ytd, Period(2023, 3), EXPLICIT, BASES)
    assert tuple(alerts.columns) == ALERT_COLUMNS
    assert alerts["uscc"].tolist() == [E1, E2, E3]
    assert set(alerts["period"]) == {"2023-03"}
    assert set(alerts["kind"]) == {"energy_intensity_overrun"}
    assert set(alerts["unit"]) == {"tce/万元"}
    assert alerts["severity"].tolist() == ["serious", "warning", "critical"]
    assert alerts["value"].tolist() == pytest.approx([2.0, 1.6, 1.3])
    assert alerts["limit"].tolist() == pytest.approx([1.808, 1.5, 0.968])
    assert alerts["ratio"].tolist() == pytest.approx([2.0 / 1.808, 1.6 / 1.5, 1.3 / 0.968])
    assert alerts["limit_source"].tolist() == ["own_path", "explicit", "own_path"]
    # The same input gives the same alerts (the caller upserts on uscc, period, kind).
    pd.testing.assert_frame_equal(alerts, intensity_overruns(ytd, Period(2023, 3), EXPLICIT, BASES))


def test_no_overrun_gives_an_empty_frame_with_the_columns() -> None:
    ytd = pd.DataFrame([(E6, 900.0, 1000.0)], columns=["uscc", "energy_tce", "value_added"])
    alerts = intensity_overruns(ytd, Period(2023, 3), EXPLICIT, BASES)
    assert alerts.empty and tuple(alerts.columns) == ALERT_COLUMNS


def test_year_to_date_sums_january_to_the_month() -> None:
    monthly = pd.DataFrame(
        [
            (E1, "2022-12", 999.0, 1.0),  # previous year: out
            (E1, "2023-01", 100.0, 50.0),
            (E1, "2023-02", 80.0, 40.0),
            (E1, "2023-02", 20.0, 10.0),  # a second row of the month adds up
            (E1, "2023-03", 120.0, 60.0),
            (E1, "2023-04", 999.0, 1.0),  # after the month: out
            (E2, Period(2023, 2), 10.0, 5.0),
        ],
        columns=["uscc", "period", "energy_tce", "value_added"],
    )
    ytd = year_to_date(monthly, Period(2023, 3)).set_index("uscc")
    # E1: 100 + 80 + 20 + 120 = 320 tce; 50 + 40 + 10 + 60 = 160 万元; 3 months.
    assert list(ytd.loc[E1]) == [320.0, 160.0, 3]
    assert list(ytd.loc[E2]) == [10.0, 5.0, 1]


def test_base_intensity_is_2020_or_the_first_full_year() -> None:
    yearly = pd.DataFrame(
        [
            (E1, 2019, 500.0, 100.0, 12),
            (E1, 2020, 400.0, 200.0, 12),  # base 2020: 2.0
            (E2, 2020, 100.0, 100.0, 7),  # started mid-2020: not full
            (E2, 2021, 300.0, 200.0, 12),  # base 2021: 1.5
            (E3, 2020, 10.0, 0.0, 12),  # no value added: not usable
            (E3, 2021, 50.0, 100.0, 11),
        ],
        columns=["uscc", "year", "energy_tce", "value_added", "months"],
    )
    got = base_intensities(yearly).set_index("uscc")
    assert list(got.loc[E1]) == [2020, 2.0]
    assert list(got.loc[E2]) == [2021, 1.5]
    assert E3 not in got.index


# --------------------------------------------------------------------------- product quotas


def test_gb21346_quotas_load() -> None:
    quotas = {q.id: q for q in load_quotas("gb21346", "2022")}
    # GB 21346-2022 表1 (secondary transcription; see the folder's source.yaml):
    # 铝液交流电耗 levels 1/2/3 = 12950 / 13000 / 13350 kWh/t.
    assert [quotas[f"gb21346-2022.al_liquid_ac.{n}"].value for n in (1, 2, 3)] == [
        12950,
        13000,
        13350,
    ]
    (default,) = default_quotas()
    # 铝锭综合交流电耗, level 3: 13750 kWh/t.
    assert (default.product, default.level, default.value, default.unit) == (
        "primary_aluminium",
        3,
        13750.0,
        "kWh/t",
    )
    assert "GB 21346-2022" in default.source


def test_product_quota_overruns() -> None:
    production = pd.DataFrame(
        [
            ("S1", "2023-05", "primary_aluminium", 20000.0),
            ("S1", "2023-06", "primary_aluminium", 20000.0),
            ("S2", "2023-05", "primary_aluminium", 0.0),  # stopped pots: not judged
            ("S3", "2023-05", "aluminium_alloy", 100.0),  # no quota for this product
        ],
        columns=["uscc", "period", "product", "quantity"],
    )
    electricity = pd.DataFrame(
        [
            ("S1", "2023-05", 200_000_000.0),
            ("S1", "2023-05", 80_000_000.0),  # a second meter adds up
            ("S1", "2023-06", 270_000_000.0),
            ("S2", "2023-05", 5_000_000.0),
            ("S3", "2023-05", 90_000_000.0),
        ],
        columns=["uscc", "period", "electricity_kwh"],
    )
    alerts = product_quota_overruns(production, electricity, default_quotas())
    # S1 2023-05: 280,000,000 kWh / 20,000 t = 14,000 kWh/t > 13,750; 14000/13750 = 1.0182
    # → warning. 2023-06: 13,500 kWh/t is within.
    assert len(alerts) == 1
    row = alerts.iloc[0]
    assert (row["uscc"], row["period"], row["kind"], row["severity"]) == (
        "S1",
        "2023-05",
        "product_energy_quota_overrun",
        "warning",
    )
    assert row["value"] == pytest.approx(14000.0)
    assert row["limit"] == 13750.0 and row["unit"] == "kWh/t"
    assert row["ratio"] == pytest.approx(14000 / 13750)
    assert row["limit_source"] == "gb21346-2022.al_ingot_comprehensive_ac.3"
    assert row["product"] == "primary_aluminium"


# --------------------------------------------------------------------------- missing reports

ENTERPRISES = pd.DataFrame(
    [(E1, True, "一厂"), (E2, True, "二厂"), (E3, False, "小厂"), (E4, True, "四厂")],
    columns=["uscc", "above_designated_size", "name"],
)


def test_due_date_is_the_tenth_of_the_next_month() -> None:
    assert due_date(Period(2024, 3)) == date(2024, 4, 10)
    assert due_date(Period(2024, 12)) == date(2025, 1, 10)


def test_missing_reports_only_after_the_due_date() -> None:
    reported = pd.DataFrame([(E1, "2024-03"), (E2, "2024-02")], columns=["uscc", "period"])
    # On the 10th itself nothing is overdue yet.
    assert missing_reports(ENTERPRISES, reported, Period(2024, 3), date(2024, 4, 10)).empty
    late = missing_reports(ENTERPRISES, reported, Period(2024, 3), date(2024, 4, 15))
    # E2 reported February only; E3 is below size; E4 never reported.
    assert late["uscc"].tolist() == [E2, E4]
    assert late["name"].tolist() == ["二厂", "四厂"]
    assert set(late["period"]) == {"2024-03"}
    assert set(late["due"]) == {date(2024, 4, 10)}
    assert set(late["days_overdue"]) == {5}


def test_missing_reports_accepts_pairs() -> None:
    reported: set[tuple[str, str | Period]] = {(E1, Period(2024, 3)), (E2, "2024-03")}
    late = missing_reports(ENTERPRISES, reported, Period(2024, 3), date(2024, 5, 1))
    assert late["uscc"].tolist() == [E4]


def test_missing_reports_skip_enterprises_not_yet_reporting() -> None:
    later = ENTERPRISES.assign(first_period=pd.Series(["2020-01", "2024-04", None, "2024-03"]))
    late = missing_reports(later, set(), Period(2024, 3), date(2024, 4, 11))
    # E2 owes reports from April 2024 only; E4 from March; E1 from 2020; E3 is below size.
    assert late["uscc"].tolist() == [E1, E4]
