"""Reading, grouping, acknowledging and resolving alerts, within the caller's scope."""

from __future__ import annotations

from sqlmodel import Session

from api.alerts import repository
from api.alerts.repository import CLEARED, MANUAL, SEVERITY_RANK
from api.alerts.schemas import AlertGroupOut, AlertOut, AlertPatch, AlertStatus, Severity
from api.auth.principal import Principal
from api.errors import Forbidden
from api.models import Alert, Enterprise
from api.models.base import utcnow
from carbon.errors import InvalidInput, NotFound
from carbon.periods import parse_period


def to_out(alert: Alert, ent: Enterprise) -> AlertOut:
    assert alert.id is not None
    return AlertOut(
        id=alert.id,
        uscc=ent.uscc,
        enterprise_name=ent.name,
        park_code=ent.park_code,
        period=alert.period,
        kind=alert.kind,
        severity=Severity(alert.severity),
        value=alert.value,
        limit=alert.limit_value,
        unit=alert.unit,
        ratio=alert.ratio,
        limit_source=alert.limit_source,
        status=AlertStatus(alert.status),
        resolution=alert.resolution,
        consecutive_months=alert.consecutive_months,
        ongoing_since=alert.ongoing_since,
        occurrences=alert.occurrences,
        detail=alert.detail,
        created_at=alert.created_at,
        updated_at=alert.updated_at,
        status_changed_at=alert.status_changed_at,
    )


def check_period(text: str | None, name: str) -> str | None:
    """``text`` as a canonical ``YYYY-MM``; 422 naming query parameter ``name`` if malformed."""
    if text is None:
        return None
    try:
        return str(parse_period(text, allow_future=True))
    except InvalidInput as err:
        raise err.at("query", name) from None


def read_alert(session: Session, principal: Principal, alert_id: int) -> tuple[Alert, Enterprise]:
    """The alert ``alert_id`` if the caller sees its enterprise; 404 otherwise."""
    found = repository.get_alert(session, alert_id)
    if found is None or not principal.sees_enterprise(found[1].uscc, found[1].park_code):
        raise NotFound(f"no alert {alert_id} in your scope")
    return found


def change_status(
    session: Session, principal: Principal, alert_id: int, data: AlertPatch
) -> AlertOut:
    """Acknowledge, resolve or reopen an alert: its park manager or an admin."""
    alert, ent = read_alert(session, principal, alert_id)
    if not principal.manages_enterprise(ent.park_code):
        raise Forbidden("alerts are acknowledged or resolved by the park manager or an admin")
    status = AlertStatus(data.status)
    if alert.status != status.value or (
        status is AlertStatus.RESOLVED and alert.resolution != MANUAL
    ):
        alert.status = status.value
        alert.resolution = MANUAL if status is AlertStatus.RESOLVED else None
        alert.status_changed_at = utcnow()
        alert.status_changed_by_token_id = principal.token_id
        alert.updated_at = alert.status_changed_at
        session.add(alert)
        session.flush()
    return to_out(alert, ent)


def group_alerts(rows: list[tuple[Alert, Enterprise]]) -> list[AlertGroupOut]:
    """Fold alerts into ongoing problems: same enterprise and kind, consecutive months.

    Holding alerts share their ``ongoing_since``; a cleared alert stands alone. Groups come
    latest month first.
    """
    buckets: dict[tuple[str, str, str], list[tuple[Alert, Enterprise]]] = {}
    for alert, ent in rows:
        cleared = alert.status == "resolved" and alert.resolution == CLEARED
        start = alert.period if cleared or not alert.ongoing_since else alert.ongoing_since
        tag = f"{start}/cleared/{alert.period}" if cleared else start
        buckets.setdefault((ent.uscc, alert.kind, tag), []).append((alert, ent))
    groups: list[AlertGroupOut] = []
    for members in buckets.values():
        members.sort(key=lambda r: r[0].period)
        alerts = [a for a, _ in members]
        ent = members[0][1]
        latest = alerts[-1]
        counts = {s.value: sum(1 for a in alerts if a.status == s.value) for s in AlertStatus}
        status = (
            AlertStatus.OPEN
            if counts["open"]
            else AlertStatus.ACKNOWLEDGED
            if counts["acknowledged"]
            else AlertStatus.RESOLVED
        )
        worst = max(alerts, key=lambda a: SEVERITY_RANK.get(a.severity, 0)).severity
        groups.append(
            AlertGroupOut(
                uscc=ent.uscc,
                enterprise_name=ent.name,
                park_code=ent.park_code,
                kind=latest.kind,
                first_period=alerts[0].period,
                last_period=latest.period,
                months=len(alerts),
                status=status,
                open=counts["open"],
                acknowledged=counts["acknowledged"],
                resolved=counts["resolved"],
                worst_severity=Severity(worst),
                latest_severity=Severity(latest.severity),
                latest_value=latest.value,
                latest_limit=latest.limit_value,
                unit=latest.unit,
                alert_ids=[a.id for a in alerts if a.id is not None],
            )
        )
    groups.sort(key=lambda g: (g.last_period, g.uscc, g.kind))
    groups.sort(key=lambda g: g.last_period, reverse=True)
    return groups
