"""HTTP routes of jobs: run one now, read the record of runs (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import MAX_INT, AdminPrincipal, HandlerRoute, SessionDep, SettingsDep
from api.jobs import repository, service
from api.jobs.schemas import JobOut, JobRunOut, RunIn, RunResultOut
from api.openapi import READ_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api/v1", tags=["jobs"], route_class=HandlerRoute)


@router.get(
    "/jobs",
    response_model=list[JobOut],
    responses=READ_ERRORS,
    summary="The scheduled jobs, their schedules and last runs (admin)",
)
def list_jobs(session: SessionDep, _: AdminPrincipal, settings: SettingsDep) -> list[JobOut]:
    return service.list_jobs(session, settings)


@router.post(
    "/jobs/{name}/run",
    response_model=RunResultOut,
    responses=WRITE_ERRORS,
    summary="Run a scheduled job now for a month (admin)",
)
async def run_job(
    name: str, body: RunIn, request: Request, principal: AdminPrincipal, settings: SettingsDep
) -> RunResultOut:
    """Runs the same code the scheduler runs and answers with the run's record and the alerts
    it found. A job that fails answers 200 with ``outcome: "failed"`` and its ``error``; it
    has written no alert. Unknown job: 404; malformed or future period: 422."""
    return await service.run_now(request.app.state.engine, settings, principal, name, body)


@router.get(
    "/jobs/runs",
    response_model=list[JobRunOut],
    responses=READ_ERRORS,
    summary="The record of job runs, newest first (admin)",
)
def list_runs(
    session: SessionDep,
    _: AdminPrincipal,
    job: Annotated[str | None, Query(max_length=48)] = None,
    period: Annotated[str | None, Query(description="YYYY-MM")] = None,
    outcome: Annotated[Literal["running", "succeeded", "failed"] | None, Query()] = None,
    trigger: Annotated[Literal["scheduled", "cli", "api"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> list[JobRunOut]:
    from api.alerts.service import check_period

    rows = repository.list_runs(
        session,
        job=job,
        period=check_period(period, "period"),
        outcome=outcome,
        trigger=trigger,
        limit=limit,
        offset=offset,
    )
    return [service.run_out(r) for r in rows]


@router.get(
    "/jobs/runs/{run_id}",
    response_model=JobRunOut,
    responses=READ_ERRORS,
    summary="One job run (admin)",
)
def read_run(
    run_id: Annotated[int, Path(ge=1, le=MAX_INT, description="The run's id")],
    session: SessionDep,
    _: AdminPrincipal,
) -> JobRunOut:
    return service.read_run(session, run_id)
