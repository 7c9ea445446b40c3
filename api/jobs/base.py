"""What a job is: a name, the alert kinds it decides, and a function computing its alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session

from api.settings import Settings
from carbon.periods import Period


@dataclass(frozen=True)
class JobContext:
    """What a job may know besides the database: the district's date and the settings."""

    today: date
    settings: Settings


@dataclass(frozen=True)
class JobResult:
    """A job's findings for one month, computed before anything is written.

    Attributes
    ----------
    alerts : pandas.DataFrame
        One row per condition found: ``uscc, kind, severity, value, limit, unit, ratio,
        limit_source`` and ``detail`` (a dict, or None).
    checked : int
        How many enterprises the job examined.
    """

    alerts: pd.DataFrame
    checked: int


Compute = Callable[[Session, Period, JobContext], JobResult]


@dataclass(frozen=True)
class Job:
    """A job the scheduler, the CLI and the API run the same way.

    Attributes
    ----------
    name : str
        As used in ``carbon jobs run NAME`` and ``POST /api/v1/jobs/{name}/run``.
    kinds : tuple of str
        The alert kinds this job decides: a run resolves any alert of these kinds for the
        month that it no longer finds.
    compute : callable
        ``(session, period, context) -> JobResult``; reads only.
    schedule_setting : str or None
        Name of the :class:`~api.settings.Settings` field holding the job's cron schedule.
    """

    name: str
    description: str
    kinds: tuple[str, ...]
    compute: Compute
    schedule_setting: str | None = None
