"""The registry contract: parks, enterprises, scoped access, and bad input refused unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from api.auth.tokens import verify_token
from api.models import Enterprise, Park
from api.registry.service import read_park, scoped_park
from carbon.errors import NotFound
from tests.helpers import make_uscc
from tests.world import World


def _count(world: World, model: type) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_admin_creates_and_reads_a_park(client: TestClient, world: World) -> None:
    body = {"code": "TONGHUI", "name": "通惠组团", "counts_as_park": True}
    r = client.post("/api/v1/parks", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/v1/parks/TONGHUI"
    assert {k: r.json()[k] for k in body} == body
    got = client.get("/api/v1/parks/TONGHUI", headers=world.headers("admin")).json()
    assert got["name"] == "通惠组团" and got["enterprise_count"] == 0


def test_park_listing_counts_enterprises(client: TestClient, world: World) -> None:
    rows = client.get("/api/v1/parks", headers=world.headers("admin")).json()
    counts = {p["code"]: p["enterprise_count"] for p in rows}
    # BEIDU holds "a" and "small"; QIAOHE "b"; the town "town" (see the world fixture).
    assert counts == {"BEIDU": 2, "QIAOHE": 1, "TOWN_SANJIANG": 1}


def test_enterprise_contract_round_trip(client: TestClient, world: World) -> None:
    uscc = make_uscc(100)
    body = {
        "uscc": uscc,
        "name": "重庆示范齿轮有限公司",
        "park_code": "QIAOHE",
        "industry_code": "3453",
        "above_designated_size": True,
    }
    r = client.post("/api/v1/enterprises", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in body} == body
    r = client.patch(
        f"/api/v1/enterprises/{uscc}",
        json={"park_code": None, "above_designated_size": False},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200
    assert r.json()["park_code"] is None and r.json()["above_designated_size"] is False
    assert (
        client.get(f"/api/v1/enterprises/{uscc.lower()}", headers=world.headers("admin")).json()[
            "name"
        ]
        == body["name"]
    )


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"uscc": "91500110MA5U5K7X4A"}, ["body", "uscc"]),  # check character must be K
        ({"uscc": "1234"}, ["body", "uscc"]),
        ({"industry_code": "32"}, ["body", "industry_code"]),
        ({"park_code": "NOWHERE"}, ["body", "park_code"]),
        ({"name": ""}, ["body", "name"]),
        ({"above_designated_size": "perhaps"}, ["body", "above_designated_size"]),
        ({"unexpected": 1}, ["body", "unexpected"]),
    ],
)
def test_bad_enterprise_refused_naming_the_field(
    client: TestClient, world: World, change: dict[str, object], loc: list[str]
) -> None:
    body = {"uscc": make_uscc(101), "name": "x", "park_code": "BEIDU", "industry_code": "3216"}
    body.update(change)
    before = _count(world, Enterprise)
    r = client.post("/api/v1/enterprises", json=body, headers=world.headers("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert loc in [e["loc"] for e in problem["errors"]]
    assert _count(world, Enterprise) == before


def test_duplicates_conflict(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/parks", json={"code": "BEIDU", "name": "again"}, headers=world.headers("admin")
    )
    assert r.status_code == 409
    body = {"uscc": world.enterprises["a"], "name": "x", "industry_code": "3216"}
    r = client.post("/api/v1/enterprises", json=body, headers=world.headers("admin"))
    assert r.status_code == 409
    assert _count(world, Park) == 3


def test_empty_or_broken_json_is_422(client: TestClient, world: World) -> None:
    h = {**world.headers("admin"), "content-type": "application/json"}
    assert client.post("/api/v1/parks", content=b"", headers=h).status_code == 422
    assert client.post("/api/v1/parks", content=b"{not json", headers=h).status_code == 422


def test_oversized_body_is_413(client: TestClient, world: World) -> None:
    big = {"code": "BIG", "name": "x" * (1024 * 1024 + 10)}
    r = client.post("/api/v1/parks", json=big, headers=world.headers("admin"))
    assert r.status_code == 413
    assert r.json()["status"] == 413
    assert _count(world, Park) == 3


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer ck_000000000000_wrongsecret"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_missing_or_bad_token_is_401(
    client: TestClient, world: World, headers: dict[str, str]
) -> None:
    for path in (
        "/api/v1/parks",
        "/api/v1/enterprises",
        f"/api/v1/enterprises/{world.enterprises['a']}",
    ):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"] == "Bearer"


def test_token_with_a_wrong_secret_is_401(client: TestClient, world: World) -> None:
    good = world.tokens["admin"]
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert (
        client.get("/api/v1/parks", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_revoked_token_is_401(client: TestClient, world: World) -> None:
    from api.auth.tokens import revoke_token

    key_id = world.tokens["ent_a"].split("_")[1]
    with Session(world.engine) as s:
        revoke_token(s, key_id)
        s.commit()
    assert client.get("/api/v1/enterprises", headers=world.headers("ent_a")).status_code == 401


def test_tokens_are_stored_hashed(world: World) -> None:
    from api.models import ApiToken

    with Session(world.engine) as s:
        stored = [row.secret_sha256 for row in s.exec(select(ApiToken)).all()]
    for token in world.tokens.values():
        secret = token.split("_", 2)[2]
        assert all(secret not in h for h in stored)


# --- the tenancy matrix: every endpoint x every role x own and foreign tenant ---------------

A, B = "a", "b"
MATRIX = [
    # (who, method, path template, body kind, expected status)
    ("admin", "GET", "/api/v1/parks/BEIDU", None, 200),
    ("admin", "GET", "/api/v1/parks/QIAOHE", None, 200),
    ("pm_beidu", "GET", "/api/v1/parks/BEIDU", None, 200),
    ("pm_beidu", "GET", "/api/v1/parks/QIAOHE", None, 404),
    ("ent_a", "GET", "/api/v1/parks/BEIDU", None, 200),
    ("ent_a", "GET", "/api/v1/parks/QIAOHE", None, 404),
    ("admin", "POST", "/api/v1/parks", "park", 201),
    ("pm_beidu", "POST", "/api/v1/parks", "park", 403),
    ("ent_a", "POST", "/api/v1/parks", "park", 403),
    ("admin", "GET", "/api/v1/enterprises/{a}", None, 200),
    ("admin", "GET", "/api/v1/enterprises/{b}", None, 200),
    ("pm_beidu", "GET", "/api/v1/enterprises/{a}", None, 200),
    ("pm_beidu", "GET", "/api/v1/enterprises/{b}", None, 404),
    ("ent_a", "GET", "/api/v1/enterprises/{a}", None, 200),
    ("ent_a", "GET", "/api/v1/enterprises/{b}", None, 404),
    ("admin", "POST", "/api/v1/enterprises", "ent_beidu", 201),
    ("admin", "POST", "/api/v1/enterprises", "ent_qiaohe", 201),
    ("pm_beidu", "POST", "/api/v1/enterprises", "ent_beidu", 201),
    ("pm_beidu", "POST", "/api/v1/enterprises", "ent_qiaohe", 403),
    ("pm_beidu", "POST", "/api/v1/enterprises", "ent_nopark", 403),
    ("ent_a", "POST", "/api/v1/enterprises", "ent_beidu", 403),
    ("admin", "PATCH", "/api/v1/enterprises/{a}", "rename", 200),
    ("admin", "PATCH", "/api/v1/enterprises/{b}", "rename", 200),
    ("pm_beidu", "PATCH", "/api/v1/enterprises/{a}", "rename", 200),
    ("pm_beidu", "PATCH", "/api/v1/enterprises/{b}", "rename", 404),
    ("pm_beidu", "PATCH", "/api/v1/enterprises/{a}", "move_qiaohe", 403),
    ("ent_a", "PATCH", "/api/v1/enterprises/{a}", "rename", 403),
    ("ent_a", "PATCH", "/api/v1/enterprises/{b}", "rename", 404),
]

BODIES: dict[str, dict[str, object]] = {
    "park": {"code": "TONGHUI", "name": "通惠组团"},
    "ent_beidu": {
        "uscc": make_uscc(200),
        "name": "新",
        "park_code": "BEIDU",
        "industry_code": "3216",
    },
    "ent_qiaohe": {
        "uscc": make_uscc(201),
        "name": "新",
        "park_code": "QIAOHE",
        "industry_code": "3453",
    },
    "ent_nopark": {
        "uscc": make_uscc(202),
        "name": "新",
        "park_code": None,
        "industry_code": "3011",
    },
    "rename": {"name": "改名"},
    "move_qiaohe": {"park_code": "QIAOHE"},
}


@pytest.mark.parametrize(("who", "method", "path", "body", "expected"), MATRIX)
def test_tenancy_matrix(
    client: TestClient,
    world: World,
    who: str,
    method: str,
    path: str,
    body: str | None,
    expected: int,
) -> None:
    url = path.format(a=world.enterprises[A], b=world.enterprises[B])
    before = (_count(world, Park), _count(world, Enterprise))
    r = client.request(method, url, json=BODIES[body] if body else None, headers=world.headers(who))
    assert r.status_code == expected, r.text
    if expected >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (_count(world, Park), _count(world, Enterprise)) == before
        if method == "PATCH":
            target = world.enterprises[A] if "{a}" in path else world.enterprises[B]
            with Session(world.engine) as s:
                ent = s.exec(select(Enterprise).where(Enterprise.uscc == target)).one()
            assert ent.name != "改名" and ent.park_code in ("BEIDU", "QIAOHE")


@pytest.mark.parametrize(
    ("who", "parks", "enterprises"),
    [
        ("admin", {"BEIDU", "QIAOHE", "TOWN_SANJIANG"}, {"a", "b", "town", "outside", "small"}),
        ("pm_beidu", {"BEIDU"}, {"a", "small"}),
        ("pm_qiaohe", {"QIAOHE"}, {"b"}),
        ("ent_a", {"BEIDU"}, {"a"}),
        ("ent_b", {"QIAOHE"}, {"b"}),
    ],
)
def test_listings_are_scoped_to_the_caller(
    client: TestClient, world: World, who: str, parks: set[str], enterprises: set[str]
) -> None:
    got_parks = {p["code"] for p in client.get("/api/v1/parks", headers=world.headers(who)).json()}
    got_ents = {
        e["uscc"] for e in client.get("/api/v1/enterprises", headers=world.headers(who)).json()
    }
    assert got_parks == parks
    assert got_ents == {world.enterprises[k] for k in enterprises}


def test_foreign_park_filter_returns_nothing(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/enterprises?park_code=QIAOHE", headers=world.headers("pm_beidu"))
    assert r.status_code == 200 and r.json() == []


def test_the_core_park_scope_agrees_with_read_park_for_every_caller(world: World) -> None:
    """``scoped_park`` (the inventory's lookup, without the ORM) finds and refuses exactly
    what ``read_park`` does, for every role and tenant and every park, known or not."""
    with Session(world.engine) as s:
        for who, token in world.tokens.items():
            principal = verify_token(s, token)
            assert principal is not None
            for code in [*world.parks, "NOWHERE"]:
                try:
                    park = read_park(s, principal, code)
                    expected: tuple[str, str] | None = (park.code, park.name)
                except NotFound:
                    expected = None
                try:
                    found: tuple[str, str] | None = scoped_park(s.connection(), principal, code)
                except NotFound:
                    found = None
                assert found == expected, (who, code)
