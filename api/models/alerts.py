"""Alerts raised by the scheduled checks, and the record of every job run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime, created_at_column

ALERT_STATUSES = ("open", "acknowledged", "resolved")
JOB_OUTCOMES = ("running", "succeeded", "failed")
JOB_TRIGGERS = ("scheduled", "cli", "api")


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one month: who started it, how it ended, what it found."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("outcome IN ('running', 'succeeded', 'failed')", name="outcome"),
        CheckConstraint("trigger IN ('scheduled', 'cli', 'api')", name="trigger"),
        Index("ix_job_runs_job_period", "job", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=48)
    period: str = Field(max_length=7, description="YYYY-MM")
    trigger: str = Field(max_length=16)
    started_at: datetime = created_at_column()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default="running", max_length=16)
    checked: int | None = Field(default=None, description="Enterprises examined")
    flagged: int | None = Field(
        default=None, description="Conditions found (alerts raised or kept)"
    )
    created: int | None = Field(default=None, description="Alerts new in this run")
    resolved: int | None = Field(default=None, description="Alerts resolved because cleared")
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_id: int | None = Field(default=None, foreign_key="api_tokens.id")


class Alert(SQLModel, table=True):
    """One condition found by a check, for one enterprise, month and kind.

    Unique on (enterprise, period, kind): re-running a month updates the row. ``status`` is
    ``open``, ``acknowledged`` or ``resolved``; ``resolution`` says why a resolved alert is
    resolved (``cleared``: a later run found the condition no longer holds; ``manual``).
    ``consecutive_months`` counts this month and the months just before it in which the same
    kind held for the enterprise; ``ongoing_since`` is the first of them.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "period", "kind"),
        CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
        Index("ix_alerts_period_kind", "period", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprises.id", index=True)
    period: str = Field(max_length=7, description="YYYY-MM")
    kind: str = Field(max_length=48)
    severity: str = Field(max_length=16)
    value: float | None = None
    limit_value: float | None = None
    unit: str | None = Field(default=None, max_length=32)
    ratio: float | None = None
    limit_source: str | None = Field(default=None, max_length=80)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="open", max_length=16)
    resolution: str | None = Field(default=None, max_length=16)
    consecutive_months: int = Field(default=1)
    ongoing_since: str | None = Field(default=None, max_length=7)
    occurrences: int = Field(default=1, description="Runs that found the condition")
    created_at: datetime = created_at_column()
    updated_at: datetime = created_at_column()
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_changed_by_token_id: int | None = Field(default=None, foreign_key="api_tokens.id")
    last_run_id: int | None = Field(default=None, foreign_key="job_runs.id")
