"""HTTP route of the plan targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, HandlerRoute, SessionDep, in_thread
from api.openapi import READ_ERRORS
from api.targets import service
from api.targets.schemas import TargetOut

router = APIRouter(prefix="/api/v1", tags=["plan targets"], route_class=HandlerRoute)


@router.get(
    "/targets",
    response_model=list[TargetOut],
    responses=READ_ERRORS,
    summary="The plan's green-manufacturing targets for a year",
)
@in_thread
def list_targets(
    session: SessionDep,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100, description="Calendar year", examples=[2024])],
    park: Annotated[
        str | None, Query(description="A park code: that park's view instead of the district's")
    ] = None,
    top_n: Annotated[
        int, Query(ge=0, le=50, description="How many enterprises to name per indicator")
    ] = 5,
) -> list[TargetOut]:
    """One row per plan indicator: value, baseline, target, the straight path, the status
    (`met`, `on_track`, `at_risk`, `off_track`, `no_data`), the gap in the indicator's own
    unit, the enterprises that move it most and where this year's trend lands by the target
    year.

    Admins read the district and every park; a park manager reads its own park and the
    district (naming only its own park's enterprises); enterprises are refused (403).
    """
    return service.plan_targets(session, principal, year=year, park=park, top_n=top_n)
