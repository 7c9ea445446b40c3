"""Every query on job runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from api.models import JobRun
from carbon.periods import Period


def get_run(session: Session, run_id: int) -> JobRun | None:
    return session.get(JobRun, run_id)


def list_runs(
    session: Session,
    *,
    job: str | None = None,
    period: str | None = None,
    outcome: str | None = None,
    trigger: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[JobRun]:
    """Runs, newest first."""
    stmt = select(JobRun).order_by(col(JobRun.id).desc())
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    if period is not None:
        stmt = stmt.where(JobRun.period == period)
    if outcome is not None:
        stmt = stmt.where(JobRun.outcome == outcome)
    if trigger is not None:
        stmt = stmt.where(JobRun.trigger == trigger)
    return session.exec(stmt.offset(offset).limit(limit)).all()


def abandon_stale_runs(session: Session, *, before: datetime, now: datetime) -> list[JobRun]:
    """Mark ``failed`` every run still ``running`` that started before ``before``: its process
    ended without finishing it (killed, a crash, a restart). Returns those runs."""
    stale = session.exec(
        select(JobRun).where(JobRun.outcome == "running", col(JobRun.started_at) < before)
    ).all()
    for run in stale:
        run.outcome = "failed"
        run.finished_at = now
        run.error = (
            f"abandoned: still running at {now:%Y-%m-%d %H:%M:%S} UTC, started "
            f"{run.started_at:%Y-%m-%d %H:%M:%S} UTC; the process running it ended"
        )
        session.add(run)
    return list(stale)


def last_run(session: Session, job: str) -> JobRun | None:
    stmt = select(JobRun).where(JobRun.job == job).order_by(col(JobRun.id).desc()).limit(1)
    return session.exec(stmt).first()


def failed_periods(session: Session, job: str, *, since: Period, before: Period) -> list[Period]:
    """Months in [since, before) whose latest finished run of ``job`` failed: to retry."""
    stmt = (
        select(JobRun.period, JobRun.outcome)
        .where(
            JobRun.job == job,
            col(JobRun.period) >= str(since),
            col(JobRun.period) < str(before),
            JobRun.outcome != "running",
        )
        .order_by(col(JobRun.id))
    )
    latest: dict[str, str] = {}
    for period, outcome in session.exec(stmt).all():
        latest[period] = outcome
    return [
        Period(int(p[:4]), int(p[5:7]))
        for p, outcome in sorted(latest.items())
        if outcome == "failed"
    ]
