"""HTTP routes of alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.alerts import repository, service
from api.alerts.schemas import AlertGroupOut, AlertOut, AlertPatch, AlertStatus, Severity
from api.deps import MAX_INT, CurrentPrincipal, HandlerRoute, SessionDep
from api.openapi import READ_ERRORS, WRITE_ERRORS
from api.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["alerts"], route_class=HandlerRoute)

PeriodQ = Annotated[str | None, Query(description="Only this month, YYYY-MM")]
FromQ = Annotated[str | None, Query(description="From this month on, YYYY-MM")]
ToQ = Annotated[str | None, Query(description="Up to this month, YYYY-MM")]
KindQ = Annotated[
    str | None,
    Query(
        max_length=48,
        description="energy_intensity_overrun, product_energy_quota_overrun or missing_report",
    ),
]
ParkQ = Annotated[str | None, Query(description="Only enterprises of this park")]
UsccQ = Annotated[str | None, Query(description="Only this enterprise")]
AlertId = Annotated[int, Path(ge=1, le=MAX_INT, description="The alert's id")]


@router.get(
    "/alerts",
    response_model=list[AlertOut],
    responses=READ_ERRORS,
    summary="Alerts in the caller's scope, latest month first",
)
def list_alerts(
    session: SessionDep,
    principal: CurrentPrincipal,
    period: PeriodQ = None,
    period_from: FromQ = None,
    period_to: ToQ = None,
    status: Annotated[AlertStatus | None, Query()] = None,
    kind: KindQ = None,
    severity: Annotated[Severity | None, Query()] = None,
    park: ParkQ = None,
    uscc: UsccQ = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> Response:
    """Enterprises see their own alerts, park managers their park's, admins all.

    Each alert carries ``consecutive_months`` and ``ongoing_since``, so that the third month
    of one overrun reads as the same problem; ``GET /api/v1/alerts/groups`` folds them.
    """
    where = repository.AlertFilter(
        period=service.check_period(period, "period"),
        period_from=service.check_period(period_from, "period_from"),
        period_to=service.check_period(period_to, "period_to"),
        status=status.value if status else None,
        kind=kind,
        severity=severity.value if severity else None,
        park_code=park,
        uscc=uscc.strip().upper() if uscc else None,
    )
    rows = repository.alert_answers(session, principal, where, limit=limit, offset=offset)
    return json_answer(rows)


@router.get(
    "/alerts/groups",
    response_model=list[AlertGroupOut],
    responses=READ_ERRORS,
    summary="Alerts folded into ongoing problems (enterprise, kind, consecutive months)",
)
def list_groups(
    session: SessionDep,
    principal: CurrentPrincipal,
    status: Annotated[
        AlertStatus | None, Query(description="Groups whose overall status is this")
    ] = None,
    period_from: FromQ = None,
    period_to: ToQ = None,
    kind: KindQ = None,
    park: ParkQ = None,
    uscc: UsccQ = None,
) -> list[AlertGroupOut]:
    """Three months of the same overrun read as one group with ``months: 3``, its overall
    status (open while any month is open), its worst and latest severity."""
    where = repository.AlertFilter(
        period_from=service.check_period(period_from, "period_from"),
        period_to=service.check_period(period_to, "period_to"),
        kind=kind,
        park_code=park,
        uscc=uscc.strip().upper() if uscc else None,
    )
    rows = repository.list_alerts(session, principal, where)
    groups = service.group_alerts(rows)
    if status is not None:
        groups = [g for g in groups if g.status is status]
    return groups


@router.get(
    "/alerts/{alert_id}", response_model=AlertOut, responses=READ_ERRORS, summary="One alert"
)
def read_alert(alert_id: AlertId, session: SessionDep, principal: CurrentPrincipal) -> AlertOut:
    return service.to_out(*service.read_alert(session, principal, alert_id))


@router.patch(
    "/alerts/{alert_id}",
    response_model=AlertOut,
    responses=WRITE_ERRORS,
    summary="Acknowledge, resolve or reopen an alert (park manager or admin)",
)
def patch_alert(
    alert_id: AlertId, body: AlertPatch, session: SessionDep, principal: CurrentPrincipal
) -> AlertOut:
    """``{"status": "acknowledged"}`` or ``"resolved"`` (or ``"open"`` to reopen). An
    acknowledged problem that continues next month at no higher severity stays acknowledged;
    a higher severity reopens it."""
    return service.change_status(session, principal, alert_id, body)
