"""The district's calendar: which day and month it is in the district's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from api.settings import Settings
from carbon.periods import Period


def district_today(settings: Settings) -> date:
    """Today's date in the district (Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def current_period(settings: Settings) -> Period:
    """The current month in the district."""
    return Period.of(district_today(settings))
