"""Load the demonstration district into the database: ``carbon demo load``.

**Demonstration data**: every enterprise is invented (names with 示范); only the district's
shape and 2020 totals follow the plan (see :mod:`api.demo.generate`).

Everything goes in one transaction, so a failed load leaves the database as it was. The
monthly reports take the batch path of the API (:func:`api.reports.parsing.parse_csv` and
:func:`api.reports.service.import_batch`: whole-column normalisation, one multi-row insert per
table), one batch per year. They are submitted under an admin token created for the load and
labelled as demonstration data; the token is revoked at the end of the load, so every revision
records where it came from and nobody can use that token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.auth.principal import Principal, Role
from api.auth.tokens import create_token
from api.db import session_scope
from api.demo.generate import DemoDistrict, generate_demo
from api.models import ApiToken, Certification, Enterprise, IntensityLimit, Park
from api.models.base import utcnow
from api.reports.parsing import parse_csv
from api.reports.service import import_batch
from api.settings import Settings
from carbon.errors import Conflict
from carbon.intensity import INTENSITY_UNIT
from carbon.periods import Period
from carbon.units import to_unit

__all__ = [
    "DEMO_LABEL",
    "ChecksSummary",
    "LoadProgress",
    "LoadSummary",
    "load_demo",
    "run_demo_checks",
]

#: Label of the token the reports are submitted under: marks them as demonstration data.
DEMO_LABEL = "carbon demo load: DEMONSTRATION DATA (invented enterprises, names with 示范)"


class LoadProgress(Protocol):
    """Where the load reports its progress (a progress bar, or nothing)."""

    def begin(self, total: int) -> None: ...

    def step(self, description: str) -> None: ...


class _Silent:
    def begin(self, total: int) -> None:
        pass

    def step(self, description: str) -> None:
        pass


@dataclass(frozen=True)
class LoadSummary:
    """What a load did (or why it did nothing)."""

    loaded: bool
    seed: int
    first: str | None = None
    through: str | None = None
    parks: int = 0
    enterprises: int = 0
    reports: int = 0
    lines: int = 0
    certifications: int = 0
    limits: int = 0
    seconds: float = 0.0
    skipped: str | None = None


def _years(demo: DemoDistrict) -> list[str]:
    return sorted(demo.reports["period"].str.slice(0, 4).unique())


def _insert_registry(session: Session, demo: DemoDistrict) -> int:
    """Parks not yet registered, then every enterprise; returns the parks added."""
    existing = set(session.exec(select(Park.code)).all())
    parks = [
        Park(code=str(code), name=str(name), counts_as_park=bool(counts))
        for code, name, counts in demo.parks[["code", "name", "counts_as_park"]].itertuples(
            index=False
        )
        if code not in existing
    ]
    session.add_all(parks)
    session.flush()
    session.add_all(
        [
            Enterprise(
                uscc=str(e.uscc),
                name=str(e.name),
                park_code=None if e.park_code is None else str(e.park_code),
                industry_code=str(e.industry_code),
                above_designated_size=bool(e.above_designated_size),
            )
            for e in demo.enterprises.itertuples(index=False)
        ]
    )
    session.flush()
    return len(parks)


def load_demo(
    engine: Engine,
    *,
    today: date,
    seed: int = 2021,
    through: Period | None = None,
    if_empty: bool = False,
    progress: LoadProgress | None = None,
) -> LoadSummary:
    """Generate the demonstration district and store it.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database (migrated to head).
    today : date
        The district's today: reports run to the last full month before it.
    seed : int
        Seed of the generator; the same seed and month give the same district.
    through : Period, optional
        Last month to report instead (tests use a shorter district).
    if_empty : bool
        Do nothing, and say so, when enterprises are already registered.
    progress : LoadProgress, optional
        Told the number of steps, then each step as it completes.

    Returns
    -------
    LoadSummary

    Raises
    ------
    Conflict
        If enterprises are already registered and ``if_empty`` is false: the demonstration
        district is loaded into an empty registry only.
    """
    sink = progress or _Silent()
    started = time.perf_counter()
    with session_scope(engine) as session:
        count = int(session.exec(select(func.count()).select_from(Enterprise)).one())
        if count:
            reason = f"the database already holds {count} enterprises"
            if if_empty:
                return LoadSummary(loaded=False, seed=seed, skipped=reason)
            raise Conflict(f"{reason}; the demonstration district loads into an empty registry")
        demo = generate_demo(seed, through, today=today)
        years = _years(demo)
        sink.begin(len(years) + 3)
        parks = _insert_registry(session, demo)
        sink.step(f"{parks} parks, {len(demo.enterprises)} enterprises")

        token = create_token(session, Role.ADMIN, label=DEMO_LABEL)
        key_id = token.split("_")[1]
        row = session.exec(select(ApiToken).where(ApiToken.key_id == key_id)).one()
        assert row.id is not None
        loader = Principal(token_id=row.id, role=Role.ADMIN)
        reports = lines = 0
        periods = demo.reports["period"]
        for year in years:
            chunk = demo.reports[periods.str.startswith(year)]
            parsed = parse_csv(chunk.to_csv(index=False).encode("utf-8"))
            stored = import_batch(session, loader, parsed, today=today)
            reports += stored.reports
            lines += stored.lines
            sink.step(f"reports of {year}: {stored.reports} months, {stored.lines} lines")

        ids = {u: i for u, i in session.exec(select(Enterprise.uscc, Enterprise.id)).all() if i}
        session.add_all(
            [
                Certification(
                    enterprise_id=ids[str(c["uscc"])],
                    kind=str(c["kind"]),
                    level=str(c["level"]),
                    year=int(c["year"]),
                    issued_by="示范 (demonstration)",
                )
                for c in demo.certifications.to_dict("records")
            ]
        )
        sink.step(f"{len(demo.certifications)} green certifications")
        session.add_all(
            [
                IntensityLimit(
                    enterprise_id=ids[str(lim["uscc"])],
                    year=int(lim["year"]),
                    quantity=float(lim["quantity"]),
                    unit=str(lim["unit"]),
                    tce_per_10k_cny=to_unit(
                        float(lim["quantity"]), str(lim["unit"]), INTENSITY_UNIT
                    ),
                    set_by_token_id=row.id,
                )
                for lim in demo.limits.to_dict("records")
            ]
        )
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        sink.step(f"{len(demo.limits)} energy-intensity limits")
        first = str(min(demo.reports["period"])) if len(demo.reports) else None
    return LoadSummary(
        loaded=True,
        seed=seed,
        first=first,
        through=str(demo.through),
        parks=len(demo.parks),
        enterprises=len(demo.enterprises),
        reports=reports,
        lines=lines,
        certifications=len(demo.certifications),
        limits=len(demo.limits),
        seconds=time.perf_counter() - started,
    )


@dataclass
class ChecksSummary:
    """What the scheduled checks found over the demonstration months."""

    runs: int = 0
    failed: int = 0
    flagged: int = 0


def run_demo_checks(
    engine: Engine,
    *,
    settings: Settings,
    through: Period,
    months: int = 12,
    today: date,
    progress: LoadProgress | None = None,
) -> ChecksSummary:
    """Run every scheduled check for the last ``months`` months up to ``through``.

    The same runner the scheduler and ``carbon jobs run`` use, so a newcomer sees alerts and
    recorded runs as soon as the demo is loaded.
    """
    from api.jobs.registry import JOBS
    from api.jobs.runner import run_job

    progress = progress or _Silent()
    periods = [Period.from_index(through.index - k) for k in range(months - 1, -1, -1)]
    summary = ChecksSummary()
    progress.begin(len(periods) * len(JOBS))
    for period in periods:
        for name in JOBS:
            report = run_job(engine, name, period, trigger="cli", settings=settings, today=today)
            summary.runs += 1
            summary.failed += 0 if report.succeeded else 1
            summary.flagged += report.run.flagged or 0
            progress.step(f"{name} {period}")
    return summary
