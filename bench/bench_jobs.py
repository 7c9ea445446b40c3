"""Time the scheduled intensity check over a district of 10,000 above-size enterprises.

Writes a scratch SQLite database straight through Core inserts (no HTTP): 10,000 enterprises,
each with a full 2020 (its base year) and January–June 2022, three lines a month (grid power,
natural gas, value added) plus primary aluminium for one enterprise in ten — 180,000 months,
558,000 report lines. Then runs ``intensity-check`` for 2022-06 through the same runner the
scheduler uses, twice (the second run updates every alert in place), and ``missing-reports``.
Prints the time of reading and computing alone, then of whole recorded runs (compute, one
transaction of alert writes, run record).

Run: ``.venv/bin/python -m bench.bench_jobs [--enterprises N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session
from stdnum.cn import uscc as stdnum_uscc

from api.db import make_engine
from api.jobs.base import JobContext
from api.jobs.checks import INTENSITY_CHECK
from api.jobs.runner import run_job
from api.migrate import upgrade
from api.models import Alert, Enterprise, Park, ReportLine, ReportMonth, ReportRevision
from api.reports.repository import rebuild_month_items
from api.settings import Settings
from carbon.periods import Period

MONTHS = [f"2020-{m:02d}" for m in range(1, 13)] + [f"2022-{m:02d}" for m in range(1, 7)]
CHECKED = Period(2022, 6)


def uscc_of(n: int) -> str:
    base = f"91500110{n:09d}"
    return base + stdnum_uscc.calc_check_digit(base)


def _table(model: Any) -> Any:
    return model.__table__


def populate(engine: Engine, n: int, seed: int = 2022) -> int:
    """Insert ``n`` enterprises and their months; returns the number of report lines."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(_table(Park)),
            [{"code": "BENCH", "name": "bench", "counts_as_park": True, "created_at": now}],
        )
        conn.execute(
            insert(_table(Enterprise)),
            [
                {
                    "uscc": uscc_of(i + 1),
                    "name": f"enterprise {i + 1}",
                    "park_code": "BENCH",
                    "industry_code": "3216" if i % 10 == 0 else "3453",
                    "above_designated_size": True,
                    "region": "CN-CQ",
                    "created_at": datetime(2019, 1, 1, tzinfo=UTC),
                    "updated_at": now,
                }
                for i in range(n)
            ],
        )
        ids = [
            r[0]
            for r in conn.execute(select(_table(Enterprise).c.id).order_by(_table(Enterprise).c.id))
        ]
        # Grid power [kWh], natural gas [m3] and value added [万元] per month; 2022 drifts
        # by a factor per enterprise so that about a third overrun their own path.
        kwh = rng.uniform(2e5, 2e6, n)
        gas = rng.uniform(1e4, 1e5, n)
        va = rng.uniform(500, 5000, n)
        drift = rng.uniform(0.7, 1.3, n)
        revisions: list[dict[str, Any]] = []
        for period in MONTHS:
            for eid in ids:
                revisions.append(
                    {
                        "enterprise_id": eid,
                        "period": period,
                        "revision": 1,
                        "submitted_at": now,
                        "channel": "batch",
                        "line_count": 3,
                    }
                )
        conn.execute(insert(_table(ReportRevision)), revisions)
        rows = conn.execute(
            select(
                _table(ReportRevision).c.id,
                _table(ReportRevision).c.enterprise_id,
                _table(ReportRevision).c.period,
            )
        ).all()
        index = {eid: i for i, eid in enumerate(ids)}
        lines: list[dict[str, Any]] = []
        heads: list[dict[str, Any]] = []
        for rid, eid, period in rows:
            i = index[eid]
            f = drift[i] if period.startswith("2022") else 1.0
            month_lines = [
                ("energy", 0, "electricity_grid", kwh[i] * f, "kWh"),
                ("energy", 1, "natural_gas", gas[i] * f, "m3"),
                ("economics", 0, "value_added", va[i], "CNY_10k"),
            ]
            if i % 10 == 0:
                month_lines.append(("production", 0, "primary_aluminium", kwh[i] / 13600, "t"))
            for section, pos, item, q, unit in month_lines:
                lines.append(
                    {
                        "revision_id": rid,
                        "section": section,
                        "position": pos,
                        "item": item,
                        "quantity": float(q),
                        "unit": unit,
                        "canonical_quantity": float(q),
                        "canonical_unit": unit,
                    }
                )
            heads.append(
                {
                    "enterprise_id": eid,
                    "period": period,
                    "latest_revision": 1,
                    "latest_revision_id": rid,
                }
            )
        conn.execute(insert(_table(ReportLine)), lines)
        conn.execute(insert(_table(ReportMonth)), heads)
        # Written around store_revisions: sum the heads' lines by item as it would have.
        rebuild_month_items(conn)
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        settings = Settings(database_url=url)
        t0 = time.perf_counter()
        n_lines = populate(engine, args.enterprises)
        print(
            f"data: {args.enterprises:,} enterprises, {len(MONTHS)} months, {n_lines:,} lines "
            f"written in {time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        with Session(engine) as session:
            found = INTENSITY_CHECK.compute(
                session, CHECKED, JobContext(today=date(2022, 7, 11), settings=settings)
            )
        print(
            f"intensity-check {CHECKED}, reading and computing only: "
            f"{time.perf_counter() - t0:.2f} s — {len(found.alerts):,} conditions found"
        )
        for label in ("first run (inserts)", "second run (updates in place)"):
            t0 = time.perf_counter()
            report = run_job(engine, "intensity-check", CHECKED, trigger="cli", settings=settings)
            took = time.perf_counter() - t0
            run = report.run
            assert run.outcome == "succeeded", run.error
            print(
                f"intensity-check {CHECKED}, {label}: {took:.2f} s — {run.checked:,} checked, "
                f"{run.flagged:,} flagged, {run.created:,} new"
            )
        t0 = time.perf_counter()
        report = run_job(
            engine,
            "missing-reports",
            Period(2022, 7),
            trigger="cli",
            settings=settings,
            today=date(2022, 8, 11),
        )
        print(
            f"missing-reports 2022-07: {time.perf_counter() - t0:.2f} s — "
            f"{report.run.flagged:,} flagged"
        )
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(_table(Alert))).scalar_one()
        print(f"alerts stored: {total:,}")
        engine.dispose()


if __name__ == "__main__":
    main()
