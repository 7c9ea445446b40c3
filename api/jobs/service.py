"""Jobs through the API: listing them, running one now, reading the record of runs."""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session

from api.alerts.service import to_out
from api.auth.principal import Principal
from api.clock import district_today
from api.jobs import repository
from api.jobs.registry import JOBS, get_job
from api.jobs.runner import RunReport, run_job
from api.jobs.schemas import JobOut, JobRunOut, RunIn, RunResultOut
from api.models import JobRun
from api.settings import Settings
from carbon.errors import InvalidInput, NotFound
from carbon.periods import parse_period


def run_out(run: JobRun) -> JobRunOut:
    return JobRunOut.model_validate(run, from_attributes=True)


def report_out(report: RunReport) -> RunResultOut:
    return RunResultOut(
        **run_out(report.run).model_dump(), alerts=[to_out(a, e) for a, e in report.alerts]
    )


def list_jobs(session: Session, settings: Settings) -> list[JobOut]:
    out = []
    for job in sorted(JOBS.values(), key=lambda j: j.name):
        last = repository.last_run(session, job.name)
        schedule = getattr(settings, job.schedule_setting) if job.schedule_setting else None
        out.append(
            JobOut(
                name=job.name,
                description=job.description,
                kinds=list(job.kinds),
                schedule=None
                if schedule is None or schedule.strip().lower() == "off"
                else schedule,
                last_run=run_out(last) if last else None,
            )
        )
    return out


async def run_now(
    engine: Engine, settings: Settings, principal: Principal, name: str, data: RunIn
) -> RunResultOut:
    """Run job ``name`` for ``data.period`` as the scheduler would, recorded as ``api``."""
    get_job(name)
    today = district_today(settings)
    try:
        period = parse_period(data.period, today=today)
    except InvalidInput as err:
        raise err.at("body", "period") from None
    report = await run_in_threadpool(
        run_job,
        engine,
        name,
        period,
        trigger="api",
        settings=settings,
        today=today,
        token_id=principal.token_id,
    )
    return report_out(report)


def read_run(session: Session, run_id: int) -> JobRunOut:
    run = repository.get_run(session, run_id)
    if run is None:
        raise NotFound(f"no job run {run_id}")
    return run_out(run)
