"""Concurrent submissions to one month get distinct, gapless revision numbers.

Each thread does what an API worker does for a request: its own session, the same service
call, a commit. The PostgreSQL test takes a PostgreSQL-only database fixture (real row locks,
real parallelism); the second test runs on every backend, SQLite's single writer included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.auth.principal import Principal, Role
from api.auth.tokens import create_token, verify_token
from api.db import make_engine, session_scope
from api.models import Enterprise, Park, ReportLine, ReportMonth, ReportRevision
from api.reports import service
from api.reports.parsing import parse_json_batch
from api.reports.schemas import EXAMPLE_BODY, ReportIn
from tests.dbs import backends, fresh_database
from tests.helpers import make_uscc
from tests.world import World

TODAY = date(2025, 1, 15)
LINES = 9  # EXAMPLE_BODY: 3 energy + 2 water + 1 waste + 1 production + 2 economics


@pytest.fixture(scope="module", params=[b for b in backends() if b == "postgresql"])
def pg_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated PostgreSQL database of its own (this module's tests need real concurrency)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("pg")) as url:
        engine = make_engine(url, pool_size=10, max_overflow=10)
        try:
            yield engine
        finally:
            engine.dispose()


def _admin(engine: Engine, uscc: str) -> Principal:
    """An enterprise ``uscc`` in park P1, and an admin principal with a real token."""
    with session_scope(engine) as s:
        if s.exec(select(Park).where(Park.code == "P1")).first() is None:  # type: ignore[call-overload]
            s.add(Park(code="P1", name="一号园区"))
            s.flush()
        s.add(Enterprise(uscc=uscc, name="并发", park_code="P1", industry_code="3216"))
        s.flush()
        token = create_token(s, Role.ADMIN)
        principal = verify_token(s, token)
    assert principal is not None
    return principal


def _revisions(engine: Engine, uscc: str, period: str) -> list[int]:
    with engine.connect() as conn:
        stmt = (
            select(ReportRevision.revision)  # type: ignore[call-overload]
            .join(Enterprise, Enterprise.id == ReportRevision.enterprise_id)
            .where(Enterprise.uscc == uscc, ReportRevision.period == period)
            .order_by(ReportRevision.revision)
        )
        return [int(r) for r in conn.execute(stmt).scalars().all()]


def _head(engine: Engine, uscc: str, period: str) -> tuple[int, int]:
    """The month's head: its latest revision number and the number of the revision it points at."""
    with engine.connect() as conn:
        row = conn.execute(
            select(ReportMonth.latest_revision, ReportRevision.revision)  # type: ignore[call-overload]
            .join(ReportRevision, ReportRevision.id == ReportMonth.latest_revision_id)
            .join(Enterprise, Enterprise.id == ReportMonth.enterprise_id)
            .where(Enterprise.uscc == uscc, ReportMonth.period == period)
        ).one()
    return int(row[0]), int(row[1])


def _hammer(threads: int, each: int, work: Callable[[int, int], None]) -> None:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [
            pool.submit(lambda t=t: [work(t, i) for i in range(each)]) for t in range(threads)
        ]
        for f in futures:
            f.result()


def test_concurrent_puts_to_one_month_get_gapless_revisions_on_postgresql(
    pg_engine: Engine,
) -> None:
    uscc = make_uscc(7001)
    admin = _admin(pg_engine, uscc)
    body: ReportIn = EXAMPLE_BODY  # type: ignore[assignment]
    seen: list[int] = []

    def put(_: int, __: int) -> None:
        with session_scope(pg_engine) as s:
            out = service.submit_report(s, admin, uscc, "2024-05", body, today=TODAY)
        seen.append(out.revision)

    _hammer(8, 10, put)
    # 8 threads × 10 PUTs: revisions 1 … 80, each answered once, none lost, none twice.
    assert sorted(seen) == list(range(1, 81))
    assert _revisions(pg_engine, uscc, "2024-05") == list(range(1, 81))
    assert _head(pg_engine, uscc, "2024-05") == (80, 80)
    with pg_engine.connect() as conn:
        lines = conn.execute(select(func.count()).select_from(ReportLine)).scalar_one()
    assert lines == 80 * LINES


def test_concurrent_batches_over_shared_months_neither_deadlock_nor_skip_on_postgresql(
    pg_engine: Engine,
) -> None:
    uscc = make_uscc(7002)
    admin = _admin(pg_engine, uscc)
    months = ["2024-01", "2024-02", "2024-03"]

    def batch(t: int, _: int) -> None:
        # Half the threads name the months forwards, half backwards.
        order = months if t % 2 else months[::-1]
        doc = json.dumps(
            {"reports": [{"uscc": uscc, "period": m, **EXAMPLE_BODY} for m in order]}
        ).encode()
        with session_scope(pg_engine) as s:
            service.import_batch(s, admin, parse_json_batch(doc), today=TODAY)

    _hammer(6, 5, batch)
    for m in months:  # 6 threads × 5 batches, each naming every month once
        assert _revisions(pg_engine, uscc, m) == list(range(1, 31))
        assert _head(pg_engine, uscc, m) == (30, 30)


def test_concurrent_puts_on_every_backend(world: World) -> None:
    uscc = world.enterprises["a"]
    with Session(world.engine) as s:
        admin = verify_token(s, world.tokens["admin"])
    assert admin is not None
    body: ReportIn = EXAMPLE_BODY  # type: ignore[assignment]

    def put(_: int, __: int) -> None:
        with session_scope(world.engine) as s:
            service.submit_report(s, admin, uscc, "2024-05", body, today=TODAY)

    _hammer(4, 5, put)
    assert _revisions(world.engine, uscc, "2024-05") == list(range(1, 21))
    assert _head(world.engine, uscc, "2024-05") == (20, 20)
