"""Reporting periods: calendar months written ``YYYY-MM``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from carbon.errors import InvalidPeriodError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic on periods."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Period:
        return cls(index // 12, index % 12 + 1)

    def next(self) -> Period:
        return Period.from_index(self.index + 1)

    def previous(self) -> Period:
        return Period.from_index(self.index - 1)

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)


def parse_period(text: str, *, today: date | None = None, allow_future: bool = False) -> Period:
    """Parse ``YYYY-MM``; refuse malformed text and, unless allowed, months after ``today``'s.

    Raises
    ------
    InvalidPeriodError
        If ``text`` is not a month ``YYYY-MM`` (1900 or later), or is after the current month.
    """
    m = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise InvalidPeriodError(f"period must be a month written YYYY-MM, got {text!r}")
    period = Period(int(m.group(1)), int(m.group(2)))
    if period.year < 1900:
        raise InvalidPeriodError(f"period {text!r} is before 1900")
    if not allow_future:
        current = Period.of(today or date.today())
        if period > current:
            raise InvalidPeriodError(f"period {text} is after the current month {current}")
    return period


def months_between(first: Period, last: Period) -> list[Period]:
    """Every month from ``first`` to ``last`` inclusive."""
    return [Period.from_index(i) for i in range(first.index, last.index + 1)]
