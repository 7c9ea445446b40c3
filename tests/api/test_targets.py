"""GET /api/v1/targets: every plan indicator and status rule against hand calculations.

Sources of the rules and figures:
- indicators, targets and status rules: shared/DOMAIN.md "Plan indicators" (targets as in
  factors/plans/qijiang_2021_2025/targets.yaml): clean energy ≥ 35 %, park concentration
  73 % (2020) → 95 % (2025), bulk solid waste ≥ 70 %, 6 new green factories by 2025, energy
  intensity −16 %, water intensity −20 %, all from 2020 to 2025;
- status: met when the target is reached; else, with the straight path p from the baseline
  (2020) to the target (2025), on_track at or beyond p, at_risk when short of p by at most
  0.1 × |p − b|, off_track otherwise; a floor with no baseline is met or off_track;
- energy in tce by GB/T 2589 (equivalent value): natural gas 1.2143 kgce/m3, electricity
  0.1229 kgce/kWh; other_energy is stated in tce (shared/DOMAIN.md, "Energy in standard coal").

The district (tests/conftest.py ``world``): a in BEIDU and b in QIAOHE (parks that count),
town in TOWN_SANJIANG (does not count), outside in no park; small in BEIDU is below designated
size and its huge figures must never show. Each enterprise reports one month a year (June);
a year's figure is the sum of its months, so one month is the year.

Path values for 2023 (3 of 5 years): p = b + (t − b) × 3/5:
  park concentration 73 + 22 × 0.6 = 86.2 (margin 0.1 × 13.2 = 1.32);
  new green factories 6 × 0.6 = 3.6; energy −16 × 0.6 → 9.6; water 20 × 0.6 = 12 (margin 1.2).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.world import World

NG = 1.2143e-3  # tce per m3 of natural gas (GB/T 2589-2008 Appendix A)
EL = 0.1229e-3  # tce per kWh (GB/T 2589-2008 Appendix A, equivalent value)


def body(
    *,
    tce: float,
    gas_10k_m3: float = 0.0,
    green_10k_kwh: float = 0.0,
    va: float,
    go: float,
    water: float,
    waste: tuple[str, float, float, float] | None = None,
) -> dict[str, Any]:
    """A month: other_energy [tce], natural gas [万立方米], green power [万千瓦时], value added
    and gross output [万元], fresh water [m3], one waste line (category, generated,
    from_storage, utilised; the rest disposed)."""
    energy: list[dict[str, Any]] = [{"carrier": "other_energy", "quantity": tce, "unit": "tce"}]
    if gas_10k_m3:
        energy.append({"carrier": "natural_gas", "quantity": gas_10k_m3, "unit": "万立方米"})
    if green_10k_kwh:
        energy.append(
            {"carrier": "electricity_green", "quantity": green_10k_kwh, "unit": "万千瓦时"}
        )
    out: dict[str, Any] = {
        "energy": energy,
        "water": [{"kind": "fresh_withdrawal", "quantity": water, "unit": "m3"}],
        "economics": {
            "gross_output_value": {"quantity": go, "unit": "万元"},
            "value_added": {"quantity": va, "unit": "万元"},
        },
    }
    if waste is not None:
        cat, gen, store, used = waste
        out["solid_waste"] = [
            {
                "category": cat,
                "unit": "t",
                "generated": gen,
                "from_storage": store,
                "utilised": used,
                "disposed": gen + store - used,
                "stored": 0,
            }
        ]
    return out


def put(client: TestClient, world: World, key: str, period: str, doc: dict[str, Any]) -> None:
    uscc = world.enterprises[key]
    r = client.put(
        f"/api/v1/enterprises/{uscc}/reports/{period}", json=doc, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text


def certify(client: TestClient, world: World, key: str, kind: str, level: str, year: int) -> None:
    uscc = world.enterprises[key]
    r = client.post(
        f"/api/v1/enterprises/{uscc}/certifications",
        json={"kind": kind, "level": level, "year": year},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text


# 2020 (the baseline year)
#   key      other tce  gas 万m3  VA    GO    water   bulk waste (gen, storage, used)
#   a        878.57     10        1000  4000  10000   fly_ash 500, 0, 300
#   b        500        -         500   2000  4000    smelting_slag 200, 100, 150
#   town     300        -         500   2000  6000
#   outside  200        -         500   2000  2000
#   small    99999      -         1     99999 99999   fly_ash 9999, 0, 0   (below size)
# a's gas: 100,000 m3 × 1.2143e-3 = 121.43 tce, so a's energy is 878.57 + 121.43 = 1000 tce.
# District (above size): E = 1000 + 500 + 300 + 200 = 2000 tce, clean 121.43 tce;
#   VA 2500, I_2020 = 2000 ÷ 2500 = 0.8 tce/万元; water 22000 m3, W_2020 = 8.8 m3/万元;
#   GO 10000, in counted parks (a, b) 6000 → 60 %; bulk 450 ÷ 800 = 56.25 %.
#
# 2023
#   key      other tce  gas 万m3  green 万kWh  VA    GO    water  bulk waste
#   a        169.95     50        100          1000  5500  9000   fly_ash 600, 0, 360
#   b        460        -         -            500   3000  5000   smelting_slag 300, 100, 200
#   town     150        -         -            500   1000  4000
#   outside  250        -         -            500   500   2900
#   small    99999      ...                                        (below size)
# a's gas 500,000 m3 × 1.2143e-3 = 607.15 tce and green power 1,000,000 kWh × 0.1229e-3 =
# 122.9 tce: clean 730.05 tce, a's energy 169.95 + 730.05 = 900 tce.
# District: E = 900 + 460 + 150 + 250 = 1760 tce; VA 2500 → I = 0.704; water 20900 → W = 8.36;
#   GO 10000, in counted parks 5500 + 3000 = 8500; bulk used 560, generated + storage 1000.
def scenario(client: TestClient, world: World) -> None:
    put(client, world, "a", "2020-06", body(tce=878.57, gas_10k_m3=10, va=1000, go=4000,
        water=10000, waste=("fly_ash", 500, 0, 300)))  # fmt: skip
    put(client, world, "b", "2020-06", body(tce=500, va=500, go=2000, water=4000,
        waste=("smelting_slag", 200, 100, 150)))  # fmt: skip
    put(client, world, "town", "2020-06", body(tce=300, va=500, go=2000, water=6000))
    put(client, world, "outside", "2020-06", body(tce=200, va=500, go=2000, water=2000))
    put(client, world, "small", "2020-06", body(tce=99999, va=1, go=99999, water=99999,
        waste=("fly_ash", 9999, 0, 0)))  # fmt: skip
    put(client, world, "a", "2023-06", body(tce=169.95, gas_10k_m3=50, green_10k_kwh=100,
        va=1000, go=5500, water=9000, waste=("fly_ash", 600, 0, 360)))  # fmt: skip
    put(client, world, "b", "2023-06", body(tce=460, va=500, go=3000, water=5000,
        waste=("smelting_slag", 300, 100, 200)))  # fmt: skip
    put(client, world, "town", "2023-06", body(tce=150, va=500, go=1000, water=4000))
    put(client, world, "outside", "2023-06", body(tce=250, va=500, go=500, water=2900))
    put(client, world, "small", "2023-06", body(tce=99999, va=1, go=99999, water=99999,
        waste=("fly_ash", 9999, 0, 0)))  # fmt: skip
    # Green factories granted 2021…2023 to above-size enterprises: a 2021, b 2022, town 2023,
    # outside 2023 → 4. Not counted: outside's 2019 (before the baseline year is over), a's
    # green product, small's (below size).
    certify(client, world, "a", "green_factory", "municipal", 2021)
    certify(client, world, "b", "green_factory", "national", 2022)
    certify(client, world, "town", "green_factory", "municipal", 2023)
    certify(client, world, "outside", "green_factory", "municipal", 2019)
    certify(client, world, "outside", "green_factory", "national", 2023)
    certify(client, world, "a", "green_product", "national", 2023)
    certify(client, world, "small", "green_factory", "municipal", 2022)


def targets(client: TestClient, world: World, query: str, who: str = "admin") -> dict[str, Any]:
    r = client.get(f"/api/v1/targets?{query}", headers=world.headers(who))
    assert r.status_code == 200, r.text
    rows = r.json()
    return {row["id"]: row for row in rows}


def movers(row: dict[str, Any], world: World) -> list[tuple[str, float]]:
    names = {v: k for k, v in world.enterprises.items()}
    return [(names[m["uscc"]], m["value"]) for m in row["top_movers"]]


def test_district_2023_every_indicator_and_status(client: TestClient, world: World) -> None:
    scenario(client, world)
    r = client.get("/api/v1/targets?year=2023", headers=world.headers("admin"))
    assert r.status_code == 200
    assert [row["id"] for row in r.json()] == [
        "clean_energy_share",
        "park_concentration",
        "bulk_solid_waste_utilisation",
        "new_green_factories",
        "energy_intensity_reduction",
        "water_intensity_reduction",
    ]
    rows = targets(client, world, "year=2023")
    for row in rows.values():
        assert row["year"] == 2023 and row["scope"] == "district"
        assert row["data_through"] == "2023-06"
        assert set(row) >= {"id", "name", "unit", "baseline_year", "baseline", "target"}

    clean = rows["clean_energy_share"]
    # 730.05 ÷ 1760 × 100 = 41.4801 % ≥ 35: met (a floor without baseline: met or off_track).
    assert clean["value"] == pytest.approx(100 * (500_000 * NG + 1_000_000 * EL) / 1760)
    assert clean["value"] == pytest.approx(41.48011, abs=1e-4)
    assert clean["status"] == "met"
    assert clean["baseline"] is None and clean["trajectory"] == [] and clean["path_value"] is None
    assert clean["gap"] == 0.0  # 0.35 × 1760 = 616 < 730.05
    assert clean["details"]["energy_tce"] == pytest.approx(1760)
    # Fossil energy per enterprise: b 460, outside 250, a 900 − 730.05 = 169.95, town 150.
    got = movers(clean, world)
    assert [k for k, _ in got] == ["b", "outside", "a", "town"]
    assert got[2][1] == pytest.approx(169.95)
    # Least squares through (2020, 6.0715) and (2023, 41.4801), at 2025:
    # 41.4801 + 2 × (41.4801 − 6.0715) ÷ 3 = 65.0858.
    c20, c23 = 100 * 121.43 / 2000, 100 * 730.05 / 1760
    assert clean["projection"] == pytest.approx(c23 + 2 * (c23 - c20) / 3)
    assert clean["projection_year"] == 2025

    park = rows["park_concentration"]
    # 8500 ÷ 10000 = 85 %; p = 86.2, short by 1.2 ≤ 1.32: at_risk.
    assert park["value"] == pytest.approx(85.0)
    assert park["baseline"] == 73 and park["target"] == 95
    assert park["path_value"] == pytest.approx(86.2)
    assert park["status"] == "at_risk"
    assert park["gap"] == pytest.approx(0.95 * 10000 - 8500)  # 1000 万元
    assert park["gap_unit"] == "万元"
    # Output made outside counted parks: town 1000, outside 500.
    assert movers(park, world) == [("town", 1000.0), ("outside", 500.0)]
    assert [p["value"] for p in park["trajectory"]] == pytest.approx(
        [73.0, 77.4, 81.8, 86.2, 90.6, 95.0]
    )

    bulk = rows["bulk_solid_waste_utilisation"]
    # (360 + 200) ÷ (600 + 300 + 100) = 56 % < 70: off_track (floor). small's fly ash ignored.
    assert bulk["value"] == pytest.approx(56.0)
    assert bulk["status"] == "off_track"
    assert bulk["gap"] == pytest.approx(0.70 * 1000 - 560)  # 140 t
    # Not utilised: a 600 − 360 = 240, b 400 − 200 = 200.
    assert movers(bulk, world) == [("a", 240.0), ("b", 200.0)]

    green = rows["new_green_factories"]
    # 4 ≥ p = 3.6: on_track; gap 6 − 4 = 2.
    assert green["value"] == 4.0
    assert green["path_value"] == pytest.approx(3.6)
    assert green["status"] == "on_track"
    assert green["gap"] == 2.0
    assert green["top_movers"] == []  # every above-size enterprise holds one by 2023

    energy = rows["energy_intensity_reduction"]
    # (1 − 0.704 ÷ 0.8) × 100 = 12 ≥ p = 9.6: on_track.
    assert energy["value"] == pytest.approx(12.0)
    assert energy["status"] == "on_track"
    assert energy["details"]["intensity_baseline"] == pytest.approx(0.8)
    assert energy["details"]["intensity"] == pytest.approx(0.704)
    # Target intensity 0.8 × (1 − 0.16) = 0.672: 1760 − 0.672 × 2500 = 80 tce still to save.
    assert energy["gap"] == pytest.approx(80.0)
    # Above own 2020 intensity at 2023 VA: outside 250 − 0.4 × 500 = 50; a 900 − 1.0 × 1000,
    # b 460 − 1.0 × 500 and town 150 − 0.6 × 500 are below theirs.
    assert movers(energy, world) == [("outside", pytest.approx(50.0))]
    # Through (2020, 0) and (2023, 12): 4 a year, 20 by 2025.
    assert energy["projection"] == pytest.approx(20.0)

    water = rows["water_intensity_reduction"]
    # (1 − 8.36 ÷ 8.8) × 100 = 5 < 12 − 1.2 = 10.8: off_track.
    assert water["value"] == pytest.approx(5.0)
    assert water["status"] == "off_track"
    assert water["gap"] == pytest.approx(20900 - 8.8 * 0.8 * 2500)  # 3300 m3
    assert water["gap_unit"] == "m3"
    # Above own 2020 intensity: b 5000 − 8 × 500 = 1000, outside 2900 − 4 × 500 = 900.
    assert movers(water, world) == [("b", 1000.0), ("outside", 900.0)]


def test_baseline_year_values(client: TestClient, world: World) -> None:
    scenario(client, world)
    rows = targets(client, world, "year=2020")
    assert rows["clean_energy_share"]["value"] == pytest.approx(6.0715)  # 121.43 ÷ 2000
    assert rows["clean_energy_share"]["status"] == "off_track"
    # 60 % against a path at 73 in 2020: margin 0.1 × |73 − 73| = 0, off_track.
    assert rows["park_concentration"]["value"] == pytest.approx(60.0)
    assert rows["park_concentration"]["status"] == "off_track"
    assert rows["bulk_solid_waste_utilisation"]["value"] == pytest.approx(56.25)  # 450 ÷ 800
    # A reduction is 0 in its own baseline year: on the path (p = 0).
    assert rows["energy_intensity_reduction"]["value"] == pytest.approx(0.0)
    assert rows["energy_intensity_reduction"]["status"] == "on_track"
    assert rows["new_green_factories"]["value"] == 0.0
    assert rows["new_green_factories"]["status"] == "on_track"
    assert rows["energy_intensity_reduction"]["projection"] is None  # one yearly value only


def test_year_without_data_is_no_data(client: TestClient, world: World) -> None:
    scenario(client, world)
    rows = targets(client, world, "year=2022")
    for row in rows.values():
        assert row["value"] is None
        assert row["status"] == "no_data"
        assert row["gap"] is None and row["top_movers"] == [] and row["data_through"] is None
    # The path is still shown: 2022 is 2 of 5 years, 73 + 22 × 0.4 = 81.8.
    assert rows["park_concentration"]["path_value"] == pytest.approx(81.8)


def test_empty_database_is_no_data(client: TestClient, world: World) -> None:
    rows = targets(client, world, "year=2024")
    assert {r["status"] for r in rows.values()} == {"no_data"}
    assert all(r["value"] is None for r in rows.values())


def test_year_before_the_baseline(client: TestClient, world: World) -> None:
    scenario(client, world)
    # 2019: only a reports, other_energy 1100 tce and VA 1000 → I_2019 = 1.1 against
    # I_2020 = 0.8: (1 − 1.1 ÷ 0.8) × 100 = −37.5. Outside the path's years (2020…2025)
    # a row is met or off_track.
    put(client, world, "a", "2019-06", body(tce=1100, va=1000, go=4000, water=10000))
    rows = targets(client, world, "year=2019")
    energy = rows["energy_intensity_reduction"]
    assert energy["value"] == pytest.approx(-37.5)
    assert energy["status"] == "off_track"
    assert energy["path_value"] is None
    assert [p["year"] for p in energy["trajectory"]] == [2020, 2021, 2022, 2023, 2024, 2025]
    # Nothing granted "since 2020" before 2020: 0, off_track against 6.
    assert rows["new_green_factories"]["value"] == 0.0
    assert rows["new_green_factories"]["status"] == "off_track"
    # No clean energy: 0 % against the 35 % floor.
    assert rows["clean_energy_share"]["value"] == 0.0
    assert rows["clean_energy_share"]["status"] == "off_track"


def test_park_view(client: TestClient, world: World) -> None:
    scenario(client, world)
    rows = targets(client, world, "year=2023&park=BEIDU")
    for row in rows.values():
        assert row["scope"] == "BEIDU"
        assert all(m["park_code"] == "BEIDU" for m in row["top_movers"])
    # BEIDU's above-size enterprises: a only (small is below size).
    assert rows["clean_energy_share"]["value"] == pytest.approx(100 * 730.05 / 900)  # 81.1 %
    assert rows["clean_energy_share"]["status"] == "met"
    # The park's share of the district's output: 5500 ÷ 10000; the plan's target is the
    # district's, so the row has no target and no status.
    park = rows["park_concentration"]
    assert park["value"] == pytest.approx(55.0)
    assert park["target"] is None and park["status"] == "no_data"
    assert rows["bulk_solid_waste_utilisation"]["value"] == pytest.approx(60.0)  # 360 ÷ 600
    assert rows["new_green_factories"]["value"] == 1.0  # a's 2021
    assert rows["new_green_factories"]["status"] == "no_data"
    # a: 1000 ÷ 1000 = 1.0 → 900 ÷ 1000 = 0.9: 10 ≥ 9.6, on_track.
    assert rows["energy_intensity_reduction"]["value"] == pytest.approx(10.0)
    assert rows["energy_intensity_reduction"]["status"] == "on_track"
    # a: 10 → 9 m3/万元: 10 < 12 − 1.2 = 10.8, off_track.
    assert rows["water_intensity_reduction"]["value"] == pytest.approx(10.0)
    assert rows["water_intensity_reduction"]["status"] == "off_track"


def test_park_without_enterprises(client: TestClient, world: World) -> None:
    scenario(client, world)
    r = client.post(
        "/api/v1/parks",
        json={"code": "EMPTY", "name": "空组团", "counts_as_park": True},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    rows = targets(client, world, "year=2023&park=EMPTY")
    assert len(rows) == 6
    for row in rows.values():
        assert row["value"] is None and row["status"] == "no_data" and row["top_movers"] == []


def test_park_manager_sees_the_district_naming_only_its_own_enterprises(
    client: TestClient, world: World
) -> None:
    scenario(client, world)
    admin = targets(client, world, "year=2023")
    pm = targets(client, world, "year=2023", who="pm_beidu")
    for key, row in pm.items():
        # The same district figures ...
        assert row["value"] == admin[key]["value"] and row["status"] == admin[key]["status"]
        assert row["top_movers_scope"] == "BEIDU"
        # ... but no enterprise of another park is named.
        assert {m["park_code"] for m in row["top_movers"]} <= {"BEIDU"}
    # a is the third fossil-energy user of the district; for BEIDU's manager it is the first.
    assert movers(pm["clean_energy_share"], world) == [("a", pytest.approx(169.95))]
    assert pm["park_concentration"]["top_movers"] == []
    assert admin["clean_energy_share"]["top_movers_scope"] == "district"
    # Its own park's view.
    own = targets(client, world, "year=2023&park=BEIDU", who="pm_beidu")
    assert own["energy_intensity_reduction"]["value"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [
        ("admin", "year=2023", 200),
        ("admin", "year=2023&park=QIAOHE", 200),
        ("admin", "year=2023&park=NOWHERE", 404),
        ("pm_beidu", "year=2023", 200),
        ("pm_beidu", "year=2023&park=BEIDU", 200),
        ("pm_beidu", "year=2023&park=QIAOHE", 404),  # another tenant's park
        ("pm_qiaohe", "year=2023&park=BEIDU", 404),
        ("ent_a", "year=2023", 403),
        ("ent_a", "year=2023&park=BEIDU", 403),  # even its own park
        ("ent_town", "year=2023", 403),
    ],
)
def test_access(client: TestClient, world: World, who: str, query: str, status: int) -> None:
    r = client.get(f"/api/v1/targets?{query}", headers=world.headers(who))
    assert r.status_code == status, r.text
    if status != 200:
        assert r.headers["content-type"].startswith("application/problem+json")


def test_without_token(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/targets?year=2023").status_code == 401
    bad = {"Authorization": "Bearer ck_000000000000_nope"}
    assert client.get("/api/v1/targets?year=2023", headers=bad).status_code == 401


@pytest.mark.parametrize("query", ["", "year=abc", "year=1999", "year=2101", "year=2023.5"])
def test_bad_year(client: TestClient, world: World, query: str) -> None:
    r = client.get(f"/api/v1/targets?{query}", headers=world.headers("admin"))
    assert r.status_code == 422
    assert ["query", "year"] in [e["loc"] for e in r.json()["errors"]]


def test_top_n(client: TestClient, world: World) -> None:
    scenario(client, world)
    rows = targets(client, world, "year=2023&top_n=1")
    assert movers(rows["clean_energy_share"], world) == [("b", 460.0)]
    r = client.get("/api/v1/targets?year=2023&top_n=51", headers=world.headers("admin"))
    assert r.status_code == 422
    assert ["query", "top_n"] in [e["loc"] for e in r.json()["errors"]]
