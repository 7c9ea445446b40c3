"""The migrations are the only way to the schema: they go up, down and up again on both
backends, and the schema they build matches the models exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from api.db import make_engine
from api.migrate import downgrade, upgrade
from api.models import metadata
from tests.dbs import backends, fresh_database

#: APScheduler's job store: created by the scheduler itself, not by the migrations.
FOREIGN_TABLES = {"apscheduler_jobs"}


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table":
        return name not in FOREIGN_TABLES
    return getattr(getattr(obj, "table", None), "name", None) not in FOREIGN_TABLES


@pytest.mark.parametrize("backend", backends())
def test_migrations_up_down_up_and_match_the_models(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrate=False) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            SQLAlchemyJobStore(engine=engine).jobs_t.create(engine, checkfirst=True)
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"include_object": _ours})
                diff = compare_metadata(context, metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            assert set(metadata.tables) <= set(inspect(engine).get_table_names())
            downgrade(url, "base")
            engine.dispose()
            assert set(inspect(engine).get_table_names()) <= {"alembic_version", *FOREIGN_TABLES}
            upgrade(url)
            engine.dispose()
            assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
