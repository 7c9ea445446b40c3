"""Queries on certifications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from api.auth.principal import Principal, Role
from api.models import Certification, Enterprise


def list_certifications(
    session: Session,
    principal: Principal,
    *,
    uscc: str | None = None,
    park_code: str | None = None,
    kind: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> Sequence[tuple[Certification, Enterprise]]:
    """Certifications the caller sees, with their enterprises, oldest first."""
    stmt = (
        select(Certification, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Certification.enterprise_id))
        .order_by(col(Certification.year), col(Enterprise.uscc), col(Certification.id))
    )
    if principal.role is Role.PARK_MANAGER:
        stmt = stmt.where(Enterprise.park_code == principal.park_code)
    elif principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Enterprise.uscc == principal.uscc)
    if uscc is not None:
        stmt = stmt.where(Enterprise.uscc == uscc)
    if park_code is not None:
        stmt = stmt.where(Enterprise.park_code == park_code)
    if kind is not None:
        stmt = stmt.where(Certification.kind == kind)
    if year_from is not None:
        stmt = stmt.where(col(Certification.year) >= year_from)
    if year_to is not None:
        stmt = stmt.where(col(Certification.year) <= year_to)
    return [(c, e) for c, e in session.exec(stmt).all()]


def find(
    session: Session, enterprise_id: int, kind: str, level: str, year: int
) -> Certification | None:
    stmt = select(Certification).where(
        Certification.enterprise_id == enterprise_id,
        Certification.kind == kind,
        Certification.level == level,
        Certification.year == year,
    )
    return session.exec(stmt).first()
