"""The monthly-report contract: PUT/GET of a month, revisions kept as they were, range listing,
units normalised (figures checked by hand), bad input refused naming the field with nothing
written, and every endpoint from the wrong tenant."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.clock import district_today
from api.models import ReportLine, ReportMonth, ReportRevision
from api.reports.schemas import EXAMPLE_BODY, ReportOut
from api.settings import Settings
from carbon.periods import Period
from tests.world import World

REPORT_TABLES = (ReportRevision, ReportLine, ReportMonth)


def counts(engine: Engine) -> tuple[int, ...]:
    """Rows in each report table: what "the database unchanged" is checked against."""
    with engine.connect() as conn:
        return tuple(
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in REPORT_TABLES
        )


def url(world: World, period: str = "2024-05", who: str = "a") -> str:
    return f"/api/v1/enterprises/{world.enterprises[who]}/reports/{period}"


def put(
    client: TestClient, world: World, body: Any, *, period: str = "2024-05", who: str = "ent_a"
) -> Any:
    return client.put(url(world, period), json=body, headers=world.headers(who))


# --- the contract ---------------------------------------------------------------------------


def test_first_put_is_201_later_200_and_every_revision_stays_as_it_was(
    client: TestClient, world: World
) -> None:
    first = put(client, world, EXAMPLE_BODY)
    assert first.status_code == 201, first.text
    one = first.json()
    assert one["uscc"] == world.enterprises["a"] and one["period"] == "2024-05"
    assert one["revision"] == 1 and one["channel"] == "api" and one["submitted_at"]
    assert first.headers["location"].endswith("/reports/2024-05/revisions/1")
    # Every line as sent, in the order sent.
    assert [(e["carrier"], e["quantity"], e["unit"]) for e in one["energy"]] == [
        ("electricity_grid", 125.6, "万千瓦时"),
        ("natural_gas", 3.2, "万立方米"),
        ("diesel", 1800, "kg"),
    ]
    assert one["solid_waste"][0]["generated"] == 120 and one["solid_waste"][0]["utilised"] == 100

    changed = copy.deepcopy(EXAMPLE_BODY)
    changed["energy"] = [{"carrier": "electricity_grid", "quantity": 130, "unit": "万千瓦时"}]
    del changed["solid_waste"]
    second = put(client, world, changed)
    assert second.status_code == 200, second.text
    assert second.json()["revision"] == 2 and second.json()["solid_waste"] == []

    latest = client.get(url(world), headers=world.headers("ent_a")).json()
    assert latest == second.json()
    revisions = client.get(url(world) + "/revisions", headers=world.headers("ent_a")).json()
    assert [r["revision"] for r in revisions] == [1, 2]
    assert revisions[0] == one  # the first revision exactly as it was answered
    assert client.get(url(world) + "/revisions/1", headers=world.headers("ent_a")).json() == one


def test_canonical_quantities_checked_by_hand(client: TestClient, world: World) -> None:
    body = {
        "energy": [
            # 125.6 万千瓦时 = 125.6 × 10⁴ kWh = 1,256,000 kWh (万 = 10⁴; DOMAIN.md worked figure)
            {"carrier": "electricity_grid", "quantity": 125.6, "unit": "万千瓦时"},
            # 1.2 MWh = 1,200 kWh; 度 is the kWh of electricity bills: 800 度 = 800 kWh
            {"carrier": "electricity_green", "quantity": 1.2, "unit": "MWh"},
            {"carrier": "electricity_onsite_renewable", "quantity": 800, "unit": "度"},
            # 3.2 万立方米 = 32,000 m3; Nm3 is taken as m3 (units.txt: GB/T 2589 per m3)
            {"carrier": "natural_gas", "quantity": 3.2, "unit": "万立方米"},
            {"carrier": "coke_oven_gas", "quantity": 500, "unit": "Nm3"},
            # 1,800 kg = 1.8 t; 0.5 万吨 = 5,000 t
            {"carrier": "diesel", "quantity": 1800, "unit": "kg"},
            {"carrier": "raw_coal", "quantity": 0.5, "unit": "万吨"},
            # 3,000 MJ = 3 GJ; 吉焦 is GJ
            {"carrier": "heat_purchased", "quantity": 3000, "unit": "MJ"},
            {"carrier": "heat_purchased", "quantity": 40, "unit": "吉焦"},
            # 1,500 kgce = 1.5 tce (GB/T 2589: 1 tce = 1,000 kgce)
            {"carrier": "other_energy", "quantity": 1500, "unit": "千克标准煤"},
        ],
        # 1 t of water is taken as 1 m3 (API.md); 0.12 万立方米 = 1,200 m3
        "water": [
            {"kind": "fresh_withdrawal", "quantity": 0.12, "unit": "万立方米"},
            {"kind": "reused", "quantity": 5000, "unit": "t"},
        ],
        # 120,000 kg = 120 t, and each balance figure likewise (÷ 1,000)
        "solid_waste": [
            {
                "category": "smelting_slag",
                "unit": "kg",
                "generated": 120000,
                "from_storage": 5000,
                "utilised": 100000,
                "disposed": 20000,
                "stored": 5000,
            }
        ],
        # 0.25 万吨 = 2,500 t of aluminium; 30 台 of gearboxes stay a count (piece)
        "production": [
            {"product": "primary_aluminium", "quantity": 0.25, "unit": "万吨"},
            {"product": "gearbox", "quantity": 30, "unit": "台"},
        ],
        # 1.5 亿元 = 1.5 × 10⁸ 元 = 15,000 万元; 30,000,000 元 = 3,000 万元
        "economics": {
            "gross_output_value": {"quantity": 1.5, "unit": "亿元"},
            "value_added": {"quantity": 30_000_000, "unit": "元"},
        },
    }
    r = put(client, world, body)
    assert r.status_code == 201, r.text
    got = r.json()
    energy = [(e["canonical_quantity"], e["canonical_unit"]) for e in got["energy"]]
    expected = [
        (1_256_000, "kWh"),
        (1_200, "kWh"),
        (800, "kWh"),
        (32_000, "m3"),
        (500, "m3"),
        (1.8, "t"),
        (5_000, "t"),
        (3, "GJ"),
        (40, "GJ"),
        (1.5, "tce"),
    ]
    for (value, unit), (want, want_unit) in zip(energy, expected, strict=True):
        assert value == pytest.approx(want, rel=1e-12) and unit == want_unit
    assert [w["canonical_unit"] for w in got["water"]] == ["m3", "m3"]
    assert [w["canonical_quantity"] for w in got["water"]] == pytest.approx([1200, 5000])
    waste = got["solid_waste"][0]
    assert waste["canonical_quantity"] == pytest.approx(120) and waste["canonical_unit"] == "t"
    assert waste["canonical"] == pytest.approx(
        {"generated": 120, "from_storage": 5, "utilised": 100, "disposed": 20, "stored": 5}
    )
    assert [(p["canonical_quantity"], p["canonical_unit"]) for p in got["production"]] == [
        (pytest.approx(2500), "t"),
        (30, "piece"),
    ]
    econ = got["economics"]
    assert econ["gross_output_value"]["canonical_quantity"] == pytest.approx(15_000)
    assert econ["value_added"]["canonical_quantity"] == pytest.approx(3_000)
    assert econ["value_added"]["canonical_unit"] == "CNY_10k"


def test_units_in_any_case_and_with_spaces(client: TestClient, world: World) -> None:
    body = {
        "energy": [
            {"carrier": "electricity_grid", "quantity": 1, "unit": "KWH"},
            {"carrier": "electricity_grid", "quantity": 1, "unit": "万 千瓦时"},
            {"carrier": "natural_gas", "quantity": 1, "unit": "m³"},
            {"carrier": "heat_purchased", "quantity": 1, "unit": "gj"},
        ]
    }
    r = put(client, world, body)
    assert r.status_code == 201, r.text
    # 1 KWH = 1 kWh; 1 万千瓦时 = 10,000 kWh; 1 m³ = 1 m3; 1 gj = 1 GJ
    assert [e["canonical_quantity"] for e in r.json()["energy"]] == [1, 10_000, 1, 1]
    assert [e["unit"] for e in r.json()["energy"]] == ["KWH", "万 千瓦时", "m³", "gj"]


def test_waste_figures_left_out_count_zero(client: TestClient, world: World) -> None:
    body = {"solid_waste": [{"category": "fly_ash", "unit": "t", "generated": 10, "utilised": 4}]}
    r = put(client, world, body)
    assert r.status_code == 201, r.text
    line = r.json()["solid_waste"][0]
    assert (line["from_storage"], line["disposed"], line["stored"]) == (0, 0, 0)


def test_a_report_of_economics_alone_is_a_report(client: TestClient, world: World) -> None:
    body = {"economics": {"value_added": {"quantity": 3000, "unit": "万元"}}}
    r = put(client, world, body)
    assert r.status_code == 201, r.text
    assert r.json()["economics"]["gross_output_value"] is None
    assert r.json()["energy"] == []


def test_range_lists_the_latest_revision_of_each_month(client: TestClient, world: World) -> None:
    for period, quantity in (("2024-01", 1), ("2024-01", 2), ("2024-03", 3), ("2023-12", 4)):
        body = {"energy": [{"carrier": "diesel", "quantity": quantity, "unit": "t"}]}
        assert put(client, world, body, period=period).status_code in (200, 201)
    base = f"/api/v1/enterprises/{world.enterprises['a']}/reports"
    got = client.get(f"{base}?from=2024-01&to=2024-12", headers=world.headers("ent_a")).json()
    assert [(r["period"], r["revision"], r["energy"][0]["quantity"]) for r in got] == [
        ("2024-01", 2, 2),
        ("2024-03", 1, 3),
    ]
    everything = client.get(base, headers=world.headers("ent_a")).json()
    assert [r["period"] for r in everything] == ["2023-12", "2024-01", "2024-03"]
    only_to = client.get(f"{base}?to=2023-12", headers=world.headers("ent_a")).json()
    assert [r["period"] for r in only_to] == ["2023-12"]
    r = client.get(f"{base}?from=2024-03&to=2024-01", headers=world.headers("ent_a"))
    assert r.status_code == 422 and ["query", "from"] in [e["loc"] for e in r.json()["errors"]]
    r = client.get(f"{base}?from=2024-3", headers=world.headers("ent_a"))
    assert r.status_code == 422 and ["query", "from"] in [e["loc"] for e in r.json()["errors"]]


def test_read_answers_are_what_the_response_model_gives(client: TestClient, world: World) -> None:
    """Reads are written straight from the stored rows; PUT answers through ``ReportOut``.
    Every section of a full month reads back as the model would serialise it, and as the
    PUT answered (the same revision, the same lines)."""
    body = copy.deepcopy(EXAMPLE_BODY)
    body["solid_waste"] = [WASTE]
    body["production"] = [{"product": "primary_aluminium", "quantity": 2, "unit": "万吨"}]
    written = put(client, world, body)
    assert written.status_code == 201
    base = url(world)
    headers = world.headers("ent_a")
    reads = [
        client.get(base, headers=headers).json(),
        client.get(f"{base}/revisions/1", headers=headers).json(),
        *client.get(f"{base}/revisions", headers=headers).json(),
        *client.get(f"{url(world, '')[:-1]}?from=2024-05&to=2024-05", headers=headers).json(),
    ]
    assert len(reads) == 4
    for answer in reads:
        assert list(answer) == list(ReportOut.model_fields)
        assert ReportOut.model_validate(answer).model_dump(mode="json") == answer
        assert answer == written.json()
    assert reads[0]["solid_waste"][0]["canonical"]["generated"] == WASTE["generated"]


def test_a_month_without_reports_is_404(client: TestClient, world: World) -> None:
    for suffix in ("", "/revisions", "/revisions/1"):
        r = client.get(url(world, "2024-02") + suffix, headers=world.headers("ent_a"))
        assert r.status_code == 404, (suffix, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    put(client, world, EXAMPLE_BODY, period="2024-02")
    assert (
        client.get(
            url(world, "2024-02") + "/revisions/2", headers=world.headers("ent_a")
        ).status_code
        == 404
    )


def test_the_current_month_in_the_district_is_accepted(client: TestClient, world: World) -> None:
    current = Period.of(district_today(Settings(timezone="Asia/Shanghai")))
    r = put(client, world, EXAMPLE_BODY, period=str(current))
    assert r.status_code == 201, r.text


# --- bad input: 422 naming the field, nothing written ---------------------------------------


def _with(section: str, line: dict[str, Any]) -> dict[str, Any]:
    return {section: [line]}


E = "energy"
ELEC = {"carrier": "electricity_grid", "quantity": 1.0, "unit": "kWh"}
WASTE = {
    "category": "fly_ash",
    "unit": "t",
    "generated": 10,
    "from_storage": 0,
    "utilised": 5,
    "disposed": 5,
    "stored": 0,
}

BAD_BODIES: list[tuple[str, Any, list[Any]]] = [
    ("unknown carrier", _with(E, {**ELEC, "carrier": "coal"}), ["body", E, 0, "carrier"]),
    (
        "unknown water kind",
        _with("water", {"kind": "rain", "quantity": 1, "unit": "m3"}),
        ["body", "water", 0, "kind"],
    ),
    (
        "unknown waste category",
        _with("solid_waste", {**WASTE, "category": "slag"}),
        ["body", "solid_waste", 0, "category"],
    ),
    ("unknown unit", _with(E, {**ELEC, "unit": "furlong"}), ["body", E, 0, "unit"]),
    ("empty unit", _with(E, {**ELEC, "unit": ""}), ["body", E, 0, "unit"]),
    ("missing unit", _with(E, {"carrier": "diesel", "quantity": 1}), ["body", E, 0, "unit"]),
    ("electricity in t", _with(E, {**ELEC, "unit": "t"}), ["body", E, 0, "unit"]),
    ("electricity in tce", _with(E, {**ELEC, "unit": "tce"}), ["body", E, 0, "unit"]),
    (
        "diesel in kWh",
        _with(E, {"carrier": "diesel", "quantity": 1, "unit": "kWh"}),
        ["body", E, 0, "unit"],
    ),
    (
        "water in kWh",
        _with("water", {"kind": "reused", "quantity": 1, "unit": "kWh"}),
        ["body", "water", 0, "unit"],
    ),
    (
        "money in production",
        _with("production", {"product": "gearbox", "quantity": 1, "unit": "万元"}),
        ["body", "production", 0, "unit"],
    ),
    (
        "value added in kWh",
        {"economics": {"value_added": {"quantity": 1, "unit": "kWh"}}},
        ["body", "economics", "value_added", "unit"],
    ),
    (
        "unknown economics field",
        {"economics": {"profit": {"quantity": 1, "unit": "万元"}}},
        ["body", "economics", "profit"],
    ),
    ("negative quantity", _with(E, {**ELEC, "quantity": -1}), ["body", E, 0, "quantity"]),
    ("quantity as text", _with(E, {**ELEC, "quantity": "12"}), ["body", E, 0, "quantity"]),
    ("quantity true", _with(E, {**ELEC, "quantity": True}), ["body", E, 0, "quantity"]),
    ("quantity null", _with(E, {**ELEC, "quantity": None}), ["body", E, 0, "quantity"]),
    (
        "quantity that overflows once converted",
        # 1e305 亿千瓦时 = 1e313 kWh, beyond the largest double (about 1.8e308)
        _with(E, {**ELEC, "quantity": 1e305, "unit": "亿千瓦时"}),
        ["body", E, 0, "quantity"],
    ),
    (
        "waste that overflows once converted",
        _with("solid_waste", {**WASTE, "unit": "万吨", "generated": 1e305, "utilised": 0}),
        ["body", "solid_waste", 0, "generated"],
    ),
    (
        "quantity 1e400",
        '{"energy": [{"carrier": "diesel", "quantity": 1e400, "unit": "t"}]}',
        ["body", E, 0, "quantity"],
    ),
    (
        "waste over-accounted",
        # utilised + disposed + stored = 8 + 5 + 0 = 13 > generated + from_storage = 10 + 0
        _with("solid_waste", {**WASTE, "utilised": 8}),
        ["body", "solid_waste", 0, "utilised"],
    ),
    (
        "negative waste figure",
        _with("solid_waste", {**WASTE, "disposed": -5}),
        ["body", "solid_waste", 0, "disposed"],
    ),
    (
        "waste without generated",
        _with("solid_waste", {"category": "fly_ash", "unit": "t"}),
        ["body", "solid_waste", 0, "generated"],
    ),
    (
        # PostgreSQL cannot store NUL; no name or unit carries control characters
        "NUL in a product name",
        _with("production", {"product": "gear\u0000box", "quantity": 1, "unit": "t"}),
        ["body", "production", 0, "product"],
    ),
    (
        "line break in a unit",
        _with(E, {**ELEC, "unit": "kWh\n"}),
        ["body", E, 0, "unit"],
    ),
    (
        "product name too long",
        _with("production", {"product": "x" * 101, "quantity": 1, "unit": "t"}),
        ["body", "production", 0, "product"],
    ),
    ("unknown top-level field", {**EXAMPLE_BODY, "fuel": []}, ["body", "fuel"]),
    ("unknown line field", _with(E, {**ELEC, "meter": "M1"}), ["body", E, 0, "meter"]),
    ("section not a list", {"energy": ELEC}, ["body", E]),
    ("empty object", {}, ["body"]),
    ("no lines at all", {"energy": [], "water": [], "economics": {}}, ["body"]),
    ("a list, not an object", [ELEC], ["body"]),
]


def _refused(client: TestClient, world: World, path: str, content: bytes | str) -> Any:
    return client.put(
        path,
        content=content,
        headers={**world.headers("ent_a"), "content-type": "application/json"},
    )


def test_bad_reports_refused_naming_the_field_and_nothing_written(
    client: TestClient, world: World
) -> None:
    """Every case of BAD_BODIES, against a month that already has a revision (one world for
    all cases keeps this fast on PostgreSQL; failures name their case)."""
    assert put(client, world, EXAMPLE_BODY).status_code == 201
    before = counts(world.engine)
    failures = []
    for case, body, loc in BAD_BODIES:
        content = body if isinstance(body, str) else json.dumps(body)
        r = _refused(client, world, url(world), content)
        problem = r.json()
        ok = (
            r.status_code == 422
            and r.headers["content-type"].startswith("application/problem+json")
            and problem["status"] == 422
            and problem["title"]
            and problem["detail"]
            and loc in [e["loc"] for e in problem.get("errors", [])]
            and all(e["msg"] for e in problem["errors"])
        )
        if not ok:
            failures.append((case, r.status_code, problem))
    assert failures == []
    assert counts(world.engine) == before


def test_nan_and_infinity_literals_refused(client: TestClient, world: World) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        content = f'{{"energy": [{{"carrier": "diesel", "quantity": {literal}, "unit": "t"}}]}}'
        r = _refused(client, world, url(world), content)
        assert r.status_code == 422, (literal, r.text)
        assert ["body", "energy", 0, "quantity"] in [e["loc"] for e in r.json()["errors"]]
    assert counts(world.engine) == (0, 0, 0)


def test_every_bad_line_is_named_at_once(client: TestClient, world: World) -> None:
    body = {
        "energy": [ELEC, {**ELEC, "unit": "t"}, {**ELEC, "carrier": "coal"}],
        "water": [{"kind": "fresh_withdrawal", "quantity": -3, "unit": "m3"}],
    }
    r = put(client, world, body)
    assert r.status_code == 422
    locs = [e["loc"] for e in r.json()["errors"]]
    assert ["body", "energy", 1, "unit"] in locs
    assert ["body", "energy", 2, "carrier"] in locs
    assert ["body", "water", 0, "quantity"] in locs
    assert counts(world.engine) == (0, 0, 0)


def test_malformed_period_refused(client: TestClient, world: World) -> None:
    for period in ("2024-13", "2024-5", "202405", "24-05", "2024-00", "1899-12", "abcd-ef"):
        r = put(client, world, EXAMPLE_BODY, period=period)
        assert r.status_code == 422, (period, r.text)
        assert ["path", "period"] in [e["loc"] for e in r.json()["errors"]]
    assert counts(world.engine) == (0, 0, 0)


def test_a_month_after_the_current_one_is_refused(client: TestClient, world: World) -> None:
    # The current month is the district's (Asia/Shanghai), whatever the server's clock zone.
    after = Period.of(district_today(Settings(timezone="Asia/Shanghai"))).next()
    r = put(client, world, EXAMPLE_BODY, period=str(after))
    assert r.status_code == 422, r.text
    assert ["path", "period"] in [e["loc"] for e in r.json()["errors"]]
    assert counts(world.engine) == (0, 0, 0)


def test_empty_or_broken_body_refused(client: TestClient, world: World) -> None:
    for content in (b"", b"{not json", b"null", b'"text"', b"[]"):
        r = _refused(client, world, url(world), content)
        assert r.status_code == 422, (content, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert counts(world.engine) == (0, 0, 0)


def test_body_over_one_mebibyte_is_413(client: TestClient, world: World) -> None:
    line = {"carrier": "diesel", "quantity": 1, "unit": "t"}
    body = {"energy": [line] * 25_000}  # about 1.3 MB of JSON
    content = json.dumps(body).encode()
    assert len(content) > 1024 * 1024
    r = client.put(
        url(world),
        content=content,
        headers={**world.headers("ent_a"), "content-type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["status"] == 413
    assert counts(world.engine) == (0, 0, 0)


def test_error_messages_say_what_is_wrong(client: TestClient, world: World) -> None:
    r = put(client, world, _with(E, {**ELEC, "unit": "t"}))
    msg = r.json()["errors"][0]["msg"]
    assert "t" in msg and "kWh" in msg
    r = put(client, world, _with(E, {**ELEC, "carrier": "coal"}))
    assert re.search(r"unknown carrier 'coal'", r.json()["errors"][0]["msg"])


# --- tenants ----------------------------------------------------------------------------------

READS = ("", "/revisions", "/revisions/1")


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("ent_a", "a", 200),
        ("pm_beidu", "a", 200),
        ("admin", "a", 200),
        ("ent_b", "a", 404),
        ("pm_qiaohe", "a", 404),
        ("ent_town", "a", 404),
        ("ent_a", "b", 404),
        ("pm_beidu", "b", 404),
    ],
)
def test_every_endpoint_from_each_tenant(
    client: TestClient, world: World, who: str, target: str, expected: int
) -> None:
    owner = {"a": "ent_a", "b": "ent_b"}[target]
    base = f"/api/v1/enterprises/{world.enterprises[target]}/reports"
    assert (
        client.put(f"{base}/2024-05", json=EXAMPLE_BODY, headers=world.headers(owner)).status_code
        == 201
    )
    before = counts(world.engine)
    for suffix in READS:
        r = client.get(f"{base}/2024-05{suffix}", headers=world.headers(who))
        assert r.status_code == expected, (suffix, r.text)
        if expected == 404:
            assert "energy" not in r.text
    r = client.get(f"{base}?from=2024-01&to=2024-12", headers=world.headers(who))
    assert r.status_code == expected
    r = client.get(
        f"/api/v1/enterprises/{world.enterprises[target]}/data-quality?year=2024",
        headers=world.headers(who),
    )
    assert r.status_code == expected
    r = client.put(f"{base}/2024-05", json=EXAMPLE_BODY, headers=world.headers(who))
    if expected == 200:
        assert r.status_code == 200 and r.json()["revision"] == 2
    else:
        assert r.status_code == 404, r.text
        assert counts(world.engine) == before


def test_reports_need_a_token(client: TestClient, world: World) -> None:
    r = client.put(url(world), json=EXAMPLE_BODY)
    assert r.status_code == 401
    assert client.get(url(world)).status_code == 401
    assert counts(world.engine) == (0, 0, 0)


def test_revisions_record_who_submitted_them(client: TestClient, world: World) -> None:
    put(client, world, EXAMPLE_BODY, who="ent_a")
    put(client, world, EXAMPLE_BODY, who="pm_beidu")
    with world.engine.connect() as conn:
        tokens = (
            conn.execute(
                select(ReportRevision.submitted_by_token_id).order_by(ReportRevision.revision)  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
    assert len(set(tokens)) == 2 and None not in tokens


# --- the documentation ------------------------------------------------------------------------


def test_openapi_documents_the_report_operations_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    text = json.dumps(spec)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', text))
    assert refs <= set(spec["components"]["schemas"]), refs - set(spec["components"]["schemas"])
    put_op = spec["paths"]["/api/v1/enterprises/{uscc}/reports/{period}"]["put"]
    assert {"200", "201", "413", "422"} <= set(put_op["responses"])
    body_schema = put_op["requestBody"]["content"]["application/json"]["schema"]
    assert spec["components"]["schemas"][body_schema["$ref"].split("/")[-1]]["examples"]
    batch = spec["paths"]["/api/v1/reports/batch"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv", "multipart/form-data"} <= set(batch)
    assert batch["application/json"]["example"]["reports"] and batch["text/csv"]["example"]
