"""Concurrency and faults: many writers on the same months, a server killed in the middle of
a large batch, database connections cut under a running service.

Afterwards every acknowledged write is stored, revision numbers run 1..N without a gap or a
duplicate, every revision holds all its lines, each month's head points at its newest
revision, nothing of a request that was not acknowledged is left, and the service answers
again without being restarted by hand.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from tests.dbs import _pg_conninfo, backends, fresh_database
from tests.hardening.seed import report
from tests.world import World, build_world

LINES_PER_REPORT = 7  # report(): 2 energy, 1 water, 1 waste, 1 production, 2 economics

needs_postgres = pytest.mark.skipif(
    "postgresql" not in backends(), reason="needs PostgreSQL (CARBON_TEST_DATABASES)"
)


def check_reports(engine: Engine) -> dict[tuple[str, str], int]:
    """Assert the stored reports are whole; return each (USCC, month)'s revision count.

    Revisions of a month are exactly 1..N; each holds ``line_count`` lines; the month's head
    says N and points at revision N.
    """
    with engine.connect() as conn:
        revisions = conn.execute(
            text(
                "SELECT e.uscc, r.period, r.revision, r.id, r.line_count,"
                " (SELECT count(*) FROM report_lines l WHERE l.revision_id = r.id)"
                " FROM report_revisions r JOIN enterprises e ON e.id = r.enterprise_id"
                " ORDER BY 1, 2, 3"
            )
        ).all()
        heads = {
            (u, p): (n, rid)
            for u, p, n, rid in conn.execute(
                text(
                    "SELECT e.uscc, m.period, m.latest_revision, m.latest_revision_id"
                    " FROM report_months m JOIN enterprises e ON e.id = m.enterprise_id"
                )
            ).all()
        }
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM report_lines l WHERE NOT EXISTS"
                " (SELECT 1 FROM report_revisions r WHERE r.id = l.revision_id)"
            )
        ).scalar_one()
    assert orphans == 0
    months: dict[tuple[str, str], list[Any]] = {}
    for row in revisions:
        months.setdefault((row[0], row[1]), []).append(row)
        assert row[4] == row[5], f"revision {row[2]} of {row[0]} {row[1]}: lines {row[5]}/{row[4]}"
    assert set(heads) == set(months), "a month head without revisions, or revisions without one"
    for key, rows in months.items():
        numbers = [r[2] for r in rows]
        assert numbers == list(range(1, len(rows) + 1)), f"{key}: revisions {numbers}"
        assert heads[key] == (len(rows), rows[-1][3]), f"{key}: head {heads[key]}"
    return {key: len(rows) for key, rows in months.items()}


# --- many clients writing the same months -----------------------------------------------------


@pytest.mark.parametrize("backend", backends())
def test_concurrent_writers_on_the_same_months_lose_nothing(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            _concurrent_writers(engine, url)
        finally:
            engine.dispose()


def _concurrent_writers(engine: Engine, url: str) -> None:
    app = create_app(Settings(database_url=url, auth_failure_limit=10**6), engine)
    world = build_world(engine)
    a, small = world.enterprises["a"], world.enterprises["small"]
    months = ("2022-01", "2022-02")
    clients, rounds = 8, 6

    def writer(n: int) -> list[tuple[str, Any]]:
        client = TestClient(app)
        done = []
        for i in range(rounds):
            period = months[(n + i) % 2]
            if (n + i) % 3 == 0:
                # A batch: both months of a, twice the first, and one month of small.
                reports = [
                    {"uscc": a, "period": months[1], **report(10.0 + n)},
                    {"uscc": small, "period": period, **report(20.0 + n)},
                    {"uscc": a, "period": months[0], **report(30.0 + n)},
                    {"uscc": a, "period": months[0], **report(40.0 + n)},
                ]
                r = client.post(
                    "/api/v1/reports/batch",
                    json={"reports": reports},
                    headers=world.headers("pm_beidu"),
                )
                done.append(("batch", r))
            else:
                who = "ent_a" if n % 2 else "admin"
                r = client.put(
                    f"/api/v1/enterprises/{a}/reports/{period}",
                    json=report(100.0 + n * 10 + i),
                    headers=world.headers(who),
                )
                done.append((period, r))
        return done

    with ThreadPoolExecutor(clients) as pool:
        results = [x for batch in pool.map(writer, range(clients)) for x in batch]

    failed = [(k, r.status_code, r.text[:200]) for k, r in results if r.status_code >= 300]
    assert not failed, failed
    expected = {(a, months[0]): 0, (a, months[1]): 0}
    put_revisions: dict[str, list[int]] = {m: [] for m in months}
    for kind, r in results:
        if kind == "batch":
            assert r.json()["reports"] == 4 and r.json()["lines"] == 4 * LINES_PER_REPORT
            expected[(a, months[0])] += 2
            expected[(a, months[1])] += 1
        else:
            expected[(a, kind)] += 1
            body = r.json()
            put_revisions[kind].append(body["revision"])
            assert r.status_code == (201 if body["revision"] == 1 else 200)
    counts = check_reports(engine)
    assert {k: v for k, v in counts.items() if k[0] == a} == expected
    for period, numbers in put_revisions.items():
        assert len(numbers) == len(set(numbers)), f"{period}: a revision number given twice"
        assert set(numbers) <= set(range(1, expected[(a, period)] + 1))
    batches = sum(1 for k, _ in results if k == "batch")
    assert sum(v for k, v in counts.items() if k[0] == small) == batches


# --- a live server, killed ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``carbon serve`` on a free loopback port against ``url``; yields the process and base URL."""
    port = _free_port()
    env = {**os.environ, "CARBON_DATABASE_URL": url, "CARBON_LOG_LEVEL": "INFO"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, f"carbon serve exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "carbon serve did not come up in 30 s"
            time.sleep(0.1)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _writing_backends(url: str) -> int:
    """Backends of the database in ``url`` (other than this one) that have written something."""
    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def _big_batch(uscc: str, months: int = 240, lines: int = 500) -> dict[str, Any]:
    """``months`` months (2001-01 on) of ``lines`` grid meters each: 120,000 lines."""
    reports = []
    for m in range(months):
        period = f"{2001 + m // 12}-{m % 12 + 1:02d}"
        energy = [
            {"carrier": "electricity_grid", "quantity": 1.0 + k, "unit": "kWh"}
            for k in range(lines)
        ]
        reports.append({"uscc": uscc, "period": period, "energy": energy})
    return {"reports": reports}


@needs_postgres
def test_a_server_killed_mid_batch_leaves_no_partial_report_and_restarts(
    tmp_path: Path,
) -> None:
    log = tmp_path / "serve.log"
    with fresh_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        try:
            world = build_world(engine)
            _kill_mid_batch(url, engine, world, log)
        finally:
            engine.dispose()
    # Nothing the server logged (requests with good and bad tokens) holds a token's secret.
    logged = log.read_text()
    assert "POST /api/v1/reports/batch" in logged or "Uvicorn running" in logged
    for token in world.tokens.values():
        assert token.split("_", 2)[2] not in logged


def _kill_mid_batch(url: str, engine: Engine, world: World, log: Path) -> None:
    a = world.enterprises["a"]
    batch = _big_batch(a)
    outcome: dict[str, Any] = {}

    def send(base: str) -> None:
        try:
            outcome["response"] = httpx.post(
                f"{base}/api/v1/reports/batch",
                json=batch,
                headers=world.headers("admin"),
                timeout=60,
            )
        except httpx.TransportError as exc:
            outcome["error"] = exc

    with serve(url, log) as (proc, base):
        # One acknowledged month before the batch: it must survive the crash.
        r = httpx.put(
            f"{base}/api/v1/enterprises/{a}/reports/2022-01",
            json=report(1.0),
            headers=world.headers("ent_a"),
        )
        assert r.status_code == 201, r.text
        httpx.get(f"{base}/api/v1/parks", headers={"Authorization": "Bearer ck_bad_token"})
        sender = threading.Thread(target=send, args=(base,))
        sender.start()
        deadline = time.monotonic() + 60
        while _writing_backends(url) == 0:
            assert "response" not in outcome, "the batch finished before it could be killed"
            assert time.monotonic() < deadline, "the batch never started writing"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sender.join(30)
    assert "error" in outcome and "response" not in outcome, "the killed request was answered"
    # PostgreSQL notices the dead client and rolls its transaction back.
    deadline = time.monotonic() + 20
    while _writing_backends(url) > 0:
        assert time.monotonic() < deadline, "the killed server's session is still there"
        time.sleep(0.05)
    assert check_reports(engine) == {(a, "2022-01"): 1}

    # Restarted, the service works: the next revision of the month is 2, the batch is whole.
    with serve(url, log) as (_, base):
        r = httpx.put(
            f"{base}/api/v1/enterprises/{a}/reports/2022-01",
            json=report(2.0),
            headers=world.headers("ent_a"),
        )
        assert (r.status_code, r.json()["revision"]) == (200, 2)
        small = _big_batch(a, months=24, lines=5)
        r = httpx.post(
            f"{base}/api/v1/reports/batch", json=small, headers=world.headers("admin"), timeout=60
        )
        assert r.status_code == 200 and r.json()["lines"] == 24 * 5, r.text
    counts = check_reports(engine)
    assert counts[(a, "2022-01")] == 2 and len(counts) == 25


# --- connections cut under a running service ----------------------------------------------------


def _terminate_all(url: str) -> int:
    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            # Waiting (up to 5 s) until each backend has ended: the requests that follow
            # find their pooled connections already cut.
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@needs_postgres
def test_the_service_recovers_when_every_database_connection_is_cut(tmp_path: Path) -> None:
    """pg_terminate_backend on every session of the service's database, twice, while it
    serves: the following requests all succeed (a pooled connection whose backend is gone
    is replaced when it is checked out: api.db._check_alive)."""
    with fresh_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        try:
            app = create_app(Settings(database_url=url, auth_failure_limit=10**6), engine)
            world = build_world(engine)
            a = world.enterprises["a"]

            def work(n: int) -> int:
                client = TestClient(app)
                r = client.put(
                    f"/api/v1/enterprises/{a}/reports/2022-0{n % 3 + 1}",
                    json=report(float(n)),
                    headers=world.headers("ent_a"),
                )
                g = client.get(f"/api/v1/enterprises/{a}/reports", headers=world.headers("admin"))
                return r.status_code if g.status_code == 200 else g.status_code

            with ThreadPoolExecutor(6) as pool:
                assert all(s in (200, 201) for s in pool.map(work, range(12)))
                for _ in range(2):
                    assert _terminate_all(url) >= 1  # the pooled connections
                    assert all(s in (200, 201) for s in pool.map(work, range(12)))
            assert sum(check_reports(engine).values()) == 36
        finally:
            engine.dispose()
