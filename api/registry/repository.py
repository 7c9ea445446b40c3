"""Every query on parks and enterprises."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.auth.principal import Principal, Role
from api.models import Enterprise, Park


def get_park(session: Session, code: str) -> Park | None:
    return session.exec(select(Park).where(Park.code == code)).first()


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
    return session.exec(select(Enterprise).where(Enterprise.uscc == uscc)).first()


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
