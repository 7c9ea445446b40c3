"""Time batch ingestion of a province-scale year of monthly reports, and the aggregate over it.

Generates 1,200 enterprises × 12 months × 11 lines (158,400 lines; two enterprises in three
with a second electricity meter bring it to 168,000), registers the enterprises, and sends the
whole year to ``POST /api/v1/reports/batch`` through the application, as JSON and then as CSV
(the CSV goes in as every month's second revision). Prints lines per second on SQLite (a file)
and on PostgreSQL (a throwaway database on 127.0.0.1:5432, user postgres, created and dropped
here), the time of each phase, and the time of ``aggregate_latest`` over the year.

Run: ``.venv/bin/python -m bench.bench_ingest [--enterprises N] [--sqlite-only]``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlalchemy.engine import make_url
from sqlmodel import Session
from stdnum.cn import uscc as stdnum_uscc

from api.auth.principal import Principal, Role
from api.auth.tokens import create_token
from api.db import make_engine
from api.main import create_app
from api.migrate import upgrade
from api.models import Enterprise, Park
from api.reports import repository, service
from api.reports.parsing import UPLOAD_COLUMNS, parse_json_batch
from api.settings import Settings

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
YEAR = 2024
PARKS = ("BEIDU", "QIAOHE", "TONGHUI", "GUXIANG")


def uscc_of(n: int) -> str:
    base = f"91500110{n:09d}"
    return base + stdnum_uscc.calc_check_digit(base)


def make_year(n_enterprises: int, seed: int = 2024) -> list[dict[str, Any]]:
    """A year of reports for ``n_enterprises``, in the units enterprises use."""
    rng = np.random.default_rng(seed)
    reports: list[dict[str, Any]] = []
    for e in range(n_enterprises):
        uscc = uscc_of(e + 1)
        scale = float(rng.lognormal(0.0, 1.0))
        two_meters = e % 3 != 0
        for month in range(1, 13):
            jitter = float(rng.uniform(0.85, 1.15))
            kwh = 800_000.0 * scale * jitter
            energy = [
                {
                    "carrier": "electricity_grid",
                    "quantity": round(kwh / 1e4, 2),
                    "unit": "万千瓦时",
                },
                {
                    "carrier": "electricity_onsite_renewable",
                    "quantity": round(kwh * 0.05),
                    "unit": "kWh",
                },
                {
                    "carrier": "natural_gas",
                    "quantity": round(3.2 * scale * jitter, 3),
                    "unit": "万立方米",
                },
                {"carrier": "diesel", "quantity": round(1800 * scale * jitter), "unit": "kg"},
                {
                    "carrier": "heat_purchased",
                    "quantity": round(950 * scale * jitter, 1),
                    "unit": "吉焦",
                },
            ]
            if two_meters:
                energy.append(
                    {"carrier": "electricity_grid", "quantity": round(kwh * 0.3), "unit": "度"}
                )
            generated = round(120 * scale * jitter, 2)
            reports.append(
                {
                    "uscc": uscc,
                    "period": f"{YEAR}-{month:02d}",
                    "energy": energy,
                    "water": [
                        {
                            "kind": "fresh_withdrawal",
                            "quantity": round(1200 * scale * jitter),
                            "unit": "m3",
                        },
                        {"kind": "reused", "quantity": round(5000 * scale * jitter), "unit": "t"},
                    ],
                    "solid_waste": [
                        {
                            "category": "fly_ash",
                            "unit": "t",
                            "generated": generated,
                            "from_storage": 0,
                            "utilised": round(generated * 0.8, 2),
                            "disposed": round(generated * 0.2, 2),
                            "stored": 0,
                        }
                    ],
                    "production": [
                        {
                            "product": "castings",
                            "quantity": round(2500 * scale * jitter),
                            "unit": "t",
                        }
                    ],
                    "economics": {
                        "gross_output_value": {
                            "quantity": round(15000 * scale * jitter, 1),
                            "unit": "万元",
                        },
                        "value_added": {
                            "quantity": round(3000 * scale * jitter, 1),
                            "unit": "万元",
                        },
                    },
                }
            )
    return reports


def to_csv(reports: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UPLOAD_COLUMNS)
    blank = [""] * 5
    for r in reports:
        head = [r["uscc"], r["period"]]
        for line in r["energy"]:
            writer.writerow(
                [*head, "energy", line["carrier"], line["quantity"], line["unit"], *blank]
            )
        for line in r["water"]:
            writer.writerow([*head, "water", line["kind"], line["quantity"], line["unit"], *blank])
        for w in r["solid_waste"]:
            amounts = [w["generated"], w["from_storage"], w["utilised"], w["disposed"], w["stored"]]
            writer.writerow([*head, "solid_waste", w["category"], "", w["unit"], *amounts])
        for line in r["production"]:
            writer.writerow(
                [*head, "production", line["product"], line["quantity"], line["unit"], *blank]
            )
        for name, amount in r["economics"].items():
            writer.writerow([*head, "economics", name, amount["quantity"], amount["unit"], *blank])
    return out.getvalue().encode()


def count_lines(reports: list[dict[str, Any]]) -> int:
    return sum(
        len(r["energy"])
        + len(r["water"])
        + len(r["solid_waste"])
        + len(r["production"])
        + len(r["economics"])
        for r in reports
    )


def register(engine: Engine, n_enterprises: int) -> str:
    """Parks, enterprises and an admin token; returns the token."""
    with Session(engine) as s:
        conn = s.connection()
        conn.execute(
            insert(Park.__table__),  # type: ignore[attr-defined]
            [{"code": p, "name": p, "counts_as_park": True, "created_at": _now()} for p in PARKS],
        )
        conn.execute(
            insert(Enterprise.__table__),  # type: ignore[attr-defined]
            [
                {
                    "uscc": uscc_of(e + 1),
                    "name": f"企业{e + 1}",
                    "park_code": PARKS[e % len(PARKS)],
                    "industry_code": "3391",
                    "above_designated_size": True,
                    "region": "CN-CQ",
                    "created_at": _now(),
                    "updated_at": _now(),
                }
                for e in range(n_enterprises)
            ],
        )
        token = create_token(s, Role.ADMIN)
        s.commit()
    return token


def _now() -> Any:
    from api.models.base import utcnow

    return utcnow()


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"carbon_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN).set(database=name).render_as_string(False)
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def phases(engine: Engine, body: bytes, lines: int) -> None:
    """Time the phases of one JSON batch on ``engine`` (then roll it back)."""
    t0 = time.perf_counter()
    parsed = parse_json_batch(body)
    t1 = time.perf_counter()
    lines_frame = service._normalise(parsed)
    t2 = time.perf_counter()
    admin = Principal(token_id=1, role=Role.ADMIN)
    with Session(engine) as s:
        ids, _ = service._resolve_enterprises(s, admin, parsed)
        t3 = time.perf_counter()
        import pandas as pd

        reports = pd.DataFrame({"enterprise_id": ids, "period": parsed.reports["period"]})
        repository.store_revisions(
            s, reports=reports, lines=lines_frame, channel="batch", token_id=None, batch_id="x"
        )
        t4 = time.perf_counter()
        s.rollback()
    print(
        f"  phases: parse+validate JSON {t1 - t0:.2f} s, normalise {t2 - t1:.2f} s, "
        f"enterprises {t3 - t2:.2f} s, store {t4 - t3:.2f} s "
        f"({lines / (t4 - t3):,.0f} lines/s stored)"
    )


def run(backend: str, url: str, n_enterprises: int) -> None:
    reports = make_year(n_enterprises)
    lines = count_lines(reports)
    body = json.dumps({"reports": reports}, ensure_ascii=False).encode()
    csv_body = to_csv(reports)
    engine = make_engine(url)
    token = register(engine, n_enterprises)
    app = create_app(Settings(database_url=url), engine)
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    print(
        f"{backend}: {len(reports):,} reports, {lines:,} lines "
        f"(JSON {len(body) / 2**20:.1f} MiB, CSV {len(csv_body) / 2**20:.1f} MiB)"
    )
    phases(engine, body, lines)
    for kind, content, media in (
        ("JSON", body, "application/json"),
        ("CSV", csv_body, "text/csv"),
    ):
        start = time.perf_counter()
        r = client.post(
            "/api/v1/reports/batch", content=content, headers={**auth, "content-type": media}
        )
        elapsed = time.perf_counter() - start
        assert r.status_code == 200, r.text[:500]
        assert r.json()["lines"] == lines
        print(f"  batch {kind:4s} via HTTP: {elapsed:.2f} s, {lines / elapsed:,.0f} lines/s")
    with Session(engine) as s:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            frame = repository.aggregate_latest(s, year_from=YEAR, year_to=YEAR)
            best = min(best, time.perf_counter() - start)
    print(
        f"  aggregate_latest over the year: {best * 1000:.0f} ms (best of 5), {len(frame):,} rows"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1200)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with sqlite_database() as url:
        run("SQLite (file)", url, args.enterprises)
    if not args.sqlite_only:
        with postgres_database() as url:
            run("PostgreSQL", url, args.enterprises)


if __name__ == "__main__":
    main()
