"""Shapes of alerts and alert groups."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    WARNING = "warning"
    SERIOUS = "serious"
    CRITICAL = "critical"


class AlertOut(BaseModel):
    """One condition a check found for one enterprise and month."""

    id: int
    uscc: str
    enterprise_name: str
    park_code: str | None
    period: str = Field(description="YYYY-MM")
    kind: str = Field(
        description="energy_intensity_overrun | product_energy_quota_overrun | missing_report"
    )
    severity: Severity = Field(description="By value ÷ limit: ≤1.10 warning, ≤1.25 serious")
    value: float | None = Field(description="Year-to-date intensity, kWh/t, or days overdue")
    limit: float | None
    unit: str | None
    ratio: float | None = Field(description="value ÷ limit")
    limit_source: str | None = Field(
        description="explicit | own_path (intensity), the quota id (product), the due date"
    )
    status: AlertStatus
    resolution: Literal["cleared", "manual"] | None = Field(
        description="cleared: a later run no longer found the condition; manual: resolved by hand"
    )
    consecutive_months: int = Field(
        description="Months in a row, up to this one, that the same kind has held (0 if cleared)"
    )
    ongoing_since: str | None = Field(description="First month of that run of months")
    occurrences: int = Field(description="Runs that found this condition")
    detail: dict[str, Any] | None = Field(description="The figures behind the value")
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime | None


class AlertPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "acknowledged"}]}
    )

    status: AlertStatus = Field(description="acknowledged, resolved, or open to reopen")


class AlertGroupOut(BaseModel):
    """One ongoing problem: an enterprise's alerts of one kind in consecutive months.

    A cleared alert (its condition no longer held on a re-run) forms a group of its own.
    """

    uscc: str
    enterprise_name: str
    park_code: str | None
    kind: str
    first_period: str
    last_period: str
    months: int = Field(description="Alerts in the group (consecutive months)")
    status: AlertStatus = Field(
        description="open if any alert is open, else acknowledged if any is, else resolved"
    )
    open: int
    acknowledged: int
    resolved: int
    worst_severity: Severity
    latest_severity: Severity
    latest_value: float | None
    latest_limit: float | None
    unit: str | None
    alert_ids: list[int]
