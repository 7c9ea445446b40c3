"""Recording and listing green certifications."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from api.auth.principal import Principal
from api.certifications import repository
from api.certifications.schemas import CertificationIn, CertificationOut
from api.errors import Forbidden
from api.models import Certification, Enterprise
from api.registry.service import read_enterprise
from carbon.errors import Conflict, InvalidInput


def to_out(cert: Certification, ent: Enterprise) -> CertificationOut:
    assert cert.id is not None
    return CertificationOut(
        id=cert.id,
        uscc=ent.uscc,
        enterprise_name=ent.name,
        park_code=ent.park_code,
        kind=cert.kind,
        level=cert.level,
        year=cert.year,
        certificate_no=cert.certificate_no,
        issued_by=cert.issued_by,
        created_at=cert.created_at,
    )


def record(
    session: Session, principal: Principal, uscc: str, data: CertificationIn, *, today: date
) -> CertificationOut:
    """Record a certification granted to ``uscc``: admin, or the enterprise's park manager."""
    ent = read_enterprise(session, principal, uscc)
    if not principal.manages_enterprise(ent.park_code):
        raise Forbidden("certifications are recorded by the park manager or an admin")
    if data.year > today.year:
        raise InvalidInput(f"year {data.year} is in the future", ("body", "year"))
    assert ent.id is not None
    if repository.find(session, ent.id, data.kind, data.level, data.year) is not None:
        raise Conflict(
            f"{ent.uscc} already has a {data.level} {data.kind} certification for {data.year}"
        )
    cert = Certification(
        enterprise_id=ent.id,
        kind=data.kind.value,
        level=data.level.value,
        year=data.year,
        certificate_no=data.certificate_no,
        issued_by=data.issued_by,
    )
    session.add(cert)
    session.flush()
    return to_out(cert, ent)
