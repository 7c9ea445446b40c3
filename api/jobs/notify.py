"""Outbound notification of new alerts: one JSON POST per park, to the URL configured for it.

``CARBON_ALERT_WEBHOOKS`` maps park codes to URLs (``"*"`` receives every park's alerts, and
those of enterprises outside any park). Only alerts that are new and open, reopened or escalated
are sent, so an ongoing, acknowledged problem does not ring again every month. A failed delivery
is logged and never fails the job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from api.models import Alert, Enterprise
from api.settings import Settings
from carbon.periods import Period

log = logging.getLogger("carbon.jobs.notify")

ALL_PARKS = "*"


def _where(url: str) -> str:
    """Scheme, host and port of ``url``: a path or query may hold a secret, never logged."""
    try:
        u = httpx.URL(url)
    except Exception:
        return "an invalid URL"
    return f"{u.scheme}://{u.host}" + (f":{u.port}" if u.port else "")


def alert_payload(alert: Alert, ent: Enterprise) -> dict[str, Any]:
    return {
        "id": alert.id,
        "uscc": ent.uscc,
        "enterprise_name": ent.name,
        "park_code": ent.park_code,
        "period": alert.period,
        "kind": alert.kind,
        "severity": alert.severity,
        "value": alert.value,
        "limit": alert.limit_value,
        "unit": alert.unit,
        "status": alert.status,
        "consecutive_months": alert.consecutive_months,
        "ongoing_since": alert.ongoing_since,
    }


def notify_parks(
    settings: Settings, job: str, period: Period, alerts: Sequence[tuple[Alert, Enterprise]]
) -> dict[str, bool]:
    """POST each configured park its share of ``alerts``; returns URL → delivered."""
    hooks = settings.alert_webhooks
    if not hooks or not alerts:
        return {}
    batches: dict[str, list[dict[str, Any]]] = {}
    for alert, ent in alerts:
        payload = alert_payload(alert, ent)
        targets = {hooks.get(ent.park_code or ""), hooks.get(ALL_PARKS)} - {None}
        for url in targets:
            assert url is not None
            batches.setdefault(url, []).append(payload)
    delivered: dict[str, bool] = {}
    for url, rows in batches.items():
        body = {
            "event": "alerts",
            "job": job,
            "period": str(period),
            "count": len(rows),
            "alerts": rows,
        }
        try:
            response = httpx.post(url, json=body, timeout=settings.webhook_timeout_seconds)
            response.raise_for_status()
            delivered[url] = True
        except Exception as exc:  # any delivery problem is logged, never raised
            log.warning("webhook to %s for %s %s failed: %s", _where(url), job, period, exc)
            delivered[url] = False
    return delivered
