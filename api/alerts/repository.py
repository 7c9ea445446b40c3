"""Every query on alerts, including the one transaction-sized write of a check's results.

:func:`apply_alerts` is what makes the checks idempotent: one row per (enterprise, period,
kind), updated in place on a re-run, resolved when a re-run no longer finds its condition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Integer, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from api.auth.principal import Principal, Role
from api.db import reading
from api.models import Alert, Enterprise
from carbon.errors import NotFound
from carbon.periods import Period

#: Order of severities, for escalation.
SEVERITY_RANK = {"warning": 1, "serious": 2, "critical": 3}
#: ``resolution`` of an alert resolved because a re-run no longer found its condition.
CLEARED = "cleared"
MANUAL = "manual"

_ALERTS = Alert.__table__  # type: ignore[attr-defined]


@dataclass
class WriteSummary:
    """What :func:`apply_alerts` did."""

    flagged: int = 0
    created: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    notify: set[tuple[int, str]] = field(default_factory=set)
    """(enterprise id, kind) of the alerts that are new and open, reopened or escalated."""


def _rank(severity: str | None) -> int:
    return SEVERITY_RANK.get(severity or "", 0)


def _clean(value: Any) -> Any:
    """A frame cell as a database value: NaN and NA become None, numpy scalars plain Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def enterprise_ids(session: Session) -> dict[str, int]:
    """USCC → enterprise id, for every enterprise."""
    rows = session.exec(select(Enterprise.uscc, Enterprise.id)).all()
    return {u: int(i) for u, i in rows if i is not None}


def apply_alerts(
    session: Session,
    *,
    period: Period,
    kinds: Sequence[str],
    frame: pd.DataFrame,
    run_id: int | None,
    now: datetime,
) -> WriteSummary:
    """Store a check's alerts for ``period``: insert new ones, update existing ones, and resolve
    those of ``kinds`` that the check no longer finds. Flushes; the caller commits.

    Re-running a month therefore never duplicates an alert. Status rules on a re-run:

    - an alert resolved as ``cleared`` whose condition is found again is reopened;
    - an acknowledged or manually resolved alert keeps its status unless its severity rises
      (``warning`` < ``serious`` < ``critical``), in which case it is reopened;
    - a new alert continuing last month's acknowledged alert of the same kind, at no higher
      severity, starts acknowledged (the ongoing problem is already known: no new alarm).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per condition found: ``uscc, kind, severity, value, limit, unit, ratio,
        limit_source`` and optionally ``detail`` (a dict). At most one row per (uscc, kind).
    kinds : sequence of str
        Every kind the check decides; alerts of other kinds are left alone.

    Raises
    ------
    NotFound
        If ``frame`` names an enterprise that does not exist.
    """
    summary = WriteSummary(flagged=len(frame))
    kinds = list(kinds)
    ids = enterprise_ids(session)
    unknown = sorted(set(frame["uscc"].astype(str)) - set(ids)) if len(frame) else []
    if unknown:
        raise NotFound(f"alerts for unknown enterprises {unknown[:5]}")
    t = _ALERTS
    existing = {
        (r.enterprise_id, r.kind): r
        for r in session.execute(
            t.select().where(t.c.period == str(period), t.c.kind.in_(kinds))
        ).all()
    }
    previous = {
        (r.enterprise_id, r.kind): r
        for r in session.execute(
            t.select().where(t.c.period == str(period.previous()), t.c.kind.in_(kinds))
        ).all()
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    has_detail = "detail" in frame.columns
    for rec in frame.to_dict("records"):
        key = (ids[str(rec["uscc"])], str(rec["kind"]))
        if key in seen:
            raise ValueError(f"two alerts for {rec['uscc']} {rec['kind']} in {period}")
        seen.add(key)
        values = {
            "severity": str(rec["severity"]),
            "value": _clean(rec.get("value")),
            "limit_value": _clean(rec.get("limit")),
            "unit": _clean(rec.get("unit")),
            "ratio": _clean(rec.get("ratio")),
            "limit_source": _clean(rec.get("limit_source")),
            "detail": rec["detail"] if has_detail and isinstance(rec["detail"], dict) else None,
            "updated_at": now,
            "last_run_id": run_id,
        }
        old = existing.get(key)
        if old is None:
            status, changed_at, changed_by = "open", None, None
            prev = previous.get(key)
            if (
                prev is not None
                and prev.status == "acknowledged"
                and _rank(prev.severity) >= _rank(values["severity"])
            ):
                status, changed_at, changed_by = (
                    "acknowledged",
                    prev.status_changed_at,
                    prev.status_changed_by_token_id,
                )
            else:
                summary.notify.add(key)
            inserts.append(
                {
                    **values,
                    "enterprise_id": key[0],
                    "period": str(period),
                    "kind": key[1],
                    "status": status,
                    "resolution": None,
                    "consecutive_months": 1,
                    "ongoing_since": str(period),
                    "occurrences": 1,
                    "created_at": now,
                    "status_changed_at": changed_at,
                    "status_changed_by_token_id": changed_by,
                }
            )
            continue
        status, resolution = old.status, old.resolution
        changed_at, changed_by = old.status_changed_at, old.status_changed_by_token_id
        cleared_before = old.status == "resolved" and old.resolution == CLEARED
        escalated = old.status != "open" and _rank(values["severity"]) > _rank(old.severity)
        if cleared_before or escalated:
            status, resolution, changed_at, changed_by = "open", None, now, None
            summary.reopened += 1
            summary.notify.add(key)
        updates.append(
            {
                **values,
                "_id": old.id,
                "status": status,
                "resolution": resolution,
                "occurrences": old.occurrences + 1,
                "status_changed_at": changed_at,
                "status_changed_by_token_id": changed_by,
            }
        )
    for key, old in existing.items():
        if key in seen or (old.status == "resolved" and old.resolution == CLEARED):
            continue
        summary.resolved += 1
        updates.append(
            {
                "_id": old.id,
                "severity": old.severity,
                "value": old.value,
                "limit_value": old.limit_value,
                "unit": old.unit,
                "ratio": old.ratio,
                "limit_source": old.limit_source,
                "detail": old.detail,
                "updated_at": now,
                "last_run_id": run_id,
                "status": "resolved",
                "resolution": CLEARED,
                "occurrences": old.occurrences,
                "status_changed_at": now,
                "status_changed_by_token_id": None,
            }
        )
    if inserts:
        session.execute(insert(t), inserts)
    if updates:
        # Bound names must differ from column names in an executemany UPDATE.
        cols: dict[str, Any] = {k: bindparam(f"b_{k}") for k in updates[0] if k != "_id"}
        session.execute(
            update(t).where(t.c.id == bindparam("_id")).values(cols),
            [{("_id" if k == "_id" else f"b_{k}"): v for k, v in u.items()} for u in updates],
        )
    summary.created = len(inserts)
    summary.updated = len(updates) - summary.resolved
    _renumber_streaks(session, period, kinds)
    session.flush()
    return summary


def _renumber_streaks(session: Session, period: Period, kinds: Sequence[str]) -> None:
    """Recount ``consecutive_months`` and ``ongoing_since`` of the enterprises with an alert of
    ``kinds`` in ``period``, over all their months (a re-run of an old month changes later ones).

    An alert holds unless it was resolved as cleared; a run of holding alerts in consecutive
    months is one ongoing problem. Cleared alerts count 0 and have no ``ongoing_since``.
    """
    t = _ALERTS
    touched = (
        t.select()
        .with_only_columns(t.c.enterprise_id)
        .where(t.c.period == str(period), t.c.kind.in_(kinds))
    )
    rows = session.execute(
        t.select()
        .with_only_columns(
            t.c.id,
            t.c.enterprise_id,
            t.c.kind,
            t.c.period,
            t.c.status,
            t.c.resolution,
            t.c.consecutive_months,
            t.c.ongoing_since,
        )
        .where(t.c.kind.in_(kinds), t.c.enterprise_id.in_(touched.scalar_subquery()))
    ).all()
    if not rows:
        return
    df = pd.DataFrame(
        rows,
        columns=[
            "id",
            "enterprise_id",
            "kind",
            "period",
            "status",
            "resolution",
            "consecutive_months",
            "ongoing_since",
        ],
    )
    text = df["period"].astype(str)
    df["idx"] = text.str.slice(0, 4).astype(int) * 12 + text.str.slice(5, 7).astype(int) - 1
    holds = ~((df["status"] == "resolved") & (df["resolution"] == CLEARED))
    df["streak"] = 0
    df["since"] = pd.Series([None] * len(df), dtype="object")
    h = df[holds].sort_values(["enterprise_id", "kind", "idx"])
    if len(h):
        island = h["idx"] - h.groupby(["enterprise_id", "kind"]).cumcount()
        groups = h.groupby([h["enterprise_id"], h["kind"], island])
        df.loc[h.index, "streak"] = (groups.cumcount() + 1).to_numpy()
        first = groups["idx"].transform("min")
        df.loc[h.index, "since"] = [str(Period.from_index(int(i))) for i in first]
    same_since = (df["since"].isna() & df["ongoing_since"].isna()) | (
        df["since"] == df["ongoing_since"]
    )
    changed = df[(df["streak"] != df["consecutive_months"]) | ~same_since.astype(bool)]
    if changed.empty:
        return
    session.execute(
        update(t)
        .where(t.c.id == bindparam("_id"))
        .values(consecutive_months=bindparam("c"), ongoing_since=bindparam("s")),
        [
            {"_id": int(i), "c": int(c), "s": None if s is None or s is pd.NA else str(s)}
            for i, c, s in zip(changed["id"], changed["streak"], changed["since"], strict=True)
        ],
    )


# --------------------------------------------------------------------------- reading


_ENTERPRISES = Enterprise.__table__  # type: ignore[attr-defined]

# Every filter of the alert lists, each with a bound parameter of its own name; the caller's
# scope is two more of them. A statement is built once for each set of filters (SQLAlchemy
# then reuses its compiled form) and run with the values as parameters.
_CONDITIONS: dict[str, Any] = {
    "period": _ALERTS.c.period == bindparam("period"),
    "period_from": _ALERTS.c.period >= bindparam("period_from"),
    "period_to": _ALERTS.c.period <= bindparam("period_to"),
    "status": _ALERTS.c.status == bindparam("status"),
    "kind": _ALERTS.c.kind == bindparam("kind"),
    "severity": _ALERTS.c.severity == bindparam("severity"),
    "park_code": _ENTERPRISES.c.park_code == bindparam("park_code"),
    "uscc": _ENTERPRISES.c.uscc == bindparam("uscc"),
    "run_id": _ALERTS.c.last_run_id == bindparam("run_id"),
    "scope_park": _ENTERPRISES.c.park_code == bindparam("scope_park"),
    "scope_uscc": _ENTERPRISES.c.uscc == bindparam("scope_uscc"),
}

ALERT_OUT = (
    _ALERTS.c.id,
    _ENTERPRISES.c.uscc,
    _ENTERPRISES.c.name.label("enterprise_name"),
    _ENTERPRISES.c.park_code,
    _ALERTS.c.period,
    _ALERTS.c.kind,
    _ALERTS.c.severity,
    _ALERTS.c.value,
    _ALERTS.c.limit_value.label("limit"),
    _ALERTS.c.unit,
    _ALERTS.c.ratio,
    _ALERTS.c.limit_source,
    _ALERTS.c.status,
    _ALERTS.c.resolution,
    _ALERTS.c.consecutive_months,
    _ALERTS.c.ongoing_since,
    _ALERTS.c.occurrences,
    _ALERTS.c.detail,
    _ALERTS.c.created_at,
    _ALERTS.c.updated_at,
    _ALERTS.c.status_changed_at,
)
"""The columns of :class:`~api.alerts.schemas.AlertOut`, in its order."""


@cache
def _alerts_statement(answer: bool, conditions: tuple[str, ...], limited: bool) -> Any:
    """Alerts joined to their enterprises (ORM pairs, or the ``AlertOut`` columns when
    ``answer``), filtered by ``conditions``, newest month first, then by enterprise and kind."""
    stmt = core_select(*ALERT_OUT) if answer else select(Alert, Enterprise)
    stmt = stmt.join(_ENTERPRISES, _ENTERPRISES.c.id == _ALERTS.c.enterprise_id)
    stmt = stmt.where(*(_CONDITIONS[c] for c in conditions))
    stmt = stmt.order_by(_ALERTS.c.period.desc(), _ENTERPRISES.c.uscc, _ALERTS.c.kind)
    stmt = stmt.offset(bindparam("offset", type_=Integer))
    return stmt.limit(bindparam("limit", type_=Integer)) if limited else stmt


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to read: each field given narrows them (see :data:`_CONDITIONS`)."""

    period: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    status: str | None = None
    kind: str | None = None
    severity: str | None = None
    park_code: str | None = None
    uscc: str | None = None
    run_id: int | None = None


def _alerts_query(
    answer: bool, principal: Principal, where: AlertFilter, limit: int | None, offset: int
) -> tuple[Any, dict[str, Any]]:
    params = {name: value for name, value in vars(where).items() if value is not None}
    if principal.role is Role.PARK_MANAGER:
        params["scope_park"] = principal.park_code
    elif principal.role is Role.ENTERPRISE:
        params["scope_uscc"] = principal.uscc
    stmt = _alerts_statement(answer, tuple(sorted(params)), limit is not None)
    params["offset"] = offset
    if limit is not None:
        params["limit"] = limit
    return stmt, params


def list_alerts(
    session: Session,
    principal: Principal,
    where: AlertFilter = AlertFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Alert, Enterprise]]:
    """Alerts the caller sees, newest month first, then by enterprise and kind."""
    stmt, params = _alerts_query(False, principal, where, limit, offset)
    return [(a, e) for a, e in session.execute(stmt, params).all()]


def alert_answers(
    session: Session,
    principal: Principal,
    where: AlertFilter = AlertFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """What :func:`list_alerts` finds, as the fields of ``AlertOut`` (rows, no ORM objects)."""
    stmt, params = _alerts_query(True, principal, where, limit, offset)
    with reading(session) as conn:
        result = conn.execute(stmt, params)
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result]


def get_alert(session: Session, alert_id: int) -> tuple[Alert, Enterprise] | None:
    stmt = (
        select(Alert, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Alert.enterprise_id))
        .where(Alert.id == alert_id)
    )
    row = session.exec(stmt).first()
    return None if row is None else (row[0], row[1])
