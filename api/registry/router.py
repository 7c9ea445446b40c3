"""HTTP routes of the registry: parks and enterprises."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import MAX_INT, CurrentPrincipal, HandlerRoute, SessionDep
from api.models import Enterprise, Park
from api.openapi import READ_ERRORS, WRITE_ERRORS
from api.registry import repository, service
from api.registry.schemas import EnterpriseIn, EnterpriseOut, EnterprisePatch, ParkIn, ParkOut
from api.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["registry"], route_class=HandlerRoute)


def _park_out(park: Park, count: int) -> ParkOut:
    return ParkOut(
        code=park.code,
        name=park.name,
        counts_as_park=park.counts_as_park,
        enterprise_count=count,
        created_at=park.created_at,
    )


def _enterprise_out(ent: Enterprise) -> EnterpriseOut:
    return EnterpriseOut.model_validate(ent, from_attributes=True)


@router.get("/parks", response_model=list[ParkOut], responses=READ_ERRORS, summary="List parks")
def list_parks(session: SessionDep, principal: CurrentPrincipal) -> list[ParkOut]:
    """Parks the caller sees: all for an admin, its own for a park manager or enterprise."""
    return [_park_out(p, n) for p, n in repository.list_parks(session, principal)]


@router.post(
    "/parks",
    response_model=ParkOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    summary="Create a park (admin)",
)
def create_park(
    body: ParkIn, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> ParkOut:
    park = service.create_park(session, principal, body)
    response.headers["Location"] = f"/api/v1/parks/{park.code}"
    return _park_out(park, 0)


@router.get("/parks/{code}", response_model=ParkOut, responses=READ_ERRORS, summary="Read a park")
def read_park(code: str, session: SessionDep, principal: CurrentPrincipal) -> ParkOut:
    park = service.read_park(session, principal, code)
    return _park_out(park, repository.count_enterprises(session, park.code))


@router.get(
    "/enterprises",
    response_model=list[EnterpriseOut],
    responses=READ_ERRORS,
    summary="List enterprises in the caller's scope",
)
def list_enterprises(
    session: SessionDep,
    principal: CurrentPrincipal,
    park_code: Annotated[str | None, Query(description="Only this park's enterprises")] = None,
    above_designated_size: Annotated[bool | None, Query(description="规模以上 only")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> Response:
    rows = repository.enterprise_answers(
        session,
        principal,
        park_code=park_code,
        above_designated_size=above_designated_size,
        limit=limit,
        offset=offset,
    )
    return json_answer(rows)


@router.post(
    "/enterprises",
    response_model=EnterpriseOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    summary="Register an enterprise (admin anywhere, park manager in its park)",
)
def create_enterprise(
    body: EnterpriseIn, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> EnterpriseOut:
    ent = service.create_enterprise(session, principal, body)
    response.headers["Location"] = f"/api/v1/enterprises/{ent.uscc}"
    return _enterprise_out(ent)


@router.get(
    "/enterprises/{uscc}",
    response_model=EnterpriseOut,
    responses=READ_ERRORS,
    summary="Read an enterprise",
)
def read_enterprise(uscc: str, session: SessionDep, principal: CurrentPrincipal) -> Response:
    return json_answer(service.enterprise_answer(session, principal, uscc))


@router.patch(
    "/enterprises/{uscc}",
    response_model=EnterpriseOut,
    responses=WRITE_ERRORS,
    summary="Change an enterprise's registry entry (admin, or its park manager)",
)
def update_enterprise(
    uscc: str, body: EnterprisePatch, session: SessionDep, principal: CurrentPrincipal
) -> EnterpriseOut:
    return _enterprise_out(service.update_enterprise(session, principal, uscc, body))
