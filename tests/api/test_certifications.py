"""Green certifications: recorded by the park manager or an admin, read within scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from api.models import Certification
from tests.world import World

GF = {"kind": "green_factory", "level": "national", "year": 2023, "certificate_no": "GF-2023-01"}


def _count(world: World) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(Certification)).one())


def test_record_and_list(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    r = client.post(
        f"/api/v1/enterprises/{a}/certifications", json=GF, headers=world.headers("pm_beidu")
    )
    assert r.status_code == 201, r.text
    assert (
        r.json()["uscc"] == a and r.json()["kind"] == "green_factory" and r.json()["year"] == 2023
    )
    rows = client.get(
        f"/api/v1/enterprises/{a}/certifications", headers=world.headers("ent_a")
    ).json()
    assert [(c["kind"], c["level"], c["year"]) for c in rows] == [
        ("green_factory", "national", 2023)
    ]
    again = client.post(
        f"/api/v1/enterprises/{a}/certifications", json=GF, headers=world.headers("admin")
    )
    assert again.status_code == 409
    assert _count(world) == 1


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"kind": "blue_factory"}, ["body", "kind"]),
        ({"level": "galactic"}, ["body", "level"]),
        ({"year": 1999}, ["body", "year"]),
        ({"year": 2100}, ["body", "year"]),  # in the future
        ({"colour": "green"}, ["body", "colour"]),
        ({"certificate_no": "a\u0000b"}, ["body", "certificate_no"]),  # NUL: not storable
        ({"issued_by": "工信部\n"}, ["body", "issued_by"]),
    ],
)
def test_bad_certification_refused(
    client: TestClient, world: World, change: dict[str, object], loc: list[str]
) -> None:
    a = world.enterprises["a"]
    r = client.post(
        f"/api/v1/enterprises/{a}/certifications",
        json={**GF, **change},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["errors"]]
    assert _count(world) == 0


@pytest.mark.parametrize(
    ("who", "target", "post", "get"),
    [
        ("admin", "a", 201, 200),
        ("admin", "b", 201, 200),
        ("pm_beidu", "a", 201, 200),
        ("pm_beidu", "b", 404, 404),
        ("pm_qiaohe", "a", 404, 404),
        ("ent_a", "a", 403, 200),
        ("ent_a", "b", 404, 404),
        ("ent_b", "a", 404, 404),
    ],
)
def test_certification_tenancy(
    client: TestClient, world: World, who: str, target: str, post: int, get: int
) -> None:
    uscc = world.enterprises[target]
    r = client.post(
        f"/api/v1/enterprises/{uscc}/certifications", json=GF, headers=world.headers(who)
    )
    assert r.status_code == post, r.text
    assert _count(world) == (1 if post == 201 else 0)
    assert (
        client.get(
            f"/api/v1/enterprises/{uscc}/certifications", headers=world.headers(who)
        ).status_code
        == get
    )


def test_scoped_listing_and_filters(client: TestClient, world: World) -> None:
    for key, year in (("a", 2021), ("b", 2022), ("town", 2023)):
        uscc = world.enterprises[key]
        body = {**GF, "year": year}
        assert (
            client.post(
                f"/api/v1/enterprises/{uscc}/certifications",
                json=body,
                headers=world.headers("admin"),
            ).status_code
            == 201
        )

    def years(who: str, query: str = "") -> list[int]:
        rows = client.get(f"/api/v1/certifications{query}", headers=world.headers(who)).json()
        return [c["year"] for c in rows]

    assert years("admin") == [2021, 2022, 2023]
    assert years("admin", "?year_from=2022") == [2022, 2023]
    assert years("pm_beidu") == [2021]
    assert years("pm_qiaohe") == [2022]
    assert years("ent_town") == [2023]
    assert years("pm_beidu", "?park=QIAOHE") == []
