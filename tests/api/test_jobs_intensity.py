"""The intensity check against hand calculations (shared/DOMAIN.md, "Energy-intensity overrun";
GB/T 2589-2008 Appendix A; GB 21346-2022 表1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import month, run_api, submit, year_2020
from tests.world import World

OVERRUN = "energy_intensity_overrun"
QUOTA = "product_energy_quota_overrun"


def _by_uscc(body: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    rows = body["alerts"]
    assert isinstance(rows, list)
    return {(r["uscc"], r["kind"]): r for r in rows}


def test_year_to_date_intensity_against_own_path_and_explicit_limits(
    client: TestClient, world: World
) -> None:
    a, b, town, outside, small = (
        world.enterprises[k] for k in ("a", "b", "town", "outside", "small")
    )
    reports = [
        # a: 2020 base = 12 × 100 tce ÷ 12 × 1000 万元 = 0.1 tce/万元;
        # 2022 own-path limit = 0.1 × (1 − 0.16 × (2022 − 2020) ÷ 5) = 0.0936 tce/万元.
        *year_2020(a),
        month(a, "2022-01", tce=100),
        month(a, "2022-02", tce=140),
        # March: 100 t diesel × 1.4571 tce/t = 145.71 tce (GB/T 2589 Appendix A).
        month(a, "2022-03", diesel_t=100),
        # b: no base year, explicit 2022 limit 0.5; Jan 600 tce ÷ 1000 万元 = 0.6.
        month(b, "2022-01", tce=600),
        # town: far above any limit, but has neither a limit nor a base year: not judged.
        month(town, "2022-01", tce=5000),
        # outside: explicit 0.05 kgce/元 = 0.5 tce/万元; 400 ÷ 1000 = 0.4 is within it.
        month(outside, "2022-01", tce=400),
        # small: below designated size, never judged even against a limit.
        *year_2020(small),
        month(small, "2022-01", tce=9000),
    ]
    submit(client, world, reports)
    for key, q, unit in (
        ("b", 0.5, "tce/万元"),
        ("outside", 0.05, "kgce/元"),
        ("small", 0.1, "tce/万元"),
    ):
        r = client.put(
            f"/api/v1/enterprises/{world.enterprises[key]}/limits/2022",
            json={"energy_intensity": {"quantity": q, "unit": unit}},
            headers=world.headers("admin"),
        )
        assert r.status_code == 201, r.text

    jan = _by_uscc(run_api(client, world, "intensity-check", "2022-01"))
    assert set(jan) == {(a, OVERRUN), (b, OVERRUN)}
    # a, January: 100 ÷ 1000 = 0.1; 0.1 ÷ 0.0936 = 1.0684 ≤ 1.10 → warning.
    ra = jan[(a, OVERRUN)]
    assert ra["value"] == pytest.approx(0.1)
    assert ra["limit"] == pytest.approx(0.0936)
    assert ra["ratio"] == pytest.approx(0.1 / 0.0936)
    assert (ra["severity"], ra["limit_source"], ra["unit"]) == ("warning", "own_path", "tce/万元")
    assert ra["detail"]["base_year"] == 2020
    # b, January: 0.6 ÷ 0.5 = 1.20, within (1.10, 1.25] → serious.
    rb = jan[(b, OVERRUN)]
    assert (rb["value"], rb["limit"], rb["severity"], rb["limit_source"]) == (
        pytest.approx(0.6),
        pytest.approx(0.5),
        "serious",
        "explicit",
    )

    # a, February year to date: (100 + 140) ÷ (1000 + 1000) = 0.12;
    # 0.12 ÷ 0.0936 = 1.282 → critical.
    feb = _by_uscc(run_api(client, world, "intensity-check", "2022-02"))
    assert set(feb) == {(a, OVERRUN)}
    assert feb[(a, OVERRUN)]["value"] == pytest.approx(0.12)
    assert feb[(a, OVERRUN)]["severity"] == "critical"
    assert feb[(a, OVERRUN)]["detail"]["energy_tce_ytd"] == pytest.approx(240.0)
    assert feb[(a, OVERRUN)]["detail"]["months_reported"] == 2

    # a, March: (100 + 140 + 145.71) ÷ 3000 = 0.12857; ÷ 0.0936 = 1.3736 → critical.
    mar = _by_uscc(run_api(client, world, "intensity-check", "2022-03"))
    assert mar[(a, OVERRUN)]["value"] == pytest.approx(385.71 / 3000)
    assert mar[(a, OVERRUN)]["ratio"] == pytest.approx(385.71 / 3000 / 0.0936)


@pytest.mark.parametrize(
    ("tce", "severity"),
    [
        # limit 0.5 tce/万元, value added 1000 万元: value = tce ÷ 1000.
        (500, None),  # 0.5 = limit: not above it
        (550, "warning"),  # ratio 1.10 exactly: ≤ 1.10
        (551, "serious"),  # 1.102
        (625, "serious"),  # 1.25 exactly: ≤ 1.25
        (626, "critical"),  # 1.252
    ],
)
def test_severity_bounds(
    client: TestClient, world: World, tce: float, severity: str | None
) -> None:
    b = world.enterprises["b"]
    submit(client, world, [month(b, "2022-01", tce=tce)])
    client.put(
        f"/api/v1/enterprises/{b}/limits/2022",
        json={"energy_intensity": {"quantity": 0.5, "unit": "tce/万元"}},
        headers=world.headers("admin"),
    )
    found = _by_uscc(run_api(client, world, "intensity-check", "2022-01"))
    assert (found[(b, OVERRUN)]["severity"] if found else None) == severity


def test_primary_aluminium_against_the_gb21346_quota(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    # 1400 万千瓦时 = 14 000 000 kWh for 1000 t aluminium = 14 000 kWh/t, above GB 21346-2022
    # 表1 铝锭综合交流电耗 level 3, 13 750 kWh/t: 14 000 ÷ 13 750 = 1.0182 → warning.
    # 1380 万千瓦时 over 1000 t = 13 800 kWh/t, and 1370 → 13 700 kWh/t (within the quota).
    submit(
        client,
        world,
        [
            month(a, "2022-01", kwh_10k=1400, aluminium_t=1000, value_added=None),
            month(a, "2022-02", kwh_10k=1370, aluminium_t=1000, value_added=None),
        ],
    )
    jan = _by_uscc(run_api(client, world, "intensity-check", "2022-01"))
    # No value added: intensity is not judged; the quota is.
    assert set(jan) == {(a, QUOTA)}
    q = jan[(a, QUOTA)]
    assert q["value"] == pytest.approx(14000.0)
    assert q["limit"] == pytest.approx(13750.0)
    assert q["ratio"] == pytest.approx(14000 / 13750)
    assert (q["severity"], q["unit"]) == ("warning", "kWh/t")
    assert q["limit_source"] == "gb21346-2022.al_ingot_comprehensive_ac.3"
    assert q["detail"]["product"] == "primary_aluminium"
    assert run_api(client, world, "intensity-check", "2022-02")["alerts"] == []
