"""Every query on parks and enterprises."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Connection, Integer, Select, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from api.auth.principal import Principal, Role
from api.db import fetch, reading
from api.models import Enterprise, Park

# Statements of the lookups on every request: built once, values bound.
_ENTERPRISE_BY_USCC = select(Enterprise).where(Enterprise.uscc == bindparam("uscc"))
_PARK_BY_CODE = select(Park).where(Park.code == bindparam("code"))


def get_park(session: Session, code: str) -> Park | None:
    return session.exec(_PARK_BY_CODE, params={"code": code}).first()


def list_parks(session: Session, principal: Principal) -> Sequence[tuple[Park, int]]:
    """Parks the caller sees, each with its number of enterprises."""
    counts = (
        select(Enterprise.park_code, func.count().label("n"))
        .group_by(col(Enterprise.park_code))
        .subquery()
    )
    stmt = (
        select(Park, func.coalesce(counts.c.n, 0))
        .join(counts, counts.c.park_code == Park.code, isouter=True)
        .order_by(col(Park.code))
    )
    if principal.role is Role.PARK_MANAGER:
        stmt = stmt.where(Park.code == principal.park_code)
    elif principal.role is Role.ENTERPRISE:
        own = select(Enterprise.park_code).where(Enterprise.uscc == principal.uscc)
        stmt = stmt.where(col(Park.code).in_(own.scalar_subquery()))
    return [(p, int(n)) for p, n in session.exec(stmt).all()]


def count_enterprises(session: Session, park_code: str) -> int:
    stmt = select(func.count()).select_from(Enterprise).where(Enterprise.park_code == park_code)
    return int(session.exec(stmt).one())


def get_enterprise(session: Session, uscc: str) -> Enterprise | None:
    """The enterprise ``uscc`` (one statement for every call: built and compiled once)."""
    return session.exec(_ENTERPRISE_BY_USCC, params={"uscc": uscc}).first()


def list_enterprises(
    session: Session,
    principal: Principal,
    *,
    park_code: str | None = None,
    above_designated_size: bool | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Sequence[Enterprise]:
    """Enterprises the caller sees, optionally filtered, ordered by USCC."""
    stmt = select(Enterprise).order_by(col(Enterprise.uscc))
    if principal.role is Role.PARK_MANAGER:
        stmt = stmt.where(Enterprise.park_code == principal.park_code)
    elif principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Enterprise.uscc == principal.uscc)
    if park_code is not None:
        stmt = stmt.where(Enterprise.park_code == park_code)
    if above_designated_size is not None:
        stmt = stmt.where(Enterprise.above_designated_size == above_designated_size)
    return session.exec(stmt.offset(offset).limit(limit)).all()


# --------------------------------------------------------------------------- answers
# The hot reads answer with plain rows: Core statements built once per shape (SQLAlchemy then
# reuses their compiled form), no ORM objects.

_E = Enterprise.__table__  # type: ignore[attr-defined]
ENTERPRISE_OUT = (
    _E.c.uscc,
    _E.c.name,
    _E.c.park_code,
    _E.c.industry_code,
    _E.c.above_designated_size,
    _E.c.region,
    _E.c.created_at,
    _E.c.updated_at,
)
"""The columns of :class:`~api.registry.schemas.EnterpriseOut`, in its order."""

_ONE_ENTERPRISE = core_select(*ENTERPRISE_OUT).where(_E.c.uscc == bindparam("uscc"))


def park_scope(conn: Connection, code: str) -> tuple[str, str] | None:
    """The code and name of park ``code`` (on the driver's cursor, as :func:`enterprise_scope`)."""
    rows = fetch(conn, "SELECT code, name FROM parks WHERE code = ?", (code,))
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def enterprise_scope(conn: Connection, uscc: str) -> tuple[int, str, str | None] | None:
    """The id, USCC and park of enterprise ``uscc``: what scoping a request to it needs (on
    the driver's cursor: it runs on most requests)."""
    rows = fetch(conn, "SELECT id, uscc, park_code FROM enterprises WHERE uscc = ?", (uscc,))
    return (int(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None


def _dicts(session: Session, stmt: Select[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    with reading(session) as conn:
        result = conn.execute(stmt, params)
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result]


def enterprise_answer(session: Session, uscc: str) -> dict[str, Any] | None:
    """The enterprise ``uscc`` as the fields of ``EnterpriseOut``, or ``None``."""
    rows = _dicts(session, _ONE_ENTERPRISE, {"uscc": uscc})
    return rows[0] if rows else None


@cache
def _enterprises_statement(role: Role, by_park: bool, by_size: bool) -> Select[Any]:
    stmt = core_select(*ENTERPRISE_OUT).order_by(_E.c.uscc)
    if role is Role.PARK_MANAGER:
        stmt = stmt.where(_E.c.park_code == bindparam("scope"))
    elif role is Role.ENTERPRISE:
        stmt = stmt.where(_E.c.uscc == bindparam("scope"))
    if by_park:
        stmt = stmt.where(_E.c.park_code == bindparam("park_code"))
    if by_size:
        stmt = stmt.where(_E.c.above_designated_size == bindparam("size", type_=Boolean))
    return stmt.offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer))


def enterprise_answers(
    session: Session,
    principal: Principal,
    *,
    park_code: str | None = None,
    above_designated_size: bool | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """What :func:`list_enterprises` finds, as the fields of ``EnterpriseOut``."""
    stmt = _enterprises_statement(
        principal.role, park_code is not None, above_designated_size is not None
    )
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if principal.role is Role.PARK_MANAGER:
        params["scope"] = principal.park_code
    elif principal.role is Role.ENTERPRISE:
        params["scope"] = principal.uscc
    if park_code is not None:
        params["park_code"] = park_code
    if above_designated_size is not None:
        params["size"] = above_designated_size
    return _dicts(session, stmt, params)
