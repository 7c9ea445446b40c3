"""Shapes of jobs and job runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.alerts.schemas import AlertOut


class RunIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"period": "2024-03"}]}
    )

    period: str = Field(description="The month to check, YYYY-MM, not after the current one")


class JobRunOut(BaseModel):
    id: int
    job: str
    period: str
    trigger: Literal["scheduled", "cli", "api"]
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["running", "succeeded", "failed"]
    checked: int | None = Field(description="Enterprises examined")
    flagged: int | None = Field(description="Conditions found (alerts raised or kept)")
    created: int | None = Field(description="Alerts new in this run")
    resolved: int | None = Field(description="Alerts resolved because their condition cleared")
    error: str | None


class RunResultOut(JobRunOut):
    alerts: list[AlertOut] = Field(description="The alerts this run found (not the cleared)")


class JobOut(BaseModel):
    name: str
    description: str
    kinds: list[str]
    schedule: str | None = Field(description="Cron, '@every …', or null when not scheduled")
    last_run: JobRunOut | None
