"""Reports and runs for the tests of the scheduled checks, sent through the public API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from api.jobs.runner import RunReport, run_job
from api.models import Alert, Enterprise
from api.settings import Settings
from carbon.periods import parse_period
from tests.world import World


def month(
    uscc: str,
    period: str,
    *,
    tce: float | None = None,
    diesel_t: float | None = None,
    kwh_10k: float | None = None,
    aluminium_t: float | None = None,
    value_added: float | None = 1000.0,
) -> dict[str, Any]:
    """One month's report: energy as ``other_energy`` [tce], diesel [t] and grid power
    [万千瓦时]; primary aluminium [t]; value added [万元]."""
    energy = []
    if tce is not None:
        energy.append({"carrier": "other_energy", "quantity": tce, "unit": "tce"})
    if diesel_t is not None:
        energy.append({"carrier": "diesel", "quantity": diesel_t, "unit": "t"})
    if kwh_10k is not None:
        energy.append({"carrier": "electricity_grid", "quantity": kwh_10k, "unit": "万千瓦时"})
    body: dict[str, Any] = {"uscc": uscc, "period": period}
    if energy:
        body["energy"] = energy
    if aluminium_t is not None:
        body["production"] = [
            {"product": "primary_aluminium", "quantity": aluminium_t, "unit": "t"}
        ]
    if value_added is not None:
        body["economics"] = {"value_added": {"quantity": value_added, "unit": "万元"}}
    return body


def year_2020(
    uscc: str, *, tce: float = 100.0, value_added: float = 1000.0
) -> list[dict[str, Any]]:
    """Twelve equal months of 2020: a full base year."""
    return [month(uscc, f"2020-{m:02d}", tce=tce, value_added=value_added) for m in range(1, 13)]


def submit(client: TestClient, world: World, reports: list[dict[str, Any]]) -> None:
    r = client.post(
        "/api/v1/reports/batch", json={"reports": reports}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text


def run_api(client: TestClient, world: World, job: str, period: str) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/jobs/{job}/run", json={"period": period}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["outcome"] == "succeeded", body
    return body


def run_direct(
    world: World, settings: Settings, job: str, period: str, *, today: date | None = None
) -> RunReport:
    return run_job(
        world.engine, job, parse_period(period), trigger="cli", settings=settings, today=today
    )


def alerts(world: World, **where: Any) -> list[tuple[Alert, str]]:
    """Every stored alert (with its enterprise's USCC), oldest month first."""
    with Session(world.engine) as s:
        stmt = select(Alert, Enterprise.uscc).join(Enterprise).order_by(Alert.period, Alert.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Alert, key) == value)
        return [(a, u) for a, u in s.exec(stmt).all()]


def registered_long_ago(world: World) -> None:
    """Backdate every enterprise's registration to 2019, so that reports are owed from 2020."""
    with Session(world.engine) as s:
        s.execute(update(Enterprise).values(created_at=datetime(2019, 1, 1, tzinfo=UTC)))
        s.commit()
