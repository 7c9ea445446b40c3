"""HTTP route of carbon inventories: JSON, CSV or Excel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from api.clock import district_today
from api.deps import CurrentPrincipal, HandlerRoute, SessionDep, SettingsDep
from api.inventory import exports, service
from api.inventory.schemas import (
    Format,
    FuelSource,
    GridFactor,
    GwpName,
    Inventory,
    Level,
    ProcessSource,
    Scope2Method,
)
from api.openapi import READ_ERRORS

router = APIRouter(prefix="/api/v1", tags=["inventories"], route_class=HandlerRoute)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    200: {
        "description": "The inventory; with `format=csv` or `format=xlsx` as an attachment",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


@router.get(
    "/inventory",
    response_model=Inventory,
    responses=_RESPONSES,
    summary="Carbon inventory of an enterprise, a park or the district",
)
def get_inventory(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    level: Annotated[Level, Query(description="enterprise, park or district")],
    year: Annotated[int, Query(ge=2000, le=2100, description="Inventory year")],
    id_: Annotated[
        str | None,
        Query(alias="id", description="USCC (enterprise) or park code (park); none for district"),
    ] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="One month only")] = None,
    scope2: Annotated[
        Scope2Method, Query(description="Scope 2 method the total uses; both are reported")
    ] = Scope2Method.LOCATION,
    grid_factor: Annotated[
        GridFactor, Query(description="Grid factor series of location-based scope 2")
    ] = GridFactor.PROVINCIAL,
    gwp: Annotated[GwpName, Query(description="IPCC GWP-100 set")] = GwpName.AR5,
    fuel_source: Annotated[
        FuelSource, Query(description="Fuel-combustion defaults")
    ] = FuelSource.MEE_GUIDELINE,
    process_source: Annotated[
        ProcessSource, Query(description="Electrolytic-aluminium defaults")
    ] = ProcessSource.GUIDELINE_2013,
    as_of: Annotated[
        datetime | None,
        Query(
            description="Audit view: only revisions submitted at or before this instant "
            "(ISO 8601; without a zone, district time)"
        ),
    ] = None,
    format_: Annotated[Format, Query(alias="format")] = Format.JSON,
) -> Any:
    """Scope 1 and 2 emissions, energy, their breakdowns, the factors used and the coverage.

    An enterprise reads its own inventory; a park manager its park's and its enterprises';
    the admin everything, and alone the district's.
    """
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=ZoneInfo(settings.timezone))
    query = service.InventoryQuery(
        level=level,
        id=id_,
        year=year,
        month=month,
        scope2=scope2,
        grid_factor=grid_factor,
        gwp=gwp,
        fuel_source=fuel_source,
        process_source=process_source,
        as_of=as_of,
    )
    inventory = service.build_inventory(session, principal, query, today=district_today(settings))
    if format_ is Format.JSON:
        # Serialised here, once: returned as a model, it would be validated again (in a
        # second trip to the thread pool) before being serialised.
        return Response(content=inventory.model_dump_json(), media_type="application/json")
    if format_ is Format.CSV:
        body, media_type, ext = exports.to_csv(inventory), CSV_TYPE, "csv"
    else:
        body, media_type, ext = exports.to_xlsx(inventory), XLSX_TYPE, "xlsx"
    return Response(
        content=body,
        media_type=media_type,
        headers={
            "Content-Disposition": exports.content_disposition(inventory, ext),
            "Cache-Control": "private, no-store",
        },
    )
