"""The scheduler runs as its own process, keeps its jobs in the service's database, fires on
its schedule (checking the previous month, retrying failed ones) and stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.clock import current_period
from api.db import make_engine
from api.jobs.scheduler import build_scheduler, install_jobs, parse_schedule
from api.models import JobRun
from api.settings import Settings, get_settings
from carbon.errors import InvalidInput
from tests.dbs import backends, fresh_database

CARBON = Path(sys.executable).with_name("carbon")


def test_schedule_forms() -> None:
    cron = parse_schedule("0 6 11 * *", "Asia/Shanghai")
    assert isinstance(cron, CronTrigger)
    # 06:00 on the 11th, district time: after the reports' due date, the 10th.
    fire = cron.get_next_fire_time(None, datetime(2024, 3, 1, tzinfo=UTC))
    assert fire is not None and (fire.day, fire.hour, str(fire.tzinfo)) == (11, 6, "Asia/Shanghai")
    every = parse_schedule("@every 30s", "UTC")
    assert isinstance(every, IntervalTrigger) and every.interval.total_seconds() == 30
    parsed = parse_schedule("@every 2m", "UTC")
    assert isinstance(parsed, IntervalTrigger) and parsed.interval.total_seconds() == 120
    assert parse_schedule("off", "UTC") is None
    for bad in ("every day", "61 * * * *", "@every 0s", "@every 5 fortnights"):
        with pytest.raises(InvalidInput):
            parse_schedule(bad, "UTC")


def test_a_bad_schedule_stops_the_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CARBON_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("CARBON_SCHEDULER_INTENSITY_CRON", "whenever")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["scheduler"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "whenever" in result.stderr


@pytest.mark.parametrize("backend", backends())
def test_the_job_store_follows_the_settings(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        settings = Settings(database_url=url, scheduler_intensity_cron="@every 1h")
        scheduler = build_scheduler(settings, engine)
        scheduler.start(paused=True)
        try:
            install_jobs(scheduler, settings)
            assert sorted(j.id for j in scheduler.get_jobs()) == [
                "intensity-check",
                "missing-reports",
            ]
            install_jobs(scheduler, settings.model_copy(update={"scheduler_missing_cron": "off"}))
            assert [j.id for j in scheduler.get_jobs()] == ["intensity-check"]
        finally:
            scheduler.shutdown(wait=False)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
        assert stored == ["intensity-check"]
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_the_scheduler_process_fires_on_a_short_schedule(
    backend: str, tmp_path: Path, repo_root: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        target = current_period(Settings()).previous()  # what a firing checks
        earlier = target.previous()
        crashed = earlier.previous()
        busy = crashed.previous()
        now = datetime.now(UTC)
        with Session(engine) as s:  # a month whose last run failed: the firing retries it
            s.add(
                JobRun(
                    job="intensity-check",
                    period=str(earlier),
                    trigger="scheduled",
                    outcome="failed",
                    finished_at=now,
                    error="RuntimeError: earlier failure",
                )
            )
            # A run its process abandoned two hours ago (still "running"), and one in progress
            # elsewhere: the first is marked failed and its month retried, the second left be.
            for period, started in ((crashed, now - timedelta(hours=2)), (busy, now)):
                s.add(
                    JobRun(
                        job="intensity-check",
                        period=str(period),
                        trigger="cli",
                        started_at=started,
                    )
                )
            s.commit()
        env = {
            **os.environ,
            "CARBON_DATABASE_URL": url,
            "CARBON_SCHEDULER_INTENSITY_CRON": "@every 2s",
            "CARBON_SCHEDULER_MISSING_CRON": "off",
            "CARBON_LOG_LEVEL": "INFO",
        }
        command = [str(CARBON)] if CARBON.exists() else [sys.executable, "-m", "api.cli"]
        proc = subprocess.Popen(
            [*command, "scheduler"],
            cwd=repo_root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            periods: set[str] = set()
            while time.monotonic() < deadline and proc.poll() is None:
                with Session(engine) as s:
                    runs = s.exec(
                        select(JobRun).where(
                            JobRun.trigger == "scheduled", JobRun.outcome == "succeeded"
                        )
                    ).all()
                periods = {r.period for r in runs}
                if {str(target), str(earlier), str(crashed)} <= periods:
                    break
                time.sleep(0.5)
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
        finally:
            proc.terminate()
            _, stderr = proc.communicate(timeout=60)
            engine.dispose()
        assert {str(target), str(earlier), str(crashed)} <= periods, stderr
        assert str(busy) not in periods
        assert stored == ["intensity-check"]
        engine = make_engine(url)
        with Session(engine) as s:
            by_period = {r.period: r for r in s.exec(select(JobRun)).all() if r.trigger == "cli"}
        engine.dispose()
        abandoned, in_progress = by_period[str(crashed)], by_period[str(busy)]
        assert abandoned.outcome == "failed"
        assert (abandoned.error or "").startswith("abandoned: still running")
        assert in_progress.outcome == "running"
        assert proc.returncode == 0, stderr
        assert "scheduler stopped" in stderr
