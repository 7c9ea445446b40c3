"""HTTP route of the green-factory self-assessment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.assessment import service
from api.assessment.schemas import AssessmentOut
from api.deps import CurrentPrincipal, HandlerRoute, SessionDep
from api.openapi import READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["green certifications"], route_class=HandlerRoute)


@router.get(
    "/enterprises/{uscc}/green-factory-assessment",
    response_model=AssessmentOut,
    responses=READ_ERRORS,
    summary="Green-factory self-assessment of an enterprise's year (GB/T 36132-2018 indicators)",
)
def green_factory_assessment(
    uscc: Annotated[str, Path(description="The enterprise's USCC")],
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100, description="Calendar year", examples=[2024])],
) -> AssessmentOut:
    """The quantitative indicators GB/T 36132-2018 scores under 绩效 that the reports allow —
    energy and carbon per unit of product, solid-waste utilisation — with water reuse, carbon
    and energy intensity; each with its definition, its source and, where the data hold one, a
    sector benchmark (GB 21346-2022 for primary aluminium).

    The enterprise reads its own; a park manager its park's enterprises; the admin any.
    """
    return service.assess(session, principal, uscc, year)
