"""Carbon inventories: each level against hand calculations, both scope 2 methods, grid series,
GWP sets, the as-of audit view, access from every role, and bad parameters.

Factors used in the hand calculations (all in ``factors/``):

* grid, Chongqing 2022: 0.5227 kgCO2/kWh (MEE/NBS, 2022年电力二氧化碳排放因子, 省级 重庆);
* grid, national 2022: 0.5366 kgCO2/kWh; national excluding market-traded non-fossil power
  2022: 0.5856 kgCO2/kWh (same announcement);
* MEE reporting factor 0.5703 tCO2/MWh, valid for the 2023-2025 reporting years (MEE notice);
* diesel NCV 42.652 GJ/t, carbon content 20.20 tC/TJ, oxidation 0.98; natural gas
  389.31 GJ/10⁴m3, 15.30 tC/TJ, 0.99 (NDRC 2013 aluminium guideline, Appendix 2);
* purchased heat 0.11 tCO2/GJ (NDRC guideline default);
* aluminium: 0.42 t C/t Al, S 2 %, ash 0.4 %, CF4 0.034 kg/t, C2F6 0.0034 kg/t (NDRC 2013);
  GWP-100 AR5 CF4 6630, C2F6 11100; AR4 7390, 12200 (IPCC via globalwarmingpotentials);
* GB/T 2589-2008 Appendix A: electricity 0.1229 kgce/kWh, diesel 1.4571 kgce/kg, natural gas
  1.2143 kgce/m3, heat 0.03412 kgce/MJ.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.inventory import service
from api.inventory.schemas import Level
from carbon.errors import ValidationFailed
from tests.helpers import make_uscc
from tests.world import World

URL = "/api/v1/inventory"

# --- hand calculations -------------------------------------------------------------------------
# a, 2022-03: 125.6 万千瓦时 grid power and 100 t diesel.
A_MAR_GRID_LOC = 1_256_000 * 0.5227e-3  # = 656.5112 tCO2 (Chongqing 2022)
A_MAR_GRID_MKT = 1_256_000 * 0.5856e-3  # = 735.5136 tCO2 (national excl. market non-fossil)
A_MAR_GRID_NAT = 1_256_000 * 0.5366e-3  # = 673.9696 tCO2 (national average 2022)
A_MAR_GRID_MEE = 1_256_000 * 0.5703e-3  # = 716.2968 tCO2 (MEE reporting factor)
A_MAR_DIESEL = 100 * 42.652 * 20.20e-3 * 0.98 * 44 / 12  # = 309.5910 tCO2 (DOMAIN.md 309.59)
A_MAR_TCE = 1_256_000 * 0.1229e-3 + 100 * 1.4571  # = 154.3624 + 145.71 = 300.0724 tce
# a, 2022-04: 10 万千瓦时 green power, 50 000 kWh own PV, 1 000 GJ heat, 5 tce other energy.
A_APR_GREEN_LOC = 100_000 * 0.5227e-3  # = 52.27 tCO2 (location: green power is grid power)
A_APR_HEAT = 1_000 * 0.11  # = 110 tCO2, under both methods
A_APR_LOC = A_APR_GREEN_LOC + A_APR_HEAT  # = 162.27
A_APR_MKT = 0.0 + 0.0 + A_APR_HEAT  # = 110 (green power and own PV count 0)
A_APR_TCE = 150_000 * 0.1229e-3 + 1_000 * 34.12e-3 + 5  # = 18.435 + 34.12 + 5 = 57.555 tce
# b, 2022-03: 3.2 万立方米 natural gas.
B_MAR_GAS = 32_000 * 389.31e-4 * 15.30e-3 * 0.99 * 44 / 12  # = 69.1900 tCO2
B_MAR_TCE = 32_000 * 1.2143e-3  # = 38.8576 tce
# small (BEIDU, below designated size), 2022-03: 10 000 kWh grid power.
S_MAR_LOC = 10_000 * 0.5227e-3  # = 5.227
S_MAR_MKT = 10_000 * 0.5856e-3  # = 5.856
S_MAR_TCE = 10_000 * 0.1229e-3  # = 1.229
# a, 2022-05: 2 500 t primary aluminium.
AL_ANODE = 2_500 * 0.42 * (1 - 0.02 - 0.004) * 44 / 12  # = 3757.6 tCO2
AL_PFC_AR5 = 2_500 * (0.034e-3 * 6630 + 0.0034e-3 * 11100)  # = 2500 x 0.26316 = 657.9 tCO2e
AL_PFC_AR4 = 2_500 * (0.034e-3 * 7390 + 0.0034e-3 * 12200)  # = 2500 x 0.29274 = 731.85

A_MAR = {
    "energy": [
        {"carrier": "electricity_grid", "quantity": 125.6, "unit": "万千瓦时"},
        {"carrier": "diesel", "quantity": 100, "unit": "t"},
    ],
    "economics": {"value_added": {"quantity": 3000, "unit": "万元"}},
}
A_APR = {
    "energy": [
        {"carrier": "electricity_green", "quantity": 10, "unit": "万千瓦时"},
        {"carrier": "electricity_onsite_renewable", "quantity": 50000, "unit": "kWh"},
        {"carrier": "heat_purchased", "quantity": 1000, "unit": "GJ"},
        {"carrier": "other_energy", "quantity": 5, "unit": "tce"},
    ]
}
B_MAR = {"energy": [{"carrier": "natural_gas", "quantity": 3.2, "unit": "万立方米"}]}
S_MAR = {"energy": [{"carrier": "electricity_grid", "quantity": 10000, "unit": "kWh"}]}
A_MAY = {"production": [{"product": "primary_aluminium", "quantity": 2500, "unit": "t"}]}


def put(client: TestClient, world: World, key: str, period: str, body: dict[str, Any]) -> Any:
    uscc = world.enterprises[key]
    r = client.put(
        f"/api/v1/enterprises/{uscc}/reports/{period}", json=body, headers=world.headers("admin")
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def get(client: TestClient, world: World, who: str = "admin", **params: Any) -> Any:
    return client.get(URL, params=params, headers=world.headers(who))


def inventory(client: TestClient, world: World, who: str = "admin", **params: Any) -> Any:
    r = get(client, world, who, **params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def reports(client: TestClient, world: World) -> World:
    """The reports of the hand calculations above."""
    put(client, world, "a", "2022-03", A_MAR)
    put(client, world, "a", "2022-04", A_APR)
    put(client, world, "b", "2022-03", B_MAR)
    put(client, world, "small", "2022-03", S_MAR)
    return world


def _source(inv: dict[str, Any], scope: int, item: str, gas: str = "CO2") -> dict[str, Any]:
    rows = [
        r
        for r in inv["by_source"]
        if r["scope"] == scope and r["carrier_or_process"] == item and r["gas"] == gas
    ]
    assert len(rows) == 1, inv["by_source"]
    return rows[0]


def test_enterprise_inventory_by_hand(client: TestClient, reports: World) -> None:
    a = reports.enterprises["a"]
    inv = inventory(client, reports, "ent_a", level="enterprise", id=a, year=2022)
    assert (inv["level"], inv["id"], inv["year"], inv["month"]) == ("enterprise", a, 2022, None)
    assert inv["scope2_method"] == "location" and inv["grid_factor"] == "provincial"
    assert inv["gwp"]["name"] == "AR5"
    assert inv["scope1_tco2e"] == pytest.approx(A_MAR_DIESEL)
    assert inv["scope2_tco2e"] == pytest.approx(A_MAR_GRID_LOC + A_APR_LOC)
    assert inv["scope2_location_tco2e"] == pytest.approx(656.5112 + 162.27)
    assert inv["scope2_market_tco2e"] == pytest.approx(A_MAR_GRID_MKT + A_APR_MKT)
    assert inv["total_tco2e"] == pytest.approx(309.5910 + 656.5112 + 162.27, abs=1e-3)
    assert inv["total_market_tco2e"] == pytest.approx(309.5910 + 735.5136 + 110, abs=1e-3)
    assert inv["energy_tce"] == pytest.approx(A_MAR_TCE + A_APR_TCE)  # 357.6274 tce

    diesel = _source(inv, 1, "diesel")
    assert diesel["category"] == "combustion" and diesel["activity_unit"] == "t"
    assert diesel["activity"] == pytest.approx(100)
    assert diesel["tco2e"] == pytest.approx(309.59, abs=0.005)
    assert "ndrc_aluminium-2013:ncv:diesel" in diesel["factor_ids"]
    grid = _source(inv, 2, "electricity_grid")
    assert grid["scope2_method"] == "location" and grid["activity"] == pytest.approx(1_256_000)
    assert grid["tco2e"] == pytest.approx(656.51, abs=0.005)
    assert grid["factor_ids"] == ["mee_grid-2022:grid_average:CN-CQ"]
    assert _source(inv, 2, "electricity_green")["tco2e"] == pytest.approx(A_APR_GREEN_LOC)
    assert _source(inv, 2, "heat_purchased")["tco2e"] == pytest.approx(A_APR_HEAT)
    # by_source holds scope 1 and the asked method's scope 2: it adds up to the total.
    assert sum(r["tco2e"] for r in inv["by_source"]) == pytest.approx(inv["total_tco2e"])
    assert {r["scope2_method"] for r in inv["scope2_other_method"]} == {"market"}
    assert sum(r["tco2e"] for r in inv["scope2_other_method"]) == pytest.approx(
        inv["scope2_market_tco2e"]
    )

    months = {m["period"]: m for m in inv["by_month"]}
    assert len(months) == 12
    assert months["2022-03"]["total_tco2e"] == pytest.approx(A_MAR_DIESEL + A_MAR_GRID_LOC)
    assert months["2022-04"]["scope2_market_tco2e"] == pytest.approx(A_APR_MKT)
    assert months["2022-04"]["energy_tce"] == pytest.approx(A_APR_TCE)
    assert months["2022-01"]["total_tco2e"] == 0 and months["2022-01"]["enterprises_reported"] == 0

    ids = {f["id"]: f for f in inv["factors_used"]}
    cq = ids["mee_grid-2022:grid_average:CN-CQ"]
    assert (cq["value"], cq["unit"], cq["provisional"]) == (0.5227, "kgCO2/kWh", False)
    assert cq["source"] and cq["edition"] == "2022"
    assert "mee_grid-2022:grid_excl_market_nonfossil:CN" in ids
    assert "gbt2589-2008:tce_equivalent:electricity" in ids
    series = inv["grid_factor_series"]
    assert series["name"] == "provincial"
    assert [(f["year"], f["region"], f["value"]) for f in series["factors"]] == [
        (2022, "CN-CQ", 0.5227)
    ]

    cov = inv["coverage"]
    assert cov["complete"] is False
    assert (cov["enterprises_expected"], cov["enterprises_reported"]) == (1, 1)
    assert len(cov["months_expected"]) == 12
    [missing] = cov["enterprises_missing_months"]
    assert missing["uscc"] == a and "2022-03" not in missing["missing"]
    assert len(missing["missing"]) == 10  # every month but March and April
    [other] = cov["not_covered"]
    assert (other["item"], other["quantity"], other["unit"]) == ("other_energy", 5, "tce")
    assert other["energy_tce"] == pytest.approx(5)
    assert cov["provisional_factors"] == []
    assert any("above designated size" in n for n in inv["method_notes"])


def test_market_based_total(client: TestClient, reports: World) -> None:
    a = reports.enterprises["a"]
    inv = inventory(client, reports, level="enterprise", id=a, year=2022, scope2="market")
    assert inv["scope2_method"] == "market"
    # 735.5136 (grid x 0.5856) + 0 (green) + 0 (own PV) + 110 (heat)
    assert inv["scope2_tco2e"] == pytest.approx(845.5136)
    assert inv["total_tco2e"] == pytest.approx(309.5910 + 845.5136, abs=1e-3)
    assert _source(inv, 2, "electricity_green")["tco2e"] == 0
    assert _source(inv, 2, "electricity_onsite_renewable")["tco2e"] == 0
    assert _source(inv, 2, "electricity_grid")["scope2_method"] == "market"
    assert inv["scope2_location_tco2e"] == pytest.approx(A_MAR_GRID_LOC + A_APR_LOC)
    assert sum(r["tco2e"] for r in inv["by_source"]) == pytest.approx(inv["total_tco2e"])


@pytest.mark.parametrize(
    ("series", "expected", "factor_id", "provisional"),
    [
        ("national", A_MAR_GRID_NAT, "mee_grid-2022:grid_average:CN", False),
        # The reporting factor is valid from 2023: for 2022 it is the earliest later one,
        # used provisionally.
        ("mee_reporting", A_MAR_GRID_MEE, "mee_reporting-2023:grid_reporting:CN", True),
    ],
)
def test_grid_factor_series(
    client: TestClient,
    world: World,
    series: str,
    expected: float,
    factor_id: str,
    provisional: bool,
) -> None:
    put(client, world, "a", "2022-03", A_MAR)
    a = world.enterprises["a"]
    inv = inventory(client, world, level="enterprise", id=a, year=2022, grid_factor=series)
    assert inv["grid_factor"] == series
    assert inv["scope2_location_tco2e"] == pytest.approx(expected)
    assert _source(inv, 2, "electricity_grid")["factor_ids"] == [factor_id]
    [year] = inv["grid_factor_series"]["factors"]
    assert (year["factor_id"], year["provisional"]) == (factor_id, provisional)
    assert (factor_id in inv["coverage"]["provisional_factors"]) is provisional
    # The market-based figure does not depend on the location series.
    assert inv["scope2_market_tco2e"] == pytest.approx(A_MAR_GRID_MKT)


def test_year_without_published_factor_is_provisional(client: TestClient, world: World) -> None:
    # Chongqing has no 2023 factor in the library: the 2022 one (0.5227) is used, provisionally.
    put(client, world, "a", "2023-03", A_MAR)
    a = world.enterprises["a"]
    inv = inventory(client, world, level="enterprise", id=a, year=2023)
    assert inv["scope2_location_tco2e"] == pytest.approx(A_MAR_GRID_LOC)
    assert inv["coverage"]["provisional_factors"] == ["mee_grid-2022:grid_average:CN-CQ"]
    assert inv["grid_factor_series"]["factors"][0]["provisional"] is True
    # Market-based 2023 has its own factor: 1 256 000 kWh x 0.6096 kg/kWh = 765.6576 tCO2.
    assert inv["scope2_market_tco2e"] == pytest.approx(765.6576)


@pytest.mark.parametrize(("gwp", "pfc"), [("AR5", AL_PFC_AR5), ("AR4", AL_PFC_AR4)])
def test_process_emissions_and_gwp(client: TestClient, world: World, gwp: str, pfc: float) -> None:
    put(client, world, "a", "2022-05", A_MAY)
    a = world.enterprises["a"]
    inv = inventory(client, world, level="enterprise", id=a, year=2022, gwp=gwp)
    assert inv["gwp"]["name"] == gwp
    assert _source(inv, 1, "primary_aluminium", "CO2")["tco2e"] == pytest.approx(3757.6)
    cf4 = _source(inv, 1, "primary_aluminium", "CF4")
    assert cf4["gas_t"] == pytest.approx(2_500 * 0.034e-3)  # 0.085 t CF4
    pfc_rows = [r for r in inv["by_source"] if r["gas"] in ("CF4", "C2F6")]
    assert sum(r["tco2e"] for r in pfc_rows) == pytest.approx(pfc)
    assert inv["scope1_tco2e"] == pytest.approx(AL_ANODE + pfc)
    assert set(inv["gwp"]["values"]) == {"CF4", "C2F6"}
    assert inv["energy_tce"] == 0


def test_park_inventory(client: TestClient, reports: World) -> None:
    inv = inventory(client, reports, "pm_beidu", level="park", id="BEIDU", year=2022)
    assert (inv["level"], inv["id"], inv["name"]) == ("park", "BEIDU", "北渡组团")
    # BEIDU holds a and small; b (QIAOHE) is not in it.
    assert inv["scope1_tco2e"] == pytest.approx(A_MAR_DIESEL)
    assert inv["scope2_tco2e"] == pytest.approx(A_MAR_GRID_LOC + A_APR_LOC + S_MAR_LOC)
    assert inv["scope2_market_tco2e"] == pytest.approx(A_MAR_GRID_MKT + A_APR_MKT + S_MAR_MKT)
    assert inv["energy_tce"] == pytest.approx(A_MAR_TCE + A_APR_TCE + S_MAR_TCE)
    rows = {e["uscc"]: e for e in inv["by_enterprise"]}
    assert set(rows) == {reports.enterprises["a"], reports.enterprises["small"]}
    small = rows[reports.enterprises["small"]]
    # An inventory covers every enterprise, above designated size or not.
    assert small["above_designated_size"] is False
    assert small["total_tco2e"] == pytest.approx(S_MAR_LOC)
    assert small["months_reported"] == 1
    assert sum(e["total_tco2e"] for e in inv["by_enterprise"]) == pytest.approx(inv["total_tco2e"])
    assert sum(m["total_tco2e"] for m in inv["by_month"]) == pytest.approx(inv["total_tco2e"])
    march = next(m for m in inv["by_month"] if m["period"] == "2022-03")
    assert march["enterprises_reported"] == 2
    assert inv["coverage"]["enterprises_expected"] == 2


def test_district_inventory(client: TestClient, reports: World) -> None:
    inv = inventory(client, reports, level="district", year=2022)
    assert (inv["level"], inv["id"]) == ("district", None)
    assert inv["scope1_tco2e"] == pytest.approx(A_MAR_DIESEL + B_MAR_GAS)
    assert inv["scope2_tco2e"] == pytest.approx(A_MAR_GRID_LOC + A_APR_LOC + S_MAR_LOC)
    # 309.5910 + 69.1900 + 656.5112 + 162.27 + 5.227 = 1202.7892 tCO2e
    assert inv["total_tco2e"] == pytest.approx(1202.7892, abs=1e-3)
    assert inv["energy_tce"] == pytest.approx(A_MAR_TCE + A_APR_TCE + B_MAR_TCE + S_MAR_TCE)
    assert _source(inv, 1, "natural_gas")["tco2e"] == pytest.approx(69.19, abs=0.005)
    rows = {e["uscc"]: e for e in inv["by_enterprise"]}
    assert set(rows) == set(reports.enterprises.values())  # all five, reported or not
    assert rows[reports.enterprises["outside"]]["months_reported"] == 0
    assert rows[reports.enterprises["b"]]["scope1_tco2e"] == pytest.approx(B_MAR_GAS)
    cov = inv["coverage"]
    assert (cov["enterprises_expected"], cov["enterprises_reported"]) == (5, 3)
    assert len(cov["enterprises_missing_months"]) == 5


def test_enterprises_in_two_provinces(client: TestClient, reports: World) -> None:
    # b moves its registration to Sichuan: its grid power now takes Sichuan's 2022 factor,
    # 0.1404 kgCO2/kWh (MEE/NBS 2022, 省级 四川): 10 000 kWh x 0.1404e-3 = 1.404 tCO2.
    b = reports.enterprises["b"]
    r = client.patch(
        f"/api/v1/enterprises/{b}", json={"region": "CN-SC"}, headers=reports.headers("admin")
    )
    assert r.status_code == 200, r.text
    put(client, reports, "b", "2022-06", S_MAR)  # 10 000 kWh grid power
    inv = inventory(client, reports, level="district", year=2022)
    rows = {e["uscc"]: e for e in inv["by_enterprise"]}
    assert rows[b]["scope2_location_tco2e"] == pytest.approx(1.404)
    assert rows[b]["scope2_market_tco2e"] == pytest.approx(S_MAR_MKT)  # national, 5.856
    june = next(m for m in inv["by_month"] if m["period"] == "2022-06")
    assert june["scope2_location_tco2e"] == pytest.approx(1.404)
    march = next(m for m in inv["by_month"] if m["period"] == "2022-03")
    assert march["scope2_location_tco2e"] == pytest.approx(A_MAR_GRID_LOC + S_MAR_LOC)
    assert sum(m["total_tco2e"] for m in inv["by_month"]) == pytest.approx(inv["total_tco2e"])
    series = {(f["region"], f["value"]) for f in inv["grid_factor_series"]["factors"]}
    assert series == {("CN-CQ", 0.5227), ("CN-SC", 0.1404)}
    grid = _source(inv, 2, "electricity_grid")
    assert grid["activity"] == pytest.approx(1_256_000 + 10_000 + 10_000)
    assert grid["tco2e"] == pytest.approx(A_MAR_GRID_LOC + S_MAR_LOC + 1.404)
    assert sorted(grid["factor_ids"]) == [
        "mee_grid-2022:grid_average:CN-CQ",
        "mee_grid-2022:grid_average:CN-SC",
    ]


def test_province_without_factor_uses_national_provisionally(
    client: TestClient, world: World
) -> None:
    # Tibet has no provincial factor in the library: the national 2022 average is used,
    # 10 000 kWh x 0.5366e-3 = 5.366 tCO2, and marked provisional.
    outside = world.enterprises["outside"]
    r = client.patch(
        f"/api/v1/enterprises/{outside}", json={"region": "CN-XZ"}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    put(client, world, "outside", "2022-03", S_MAR)
    inv = inventory(client, world, level="enterprise", id=outside, year=2022)
    assert inv["scope2_location_tco2e"] == pytest.approx(5.366)
    assert inv["coverage"]["provisional_factors"] == ["mee_grid-2022:grid_average:CN"]
    [year] = inv["grid_factor_series"]["factors"]
    assert (year["region"], year["provisional"]) == ("CN", True)


def test_month_inventory(client: TestClient, reports: World) -> None:
    inv = inventory(client, reports, level="park", id="BEIDU", year=2022, month=4)
    assert inv["month"] == 4
    assert inv["total_tco2e"] == pytest.approx(A_APR_LOC)
    assert [m["period"] for m in inv["by_month"]] == ["2022-04"]
    assert inv["coverage"]["months_expected"] == ["2022-04"]
    [missing] = inv["coverage"]["enterprises_missing_months"]
    assert (missing["uscc"], missing["missing"]) == (reports.enterprises["small"], ["2022-04"])


def test_empty_inventory(client: TestClient, world: World) -> None:
    inv = inventory(client, world, level="park", id="QIAOHE", year=2022)
    assert inv["total_tco2e"] == 0 and inv["energy_tce"] == 0
    assert inv["by_source"] == [] and inv["factors_used"] == []
    assert inv["coverage"]["complete"] is False
    assert inv["coverage"]["enterprises_reported"] == 0


def test_latest_revision_counts_and_as_of_shows_the_old_one(
    client: TestClient, world: World
) -> None:
    a = world.enterprises["a"]
    first = put(client, world, "a", "2022-03", A_MAR)
    noted = datetime.fromisoformat(first["submitted_at"])
    second = {"energy": [{"carrier": "electricity_grid", "quantity": 200, "unit": "万千瓦时"}]}
    revised = put(client, world, "a", "2022-03", second)
    assert revised["revision"] == 2
    assert datetime.fromisoformat(revised["submitted_at"]) > noted

    now = inventory(client, world, level="enterprise", id=a, year=2022)
    assert now["scope2_tco2e"] == pytest.approx(2_000_000 * 0.5227e-3)  # 1045.4 tCO2
    assert now["scope1_tco2e"] == 0  # the revision dropped the diesel line
    assert now["as_of"] is None

    then = inventory(client, world, level="enterprise", id=a, year=2022, as_of=noted.isoformat())
    assert then["scope2_tco2e"] == pytest.approx(A_MAR_GRID_LOC)  # 656.5112
    assert then["scope1_tco2e"] == pytest.approx(A_MAR_DIESEL)
    assert datetime.fromisoformat(then["as_of"]) == noted

    before = noted - timedelta(seconds=1)
    empty = inventory(client, world, level="enterprise", id=a, year=2022, as_of=before.isoformat())
    assert empty["total_tco2e"] == 0
    assert empty["coverage"]["enterprises_reported"] == 0


@pytest.mark.parametrize(
    ("who", "level", "target", "status"),
    [
        ("admin", "enterprise", "a", 200),
        ("admin", "enterprise", "outside", 200),
        ("pm_beidu", "enterprise", "a", 200),
        ("pm_beidu", "enterprise", "small", 200),
        ("pm_beidu", "enterprise", "b", 404),
        ("pm_beidu", "enterprise", "outside", 404),
        ("pm_qiaohe", "enterprise", "a", 404),
        ("ent_a", "enterprise", "a", 200),
        ("ent_a", "enterprise", "b", 404),
        ("ent_a", "enterprise", "small", 404),
        ("ent_b", "enterprise", "a", 404),
        ("admin", "park", "BEIDU", 200),
        ("admin", "park", "TOWN_SANJIANG", 200),
        ("pm_beidu", "park", "BEIDU", 200),
        ("pm_beidu", "park", "QIAOHE", 404),
        ("pm_qiaohe", "park", "BEIDU", 404),
        ("ent_a", "park", "BEIDU", 403),
        ("ent_b", "park", "BEIDU", 403),
        ("ent_town", "park", "TOWN_SANJIANG", 403),
        ("admin", "district", None, 200),
        ("pm_beidu", "district", None, 403),
        ("pm_qiaohe", "district", None, 403),
        ("ent_a", "district", None, 403),
    ],
)
def test_access(
    client: TestClient, reports: World, who: str, level: str, target: str | None, status: int
) -> None:
    params: dict[str, Any] = {"level": level, "year": 2022}
    if target is not None:
        params["id"] = reports.enterprises.get(target, target)
    for fmt in ("json", "xlsx"):
        r = get(client, reports, who, format=fmt, **params)
        assert r.status_code == status, r.text
        if status != 200:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "tco2e" not in r.text


def test_unknown_ids_and_missing_token(client: TestClient, world: World) -> None:
    r = get(client, world, level="park", id="NOWHERE", year=2022)
    assert r.status_code == 404
    r = get(client, world, level="enterprise", id=make_uscc(999), year=2022)
    assert r.status_code == 404
    r = client.get(URL, params={"level": "district", "year": 2022})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "enterprise", "year": 2022}, "id"),
        ({"level": "park", "year": 2022, "id": "  "}, "id"),
        ({"level": "district", "year": 2022, "id": "BEIDU"}, "id"),
        ({"level": "country", "year": 2022}, "level"),
        ({"year": 2022}, "level"),
        ({"level": "district"}, "year"),
        ({"level": "district", "year": "last"}, "year"),
        ({"level": "district", "year": 1999}, "year"),
        ({"level": "district", "year": 2099}, "year"),  # in the future
        ({"level": "district", "year": 2022, "month": 13}, "month"),
        ({"level": "district", "year": 2022, "month": 0}, "month"),
        ({"level": "district", "year": 2022, "scope2": "both"}, "scope2"),
        ({"level": "district", "year": 2022, "grid_factor": "global"}, "grid_factor"),
        ({"level": "district", "year": 2022, "gwp": "AR7"}, "gwp"),
        ({"level": "district", "year": 2022, "fuel_source": "guess"}, "fuel_source"),
        ({"level": "district", "year": 2022, "format": "pdf"}, "format"),
        ({"level": "district", "year": 2022, "as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_parameters_name_the_field(
    client: TestClient, world: World, params: dict[str, Any], field: str
) -> None:
    r = get(client, world, **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert ["query", field] in [e["loc"] for e in r.json()["errors"]]


def test_future_month_of_this_year_refused() -> None:
    query = service.InventoryQuery(level=Level.DISTRICT, id=None, year=2024, month=6)
    with pytest.raises(ValidationFailed) as err:
        service.check_query(query, today=date(2024, 5, 10))
    assert [e.loc for e in err.value.errors] == [("query", "month")]
    service.check_query(query, today=date(2024, 6, 1))  # the current month is allowed
