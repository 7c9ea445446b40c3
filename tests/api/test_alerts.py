"""Alerts: one per (enterprise, month, kind) however often a check runs; resolved when the
condition clears; grouped into ongoing problems; acknowledged or resolved within scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import alerts, month, run_api, submit, year_2020
from tests.world import World

OVERRUN = "energy_intensity_overrun"


def _limit(client: TestClient, world: World, key: str, q: float = 0.5) -> None:
    r = client.put(
        f"/api/v1/enterprises/{world.enterprises[key]}/limits/2022",
        json={"energy_intensity": {"quantity": q, "unit": "tce/万元"}},
        headers=world.headers("admin"),
    )
    assert r.status_code in (200, 201), r.text


def _patch(client: TestClient, world: World, who: str, alert_id: int, status: str) -> int:
    r = client.patch(
        f"/api/v1/alerts/{alert_id}", json={"status": status}, headers=world.headers(who)
    )
    return r.status_code


def test_rerunning_a_month_updates_never_duplicates(client: TestClient, world: World) -> None:
    b = world.enterprises["b"]
    _limit(client, world, "b")
    # 600 tce ÷ 1000 万元 = 0.6 against 0.5 → ratio 1.2 → serious.
    submit(client, world, [month(b, "2022-01", tce=600)])
    first = run_api(client, world, "intensity-check", "2022-01")
    assert first["created"] == 1 and first["flagged"] == 1
    second = run_api(client, world, "intensity-check", "2022-01")
    assert second["created"] == 0 and second["flagged"] == 1
    stored = alerts(world)
    assert len(stored) == 1
    alert, uscc = stored[0]
    assert uscc == b and alert.occurrences == 2 and alert.status == "open"
    assert first["alerts"][0]["id"] == second["alerts"][0]["id"] == alert.id
    # A revision raising the month to 700 tce: 0.7 ÷ 0.5 = 1.4 → critical, same row.
    submit(client, world, [month(b, "2022-01", tce=700)])
    third = run_api(client, world, "intensity-check", "2022-01")
    assert [(x["id"], x["severity"]) for x in third["alerts"]] == [(alert.id, "critical")]
    assert len(alerts(world)) == 1


def test_an_alert_whose_condition_clears_is_resolved_and_comes_back(
    client: TestClient, world: World
) -> None:
    b = world.enterprises["b"]
    _limit(client, world, "b")
    submit(client, world, [month(b, "2022-01", tce=600)])
    run_api(client, world, "intensity-check", "2022-01")
    # The enterprise corrects its month to 400 tce: 0.4 ≤ 0.5, the overrun no longer holds.
    submit(client, world, [month(b, "2022-01", tce=400)])
    rerun = run_api(client, world, "intensity-check", "2022-01")
    assert rerun["resolved"] == 1 and rerun["alerts"] == []
    [(alert, _)] = alerts(world)
    assert (alert.status, alert.resolution, alert.consecutive_months) == ("resolved", "cleared", 0)
    # Raising the limit has the same effect as lowering the energy; lowering it brings it back.
    submit(client, world, [month(b, "2022-01", tce=600)])
    back = run_api(client, world, "intensity-check", "2022-01")
    assert [x["status"] for x in back["alerts"]] == ["open"]
    assert back["alerts"][0]["id"] == alert.id
    assert len(alerts(world)) == 1


def test_consecutive_months_group_into_one_problem(client: TestClient, world: World) -> None:
    a, b = world.enterprises["a"], world.enterprises["b"]
    _limit(client, world, "b")
    # a: base 0.1 (2020), limit 2022 = 0.0936; each month 120 tce ÷ 1000 → YTD 0.12 → critical.
    submit(client, world, [*year_2020(a), *[month(a, f"2022-0{m}", tce=120) for m in (1, 2, 3)]])
    # b: Jan and Mar over (0.6), Feb within (0.4 YTD Jan–Feb = (600 + 200) ÷ 2000 = 0.4).
    submit(
        client,
        world,
        [month(b, "2022-01", tce=600), month(b, "2022-02", tce=200), month(b, "2022-03", tce=1000)],
    )
    # Run the months out of order: the counts are rebuilt each time.
    for period in ("2022-03", "2022-01", "2022-02"):
        run_api(client, world, "intensity-check", period)
    by = {(u, x.period): x for x, u in alerts(world)}
    assert [by[(a, p)].consecutive_months for p in ("2022-01", "2022-02", "2022-03")] == [1, 2, 3]
    assert {by[(a, p)].ongoing_since for p in ("2022-01", "2022-02", "2022-03")} == {"2022-01"}
    # b, March YTD: (600 + 200 + 1000) ÷ 3000 = 0.6 > 0.5 again, after a month without.
    assert (b, "2022-02") not in by
    assert (by[(b, "2022-01")].consecutive_months, by[(b, "2022-03")].consecutive_months) == (1, 1)

    groups = client.get("/api/v1/alerts/groups", headers=world.headers("admin")).json()
    summary = sorted((g["uscc"], g["first_period"], g["last_period"], g["months"]) for g in groups)
    assert summary == [
        (a, "2022-01", "2022-03", 3),
        (b, "2022-01", "2022-01", 1),
        (b, "2022-03", "2022-03", 1),
    ]
    ga = next(g for g in groups if g["uscc"] == a)
    assert (ga["status"], ga["open"], ga["worst_severity"]) == ("open", 3, "critical")
    # A park manager sees its park's groups only.
    pm = client.get("/api/v1/alerts/groups", headers=world.headers("pm_qiaohe")).json()
    assert {g["uscc"] for g in pm} == {b}

    # Clearing February splits a's run of months: 1 | (cleared) | 1.
    submit(client, world, [month(a, "2022-02", tce=0)])
    # Feb YTD: (120 + 0) ÷ 2000 = 0.06 ≤ 0.0936; March YTD: 240 ÷ 3000 = 0.08 ≤ 0.0936 too.
    run_api(client, world, "intensity-check", "2022-02")
    by = {(u, x.period): x for x, u in alerts(world)}
    assert by[(a, "2022-02")].resolution == "cleared"
    assert by[(a, "2022-03")].consecutive_months == 1  # March not re-run, but no longer continues
    assert by[(a, "2022-03")].ongoing_since == "2022-03"


def test_an_acknowledged_problem_does_not_ring_again_unless_it_worsens(
    client: TestClient, world: World
) -> None:
    b = world.enterprises["b"]
    _limit(client, world, "b")
    # Jan 0.56 → ratio 1.12 serious; Feb YTD (560 + 560) ÷ 2000 = 0.56 → serious;
    # Mar YTD (560 + 560 + 1000) ÷ 3000 = 0.7067 → ratio 1.413 critical.
    submit(
        client,
        world,
        [month(b, "2022-01", tce=560), month(b, "2022-02", tce=560), month(b, "2022-03", tce=1000)],
    )
    jan = run_api(client, world, "intensity-check", "2022-01")["alerts"][0]
    assert jan["severity"] == "serious"
    assert _patch(client, world, "pm_qiaohe", jan["id"], "acknowledged") == 200
    feb = run_api(client, world, "intensity-check", "2022-02")["alerts"][0]
    assert (feb["severity"], feb["status"], feb["consecutive_months"]) == (
        "serious",
        "acknowledged",
        2,
    )
    mar = run_api(client, world, "intensity-check", "2022-03")["alerts"][0]
    assert (mar["severity"], mar["status"]) == ("critical", "open")
    # Re-running January keeps its acknowledgement (same severity).
    again = run_api(client, world, "intensity-check", "2022-01")["alerts"][0]
    assert again["status"] == "acknowledged" and again["occurrences"] == 2


@pytest.mark.parametrize(
    ("who", "target", "read", "patch"),
    [
        ("admin", "a", 200, 200),
        ("admin", "b", 200, 200),
        ("pm_beidu", "a", 200, 200),
        ("pm_beidu", "b", 404, 404),
        ("pm_qiaohe", "a", 404, 404),
        ("ent_a", "a", 200, 403),
        ("ent_a", "b", 404, 404),
        ("ent_b", "a", 404, 404),
        ("ent_town", "a", 404, 404),
    ],
)
def test_alert_tenancy(
    client: TestClient, world: World, who: str, target: str, read: int, patch: int
) -> None:
    for key in ("a", "b"):
        _limit(client, world, key)
    submit(
        client,
        world,
        [month(world.enterprises[k], "2022-01", tce=600) for k in ("a", "b")],
    )
    run_api(client, world, "intensity-check", "2022-01")
    ids = {u: x.id for x, u in alerts(world)}
    alert_id = ids[world.enterprises[target]]
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=world.headers(who)).status_code == read
    assert _patch(client, world, who, alert_id, "acknowledged") == patch
    status = {u: x.status for x, u in alerts(world)}[world.enterprises[target]]
    assert status == ("acknowledged" if patch == 200 else "open")


def test_listing_is_scoped_and_filtered(client: TestClient, world: World) -> None:
    for key in ("a", "b", "town"):
        _limit(client, world, key)
    submit(
        client,
        world,
        [
            *[month(world.enterprises[k], "2022-01", tce=600) for k in ("a", "b", "town")],
            month(world.enterprises["a"], "2022-02", tce=600),
        ],
    )
    run_api(client, world, "intensity-check", "2022-01")
    run_api(client, world, "intensity-check", "2022-02")

    def listed(who: str, query: str = "") -> list[tuple[str, str]]:
        r = client.get(f"/api/v1/alerts{query}", headers=world.headers(who))
        assert r.status_code == 200, r.text
        return [(x["uscc"], x["period"]) for x in r.json()]

    a, b, town = (world.enterprises[k] for k in ("a", "b", "town"))
    assert sorted(listed("admin")) == sorted(
        [(a, "2022-01"), (a, "2022-02"), (b, "2022-01"), (town, "2022-01")]
    )
    assert listed("admin", "?period=2022-02") == [(a, "2022-02")]
    assert sorted(listed("admin", "?park=BEIDU")) == [(a, "2022-01"), (a, "2022-02")]
    assert sorted(listed("pm_beidu")) == [(a, "2022-01"), (a, "2022-02")]
    assert listed("pm_beidu", "?park=QIAOHE") == []
    assert listed("ent_b") == [(b, "2022-01")]
    assert listed("ent_town", f"?uscc={a}") == []
    assert sorted(listed("ent_a", "?kind=energy_intensity_overrun&status=open")) == [
        (a, "2022-01"),
        (a, "2022-02"),
    ]
    first = client.get("/api/v1/alerts?period=2022-01", headers=world.headers("admin")).json()
    ab = next(x for x in first if x["uscc"] == b)
    assert _patch(client, world, "admin", ab["id"], "resolved") == 200
    assert (b, "2022-01") not in listed("admin", "?status=open")
    assert listed("admin", "?status=resolved") == [(b, "2022-01")]
    resolved = client.get(f"/api/v1/alerts/{ab['id']}", headers=world.headers("ent_b")).json()
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "manual")


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("?period=2022-13", ["query", "period"]),
        ("?period=March", ["query", "period"]),
        ("?period_from=22-01", ["query", "period_from"]),
        ("?status=closed", ["query", "status"]),
        ("?severity=mild", ["query", "severity"]),
    ],
)
def test_bad_alert_queries(client: TestClient, world: World, query: str, loc: list[str]) -> None:
    r = client.get(f"/api/v1/alerts{query}", headers=world.headers("admin"))
    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["errors"]]


def test_bad_patches(client: TestClient, world: World) -> None:
    _limit(client, world, "b")
    submit(client, world, [month(world.enterprises["b"], "2022-01", tce=600)])
    alert_id = run_api(client, world, "intensity-check", "2022-01")["alerts"][0]["id"]
    for body, loc in (({"status": "closed"}, ["body", "status"]), ({}, ["body", "status"])):
        r = client.patch(f"/api/v1/alerts/{alert_id}", json=body, headers=world.headers("admin"))
        assert r.status_code == 422 and loc in [e["loc"] for e in r.json()["errors"]]
    assert (
        client.patch(
            "/api/v1/alerts/999999", json={"status": "resolved"}, headers=world.headers("admin")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/alerts").status_code == 401
    [(alert, _)] = alerts(world)
    assert alert.status == "open"
