"""Use cases of monthly reports: submit one month, import a batch, read revisions back.

A PUT and a batch take the same path: the documents become one frame of lines
(:mod:`api.reports.parsing`), every USCC and period is checked, the whole frame is normalised
at once (:func:`carbon.normalise.normalise_lines`), and only when nothing is wrong is anything
stored (:func:`api.reports.repository.store_revisions`). Errors name the place in the
document the caller sent.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from api.auth.principal import Principal
from api.db import reading
from api.errors import Forbidden
from api.models import Enterprise
from api.registry.repository import list_enterprises
from api.registry.service import read_enterprise, scoped_enterprise
from api.reports import repository
from api.reports.parsing import ECONOMICS_ITEMS, ITEM_FIELD, Lines, Parsed, fail, parse_put
from api.reports.quality import ANOMALY_COLUMNS, find_anomalies, months_due
from api.reports.schemas import (
    Anomaly,
    DataQualityOut,
    ReportIn,
    ReportOut,
)
from carbon.catalog import WASTE_COLUMNS
from carbon.errors import (
    InvalidInput,
    InvalidPeriodError,
    InvalidQuantityError,
    NotFound,
    ValidationFailed,
)
from carbon.normalise import normalise_columns
from carbon.periods import Period, parse_period
from carbon.registry import validate_uscc


@dataclass(frozen=True)
class Stored:
    """What a submission stored."""

    reports: int
    lines: int
    batch_id: str | None
    submitted_at: datetime
    revisions: repository.Revisions


def _check_periods(parsed: Parsed, today: date) -> list[InvalidInput]:
    """Check each report's period; rewrite the good ones as ``YYYY-MM``."""
    errors: list[InvalidInput] = []
    periods = [str(p) for p in parsed.reports["period"]]
    canonical: dict[str, str] = {}
    for text in dict.fromkeys(periods):
        try:
            canonical[text] = str(parse_period(text, today=today))
        except InvalidPeriodError as exc:
            canonical[text] = text
            for r, p in enumerate(periods):
                if p == text:
                    errors.append(InvalidPeriodError(exc.msg, parsed.report_loc(r, "period")))
    parsed.reports["period"] = [canonical[p] for p in periods]
    return errors


def _check_not_empty(parsed: Parsed) -> list[InvalidInput]:
    counts = np.bincount(parsed.lines["report"], minlength=len(parsed.reports["period"]))
    return [
        InvalidInput("a report needs at least one line", parsed.report_loc(int(r), None))
        for r in np.flatnonzero(counts == 0)
    ]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _check_text(parsed: Parsed) -> list[InvalidInput]:
    """Refuse control characters (NUL, line breaks ...) in names and units: PostgreSQL cannot
    store NUL, and a product name is shown back to people. Each distinct text is looked at
    once."""
    errors: list[InvalidInput] = []
    for field in ("item", "unit"):
        column = parsed.lines[field]
        bad = [v for v in pd.unique(column) if _CONTROL.search(str(v))]
        if not bad:
            continue
        for label in np.flatnonzero(np.isin(column, np.asarray(bad, dtype=object))).tolist():
            errors.append(
                InvalidInput(f"{field} contains a control character", parsed.line_loc(label, field))
            )
    return errors


def _normalise(parsed: Parsed) -> Lines:
    """The lines with their canonical columns; errors re-located into the caller's document."""
    lines = parsed.lines
    try:
        with np.errstate(over="ignore"):  # overflow is checked below, line by line
            added = normalise_columns(lines, len(lines["report"]))
    except ValidationFailed as exc:
        located = []
        for err in exc.errors:
            label = err.loc[0] if err.loc else 0
            field = str(err.loc[1]) if len(err.loc) > 1 else "item"
            located.append(type(err)(err.msg, parsed.line_loc(int(label), field)))
        raise fail(located) from None
    # A finite figure can overflow once converted (1e305 亿千瓦时); it cannot be stored or sent.
    overflow: list[InvalidInput] = []
    checks = [("canonical_quantity", "quantity")] + [(f"{c}_c", c) for c in WASTE_COLUMNS]
    is_waste = ~np.isnan(added["generated_c"])
    for column, field in checks:
        rows = np.isinf(added[column])
        if field == "quantity":
            rows &= ~is_waste
        for label in np.flatnonzero(rows).tolist():
            overflow.append(
                InvalidQuantityError(
                    f"{field} is too large once converted to {added['canonical_unit'][label]}",
                    parsed.line_loc(label, field),
                )
            )
    if overflow:
        raise fail(overflow)
    return {**lines, **added}


def _place(loc: tuple[str | int, ...]) -> str:
    """``report 3`` or ``row 7``: where a report sits in the document, for messages."""
    for name, word in (("reports", "report"), ("row", "row")):
        if name in loc:
            i = loc.index(name)
            if i + 1 < len(loc):
                return f"{word} {loc[i + 1]}"
    return "the report"


def _resolve_enterprises(
    session: Session, principal: Principal, parsed: Parsed
) -> tuple[np.ndarray, list[InvalidInput]]:
    """Each report's enterprise id; refuses (403) any report outside the caller's scope.

    A malformed USCC is a 422 for that report. A well-formed USCC that is not registered is a
    422 for an admin, and a 403 for everyone else, so that the answer does not tell a scoped
    caller which enterprises exist outside its scope.
    """
    errors: list[InvalidInput] = []
    raw = [str(u) for u in parsed.reports["uscc"]]
    canonical: dict[str, str | None] = {}
    for text in dict.fromkeys(raw):
        try:
            canonical[text] = validate_uscc(text)
        except InvalidInput as exc:
            canonical[text] = None
            for bad, other in enumerate(raw):
                if other == text:
                    errors.append(InvalidInput(exc.msg, parsed.report_loc(bad, "uscc")))
    if errors:
        raise fail(parsed.errors + errors)
    usccs = [str(canonical[text]) for text in raw]
    known = repository.enterprises_by_uscc(session, sorted(set(usccs)))
    by_uscc: dict[str, tuple[int, str | None]] = {
        str(u): (int(i), None if pd.isna(p) else str(p))
        for i, u, p in zip(known["id"], known["uscc"], known["park_code"], strict=True)
    }
    ids = np.zeros(len(usccs), dtype=np.int64)
    refused: list[str] = []
    for r, uscc in enumerate(usccs):
        row = by_uscc.get(uscc)
        if row is not None and principal.sees_enterprise(uscc, row[1]):
            ids[r] = row[0]
            continue
        where = _place(parsed.report_loc(r, "uscc"))
        if row is None and principal.is_admin:
            errors.append(
                InvalidInput(f"no enterprise {uscc} is registered", parsed.report_loc(r, "uscc"))
            )
        else:
            refused.append(f"{where} ({uscc})")
    if refused:
        shown = "; ".join(refused[:20]) + (
            f"; and {len(refused) - 20} more" if len(refused) > 20 else ""
        )
        raise Forbidden(f"these reports name enterprises outside your scope: {shown}")
    return ids, errors


def _store(
    session: Session,
    principal: Principal,
    parsed: Parsed,
    enterprise_ids: np.ndarray,
    *,
    today: date,
    channel: str,
    batch_id: str | None,
    prior_errors: list[InvalidInput] | None = None,
) -> Stored:
    errors = parsed.errors + list(prior_errors or [])
    errors += _check_periods(parsed, today)
    errors += _check_not_empty(parsed)
    errors += _check_text(parsed)
    try:
        lines = _normalise(parsed)
    except ValidationFailed as exc:
        errors += exc.errors
        raise fail(errors) from None
    if errors:
        raise fail(errors)
    reports = {"enterprise_id": enterprise_ids, "period": parsed.reports["period"]}
    stored = repository.store_revisions(
        session,
        reports=reports,
        lines=lines,
        channel=channel,
        token_id=principal.token_id,
        batch_id=batch_id,
    )
    return Stored(
        reports=len(enterprise_ids),
        lines=len(lines["report"]),
        batch_id=batch_id,
        submitted_at=stored.submitted_at,
        revisions=stored,
    )


def submit_report(
    session: Session,
    principal: Principal,
    uscc: str,
    period: str,
    body: ReportIn,
    *,
    today: date,
) -> ReportOut:
    """Store ``body`` as the next revision of the enterprise's month and return it as stored.

    Raises
    ------
    NotFound
        If the enterprise is not in the caller's scope.
    ValidationFailed
        With every bad field: the period (``["path", "period"]``), an empty report
        (``["body"]``), and each line's errors (``["body", "energy", 0, "unit"]`` ...).
    """
    ent_id, ent_uscc = scoped_enterprise(session.connection(), principal, uscc)
    parsed = parse_put(body, ent_uscc, period.strip())
    stored = _store(
        session,
        principal,
        parsed,
        np.array([ent_id], dtype=np.int64),
        today=today,
        channel="api",
        batch_id=None,
    )
    # Answered from what was written, not read back: the same numbers and texts, as stored.
    written = stored.revisions
    head = {
        "period": parsed.reports["period"][0],
        "revision": written.revision[0],
        "submitted_at": written.submitted_at,
        "channel": "api",
        "batch_id": None,
    }
    columns = [written.lines[c] for c in repository.READ_LINE_COLUMNS]
    return ReportOut.model_validate(report_answer(ent_uscc, head, list(zip(*columns, strict=True))))


def import_batch(session: Session, principal: Principal, parsed: Parsed, *, today: date) -> Stored:
    """Store every report of a batch as a new revision, or nothing at all.

    Raises
    ------
    Forbidden
        If any report names an enterprise outside the caller's scope (naming those reports).
    ValidationFailed
        With every bad field found, each located by report index or upload row.
    """
    ids, errors = _resolve_enterprises(session, principal, parsed)
    return _store(
        session,
        principal,
        parsed,
        ids,
        today=today,
        channel="batch",
        batch_id=uuid.uuid4().hex,
        prior_errors=errors,
    )


# --- reading ----------------------------------------------------------------------------------


_WASTE = len(WASTE_COLUMNS)


def report_answer(uscc: str, head: dict[str, Any], lines: list[tuple[Any, ...]]) -> dict[str, Any]:
    """A revision as answered, the fields of :class:`ReportOut` in its order: ``head`` holds
    :data:`repository.READ_REPORT_COLUMNS`, each line :data:`repository.READ_LINE_COLUMNS`,
    in the order sent within each section. Built from the service's own rows, whose types
    are the answer's, so it goes out without being validated again (:func:`json_answer`).
    """
    sections: dict[str, list[dict[str, Any]]] = {
        "energy": [],
        "water": [],
        "solid_waste": [],
        "production": [],
    }
    economics: dict[str, dict[str, Any]] = {}
    for section, _, item, quantity, unit, cq, cu, *waste in lines:
        if section == "economics":
            economics[item] = {
                "quantity": quantity,
                "unit": unit,
                "canonical_quantity": cq,
                "canonical_unit": cu,
            }
        elif section == "solid_waste":
            line: dict[str, Any] = {"category": item, "unit": unit}
            line.update(zip(WASTE_COLUMNS, waste[:_WASTE], strict=True))
            line["canonical_quantity"] = cq
            line["canonical_unit"] = cu
            line["canonical"] = dict(zip(WASTE_COLUMNS, waste[_WASTE:], strict=True))
            sections[section].append(line)
        else:
            sections[section].append(
                {
                    ITEM_FIELD[section]: item,
                    "quantity": quantity,
                    "unit": unit,
                    "canonical_quantity": cq,
                    "canonical_unit": cu,
                }
            )
    return {
        "uscc": uscc,
        **head,
        **sections,
        "economics": {k: economics.get(k) for k in ECONOMICS_ITEMS},
    }


def _query_period(text: str, name: str) -> str:
    try:
        return str(parse_period(text, allow_future=True))
    except InvalidPeriodError as exc:
        raise InvalidPeriodError(exc.msg, ("query" if name != "period" else "path", name)) from None


def read_latest(session: Session, principal: Principal, uscc: str, period: str) -> dict[str, Any]:
    """The latest revision of a month (:func:`report_answer`); 404 if the month has none or
    the enterprise is outside the scope."""
    with reading(session) as conn:
        ent_id, ent_uscc = scoped_enterprise(conn, principal, uscc)
        month = _query_period(period, "period")
        found = repository.read_latest(conn, ent_id, period_from=month, period_to=month)
    if not found:
        raise NotFound(f"{ent_uscc} has no report for {month}")
    return report_answer(ent_uscc, *found[0])


def read_revisions(
    session: Session, principal: Principal, uscc: str, period: str
) -> list[dict[str, Any]]:
    """Every revision of a month, oldest first; 404 if there is none."""
    with reading(session) as conn:
        ent_id, ent_uscc = scoped_enterprise(conn, principal, uscc)
        month = _query_period(period, "period")
        found = repository.read_month(conn, ent_id, month)
    if not found:
        raise NotFound(f"{ent_uscc} has no report for {month}")
    return [report_answer(ent_uscc, head, lines) for head, lines in found]


def read_revision(
    session: Session, principal: Principal, uscc: str, period: str, revision: int
) -> dict[str, Any]:
    """One revision of a month, exactly as it was stored."""
    with reading(session) as conn:
        ent_id, ent_uscc = scoped_enterprise(conn, principal, uscc)
        month = _query_period(period, "period")
        found = repository.read_month(conn, ent_id, month, revision)
    if not found:
        raise NotFound(f"{ent_uscc} has no revision {revision} for {month}")
    return report_answer(ent_uscc, *found[0])


def read_range(
    session: Session,
    principal: Principal,
    uscc: str,
    period_from: str | None,
    period_to: str | None,
) -> list[dict[str, Any]]:
    """The latest revision of each reported month in ``[period_from, period_to]``, by month."""
    with reading(session) as conn:
        ent_id, ent_uscc = scoped_enterprise(conn, principal, uscc)
        first = _query_period(period_from, "from") if period_from is not None else None
        last = _query_period(period_to, "to") if period_to is not None else None
        if first is not None and last is not None and first > last:  # YYYY-MM sorts as text
            raise InvalidPeriodError(f"from ({first}) is after to ({last})", ("query", "from"))
        found = repository.read_latest(conn, ent_id, period_from=first, period_to=last)
    return [report_answer(ent_uscc, head, lines) for head, lines in found]


# --- data quality -----------------------------------------------------------------------------


def _quality(
    session: Session, enterprises: list[Enterprise], year: int, today: date
) -> list[DataQualityOut]:
    if not enterprises:
        return []
    usccs = [e.uscc for e in enterprises]
    due = months_due(year, Period.of(today))
    reported = repository.reported_periods(session, year, year, usccs=usccs)
    monthly = repository.aggregate_latest(session, year_from=year, year_to=year, usccs=usccs)
    anomalies = find_anomalies(monthly, reported)
    by_uscc_reported = reported.groupby("uscc")["period"].agg(list).to_dict()
    by_uscc_anomalies = {u: g for u, g in anomalies.groupby("uscc")} if len(anomalies) else {}
    out = []
    for ent in enterprises:
        months = set(by_uscc_reported.get(ent.uscc, []))
        flagged = by_uscc_anomalies.get(ent.uscc)
        out.append(
            DataQualityOut(
                uscc=ent.uscc,
                name=ent.name,
                park_code=ent.park_code,
                above_designated_size=ent.above_designated_size,
                year=year,
                months_due=len(due),
                months_reported=len(months),
                missing=[m for m in due if m not in months],
                anomalies=[]
                if flagged is None
                else [
                    Anomaly(**{k: row[k] for k in ANOMALY_COLUMNS if k != "uscc"})
                    for row in flagged.to_dict("records")
                ],
            )
        )
    return out


def enterprise_quality(
    session: Session, principal: Principal, uscc: str, year: int, *, today: date
) -> DataQualityOut:
    """Missing and anomalous months of one enterprise's year."""
    return _quality(session, [read_enterprise(session, principal, uscc)], year, today)[0]


def district_quality(
    session: Session, principal: Principal, year: int, *, park_code: str | None, today: date
) -> list[DataQualityOut]:
    """Missing and anomalous months of every enterprise in the caller's scope (and park)."""
    enterprises = list(
        list_enterprises(session, principal, park_code=park_code, limit=10**9, offset=0)
    )
    return _quality(session, enterprises, year, today)
