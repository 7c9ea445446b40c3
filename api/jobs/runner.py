"""Running a job for a month, the same way from the scheduler, the CLI and the API.

A run is recorded in ``job_runs`` before it starts (its own transaction, so a run in progress is
visible). The job computes everything first, reading only; its alerts are then written in one
transaction that also marks the run ``succeeded``. If anything fails, that transaction is rolled
back (no alert is half-written), the failure is logged, and the run is marked ``failed`` with the
error in a transaction of its own. The scheduler retries failed months on its next firing.
A run whose process ended before it could record either (killed, a crash, a restart) stays
``running`` until a firing finds it older than ``job_run_timeout_minutes``
(:func:`abandon_stale_runs`): it is then marked ``failed``, and its month retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlmodel import Session

from api.alerts import repository as alerts_repo
from api.alerts.repository import WriteSummary
from api.auth.principal import Principal, Role
from api.clock import district_today
from api.db import session_scope
from api.jobs import repository as jobs_repo
from api.jobs.base import JobContext
from api.jobs.notify import notify_parks
from api.jobs.registry import get_job
from api.models import Alert, Enterprise, JobRun
from api.models.base import utcnow
from api.settings import Settings
from carbon.periods import Period

log = logging.getLogger("carbon.jobs")

#: Longest error text kept on a failed run [characters].
ERROR_MAX = 2000
_DISTRICT = Principal(token_id=0, role=Role.ADMIN)


@dataclass
class RunReport:
    """A finished run: its record, what it wrote, and how to read the alerts it found."""

    run: JobRun
    summary: WriteSummary | None = None
    engine: Engine | None = None

    @property
    def succeeded(self) -> bool:
        return self.run.outcome == "succeeded"

    @cached_property
    def alerts(self) -> list[tuple[Alert, Enterprise]]:
        """The alerts this run found (not those it resolved), read on first use."""
        if not self.succeeded or self.engine is None:
            return []
        with Session(self.engine) as session:
            return [
                (a, e)
                for a, e in alerts_repo.list_alerts(
                    session,
                    _DISTRICT,
                    alerts_repo.AlertFilter(period=self.run.period, run_id=self.run.id),
                )
                if a.resolution != alerts_repo.CLEARED
            ]


def _finish_failed(engine: Engine, run_id: int, exc: BaseException) -> JobRun:
    with session_scope(engine) as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        run.outcome = "failed"
        run.finished_at = utcnow()
        run.error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        session.add(run)
    return run


def run_job(
    engine: Engine,
    name: str,
    period: Period,
    *,
    trigger: str,
    settings: Settings,
    today: date | None = None,
    token_id: int | None = None,
) -> RunReport:
    """Run job ``name`` for ``period`` and record the run.

    Parameters
    ----------
    trigger : {"scheduled", "cli", "api"}
    today : date, optional
        The date the job judges by (overdue reports); the district's today by default.
    token_id : int, optional
        The token that asked for the run (API runs).

    Returns
    -------
    RunReport
        With ``run.outcome`` ``succeeded`` or ``failed``; a failure is not raised.

    Raises
    ------
    NotFound
        If there is no job ``name`` (nothing is recorded).
    """
    job = get_job(name)
    context = JobContext(today=today or district_today(settings), settings=settings)
    with session_scope(engine) as session:
        run = JobRun(job=job.name, period=str(period), trigger=trigger, token_id=token_id)
        session.add(run)
        session.flush()
        assert run.id is not None
        run_id = run.id
    log.info("job %s for %s started (run %d, %s)", job.name, period, run_id, trigger)
    try:
        with Session(engine) as session:
            result = job.compute(session, period, context)
        with session_scope(engine) as session:
            now = utcnow()
            summary = alerts_repo.apply_alerts(
                session,
                period=period,
                kinds=job.kinds,
                frame=result.alerts,
                run_id=run_id,
                now=now,
            )
            done = session.get(JobRun, run_id)
            assert done is not None
            done.outcome = "succeeded"
            done.finished_at = utcnow()
            done.checked = result.checked
            done.flagged = summary.flagged
            done.created = summary.created
            done.resolved = summary.resolved
            session.add(done)
    except Exception as exc:
        log.exception("job %s for %s failed (run %d)", job.name, period, run_id)
        return RunReport(run=_finish_failed(engine, run_id, exc))
    log.info(
        "job %s for %s succeeded (run %d): %d checked, %d flagged, %d new, %d resolved",
        job.name,
        period,
        run_id,
        result.checked,
        summary.flagged,
        summary.created,
        summary.resolved,
    )
    report = RunReport(run=done, summary=summary, engine=engine)
    if settings.alert_webhooks and summary.notify:
        fresh = [(a, e) for a, e in report.alerts if (a.enterprise_id, a.kind) in summary.notify]
        notify_parks(settings, job.name, period, fresh)
    return report


def abandon_stale_runs(engine: Engine, settings: Settings) -> list[JobRun]:
    """Mark ``failed`` the runs still ``running`` after ``settings.job_run_timeout_minutes``,
    so that their months count as failed and are retried."""
    now = utcnow()
    cutoff = now - timedelta(minutes=settings.job_run_timeout_minutes)
    with session_scope(engine) as session:
        stale = jobs_repo.abandon_stale_runs(session, before=cutoff, now=now)
    for run in stale:
        log.warning("job %s for %s (run %d) %s", run.job, run.period, run.id, run.error)
    return stale


def retry_periods(
    engine: Engine, name: str, target: Period, *, months_back: int = 12
) -> list[Period]:
    """Months before ``target`` (up to ``months_back``) whose latest run of ``name`` failed."""
    from api.jobs.repository import failed_periods

    since = Period.from_index(target.index - months_back)
    with Session(engine) as session:
        return failed_periods(session, name, since=since, before=target)
