"""The scheduler process (``carbon scheduler``): APScheduler with its job store in our database.

One process per deployment, so that several API workers never run a job several times. The
schedule comes from settings (``CARBON_SCHEDULER_INTENSITY_CRON``, ``..._MISSING_CRON``); each
firing checks the previous month of the district's calendar and retries earlier months whose
last run failed. Job definitions persist in the ``apscheduler_jobs`` table, which APScheduler
creates and manages itself (it is outside the Alembic migrations); firings missed while the
process was down are run once (coalesced) when it comes back.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from types import FrameType

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from api.clock import district_today
from api.db import make_engine
from api.jobs.registry import JOBS
from api.jobs.runner import abandon_stale_runs, retry_periods, run_job
from api.settings import Settings, get_settings
from carbon.errors import InvalidInput
from carbon.periods import Period

log = logging.getLogger("carbon.scheduler")

#: APScheduler's own table, in the service's database.
JOBSTORE_TABLE = "apscheduler_jobs"
_EVERY = re.compile(r"@every\s+(\d+)\s*([smh])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_OFF = {"", "off", "none", "disabled"}

_engine: Engine | None = None


def parse_schedule(text: str, timezone: str) -> BaseTrigger | None:
    """The trigger for a schedule setting, or None for ``off``.

    Accepts a five-field crontab (``0 6 11 * *``: 06:00 on the 11th), ``@every 30s`` (also
    ``m`` and ``h``) or ``off``.

    Raises
    ------
    InvalidInput
        If the text is none of these.
    """
    value = text.strip()
    if value.lower() in _OFF:
        return None
    every = _EVERY.fullmatch(value)
    if every:
        seconds = int(every.group(1)) * _UNIT_SECONDS[every.group(2).lower()]
        if seconds <= 0:
            raise InvalidInput(f"schedule {text!r}: the interval must be positive")
        return IntervalTrigger(seconds=seconds, timezone=timezone)
    try:
        return CronTrigger.from_crontab(value, timezone=timezone)
    except ValueError as exc:
        raise InvalidInput(
            f"schedule {text!r} is not a crontab (m h dom mon dow), '@every 30s' or 'off': {exc}"
        ) from None


def schedules(settings: Settings) -> dict[str, BaseTrigger | None]:
    """Each registered job with a schedule setting → its trigger (None when off)."""
    out: dict[str, BaseTrigger | None] = {}
    for job in JOBS.values():
        if job.schedule_setting is None:
            continue
        out[job.name] = parse_schedule(getattr(settings, job.schedule_setting), settings.timezone)
    return out


def scheduled_run(name: str) -> None:
    """What the scheduler fires: job ``name`` for the previous month, after retrying failed
    earlier months (a run abandoned by its process counts as failed). Referenced by name from
    the job store, so it must stay importable here."""
    settings = get_settings()
    global _engine
    if _engine is None:
        _engine = make_engine(settings.database_url)
    today = district_today(settings)
    target = Period.of(today).previous()
    abandon_stale_runs(_engine, settings)
    retries = retry_periods(_engine, name, target, months_back=settings.scheduler_retry_months)
    for period in [*retries, target]:
        report = run_job(_engine, name, period, trigger="scheduled", settings=settings, today=today)
        if not report.succeeded:
            log.error("scheduled %s for %s failed; retried at the next firing", name, period)


def build_scheduler(settings: Settings, engine: Engine) -> BackgroundScheduler:
    """A scheduler whose job store is ``engine``'s database (not yet started)."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=settings.timezone,
    )


def install_jobs(scheduler: BaseScheduler, settings: Settings) -> dict[str, BaseTrigger | None]:
    """Put the configured schedule into the (started, paused) scheduler's job store: add or
    replace each scheduled job, remove those switched off or no longer known."""
    wanted = schedules(settings)
    for stored in scheduler.get_jobs():
        if wanted.get(stored.id) is None:
            scheduler.remove_job(stored.id)
            log.info("removed %s from the schedule", stored.id)
    for name, trigger in wanted.items():
        if trigger is None:
            continue
        scheduler.add_job(
            scheduled_run,
            trigger,
            args=[name],
            id=name,
            name=name,
            replace_existing=True,
        )
        log.info("scheduled %s: %s", name, trigger)
    return wanted


def run_scheduler(settings: Settings) -> None:
    """Run the scheduler in this process until SIGINT or SIGTERM; a running job is let finish."""
    global _engine
    wanted = schedules(settings)  # refuse a bad schedule before touching the job store
    _engine = make_engine(settings.database_url)
    scheduler = build_scheduler(settings, _engine)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping the scheduler", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        scheduler.start(paused=True)
        install_jobs(scheduler, settings)
        scheduler.resume()
        active = sorted(n for n, t in wanted.items() if t is not None)
        log.info("scheduler running: %s", ", ".join(active) or "no job scheduled")
        while not stop.wait(1.0):
            pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        _engine.dispose()
        log.info("scheduler stopped")
