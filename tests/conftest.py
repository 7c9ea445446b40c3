"""Fixtures shared by every test: databases on each backend, the app, tenants and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from tests.dbs import backends, fresh_database, truncate_all
from tests.world import World, build_world


@pytest.fixture(scope="session", params=backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database on each backend, shared by a run's tests (emptied after each)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auth_failure_limit=1_000_000)


@pytest.fixture(scope="session")
def app_instance(settings: Settings):  # type: ignore[no-untyped-def]
    """The application as ``carbon serve`` builds it: its own pools, one for writes and one
    of autocommit connections for reads."""
    app = create_app(settings)
    yield app
    app.state.engine.dispose()
    app.state.read_engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The engine of a database that is empty when the test starts and emptied after it."""
    truncate_all(engine)
    yield engine
    truncate_all(engine)


@pytest.fixture
def client(app_instance, db: Engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_instance)


@pytest.fixture
def world(db: Engine) -> World:
    """The test district of :mod:`tests.world`, in a database emptied for this test."""
    return build_world(db)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
