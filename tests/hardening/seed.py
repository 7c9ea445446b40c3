"""Tenants with data in every resource, for the hardening tests and the fuzzing script.

The same district as ``tests.conftest.world`` (parks BEIDU, QIAOHE, TOWN_SANJIANG; enterprises
``a`` in BEIDU, ``b`` in QIAOHE, ``town``, ``outside``, ``small``; a token per role), built by a
plain function so that module-scoped fixtures and scripts can use it, plus data sent through
the public API: reports, limits, certifications, alerts and job runs for ``a``, ``b`` and
``town``, each carrying numbers no other tenant's data holds, so that a leak can be spotted in
any answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from tests.world import World

# Monthly energy [tce] of each tenant's months: figures no other tenant reports, so that one
# found in an answer tells whose data it is. 600 tce ÷ 1000 万元 = 0.6 tce/万元, over the 0.5
# limit set below, so the intensity check raises one alert per month.
MARKER_TCE = {"a": 613.25, "b": 627.75, "town": 641.5, "small": 655.125}
PERIODS = ("2022-01", "2022-02", "2022-03")


def report(tce: float, value_added: float = 1000.0) -> dict[str, Any]:
    """A month: energy [tce], grid power 12.5 万千瓦时, water, fly ash, aluminium, value added."""
    return {
        "energy": [
            {"carrier": "other_energy", "quantity": tce, "unit": "tce"},
            {"carrier": "electricity_grid", "quantity": 12.5, "unit": "万千瓦时"},
        ],
        "water": [{"kind": "fresh_withdrawal", "quantity": 1200, "unit": "m3"}],
        "solid_waste": [
            {
                "category": "fly_ash",
                "unit": "t",
                "generated": 120,
                "from_storage": 0,
                "utilised": 100,
                "disposed": 20,
                "stored": 0,
            }
        ],
        "production": [{"product": "primary_aluminium", "quantity": 2500, "unit": "t"}],
        "economics": {
            "gross_output_value": {"quantity": 5000, "unit": "万元"},
            "value_added": {"quantity": value_added, "unit": "万元"},
        },
    }


@dataclass
class Seeded:
    """The world and the ids of what was created in it."""

    world: World
    alerts: dict[str, int] = field(default_factory=dict)
    """Enterprise key → id of one of its alerts."""
    certifications: dict[str, int] = field(default_factory=dict)
    runs: list[int] = field(default_factory=list)

    def uscc(self, key: str) -> str:
        return self.world.enterprises[key]


def _ok(r: Any) -> Any:
    assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json()


def populate(client: TestClient, world: World) -> Seeded:
    """Reports, limits, certifications, alerts, job runs for ``a``, ``b``, ``town``, ``small``."""
    admin = world.headers("admin")
    seeded = Seeded(world=world)
    reports = [
        {"uscc": world.enterprises[key], "period": p, **report(tce)}
        for key, tce in MARKER_TCE.items()
        for p in PERIODS
    ]
    _ok(client.post("/api/v1/reports/batch", json={"reports": reports}, headers=admin))
    for key in MARKER_TCE:
        uscc = world.enterprises[key]
        _ok(
            client.put(
                f"/api/v1/enterprises/{uscc}/limits/2022",
                json={"energy_intensity": {"quantity": 0.5, "unit": "tce/万元"}},
                headers=admin,
            )
        )
        cert = _ok(
            client.post(
                f"/api/v1/enterprises/{uscc}/certifications",
                json={"kind": "green_factory", "level": "municipal", "year": 2022},
                headers=admin,
            )
        )
        seeded.certifications[key] = int(cert["id"])
    for period in PERIODS:
        run = _ok(
            client.post("/api/v1/jobs/intensity-check/run", json={"period": period}, headers=admin)
        )
        seeded.runs.append(int(run["id"]))
        for alert in run.get("alerts", []):
            key = next(k for k, u in world.enterprises.items() if u == alert["uscc"])
            seeded.alerts.setdefault(key, int(alert["id"]))
    # ``small`` is below designated size: the check leaves it out.
    missing = {"a", "b", "town"} - set(seeded.alerts)
    assert not missing, f"no alert raised for {missing}"
    return seeded
