"""``report_month_items``, each month's latest revision summed by item, stays equal to the sums
of the head revisions' lines: after PUTs, revisions, JSON and CSV batches (one month twice in a
batch included), concurrent writers on PostgreSQL, refused batches, and a migration over
existing reports. Audit views ("as of") still read the revisions that counted then.

Figures are canonical quantities worked by hand from the units sent: 1 万千瓦时 = 10,000 kWh,
1 度 = 1 kWh, 1 万立方米 = 10,000 m3, 1,000 kg = 1 t (API.md, canonical units).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.auth.principal import Principal, Role
from api.auth.tokens import create_token, verify_token
from api.db import make_engine, session_scope
from api.migrate import downgrade, upgrade
from api.models import Enterprise, Park
from api.reports import service
from api.reports.parsing import UPLOAD_COLUMNS, parse_json_batch
from api.reports.repository import aggregate_latest
from api.reports.schemas import EXAMPLE_BODY, ReportIn
from tests.dbs import backends, fresh_database
from tests.helpers import make_uscc
from tests.world import World

BATCH = "/api/v1/reports/batch"
TODAY = date(2025, 1, 15)
WASTE = ("generated", "from_storage", "utilised", "disposed", "stored")
Key = tuple[int, str, str, str, str]  # enterprise_id, period, section, item, canonical_unit
Sums = dict[Key, tuple[int, float, tuple[float | None, ...]]]  # revision_id, quantity, waste


def stored(engine: Engine) -> Sums:
    """The rows of report_month_items."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT enterprise_id, period, section, item, canonical_unit, revision_id,"
                f" quantity, {', '.join(WASTE)} FROM report_month_items"
            )
        ).all()
    return {
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])): (int(r[5]), r[6], tuple(r[7:]))
        for r in rows
    }


def recomputed(engine: Engine) -> Sums:
    """The head revisions' lines, read one by one and summed here."""
    canonical_waste = ", ".join(f"l.canonical_{c}" for c in WASTE)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.enterprise_id, m.period, l.section, l.item, l.canonical_unit,"
                f" m.latest_revision_id, l.canonical_quantity, {canonical_waste}"
                " FROM report_months AS m"
                " JOIN report_lines AS l ON l.revision_id = m.latest_revision_id"
            )
        ).all()
    sums: dict[Key, tuple[int, float, list[float | None]]] = {}
    for r in rows:
        key = (int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
        rid, quantity, waste = sums.get(key, (int(r[5]), 0.0, [None] * len(WASTE)))
        waste = [w if v is None else (w or 0.0) + v for w, v in zip(waste, r[7:], strict=True)]
        sums[key] = (rid, quantity + r[6], waste)
    return {k: (rid, q, tuple(w)) for k, (rid, q, w) in sums.items()}


def assert_consistent(engine: Engine) -> Sums:
    """report_month_items holds exactly the head revisions' lines summed; returns its rows."""
    got, want = stored(engine), recomputed(engine)
    assert sorted(got) == sorted(want)
    for key, (rid, quantity, waste) in want.items():
        assert got[key][0] == rid, key
        assert close((got[key][1], *got[key][2]), (quantity, *waste)), (key, got[key], want[key])
    return got


def close(got: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
    """Equal, NULLs included, numbers to 1e-12 relative (sums may add in another order)."""
    return len(got) == len(want) and all(
        (g is None and w is None)
        or (g is not None and w is not None and g == pytest.approx(w, rel=1e-12))
        for g, w in zip(got, want, strict=True)
    )


def item(sums: Sums, period: str, section: str, name: str) -> tuple[int, float, Any]:
    [row] = [v for k, v in sums.items() if k[1:4] == (period, section, name)]
    return row


def head_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT period, latest_revision_id FROM report_months")).all()
    return {str(p): int(i) for p, i in rows}


def put(client: TestClient, world: World, period: str, body: dict[str, Any]) -> Any:
    r = client.put(
        f"/api/v1/enterprises/{world.enterprises['a']}/reports/{period}",
        json=body,
        headers=world.headers("admin"),
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


# --- writes through the API, on every backend ---------------------------------------------------


def test_each_put_replaces_the_months_sums(client: TestClient, world: World) -> None:
    two_meters = {
        **EXAMPLE_BODY,
        "energy": [
            *EXAMPLE_BODY["energy"],
            {"carrier": "electricity_grid", "quantity": 2000, "unit": "度"},
        ],
    }
    put(client, world, "2024-05", two_meters)
    first = assert_consistent(world.engine)
    # 125.6 万千瓦时 + 2,000 度 = 1,256,000 + 2,000 = 1,258,000 kWh, one row for both meters
    assert item(first, "2024-05", "energy", "electricity_grid")[1] == pytest.approx(1_258_000)
    assert item(first, "2024-05", "energy", "natural_gas")[1] == pytest.approx(32_000)  # 3.2 万
    assert item(first, "2024-05", "energy", "diesel")[1] == pytest.approx(1.8)  # 1,800 kg
    # Solid waste: quantity is canonical generated, and the balance columns are summed too.
    _, generated, waste = item(first, "2024-05", "solid_waste", "fly_ash")
    assert generated == 120 and waste == (120, 0, 100, 20, 0)
    # Other sections carry no waste figures.
    assert item(first, "2024-05", "water", "reused")[2] == (None,) * 5
    assert len(first) == 9  # 9 items: two electricity meters share one row

    second = {"energy": [{"carrier": "electricity_grid", "quantity": 200, "unit": "万千瓦时"}]}
    assert put(client, world, "2024-05", second)["revision"] == 2
    now = assert_consistent(world.engine)
    # Revision 2 alone counts: 200 万千瓦时 = 2,000,000 kWh, and every other item is gone.
    assert list(now.values()) == [(head_ids(world.engine)["2024-05"], 2_000_000, (None,) * 5)]


def test_a_product_sent_in_two_dimensions_is_two_rows(client: TestClient, world: World) -> None:
    body = {
        "production": [
            {"product": "gear_box", "quantity": 1000, "unit": "pcs"},
            {"product": "gear_box", "quantity": 2.5, "unit": "t"},
            {"product": "gear_box", "quantity": 500, "unit": "kg"},
        ]
    }
    put(client, world, "2024-03", body)
    sums = assert_consistent(world.engine)
    by_unit = {k[4]: v[1] for k, v in sums.items()}
    # 2.5 t + 500 kg = 3 t by mass, and 1,000 pieces counted apart.
    assert by_unit == {"t": pytest.approx(3.0), "piece": pytest.approx(1000)}
    with Session(world.engine) as s:
        agg = aggregate_latest(s, year_from=2024, year_to=2024)
    assert sorted(zip(agg["canonical_unit"], agg["quantity"], strict=True)) == [
        ("piece", pytest.approx(1000)),
        ("t", pytest.approx(3.0)),
    ]


def test_json_batch_with_a_month_twice_keeps_the_later_report(
    client: TestClient, world: World
) -> None:
    a, small = world.enterprises["a"], world.enterprises["small"]
    later = {"energy": [{"carrier": "diesel", "quantity": 2500, "unit": "kg"}]}
    reports = [
        {"uscc": a, "period": "2024-01", **EXAMPLE_BODY},
        {"uscc": small, "period": "2024-01", **EXAMPLE_BODY},
        {"uscc": a, "period": "2024-01", **later},  # the same month again: revision 2
        {"uscc": a, "period": "2024-02", **EXAMPLE_BODY},
    ]
    r = client.post(BATCH, json={"reports": reports}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    sums = assert_consistent(world.engine)
    ids = {e.uscc: e.id for e in _enterprises(world.engine)}
    a_jan = {k[3]: v for k, v in sums.items() if k[:2] == (ids[a], "2024-01")}
    # Only the later report of a's January counts: 2,500 kg of diesel = 2.5 t.
    assert list(a_jan) == ["diesel"] and a_jan["diesel"][1] == pytest.approx(2.5)
    assert len([k for k in sums if k[:2] == (ids[small], "2024-01")]) == 9
    assert len([k for k in sums if k[:2] == (ids[a], "2024-02")]) == 9

    # A CSV batch then revises a's January and February together.
    csv = (
        ",".join(UPLOAD_COLUMNS)
        + f"\n{a},2024-01,energy,electricity_grid,125.6,万千瓦时,,,,,"
        + f"\n{a},2024-01,energy,electricity_grid,2000,度,,,,,"
        + f"\n{a},2024-02,solid_waste,fly_ash,,t,120,0,100,20,0"
        + f"\n{a},2024-02,solid_waste,fly_ash,,kg,500,0,500,0,0"
        + "\n"
    )
    r = client.post(
        BATCH, content=csv.encode(), headers={**world.headers("admin"), "content-type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    sums = assert_consistent(world.engine)
    a_rows = {k[1:4]: v for k, v in sums.items() if k[0] == ids[a]}
    assert sorted(a_rows) == [
        ("2024-01", "energy", "electricity_grid"),
        ("2024-02", "solid_waste", "fly_ash"),
    ]
    # 1,256,000 + 2,000 kWh; fly ash 120 t + 500 kg = 120.5 t generated, 100.5 t utilised
    assert a_rows["2024-01", "energy", "electricity_grid"][1] == pytest.approx(1_258_000)
    assert close(a_rows["2024-02", "solid_waste", "fly_ash"][2], (120.5, 0, 100.5, 20, 0))


def test_a_refused_batch_leaves_the_sums_as_they_were(client: TestClient, world: World) -> None:
    a = world.enterprises["a"]
    put(client, world, "2024-04", EXAMPLE_BODY)
    before = assert_consistent(world.engine)
    bad = {"energy": [{"carrier": "electricity_grid", "quantity": 1, "unit": "furlong"}]}
    reports = [
        {"uscc": a, "period": "2024-04", **EXAMPLE_BODY},
        {"uscc": a, "period": "2024-05", **bad},
    ]
    r = client.post(BATCH, json={"reports": reports}, headers=world.headers("admin"))
    assert r.status_code == 422, r.text
    assert stored(world.engine) == before


def test_as_of_reads_the_revision_that_counted_then(client: TestClient, world: World) -> None:
    first = put(client, world, "2022-03", EXAMPLE_BODY)
    noted = datetime.fromisoformat(first["submitted_at"])
    second = {"energy": [{"carrier": "electricity_grid", "quantity": 200, "unit": "万千瓦时"}]}
    put(client, world, "2022-03", second)
    assert_consistent(world.engine)

    def grid_activity(**params: Any) -> float:
        r = client.get(
            "/api/v1/inventory",
            params={"level": "enterprise", "id": world.enterprises["a"], "year": 2022, **params},
            headers=world.headers("admin"),
        )
        assert r.status_code == 200, r.text
        rows = r.json()["by_source"]
        # One row per scope 2 method, each with the same activity.
        [activity] = {x["activity"] for x in rows if x["carrier_or_process"] == "electricity_grid"}
        return float(activity)

    assert grid_activity() == pytest.approx(2_000_000)  # 200 万千瓦时, revision 2
    assert grid_activity(as_of=noted.isoformat()) == pytest.approx(1_256_000)  # 125.6 万千瓦时
    with Session(world.engine) as s:
        now = aggregate_latest(s, year_from=2022, year_to=2022)
        then = aggregate_latest(s, year_from=2022, year_to=2022, as_of=noted)
    assert list(now["item"]) == ["electricity_grid"]
    assert len(then) == 9 and set(then["section"]) == {
        "economics",
        "energy",
        "production",
        "solid_waste",
        "water",
    }


def _enterprises(engine: Engine) -> list[Enterprise]:
    with Session(engine) as s:
        return list(s.exec(select(Enterprise)).all())


# --- the migration fills the table from reports already stored ----------------------------------


def _register(engine: Engine, n: int) -> tuple[Principal, list[str]]:
    """Park P1 with ``n`` enterprises, and an admin principal with a real token."""
    usccs = [make_uscc(8100 + i) for i in range(n)]
    with session_scope(engine) as s:
        s.add(Park(code="P1", name="一号园区"))
        s.flush()
        for u in usccs:
            s.add(Enterprise(uscc=u, name="月度", park_code="P1", industry_code="3216"))
        s.flush()
        principal = verify_token(s, create_token(s, Role.ADMIN))
    assert principal is not None
    return principal, usccs


def _body(kwh: float) -> ReportIn:
    body = {
        **EXAMPLE_BODY,
        "energy": [{"carrier": "electricity_grid", "quantity": kwh, "unit": "kWh"}],
    }
    return cast(ReportIn, body)


@pytest.mark.parametrize("backend", backends())
def test_upgrading_a_database_with_reports_fills_the_sums(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            admin, usccs = _register(engine, 3)
            for n, uscc in enumerate(usccs):
                for month in ("2023-11", "2023-12", "2024-01"):
                    for revision in range(n + 1):  # enterprise n has n + 1 revisions a month
                        with session_scope(engine) as s:
                            body = _body(1000.0 * (revision + 1))
                            service.submit_report(s, admin, uscc, month, body, today=TODAY)
            written = assert_consistent(engine)
            engine.dispose()
            downgrade(url, "0004")  # as a database stood before the table existed
            upgrade(url)
            assert assert_consistent(engine) == written
            # The third enterprise's months count their third revision: 3,000 kWh.
            grid = sorted(v[1] for k, v in written.items() if k[3] == "electricity_grid")
            assert grid == [1000.0] * 3 + [2000.0] * 3 + [3000.0] * 3
        finally:
            engine.dispose()


# --- concurrent writers on PostgreSQL ------------------------------------------------------------


@pytest.fixture(scope="module", params=[b for b in backends() if b == "postgresql"])
def pg_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated PostgreSQL database of its own (real row locks, real parallelism)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("pg")) as url:
        engine = make_engine(url, pool_size=10, max_overflow=10)
        try:
            yield engine
        finally:
            engine.dispose()


def test_concurrent_puts_and_batches_leave_the_sums_consistent_on_postgresql(
    pg_engine: Engine,
) -> None:
    admin, usccs = _register(pg_engine, 2)
    months = ["2024-01", "2024-02", "2024-03"]

    def work(t: int) -> None:
        for i in range(6):
            kwh = 1000.0 * t + i  # every submission tells its thread and turn apart
            if (t + i) % 2:
                with session_scope(pg_engine) as s:
                    service.submit_report(s, admin, usccs[0], "2024-02", _body(kwh), today=TODAY)
                continue
            # Batches over shared months, half forwards and half backwards, each naming one
            # month twice (the second report of it, with one more kWh, is the one that counts).
            order = months if t % 2 else months[::-1]
            reports = [{"uscc": u, "period": m, **_body(kwh)} for m in order for u in usccs] + [
                {"uscc": usccs[1], "period": order[0], **_body(kwh + 1)}
            ]
            doc = json.dumps({"reports": reports}).encode()
            with session_scope(pg_engine) as s:
                service.import_batch(s, admin, parse_json_batch(doc), today=TODAY)

    with ThreadPoolExecutor(max_workers=6) as pool:
        for f in [pool.submit(work, t) for t in range(6)]:
            f.result()

    sums = assert_consistent(pg_engine)
    # One revision per month, the head's, and every month of both enterprises is there.
    with pg_engine.connect() as conn:
        heads = {
            (int(e), str(p)): int(r)
            for e, p, r in conn.execute(
                text("SELECT enterprise_id, period, latest_revision_id FROM report_months")
            ).all()
        }
    assert len(heads) == 2 * len(months)
    assert {k[:2]: v[0] for k, v in sums.items()} == heads
    # Each month counts the electricity of exactly one submission (its head's).
    with pg_engine.connect() as conn:
        head_kwh: dict[int, float] = dict(
            conn.execute(
                text(
                    "SELECT l.revision_id, l.canonical_quantity FROM report_months AS m"
                    " JOIN report_lines AS l ON l.revision_id = m.latest_revision_id"
                    " WHERE l.item = 'electricity_grid'"
                )
            ).all()
        )
    for key, (rid, quantity, _) in sums.items():
        if key[3] == "electricity_grid":
            assert quantity == head_kwh[rid]
