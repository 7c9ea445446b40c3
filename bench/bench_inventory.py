"""Time a district carbon inventory over a province-scale year.

Loads a migrated database with a year of monthly reports (1,200 enterprises x 12 months,
about 170,000 lines at ``--scale 1``; ``--scale 10`` is ten times that) by Core inserts, then
times the inventory: the service call (SQL aggregate + factors + assembly) and the whole HTTP
answer (JSON, CSV, XLSX) through the app. ``--revisions k`` stores k revisions of every month
(only the last counts): more lines, the same inventory, so time and memory should barely move.

Run::

    .venv/bin/python -m bench.bench_inventory                      # SQLite, 1,200 enterprises
    .venv/bin/python -m bench.bench_inventory --backend postgresql --scale 10

PostgreSQL is reached at ``CARBON_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); a scratch database is created and
dropped.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from api.auth.principal import Principal, Role
from api.auth.tokens import create_token
from api.db import make_engine
from api.inventory import repository
from api.inventory.schemas import Level
from api.inventory.service import InventoryQuery, build_inventory
from api.main import create_app
from api.reports.repository import aggregate_latest, rebuild_month_items
from api.settings import Settings
from factors import load_factor_set
from tests.dbs import fresh_database
from tests.helpers import make_uscc

YEAR = 2024
PARKS = ("BEIDU", "QIAOHE", "GUDAN", "SANJIANG", "TONGHUI", "WANSHENG")

# (section, item, canonical unit, typical monthly quantity, share of enterprises with it)
LINE_KINDS: list[tuple[str, str, str, float, float]] = [
    ("energy", "electricity_grid", "kWh", 400_000.0, 1.0),
    ("energy", "electricity_grid", "kWh", 150_000.0, 1.0),  # a second meter
    ("energy", "electricity_grid", "kWh", 50_000.0, 0.5),  # a third
    ("energy", "natural_gas", "m3", 20_000.0, 1.0),
    ("energy", "natural_gas", "m3", 5_000.0, 0.3),
    ("energy", "diesel", "t", 3.0, 0.8),
    ("energy", "electricity_green", "kWh", 50_000.0, 0.25),
    ("energy", "electricity_onsite_renewable", "kWh", 20_000.0, 0.2),
    ("energy", "heat_purchased", "GJ", 500.0, 0.15),
    ("energy", "other_energy", "tce", 10.0, 0.1),
    ("energy", "raw_coal", "t", 200.0, 0.05),
    ("water", "fresh_withdrawal", "m3", 3_000.0, 1.0),
    ("water", "reused", "m3", 8_000.0, 0.5),
    ("water", "discharged", "m3", 2_000.0, 1.0),
    ("solid_waste", "fly_ash", "t", 100.0, 0.3),
    ("solid_waste", "general_other", "t", 20.0, 0.5),
    ("production", "primary_aluminium", "t", 2_000.0, 0.02),
    ("production", "gear_box", "pcs", 1_000.0, 0.5),
    ("economics", "gross_output_value", "CNY_10k", 1_500.0, 1.0),
    ("economics", "value_added", "CNY_10k", 300.0, 1.0),
]


@contextmanager
def database(backend: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        yield url


def load(engine: Engine, n_enterprises: int, revisions: int, seed: int = 7) -> int:
    """Parks, enterprises and a year of reports; returns the number of lines stored."""
    rng = np.random.default_rng(seed)
    now = datetime(YEAR + 1, 1, 15, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO parks (code, name, counts_as_park, created_at) VALUES (:c, :n, :p, :t)"
            ),
            [{"c": c, "n": f"{c} 组团", "p": True, "t": now} for c in PARKS],
        )
        conn.execute(
            text(
                "INSERT INTO enterprises (id, uscc, name, park_code, industry_code, "
                "above_designated_size, region, created_at, updated_at) "
                "VALUES (:i, :u, :n, :p, '3216', :a, 'CN-CQ', :t, :t)"
            ),
            [
                {
                    "i": e + 1,
                    "u": make_uscc(e + 1),
                    "n": f"企业{e + 1:05d}",
                    "p": PARKS[e % len(PARKS)] if e % 10 else None,
                    "a": bool(e % 4),
                    "t": now,
                }
                for e in range(n_enterprises)
            ],
        )
    has = rng.random((n_enterprises, len(LINE_KINDS))) < np.array([k[4] for k in LINE_KINDS])
    rev_rows: list[dict[str, Any]] = []
    month_rows: list[dict[str, Any]] = []
    line_rows: list[tuple[Any, ...]] = []
    rid = 0
    for e in range(n_enterprises):
        kinds = np.flatnonzero(has[e])
        for m in range(1, 13):
            period = f"{YEAR}-{m:02d}"
            for k in range(1, revisions + 1):
                rid += 1
                rev_rows.append(
                    {
                        "id": rid,
                        "e": e + 1,
                        "p": period,
                        "r": k,
                        "t": datetime(YEAR, m, 28, k, tzinfo=UTC),
                        "n": len(kinds),
                    }
                )
                q = rng.gamma(4.0, 0.25, len(kinds))
                for pos, ki in enumerate(kinds.tolist()):
                    section, item, unit, typical, _ = LINE_KINDS[ki]
                    value = float(typical * q[pos])
                    waste = (value, 0.0, value * 0.8, value * 0.2, 0.0)
                    w = waste if section == "solid_waste" else (None,) * 5
                    line_rows.append((rid, section, pos, item, value, unit, value, unit, *w, *w))
            month_rows.append({"e": e + 1, "p": period, "r": revisions, "rid": rid})
    names = (
        "revision_id, section, position, item, quantity, unit, canonical_quantity, "
        "canonical_unit, generated, from_storage, utilised, disposed, stored, "
        "canonical_generated, canonical_from_storage, canonical_utilised, canonical_disposed, "
        "canonical_stored"
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO report_revisions (id, enterprise_id, period, revision, submitted_at, "
                "channel, line_count) VALUES (:id, :e, :p, :r, :t, 'batch', :n)"
            ),
            rev_rows,
        )
        conn.execute(
            text(
                "INSERT INTO report_months (enterprise_id, period, latest_revision, "
                "latest_revision_id) VALUES (:e, :p, :r, :rid)"
            ),
            month_rows,
        )
        raw: Any = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY report_lines ({names}) FROM STDIN") as cp:
                for row in line_rows:
                    cp.write_row(row)
            conn.execute(text("SELECT setval('report_revisions_id_seq', :n)"), {"n": rid})
        else:
            marks = ", ".join("?" * 18)
            raw.executemany(f"INSERT INTO report_lines ({names}) VALUES ({marks})", line_rows)
        # Written around store_revisions: sum the heads' lines by item as it would have.
        rebuild_month_items(conn)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    return len(line_rows)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best wall time of ``repeat`` calls after one warm-up [s]."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def peak_memory(fn: Callable[[], object]) -> float:
    """Peak Python allocation during one call [MiB] (tracemalloc)."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=int, default=1, help="x 1,200 enterprises")
    parser.add_argument("--revisions", type=int, default=1, help="revisions of every month")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--compare", action="store_true", help="also time reports' aggregate_latest"
    )
    args = parser.parse_args()
    n_ent = 1_200 * args.scale
    factors = load_factor_set()
    with database(args.backend) as url:
        engine = make_engine(url)
        t0 = time.perf_counter()
        n_lines = load(engine, n_ent, args.revisions)
        print(
            f"{args.backend}: {n_ent:,} enterprises, {n_lines:,} lines "
            f"({args.revisions} revision(s) a month) loaded in {time.perf_counter() - t0:.1f} s"
        )
        admin = Principal(token_id=0, role=Role.ADMIN)
        today = date(YEAR + 1, 3, 1)
        district = InventoryQuery(level=Level.DISTRICT, id=None, year=YEAR)
        park = InventoryQuery(level=Level.PARK, id="BEIDU", year=YEAR)

        def service(query: InventoryQuery) -> Callable[[], object]:
            def run() -> object:
                with Session(engine) as s:
                    return build_inventory(s, admin, query, today=today, factors=factors)

            return run

        def sums() -> object:
            with Session(engine) as s:
                scope = repository.Scope(year=YEAR)
                return (
                    repository.activity_sums(s, scope, by_region=False),
                    repository.reported_months(s, scope),
                )

        def aggregate() -> object:
            with Session(engine) as s:
                return aggregate_latest(s, year_from=YEAR, year_to=YEAR)

        inv: Any = service(district)()
        print(
            f"district {YEAR}: total {inv.total_tco2e:,.0f} tCO2e, energy {inv.energy_tce:,.0f}"
            f" tce, {len(inv.by_enterprise):,} enterprises, {len(inv.by_source)} source rows"
        )
        timings: list[tuple[str, Callable[[], object]]] = [
            ("the SQL sums alone", sums),
            ("district inventory, service call", service(district)),
            ("park inventory, service call", service(park)),
        ]
        if args.compare:
            timings.append(("for comparison: aggregate_latest", aggregate))
        for label, fn in timings:
            med, best = timed(fn, args.repeat)
            print(f"  {label:<42} median {med * 1000:7.1f} ms   best {best * 1000:7.1f} ms")

        app = create_app(Settings(database_url=url), engine)
        with Session(engine) as s:
            token = create_token(s, Role.ADMIN)
            s.commit()
        client = TestClient(app)
        headers = {"Authorization": f"Bearer {token}"}
        for fmt in ("json", "csv", "xlsx"):

            def http(fmt: str = fmt) -> Any:
                r = client.get(
                    "/api/v1/inventory",
                    params={"level": "district", "year": YEAR, "format": fmt},
                    headers=headers,
                )
                assert r.status_code == 200, r.text
                return r

            med, best = timed(http, max(3, args.repeat // 2))
            size = len(http().content)
            label = f"district inventory over HTTP, {fmt} ({size / 1024:,.0f} KiB)"
            print(f"  {label:<42} median {med * 1000:7.1f} ms   best {best * 1000:7.1f} ms")
        print(
            f"  peak Python memory, district service call: {peak_memory(service(district)):.1f} MiB"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
