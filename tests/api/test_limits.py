"""Energy-intensity limits: set by the park manager or an admin, normalised to tce/万元, read by
whoever sees the enterprise; without one, the enterprise's own 2020 path applies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from api.models import IntensityLimit
from tests.api.scenario import submit, year_2020
from tests.world import World

BODY = {"energy_intensity": {"quantity": 0.5, "unit": "tce/万元"}}


def _count(world: World) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(IntensityLimit)).one())


def _url(world: World, key: str = "a", year: int = 2022) -> str:
    return f"/api/v1/enterprises/{world.enterprises[key]}/limits/{year}"


def test_first_put_creates_then_updates(client: TestClient, world: World) -> None:
    r = client.put(_url(world), json=BODY, headers=world.headers("pm_beidu"))
    assert r.status_code == 201, r.text
    assert r.json()["tce_per_10k_cny"] == pytest.approx(0.5)
    assert r.json()["source"] == "explicit" and r.json()["set_by_role"] == "park_manager"
    # 0.04 kgce/元 = 0.04 × 10⁻³ tce per 10⁻⁴ 万元 = 0.04 × 10 = 0.4 tce/万元
    # (1 万元 = 10 000 元, 1 tce = 1000 kgce; units.txt, GB/T 2589).
    again = {"energy_intensity": {"quantity": 0.04, "unit": "kgce/元"}}
    r = client.put(_url(world), json=again, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["tce_per_10k_cny"] == pytest.approx(0.4)
    assert r.json()["energy_intensity"] == {"quantity": 0.04, "unit": "kgce/元"}
    read = client.get(_url(world), headers=world.headers("ent_a"))
    assert read.status_code == 200
    assert read.json()["tce_per_10k_cny"] == pytest.approx(0.4)
    listed = client.get(
        f"/api/v1/enterprises/{world.enterprises['a']}/limits", headers=world.headers("ent_a")
    ).json()
    assert [(x["year"], x["source"]) for x in listed] == [(2022, "explicit")]
    assert _count(world) == 1


def test_without_a_limit_the_own_path_is_read(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    # 2020: 12 × 100 tce over 12 × 1000 万元 → base intensity 0.1 tce/万元.
    submit(client, world, year_2020(a))
    r = client.get(_url(world, "a", 2022), headers=world.headers("ent_a"))
    assert r.status_code == 200, r.text
    body = r.json()
    # DOMAIN.md: base × (1 − 0.16 × (y − base) ÷ 5) = 0.1 × (1 − 0.16 × 2 / 5) = 0.0936.
    assert body["source"] == "own_path" and body["base_year"] == 2020
    assert body["base_intensity"] == pytest.approx(0.1)
    assert body["tce_per_10k_cny"] == pytest.approx(0.0936)
    # 2025: 0.1 × (1 − 0.16 × 5 / 5) = 0.084, the plan's 16 % fall.
    r = client.get(_url(world, "a", 2025), headers=world.headers("pm_beidu"))
    assert r.json()["tce_per_10k_cny"] == pytest.approx(0.084)
    # An explicit limit wins over the path; deleting it brings the path back.
    client.put(_url(world, "a", 2022), json=BODY, headers=world.headers("admin"))
    assert client.get(_url(world), headers=world.headers("admin")).json()["source"] == "explicit"
    assert client.delete(_url(world), headers=world.headers("pm_beidu")).status_code == 204
    assert client.get(_url(world), headers=world.headers("admin")).json()["source"] == "own_path"
    # b has neither a limit nor a full base year.
    assert client.get(_url(world, "b"), headers=world.headers("admin")).status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"energy_intensity": {"quantity": 0.5, "unit": "kWh/t"}}, "unit"),  # wrong dimension
        ({"energy_intensity": {"quantity": 0.5, "unit": "tce"}}, "unit"),  # energy, not per money
        ({"energy_intensity": {"quantity": 0.5, "unit": "furlongs"}}, "unit"),
        ({"energy_intensity": {"quantity": -0.5, "unit": "tce/万元"}}, "quantity"),
        ({"energy_intensity": {"quantity": 0, "unit": "tce/万元"}}, "quantity"),
        ({"energy_intensity": {"quantity": "lots", "unit": "tce/万元"}}, "quantity"),
        ({"energy_intensity": {"unit": "tce/万元"}}, "quantity"),
        ({"energy_intensity": {"quantity": 0.5, "unit": "tce/万元", "x": 1}}, "x"),
    ],
)
def test_bad_limits_are_refused_naming_the_field(
    client: TestClient, world: World, body: dict[str, object], loc: str
) -> None:
    r = client.put(_url(world), json=body, headers=world.headers("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert ["body", "energy_intensity", loc] in [e["loc"] for e in r.json()["errors"]]
    assert _count(world) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinite_limits_are_refused(
    client: TestClient, world: World, literal: str
) -> None:
    template = '{"energy_intensity": {"quantity": LITERAL, "unit": "tce/万元"}}'
    raw = template.replace("LITERAL", literal)
    r = client.put(
        _url(world),
        content=raw.encode(),
        headers={**world.headers("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert ["body", "energy_intensity", "quantity"] in [e["loc"] for e in r.json()["errors"]]
    assert _count(world) == 0


@pytest.mark.parametrize("year", [1999, 2101])
def test_year_out_of_range(client: TestClient, world: World, year: int) -> None:
    r = client.put(_url(world, "a", year), json=BODY, headers=world.headers("admin"))
    assert r.status_code == 422
    assert ["path", "year"] in [e["loc"] for e in r.json()["errors"]]
    assert _count(world) == 0


@pytest.mark.parametrize(
    ("who", "target", "put", "get"),
    [
        ("admin", "a", 201, 200),
        ("admin", "outside", 201, 200),
        ("pm_beidu", "a", 201, 200),
        ("pm_beidu", "b", 404, 404),
        ("pm_qiaohe", "a", 404, 404),
        ("pm_beidu", "outside", 404, 404),
        ("ent_a", "a", 403, 200),
        ("ent_a", "b", 404, 404),
        ("ent_b", "a", 404, 404),
    ],
)
def test_limit_tenancy(
    client: TestClient, world: World, who: str, target: str, put: int, get: int
) -> None:
    r = client.put(_url(world, target), json=BODY, headers=world.headers(who))
    assert r.status_code == put, r.text
    assert _count(world) == (1 if put == 201 else 0)
    if put != 201:  # so that a read has something to find
        client.put(_url(world, target), json=BODY, headers=world.headers("admin"))
    assert client.get(_url(world, target), headers=world.headers(who)).status_code == get
    listing = client.get(
        f"/api/v1/enterprises/{world.enterprises[target]}/limits", headers=world.headers(who)
    )
    assert listing.status_code == get
    deleted = client.delete(_url(world, target), headers=world.headers(who))
    assert deleted.status_code == (204 if put == 201 else put)
    assert _count(world) == (0 if put == 201 else 1)


def test_limits_need_a_token(client: TestClient, world: World) -> None:
    assert client.put(_url(world), json=BODY).status_code == 401
    assert client.get(_url(world)).status_code == 401
