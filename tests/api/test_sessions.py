"""The request session's life: what HandlerRoute commits, rolls back and closes, and when."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from api.auth.ratelimit import FailureLimiter
from api.auth.tokens import PrincipalCache
from api.db import ReadSession, make_engine
from api.deps import (
    CurrentPrincipal,
    HandlerRoute,
    SessionDep,
    SettingsDep,
    in_thread,
    use_handler_threads,
)
from api.errors import install_error_handlers
from api.models import Park
from api.settings import Settings


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'sessions.db'}")
    SQLModel.metadata.create_all(engine)  # the token lookup reads api_tokens
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT body FROM notes ORDER BY body"))]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    router = APIRouter(route_class=HandlerRoute)

    @router.post("/notes/{body}")
    def add(body: str, session: SessionDep) -> dict[str, object]:
        session.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
        if body == "fail":
            raise RuntimeError("after writing")
        # Committed before the answer goes out: another connection sees it now.
        return {"kind": type(session).__name__}

    @router.get("/notes")
    def read(session: SessionDep) -> dict[str, object]:
        rows = session.execute(text("SELECT body FROM notes ORDER BY body")).all()
        return {"kind": type(session).__name__, "notes": [r[0] for r in rows]}

    @router.get("/write-in-a-get")
    def write_in_a_get(session: SessionDep) -> None:
        session.add(Park(code="X", name="X"))
        session.flush()  # refused before any SQL is sent

    @router.get("/private")
    def private(session: SessionDep, _: CurrentPrincipal) -> None:
        session.execute(text("SELECT 1"))

    @router.get("/private/{n}")
    def private_n(n: int, _: CurrentPrincipal, limit: Annotated[int, Query(ge=1)] = 1) -> None:
        return None

    app = FastAPI()
    app.state.engine = engine
    app.state.read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    app.state.auth_limiter = FailureLimiter(100)
    app.state.principals = PrincipalCache(30)
    install_error_handlers(app)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_a_write_is_committed_before_its_answer_and_every_connection_is_returned(
    client: TestClient, engine: Engine
) -> None:
    r = client.post("/notes/first")
    assert r.status_code == 200 and r.json() == {"kind": "Session"}
    assert _notes(engine) == ["first"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_handler_that_raises_leaves_nothing_written(client: TestClient, engine: Engine) -> None:
    assert client.post("/notes/fail").status_code == 500
    assert _notes(engine) == []
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_get_reads_in_a_read_session(client: TestClient, engine: Engine) -> None:
    client.post("/notes/a")
    r = client.get("/notes")
    assert r.json() == {"kind": "ReadSession", "notes": ["a"]}
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_get_cannot_write(client: TestClient, engine: Engine) -> None:
    with ReadSession(engine) as session, pytest.raises(RuntimeError, match="does not write"):
        session.add(Park(code="X", name="X"))
        session.flush()
    assert client.get("/write-in-a-get").status_code == 500
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_request_refused_before_its_handler_holds_no_connection(
    client: TestClient, engine: Engine
) -> None:
    assert client.get("/private").status_code == 401  # no bearer token
    bad = {"Authorization": "Bearer ck_000000000000_nope"}
    assert client.get("/private", headers=bad).status_code == 401  # looked up, not found
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_coroutine_handler_cannot_take_a_session() -> None:
    router = APIRouter(route_class=HandlerRoute)

    async def handler(session: SessionDep) -> None:
        return None

    with pytest.raises(TypeError, match="only a plain"):
        router.add_api_route("/x", handler)


def test_handlers_run_on_the_event_loop_unless_marked_in_thread(engine: Engine) -> None:
    seen: dict[str, set[str]] = {"loop": set(), "thread": set()}
    router = APIRouter(route_class=HandlerRoute)

    @router.get("/loop")
    def on_the_loop() -> None:
        asyncio.get_running_loop()  # raises RuntimeError off the event loop's thread
        seen["loop"].add(threading.current_thread().name)

    @router.get("/thread")
    @in_thread
    def on_a_thread() -> None:
        seen["thread"].add(threading.current_thread().name)

    app = FastAPI()
    app.include_router(router)
    default = Settings().handler_threads
    try:
        use_handler_threads(1)
        with TestClient(app) as c, ThreadPoolExecutor(8) as clients:
            for path in ("/loop", "/thread"):
                statuses = list(clients.map(lambda _, p=path: c.get(p).status_code, range(40)))
                assert statuses == [200] * 40
        assert len(seen["thread"]) == 1 and next(iter(seen["thread"])).startswith("handler")
        assert not any(name.startswith("handler") for name in seen["loop"])
    finally:
        use_handler_threads(default)
    with pytest.raises(ValidationError, match="handler_threads"):
        Settings(handler_threads=0)


def test_a_session_is_only_given_by_a_handler_route(engine: Engine) -> None:
    """On a route of another class, nothing would end the session: it is refused."""
    router = APIRouter()

    @router.get("/plain")
    def plain(session: SessionDep) -> None:
        session.execute(text("SELECT 1"))

    app = FastAPI()
    app.include_router(router)
    with (
        TestClient(app, raise_server_exceptions=True) as c,
        pytest.raises(RuntimeError, match="HandlerRoute"),
    ):
        c.get("/plain")
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_settings_and_the_request_reach_a_handler_in_its_hop(engine: Engine) -> None:
    router = APIRouter(route_class=HandlerRoute)

    @router.get("/settings/{name}")
    def read(name: str, settings: SettingsDep, request: Request) -> dict[str, object]:
        return {"name": name, "threads": settings.handler_threads, "path": request.url.path}

    app = FastAPI()
    app.state.settings = Settings(handler_threads=3)
    app.include_router(router)
    with TestClient(app) as c:
        assert c.get("/settings/x").json() == {"name": "x", "threads": 3, "path": "/settings/x"}


def test_the_served_app_reads_on_a_pool_of_autocommit_connections(tmp_path: Path) -> None:
    """Built without an engine (as ``carbon serve`` builds it), the app reads on a pool of its
    own whose connections stay in autocommit, and writes on another."""
    from api.main import create_app

    url = f"sqlite:///{tmp_path / 'served.db'}"
    setup = make_engine(url)
    with setup.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    setup.dispose()
    app = create_app(Settings(database_url=url))
    read, write = app.state.read_engine, app.state.engine
    try:
        assert read.pool is not write.pool
        with read.connect() as conn:  # no commit: each statement is its own transaction
            conn.execute(text("INSERT INTO notes (body) VALUES ('read pool')"))
        with write.connect() as conn:  # not committed: rolled back when given back
            conn.execute(text("INSERT INTO notes (body) VALUES ('write pool')"))
        with write.connect() as conn:
            assert conn.execute(text("SELECT body FROM notes")).scalars().all() == ["read pool"]
    finally:
        read.dispose()
        write.dispose()


def test_the_token_is_checked_before_the_parameters(client: TestClient) -> None:
    """A caller without a valid token learns nothing about the request it sent: 401, not 422."""
    assert client.get("/private/not-a-number?limit=-5").status_code == 401
    bad = {"Authorization": "Bearer ck_000000000000_nope"}
    assert client.get("/private/not-a-number?limit=-5", headers=bad).status_code == 401
