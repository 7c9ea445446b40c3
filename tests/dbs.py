"""Test databases: a fresh SQLite file or PostgreSQL database per run, built by the migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from api.migrate import upgrade
from api.models import metadata

POSTGRES_ADMIN_URL = os.environ.get(
    "CARBON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def backends() -> list[str]:
    """The backends to test on: ``CARBON_TEST_DATABASES`` (default both)."""
    raw = os.environ.get("CARBON_TEST_DATABASES", "sqlite,postgresql")
    return [b.strip() for b in raw.split(",") if b.strip()]


def _pg_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, tmp_dir: Path, *, migrate: bool = True) -> Iterator[str]:
    """Create an empty database, migrate it to head, yield its URL, and drop it afterwards."""
    if backend == "sqlite":
        path = tmp_dir / f"carbon-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        if migrate:
            upgrade(url)
        yield url
        return
    if backend != "postgresql":
        raise ValueError(f"unknown test backend {backend!r}")
    name = f"carbon_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_conninfo(POSTGRES_ADMIN_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}. "
            "Start it, or set CARBON_TEST_DATABASES=sqlite to test on SQLite alone."
        ) from exc
    url = str(make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def truncate_all(engine: Engine) -> None:
    """Empty every table of the schema, keeping the schema (fast reset between tests)."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            has_seq = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).first()
            if has_seq:
                conn.execute(text("DELETE FROM sqlite_sequence"))
