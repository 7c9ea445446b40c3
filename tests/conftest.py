"""Fixtures shared by every test: databases on each backend, the app, tenants and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth.principal import Role
from api.auth.tokens import create_token
from api.db import make_engine
from api.main import create_app
from api.models import Enterprise, Park
from api.settings import Settings
from tests.dbs import backends, fresh_database, truncate_all
from tests.helpers import make_uscc


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
def app_instance(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    return create_app(settings, engine)


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The engine of a database that is empty when the test starts and emptied after it."""
    truncate_all(engine)
    yield engine
    truncate_all(engine)


@pytest.fixture
def client(app_instance, db: Engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_instance)


@dataclass
class World:
    """Two parks, a town, enterprises in each, and a token for every role and tenant."""

    engine: Engine
    parks: dict[str, str] = field(default_factory=dict)
    enterprises: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        """Authorization headers of ``who``: admin, pm_beidu, pm_qiaohe, ent_a, ent_b, ent_town."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def token(self, role: Role, park: str | None = None, uscc: str | None = None) -> str:
        with Session(self.engine) as s:
            tok = create_token(s, role, park_code=park, uscc=uscc)
            s.commit()
        return tok


@pytest.fixture
def world(db: Engine) -> World:
    """Tenants: BEIDU with enterprise ``a`` (aluminium), QIAOHE with ``b`` (gears), TOWN_SANJIANG
    (not a park) with ``town``, and ``outside`` in no park; ``small`` is below designated size."""
    w = World(engine=db)
    w.parks = {"BEIDU": "北渡组团", "QIAOHE": "桥河组团", "TOWN_SANJIANG": "三江街道"}
    w.enterprises = {
        "a": make_uscc(1),
        "b": make_uscc(2),
        "town": make_uscc(3),
        "outside": make_uscc(4),
        "small": make_uscc(5),
    }
    ents = [
        ("a", "示范铝业", "BEIDU", "3216", True),
        ("b", "示范齿轮", "QIAOHE", "3453", True),
        ("town", "示范食品", "TOWN_SANJIANG", "1391", True),
        ("outside", "示范水泥", None, "3011", True),
        ("small", "示范小厂", "BEIDU", "3399", False),
    ]
    with Session(db) as s:
        for code, name in w.parks.items():
            s.add(Park(code=code, name=name, counts_as_park=not code.startswith("TOWN")))
        s.flush()
        for key, name, park, industry, above in ents:
            s.add(
                Enterprise(
                    uscc=w.enterprises[key],
                    name=name,
                    park_code=park,
                    industry_code=industry,
                    above_designated_size=above,
                )
            )
        s.flush()
        w.tokens = {
            "admin": create_token(s, Role.ADMIN),
            "pm_beidu": create_token(s, Role.PARK_MANAGER, park_code="BEIDU"),
            "pm_qiaohe": create_token(s, Role.PARK_MANAGER, park_code="QIAOHE"),
            "ent_a": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["a"]),
            "ent_b": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["b"]),
            "ent_town": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["town"]),
        }
        s.commit()
    return w


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
