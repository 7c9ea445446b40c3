"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel.sql.sqltypes import AutoString

from api.db import make_engine
from api.models import metadata
from api.models.base import UTCDateTime
from api.settings import get_settings

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


#: Tables in the database that the migrations do not own: APScheduler creates and manages its
#: job store itself (``carbon scheduler``).
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave tables we do not own (and their indexes) out of autogenerate's comparison."""
    if type_ == "table":
        return name not in FOREIGN_TABLES
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) not in FOREIGN_TABLES


url = config.attributes.get("database_url") or get_settings().database_url


#: What every run shares: our metadata, batch mode for SQLite, plain types, foreign tables left out.
OPTIONS: dict[str, Any] = {
    "target_metadata": metadata,
    "render_as_batch": True,
    "render_item": render_item,
    "include_object": include_object,
}


def _run(**configure: Any) -> None:
    context.configure(**configure, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    _run(url=url, literal_binds=True)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection=connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(connection=conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
