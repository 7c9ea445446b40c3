"""GET /api/v1/enterprises/{uscc}/green-factory-assessment: figures by hand, and access.

Factors and rules (shared/DOMAIN.md):
- energy in tce, GB/T 2589-2008 Appendix A (equivalent value): electricity 0.1229 kgce/kWh,
  diesel 1.4571 kgce/kg;
- diesel combustion: t × 42.652 GJ/t × 20.20e-3 tC/GJ × 0.98 × 44/12 (2013 NDRC aluminium
  guideline): 100 t → 309.59 tCO2 (DOMAIN.md worked figure), so 2 t → 6.19182 tCO2;
- primary aluminium, AR5: anode 0.42 × 0.976 × 44/12 = 1.503040 tCO2/t; PFC 0.034 × 6630 +
  0.0034 × 11100 = 263.16 kg CO2e/t (DOMAIN.md worked figure);
- Scope 2 location-based, Chongqing 2022: 0.5227 kgCO2/kWh (MEE/NBS 2022 factor);
- GB 21346-2022 表1: 铝锭综合交流电耗 13300 / 13400 / 13750 kWh/t and 铝锭综合能耗 1670 /
  1680 / 1720 kgce/t for levels 1 / 2 / 3 (factors/quotas/gb21346/2022).

Enterprise a (aluminium, BEIDU) reports two months of 2022, each: 500 t primary aluminium,
675 万千瓦时 of grid power, 1 t diesel, fresh water 1000 m3, reused water 3000 t, value added
1500 万元, aluminium dross 20 t generated (17 utilised, 3 disposed); January also fly ash 10 t
generated and 5 t from storage (9 utilised, 6 disposed) and 8 t of hazardous waste (disposed).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.world import World

CO2_PER_C = 44 / 12


def month(january: bool) -> dict[str, Any]:
    waste = [
        {"category": "aluminium_dross", "unit": "t", "generated": 20, "from_storage": 0,
         "utilised": 17, "disposed": 3, "stored": 0},
    ]  # fmt: skip
    if january:
        waste += [
            {"category": "fly_ash", "unit": "t", "generated": 10, "from_storage": 5,
             "utilised": 9, "disposed": 6, "stored": 0},
            {"category": "hazardous_other", "unit": "t", "generated": 8, "from_storage": 0,
             "utilised": 0, "disposed": 8, "stored": 0},
        ]  # fmt: skip
    return {
        "energy": [
            {"carrier": "electricity_grid", "quantity": 675, "unit": "万千瓦时"},
            {"carrier": "diesel", "quantity": 1, "unit": "t"},
        ],
        "water": [
            {"kind": "fresh_withdrawal", "quantity": 1000, "unit": "m3"},
            {"kind": "reused", "quantity": 3000, "unit": "t"},
        ],
        "solid_waste": waste,
        "production": [{"product": "primary_aluminium", "quantity": 500, "unit": "t"}],
        "economics": {"value_added": {"quantity": 1500, "unit": "万元"}},
    }


def setup(client: TestClient, world: World) -> str:
    a = world.enterprises["a"]
    for period, jan in (("2022-01", True), ("2022-02", False)):
        r = client.put(
            f"/api/v1/enterprises/{a}/reports/{period}",
            json=month(jan),
            headers=world.headers("ent_a"),
        )
        assert r.status_code == 201, r.text
    return a


def get(client: TestClient, world: World, uscc: str, who: str, year: int = 2022) -> Any:
    return client.get(
        f"/api/v1/enterprises/{uscc}/green-factory-assessment?year={year}",
        headers=world.headers(who),
    )


def test_figures_by_hand(client: TestClient, world: World) -> None:
    a = setup(client, world)
    r = get(client, world, a, "ent_a")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["uscc"] == a and out["year"] == 2022 and out["months_reported"] == 2
    assert out["standard"].startswith("GB/T 36132-2018")
    by_id = {i["id"]: i for i in out["indicators"]}
    assert [i["id"] for i in out["indicators"]] == [
        "energy_per_unit_product",
        "carbon_per_unit_product",
        "solid_waste_utilisation",
        "water_reuse_rate",
        "carbon_intensity",
        "energy_intensity",
        "water_intensity",
    ]
    for ind in out["indicators"]:
        assert ind["definition"] and ind["reference"] and ind["formula"]

    # Year: 1000 t aluminium, 13,500,000 kWh, 2 t diesel, VA 3000 万元.
    # Energy 13,500,000 × 0.1229e-3 + 2 × 1.4571 = 1659.15 + 2.9142 = 1662.0642 tce.
    energy = 1662.0642
    epp = by_id["energy_per_unit_product"]
    assert epp["product"] == "primary_aluminium" and epp["unit"] == "tce/t"
    assert epp["value"] == pytest.approx(energy / 1000)  # 1.6620642 tce/t
    assert epp["reference_confirmed"] is True
    # GB 21346-2022: 1662.06 kgce/t meets every level of 铝锭综合能耗 (≤ 1670);
    # 13,500 kWh/t meets only level 3 of 铝锭综合交流电耗 (13750), not 13400 or 13300.
    comp = {(c["indicator"], c["level"]): c for c in epp["comparisons"]}
    assert comp[("al_ingot_comprehensive_energy", 1)]["value"] == pytest.approx(1662.0642)
    assert [comp[("al_ingot_comprehensive_energy", lv)]["meets"] for lv in (1, 2, 3)] == [
        True,
        True,
        True,
    ]
    assert comp[("al_ingot_comprehensive_ac", 3)]["value"] == pytest.approx(13500.0)
    assert [comp[("al_ingot_comprehensive_ac", lv)]["meets"] for lv in (1, 2, 3)] == [
        False,
        False,
        True,
    ]
    assert comp[("al_ingot_comprehensive_ac", 3)]["limit"] == 13750
    assert "al_ingot_comprehensive_ac: level 3" in epp["note"]
    assert "al_ingot_comprehensive_energy: level 1" in epp["note"]

    # Emissions: diesel 2 × 42.652 × 20.20e-3 × 0.98 × 44/12 = 6.19182 t; process 1000 ×
    # (1.503040 + 0.26316) = 1766.2 t; Scope 2 13,500,000 × 0.5227e-3 = 7056.45 t.
    diesel = 2 * 42.652 * 20.20e-3 * 0.98 * CO2_PER_C
    process = 1000 * (0.42 * 0.976 * CO2_PER_C + (0.034 * 6630 + 0.0034 * 11100) / 1000)
    scope2 = 13_500_000 * 0.5227e-3
    assert diesel == pytest.approx(6.19182, abs=1e-5)
    total = diesel + process + scope2  # 8828.84 tCO2e
    assert out["emissions"]["scope2_location_tco2e"] == pytest.approx(scope2)
    assert out["emissions"]["scope1_tco2e"] == pytest.approx(diesel + process)
    assert by_id["carbon_per_unit_product"]["value"] == pytest.approx(total / 1000)
    assert by_id["carbon_intensity"]["value"] == pytest.approx(total / 3000)  # 2.943 t/万元
    assert by_id["carbon_intensity"]["value"] == pytest.approx(2.94295, abs=1e-4)

    # Solid waste, hazardous excluded: (2 × 17 + 9) ÷ (2 × 20 + 10 + 5) = 43 ÷ 55 = 78.18 %.
    sw = by_id["solid_waste_utilisation"]
    assert sw["value"] == pytest.approx(100 * 43 / 55)
    assert sw["inputs"]["from_storage_t"] == 5
    assert sw["inputs"]["fly_ash_rate_pct"] == pytest.approx(60.0)  # 9 ÷ 15
    assert "hazardous_other_rate_pct" not in sw["inputs"]
    # Water reused 6000 t = 6000 m3: 6000 ÷ (6000 + 2000) = 75 %.
    assert by_id["water_reuse_rate"]["value"] == pytest.approx(75.0)
    assert by_id["energy_intensity"]["value"] == pytest.approx(energy / 3000)  # 0.55402
    assert by_id["water_intensity"]["value"] == pytest.approx(2000 / 3000)
    assert any("2 month(s)" in n for n in out["notes"])


def test_several_products_and_no_value_added(client: TestClient, world: World) -> None:
    b = world.enterprises["b"]
    doc = {
        "energy": [{"carrier": "other_energy", "quantity": 30, "unit": "tce"}],
        "production": [
            {"product": "gears", "quantity": 60, "unit": "t"},
            {"product": "gearboxes", "quantity": 150, "unit": "piece"},
        ],
    }
    r = client.put(
        f"/api/v1/enterprises/{b}/reports/2022-03", json=doc, headers=world.headers("ent_b")
    )
    assert r.status_code == 201, r.text
    out = get(client, world, b, "pm_qiaohe").json()
    epp = {i["product"]: i for i in out["indicators"] if i["id"] == "energy_per_unit_product"}
    # 30 tce ÷ 60 t = 0.5 tce/t and 30 ÷ 150 pieces = 0.2 tce/piece, both flagged as
    # whole-site figures.
    assert epp["gears"]["value"] == pytest.approx(0.5) and epp["gears"]["unit"] == "tce/t"
    assert epp["gearboxes"]["value"] == pytest.approx(0.2)
    assert epp["gearboxes"]["unit"] == "tce/piece"
    assert "2 products" in epp["gears"]["note"]
    by_id = {i["id"]: i for i in out["indicators"] if i["product"] is None}
    # No value added, no water, no waste reported: no value, not 0 and not an error.
    for key in (
        "energy_intensity",
        "carbon_intensity",
        "water_reuse_rate",
        "solid_waste_utilisation",
    ):
        assert by_id[key]["value"] is None


def test_year_without_reports(client: TestClient, world: World) -> None:
    a = setup(client, world)
    out = get(client, world, a, "admin", year=2021).json()
    assert out["months_reported"] == 0
    assert all(i["value"] is None for i in out["indicators"])


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("admin", "a", 200),
        ("admin", "town", 200),
        ("pm_beidu", "a", 200),
        ("pm_beidu", "b", 404),  # another park's enterprise
        ("pm_qiaohe", "a", 404),
        ("ent_a", "a", 200),
        ("ent_a", "b", 404),  # another tenant
        ("ent_b", "a", 404),
    ],
)
def test_access(client: TestClient, world: World, who: str, target: str, status: int) -> None:
    r = get(client, world, world.enterprises[target], who)
    assert r.status_code == status, r.text


def test_bad_year_and_unknown_enterprise(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    for query in ("year=abc", "year=1999", ""):
        r = client.get(
            f"/api/v1/enterprises/{a}/green-factory-assessment?{query}",
            headers=world.headers("admin"),
        )
        assert r.status_code == 422
        assert ["query", "year"] in [e["loc"] for e in r.json()["errors"]]
    r = client.get(
        "/api/v1/enterprises/91500110000000999X/green-factory-assessment?year=2022",
        headers=world.headers("admin"),
    )
    assert r.status_code == 404
    assert (
        client.get(f"/api/v1/enterprises/{a}/green-factory-assessment?year=2022").status_code == 401
    )


def test_certifications_held_are_listed(client: TestClient, world: World) -> None:
    a = setup(client, world)
    r = client.post(
        f"/api/v1/enterprises/{a}/certifications",
        json={"kind": "green_product", "level": "municipal", "year": 2022},
        headers=world.headers("pm_beidu"),
    )
    assert r.status_code == 201
    out = get(client, world, a, "ent_a").json()
    assert out["certifications"] == [{"kind": "green_product", "level": "municipal", "year": 2022}]
