"""Settings, read once from the environment (prefix ``CARBON_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings; every field can be set as ``CARBON_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CARBON_", extra="ignore")

    database_url: str = "sqlite:///./carbon.db"
    """SQLAlchemy URL; ``postgresql+psycopg://user@host/db`` for PostgreSQL."""

    timezone: str = "Asia/Shanghai"
    """The district's time zone: it decides which month is "current"."""

    max_body_bytes: int = 1024 * 1024
    """Largest request body accepted, except for batch imports [bytes]."""

    max_batch_bytes: int = 64 * 1024 * 1024
    """Largest batch import accepted [bytes]."""

    region: str = "CN-CQ"
    """ISO 3166-2 code of the district's province, for provincial grid factors."""

    log_level: str = "INFO"

    opentelemetry: bool = False
    """FastAPI's OpenTelemetry traces, metrics and logs of each request, for a deployment that
    configures an OpenTelemetry SDK. Off, a request skips the checks for one (about 2 % of a
    light request's CPU)."""

    auth_failure_limit: int = 20
    """Failed authentications allowed per client address and minute before 429."""

    handler_threads: int = Field(default=4, ge=1, le=64)
    """Threads per worker process for the handlers that can take long (a batch import, the
    district's targets and data quality: ``api.deps.in_thread``), so that the worker's event
    loop answers its other requests meanwhile; every other handler runs on the event loop.
    Few: a handler spends most of its time in Python, holding the interpreter lock, so more
    threads contend for the lock rather than work."""

    token_cache_seconds: float = 5.0
    """How often a worker re-checks, in one query, the tokens it has verified and trusts [s];
    a revoked token stops working within this time. 0 looks every token up on every request."""

    scheduler_intensity_cron: str = "0 6 11 * *"
    """When the intensity check runs, district time: a crontab (minute hour day month weekday),
    ``@every 30s`` / ``@every 5m`` / ``@every 1h`` for an interval, or ``off``. Each run checks
    the previous month (and retries earlier months whose last run failed)."""

    scheduler_missing_cron: str = "0 7 11 * *"
    """When the missing-reports check runs; same forms as ``scheduler_intensity_cron``."""

    scheduler_retry_months: int = 12
    """How far back a scheduled run retries months whose last run failed [months]."""

    job_run_timeout_minutes: int = Field(default=60, ge=1)
    """A job run still ``running`` after this long was abandoned by its process (killed, a
    crash, a restart): the next scheduled firing marks it failed and retries its month [min].
    Runs take seconds to minutes; keep this well above the longest."""

    alert_webhooks: dict[str, str] = {}
    """Park code → URL receiving a JSON POST of that park's new alerts; ``"*"`` receives all.
    As JSON in the environment: ``CARBON_ALERT_WEBHOOKS='{"BEIDU": "https://..."}'``."""

    webhook_timeout_seconds: float = 5.0
    """Timeout of one webhook delivery [s]."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
