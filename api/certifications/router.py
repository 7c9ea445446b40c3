"""HTTP routes of green certifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.certifications import repository, service
from api.certifications.schemas import CertificationIn, CertificationKind, CertificationOut
from api.clock import district_today
from api.deps import CurrentPrincipal, HandlerRoute, SessionDep, SettingsDep
from api.openapi import READ_ERRORS, WRITE_ERRORS
from api.registry.service import read_enterprise

router = APIRouter(prefix="/api/v1", tags=["green certifications"], route_class=HandlerRoute)


@router.get(
    "/enterprises/{uscc}/certifications",
    response_model=list[CertificationOut],
    responses=READ_ERRORS,
    summary="An enterprise's green certifications",
)
def list_for_enterprise(
    uscc: str, session: SessionDep, principal: CurrentPrincipal
) -> list[CertificationOut]:
    ent = read_enterprise(session, principal, uscc)
    rows = repository.list_certifications(session, principal, uscc=ent.uscc)
    return [service.to_out(c, e) for c, e in rows]


@router.post(
    "/enterprises/{uscc}/certifications",
    response_model=CertificationOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    summary="Record a green certification (admin, or the park manager)",
)
def record(
    uscc: str,
    body: CertificationIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> CertificationOut:
    return service.record(session, principal, uscc, body, today=district_today(settings))


@router.get(
    "/certifications",
    response_model=list[CertificationOut],
    responses=READ_ERRORS,
    summary="Green certifications in the caller's scope",
)
def list_all(
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Annotated[CertificationKind | None, Query()] = None,
    park: Annotated[str | None, Query(description="Park code")] = None,
    year_from: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[CertificationOut]:
    rows = repository.list_certifications(
        session,
        principal,
        park_code=park,
        kind=kind.value if kind else None,
        year_from=year_from,
        year_to=year_to,
    )
    return [service.to_out(c, e) for c, e in rows]
