"""The jobs by name. The built-in checks are registered here; tests may add their own."""

from __future__ import annotations

from api.jobs.base import Job
from api.jobs.checks import INTENSITY_CHECK, MISSING_REPORTS
from carbon.errors import NotFound

JOBS: dict[str, Job] = {job.name: job for job in (INTENSITY_CHECK, MISSING_REPORTS)}


def get_job(name: str) -> Job:
    """The job ``name``.

    Raises
    ------
    NotFound
        If no job has that name.
    """
    try:
        return JOBS[name]
    except KeyError:
        known = ", ".join(sorted(JOBS))
        raise NotFound(f"no job named {name!r}; jobs: {known}") from None


def register(job: Job) -> None:
    """Add ``job`` (replacing one of the same name)."""
    JOBS[job.name] = job


def unregister(name: str) -> None:
    JOBS.pop(name, None)
