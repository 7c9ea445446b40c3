"""``carbon demo load``: the demonstration district in a fresh database, then real targets.

Calibration figures (2020, above-size enterprises) are the plan's, as quoted in
factors/plans/qijiang_2021_2025/source.yaml and api/demo/generate.py: gross output 428.05 亿元
= 4,280,500 万元, value added 137 亿元 = 1,370,000 万元, park concentration 73 %. The report lines
are rounded to 0.01 in the unit sent, so sums match to far better than 0.01 %.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.auth.principal import Role
from api.auth.tokens import create_token
from api.cli import app
from api.db import make_engine
from api.demo.load import DEMO_LABEL, load_demo
from api.main import create_app
from api.models import ApiToken, Certification, Enterprise, IntensityLimit, Park, ReportRevision
from api.settings import Settings, get_settings
from carbon.errors import Conflict
from carbon.periods import Period


@pytest.fixture
def fresh_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CARBON_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            int(s.exec(select(func.count()).select_from(t)).one())
            for t in (Park, Enterprise, ReportRevision, Certification, IntensityLimit)
        )


def test_demo_load_then_targets(fresh_sqlite: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "DEMONSTRATION" in result.stderr
    engine = make_engine(fresh_sqlite)
    try:
        loaded = _counts(engine)
        parks, enterprises, revisions, certs, limits = loaded
        # Six park groups and four towns; about 60 above-size enterprises plus 5 small ones.
        assert parks == 10 and 55 <= enterprises <= 70
        assert revisions > 24 * 50 and certs > 0 and limits > 0
        with Session(engine) as s:
            names = s.exec(select(Enterprise.name)).all()
            assert all("示范" in n for n in names)
            token = s.exec(select(ApiToken).where(ApiToken.label == DEMO_LABEL)).one()
            assert token.revoked_at is not None  # the loader's token cannot be used

        # Loading again is a no-op with --if-empty, and refused without it.
        again = runner.invoke(app, ["demo", "load", "--if-empty"])
        assert again.exit_code == 0 and "skipped" in again.stderr
        refused = runner.invoke(app, ["demo", "load"])
        assert refused.exit_code == 1
        assert _counts(engine) == loaded

        admin = runner.invoke(app, ["token", "create", "--role", "admin"]).stdout.strip()
        client = TestClient(create_app(Settings(database_url=fresh_sqlite), engine))
        h = {"Authorization": f"Bearer {admin}"}
        r = client.get("/api/v1/targets?year=2020", headers=h)
        assert r.status_code == 200
        y2020 = {row["id"]: row for row in r.json()}
        park = y2020["park_concentration"]
        assert park["details"]["gross_output_total"] == pytest.approx(4_280_500, rel=1e-4)
        assert park["value"] == pytest.approx(73.0, abs=0.01)
        energy = y2020["energy_intensity_reduction"]
        assert energy["details"]["value_added"] == pytest.approx(1_370_000, rel=1e-4)

        rows = client.get("/api/v1/targets?year=2024", headers=h).json()
        statuses = {row["status"] for row in rows}
        # A full year of data: every row has a value and a status, and they differ.
        assert all(row["value"] is not None for row in rows)
        assert "no_data" not in statuses and len(statuses) >= 2
        named = [m["name"] for row in rows for m in row["top_movers"]]
        assert named and all("示范" in n for n in named)

        # The load ran the scheduled checks over the last 12 months through the job runner:
        # 12 months x 2 jobs recorded, and the demo's overrunning enterprises are flagged.
        said = " ".join(result.stderr.split())  # rich wraps long lines
        assert "24 runs" in said and "0 failed" in said
        runs = client.get("/api/v1/jobs/runs?limit=100", headers=h).json()
        assert len(runs) == 24 and {r["outcome"] for r in runs} == {"succeeded"}
        alerts = client.get("/api/v1/alerts?kind=energy_intensity_overrun", headers=h).json()
        assert alerts and all("示范" in a.get("enterprise_name", "示范") for a in alerts)
    finally:
        engine.dispose()


def test_load_demo_on_each_backend(client: TestClient, db: Engine) -> None:
    """The same load through the service layer on SQLite and PostgreSQL (COPY), shortened."""
    summary = load_demo(db, today=date(2022, 3, 15), through=Period(2021, 12))
    assert summary.loaded and summary.first == "2020-01" and summary.through == "2021-12"
    assert summary.reports == _counts(db)[2]
    with pytest.raises(Conflict):
        load_demo(db, today=date(2022, 3, 15), through=Period(2021, 12))
    skipped = load_demo(db, today=date(2022, 3, 15), through=Period(2021, 12), if_empty=True)
    assert not skipped.loaded and skipped.reports == 0
    with Session(db) as s:
        token = create_token(s, Role.ADMIN)
        s.commit()
    rows = client.get("/api/v1/targets?year=2021", headers={"Authorization": f"Bearer {token}"})
    assert rows.status_code == 200
    by_id = {row["id"]: row for row in rows.json()}
    # Green factories granted in 2021 in the demo data: two (api/demo/generate.py certs list).
    assert by_id["new_green_factories"]["value"] == 2.0
    assert by_id["energy_intensity_reduction"]["value"] is not None
