"""Data quality (months missing, months far from the enterprise's median) and the aggregates of
the latest revisions that inventories, targets and checks read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from api.models import ReportRevision
from api.reports.quality import find_anomalies, months_due
from api.reports.repository import aggregate_latest, reported_periods
from carbon.periods import Period
from tests.world import World

BATCH = "/api/v1/reports/batch"


def month(uscc: str, period: str, kwh: float, water: float = 1000.0) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "period": period,
        "energy": [{"carrier": "electricity_grid", "quantity": kwh, "unit": "kWh"}],
        "water": [{"kind": "fresh_withdrawal", "quantity": water, "unit": "m3"}],
    }


def send(client: TestClient, world: World, reports: list[dict[str, Any]]) -> None:
    r = client.post(BATCH, json={"reports": reports}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text


# --- the rule, on frames ------------------------------------------------------------------------


def _monthly(values: dict[int, float], item: str = "electricity_grid") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": "E",
            "year": 2024,
            "month": list(values),
            "section": "energy",
            "item": item,
            "canonical_unit": "kWh",
            "quantity": list(values.values()),
        }
    )


def _reported(months: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"uscc": "E", "period": [f"2024-{m:02d}" for m in months]})


def test_months_above_three_times_or_below_a_third_of_the_median_are_flagged() -> None:
    # Months 1-6: 100, 100, 100, 100, 400, 20 → sorted 20, 100, 100, 100, 100, 400: median 100.
    # 400 > 3 × 100 → high (ratio 4); 20 < 100 / 3 = 33.3 → low (ratio 0.2).
    monthly = _monthly({1: 100, 2: 100, 3: 100, 4: 100, 5: 400, 6: 20})
    got = find_anomalies(monthly, _reported([1, 2, 3, 4, 5, 6]))
    assert got[["period", "direction"]].values.tolist() == [["2024-05", "high"], ["2024-06", "low"]]
    assert got["median"].tolist() == [100, 100]
    assert got["ratio"].tolist() == pytest.approx([4.0, 0.2])


def test_exactly_three_times_the_median_is_not_flagged() -> None:
    # median of 100, 100, 100, 300 is 100; 300 is not beyond 3 × 100.
    got = find_anomalies(_monthly({1: 100, 2: 100, 3: 100, 4: 300}), _reported([1, 2, 3, 4]))
    assert got.empty


def test_a_reported_month_without_the_carrier_counts_zero() -> None:
    # Month 4 is reported without electricity: 0 < 100 / 3 → low.
    got = find_anomalies(_monthly({1: 100, 2: 100, 3: 100}), _reported([1, 2, 3, 4]))
    assert got[["period", "value", "direction"]].values.tolist() == [["2024-04", 0.0, "low"]]


def test_too_few_months_or_a_zero_median_are_not_judged() -> None:
    assert find_anomalies(_monthly({1: 100, 2: 1000}), _reported([1, 2])).empty
    # median of 0, 0, 0, 50 is 0: no ratio to judge by
    assert find_anomalies(_monthly({4: 50}), _reported([1, 2, 3, 4])).empty


def test_only_energy_and_fresh_water_are_watched() -> None:
    reused = _monthly({1: 100, 2: 100, 3: 100, 4: 1000}, item="reused").assign(section="water")
    assert find_anomalies(reused, _reported([1, 2, 3, 4])).empty
    fresh = reused.assign(item="fresh_withdrawal")
    assert find_anomalies(fresh, _reported([1, 2, 3, 4]))["period"].tolist() == ["2024-04"]


def test_months_due_are_the_months_that_have_ended() -> None:
    assert len(months_due(2023, Period(2024, 3))) == 12
    assert months_due(2024, Period(2024, 3)) == ["2024-01", "2024-02"]
    assert months_due(2025, Period(2024, 3)) == []


# --- the endpoints --------------------------------------------------------------------------------


def test_enterprise_data_quality(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    # Jan-Jun: 1,000 kWh except April 5,000 (> 3 × median 1,000); water steady; Jul-Dec missing.
    kwh = [1000, 1000, 1000, 5000, 1000, 1000]
    send(client, world, [month(a, f"2023-{m:02d}", k) for m, k in enumerate(kwh, start=1)])
    r = client.get(
        f"/api/v1/enterprises/{a}/data-quality?year=2023", headers=world.headers("ent_a")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["uscc"] == a and body["year"] == 2023 and body["park_code"] == "BEIDU"
    assert body["months_due"] == 12 and body["months_reported"] == 6
    assert body["missing"] == [f"2023-{m:02d}" for m in range(7, 13)]
    assert [(x["period"], x["item"], x["direction"]) for x in body["anomalies"]] == [
        ("2023-04", "electricity_grid", "high")
    ]
    assert body["anomalies"][0]["ratio"] == pytest.approx(5.0)  # 5,000 / 1,000
    # A later revision that corrects April clears the anomaly: only the latest counts.
    send(client, world, [month(a, "2023-04", 1000)])
    again = client.get(
        f"/api/v1/enterprises/{a}/data-quality?year=2023", headers=world.headers("ent_a")
    ).json()
    assert again["anomalies"] == []


def test_district_data_quality_is_scoped(client: TestClient, world: World) -> None:
    send(client, world, [month(world.enterprises[k], "2023-01", 10) for k in ("a", "b", "town")])

    def listed(who: str, query: str = "") -> set[str]:
        r = client.get(f"/api/v1/data-quality?year=2023{query}", headers=world.headers(who))
        assert r.status_code == 200, r.text
        return {x["uscc"] for x in r.json()}

    ent = world.enterprises
    assert listed("admin") == {ent[k] for k in ("a", "b", "town", "outside", "small")}
    assert listed("admin", "&park=BEIDU") == {ent["a"], ent["small"]}
    assert listed("pm_beidu") == {ent["a"], ent["small"]}
    assert listed("pm_qiaohe") == {ent["b"]}
    assert listed("pm_qiaohe", "&park=BEIDU") == set()
    assert listed("ent_a") == {ent["a"]}
    rows = client.get("/api/v1/data-quality?year=2023", headers=world.headers("pm_qiaohe")).json()
    assert rows[0]["months_reported"] == 1 and len(rows[0]["missing"]) == 11
    r = client.get("/api/v1/data-quality?year=20x3", headers=world.headers("admin"))
    assert r.status_code == 422 and ["query", "year"] in [e["loc"] for e in r.json()["errors"]]


# --- the aggregates -------------------------------------------------------------------------------


def test_aggregate_latest_sums_meters_and_counts_only_the_latest_revision(
    client: TestClient, world: World
) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    first = {
        "uscc": a,
        "period": "2023-03",
        "energy": [
            # two meters: 1 万千瓦时 + 5,000 kWh = 10,000 + 5,000 = 15,000 kWh
            {"carrier": "electricity_grid", "quantity": 1, "unit": "万千瓦时"},
            {"carrier": "electricity_grid", "quantity": 5000, "unit": "kWh"},
        ],
        "solid_waste": [
            {"category": "fly_ash", "unit": "t", "generated": 10, "utilised": 6, "disposed": 4},
            {"category": "fly_ash", "unit": "kg", "generated": 2000, "utilised": 2000},
        ],
    }
    send(client, world, [first, month(b, "2023-03", 700)])
    before_correction = datetime.now(UTC)
    with Session(world.engine) as s:
        # Back-date the first revisions so that as_of can tell them from the correction.
        s.exec(update(ReportRevision).values(submitted_at=before_correction - timedelta(hours=1)))  # type: ignore[call-overload]
        s.commit()
    corrected = {**first, "energy": [{"carrier": "electricity_grid", "quantity": 2, "unit": "MWh"}]}
    send(client, world, [corrected])

    with Session(world.engine) as s:
        agg = aggregate_latest(s, year_from=2023, year_to=2023)
        then = aggregate_latest(
            s, year_from=2023, year_to=2023, as_of=before_correction - timedelta(minutes=1)
        )
        park = aggregate_latest(s, year_from=2023, year_to=2023, park_code="QIAOHE")
        only_a = aggregate_latest(s, year_from=2023, year_to=2023, usccs=[a])
        none = aggregate_latest(s, year_from=2024, year_to=2024)
        periods = reported_periods(s, 2023, 2023)
        periods_then = reported_periods(
            s, 2023, 2023, as_of=before_correction - timedelta(minutes=1)
        )

    def kwh(frame: pd.DataFrame, uscc: str) -> float:
        row = frame[(frame["uscc"] == uscc) & (frame["item"] == "electricity_grid")]
        assert len(row) == 1
        return float(row["quantity"].iloc[0])

    assert kwh(agg, a) == pytest.approx(2000)  # corrected: 2 MWh = 2,000 kWh
    assert kwh(then, a) == pytest.approx(15_000)  # as it stood before the correction
    assert kwh(agg, b) == pytest.approx(700)
    waste = agg[(agg["uscc"] == a) & (agg["section"] == "solid_waste")].iloc[0]
    # 10 t + 2,000 kg = 12 t generated; utilised 6 + 2 = 8 t; disposed 4 t
    assert (waste["quantity"], waste["generated"], waste["utilised"], waste["disposed"]) == (
        pytest.approx(12),
        pytest.approx(12),
        pytest.approx(8),
        pytest.approx(4),
    )
    assert set(agg.columns) >= {"uscc", "park_code", "year", "month", "canonical_unit"}
    assert (agg["year"] == 2023).all() and (agg["month"] == 3).all()
    assert set(park["uscc"]) == {b} and set(only_a["uscc"]) == {a}
    assert none.empty and list(none.columns) == list(agg.columns)
    assert periods[["uscc", "period", "revision"]].values.tolist() == sorted(
        [[a, "2023-03", 2], [b, "2023-03", 1]]
    )
    assert periods_then[periods_then["uscc"] == a]["revision"].tolist() == [1]
