"""HTTP routes of energy-intensity limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import CurrentPrincipal, HandlerRoute, SessionDep
from api.limits import service
from api.limits.schemas import LimitIn, LimitOut
from api.openapi import READ_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api/v1", tags=["energy-intensity limits"], route_class=HandlerRoute)

Year = Annotated[int, Path(ge=2000, le=2100, description="Calendar year the limit applies to")]


@router.put(
    "/enterprises/{uscc}/limits/{year}",
    response_model=LimitOut,
    responses={
        **WRITE_ERRORS,
        201: {"model": LimitOut, "description": "Limit set for the first time"},
    },
    summary="Set an enterprise's energy-intensity limit for a year (park manager or admin)",
)
def put_limit(
    uscc: str,
    year: Year,
    body: LimitIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> LimitOut:
    """Answers 201 the first time a year's limit is set, 200 when it is changed."""
    out, created = service.put_limit(session, principal, uscc, year, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return out


@router.get(
    "/enterprises/{uscc}/limits/{year}",
    response_model=LimitOut,
    responses=READ_ERRORS,
    summary="The energy-intensity limit that applies to an enterprise in a year",
)
def read_limit(uscc: str, year: Year, session: SessionDep, principal: CurrentPrincipal) -> LimitOut:
    """The explicit limit if one is set, else the enterprise's own path (``source`` says which)."""
    return service.read_limit(session, principal, uscc, year)


@router.delete(
    "/enterprises/{uscc}/limits/{year}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
    summary="Remove an explicit limit (the check falls back to the own path)",
)
def delete_limit(uscc: str, year: Year, session: SessionDep, principal: CurrentPrincipal) -> None:
    service.delete_limit(session, principal, uscc, year)


@router.get(
    "/enterprises/{uscc}/limits",
    response_model=list[LimitOut],
    responses=READ_ERRORS,
    summary="Every explicit limit set for an enterprise",
)
def list_limits(uscc: str, session: SessionDep, principal: CurrentPrincipal) -> list[LimitOut]:
    return service.list_limits(session, principal, uscc)
