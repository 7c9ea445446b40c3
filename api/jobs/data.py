"""The figures the checks need, summed in SQL per enterprise over a range of months.

The checks never need month-by-month rows: the intensity check wants year-to-date sums, the
base year's sums and one month's electricity and production. So each read here is one
``GROUP BY enterprise, section, item`` over the latest revision of every month in a range
(``report_month_items``, which holds those revisions' lines already summed by month and item;
months reported are counted on the ``report_months`` heads), returning a few rows per
enterprise rather than a few per enterprise and month. Energy is then converted to standard
coal on whole columns with :func:`carbon.energy.energy_tce` (GB/T 2589 equivalent value).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session

from api.models import Enterprise, ReportMonth
from api.reports.repository import latest_items
from carbon.catalog import CARRIERS, CarrierKind
from carbon.energy import energy_tce
from carbon.intensity import base_intensities, intensity_limits
from carbon.periods import Period
from factors import load_factor_set

#: The first year an enterprise's own path may start from (the plan's baseline year).
BASELINE_YEAR = 2020
#: Above this many enterprises, read all and filter in pandas rather than send a long IN list.
_IN_LIST_MAX = 500

_ELECTRICITY = sorted(n for n, c in CARRIERS.items() if c.kind == CarrierKind.ELECTRICITY)
_ents = Enterprise.__table__  # type: ignore[attr-defined]
_months = ReportMonth.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RangeTotals:
    """Sums per enterprise over the latest revision of each month of a range.

    Attributes
    ----------
    totals : pandas.DataFrame
        ``uscc``, ``months`` (months reported in the range), ``energy_tce`` [tce, 当量值],
        ``value_added`` [万元, 2020 prices], ``electricity_kwh`` [kWh, grid + green + own
        renewable]; one row per enterprise that reported in the range, zeros where a section
        is absent.
    production : pandas.DataFrame
        ``uscc, product, quantity`` [t], for the products asked for.
    """

    totals: pd.DataFrame
    production: pd.DataFrame


def enterprises_frame(session: Session, timezone: str = "Asia/Shanghai") -> pd.DataFrame:
    """Every enterprise: ``id, uscc, name, park_code, above_designated_size, first_period``.

    ``first_period`` is the first month the enterprise owes a report: the earlier of the month
    it was registered (in the district's time zone) and its first reported month.
    """
    first_reported = (
        sa_select(_months.c.enterprise_id, func.min(_months.c.period).label("first"))
        .group_by(_months.c.enterprise_id)
        .subquery()
    )
    rows = session.execute(
        sa_select(
            _ents.c.id,
            _ents.c.uscc,
            _ents.c.name,
            _ents.c.park_code,
            _ents.c.above_designated_size,
            _ents.c.created_at,
            first_reported.c.first,
        ).join(first_reported, first_reported.c.enterprise_id == _ents.c.id, isouter=True)
    ).all()
    tz = ZoneInfo(timezone)
    firsts = []
    for r in rows:
        registered = str(Period.of(r[5].astimezone(tz).date()))
        firsts.append(min(registered, r[6]) if r[6] else registered)
    return pd.DataFrame(
        {
            "id": pd.Series([r[0] for r in rows], dtype="int64"),
            "uscc": pd.Series([r[1] for r in rows], dtype="str"),
            "name": pd.Series([r[2] for r in rows], dtype="str"),
            "park_code": pd.Series([r[3] for r in rows], dtype="object"),
            "above_designated_size": pd.Series([bool(r[4]) for r in rows], dtype="bool"),
            "first_period": pd.Series(firsts, dtype="str"),
        }
    )


def _frame(session: Session, stmt: Any, columns: list[str]) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, built column by column (not row object by row object)."""
    result = session.execute(stmt)
    rows = result.cursor.fetchall() if isinstance(result, CursorResult) else result.all()
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(dict(zip(columns, (list(c) for c in cols), strict=True)))


def reported_in(session: Session, period: Period) -> pd.DataFrame:
    """``uscc, period`` of every enterprise with a report for ``period``."""
    stmt = (
        sa_select(_ents.c.uscc)
        .join(_months, _months.c.enterprise_id == _ents.c.id)
        .where(_months.c.period == str(period), _months.c.latest_revision_id.is_not(None))
    )
    usccs = [str(u) for u in session.execute(stmt).scalars()]
    return pd.DataFrame(
        {
            "uscc": pd.Series(usccs, dtype="str"),
            "period": pd.Series([str(period)] * len(usccs), dtype="str"),
        }
    )


def range_totals(
    session: Session,
    first: Period,
    last: Period,
    *,
    ids: Collection[int] | None = None,
    products: Collection[str] = (),
) -> RangeTotals:
    """Energy [tce], value added, electricity and ``products`` per enterprise, summed over the
    latest revision of every month from ``first`` to ``last`` (one calendar year at most).

    Parameters
    ----------
    ids : collection of int, optional
        Only these enterprises (by id).
    products : collection of str
        Products whose tonnes to sum (e.g. ``primary_aluminium``).

    References
    ----------
    .. [1] GB/T 2589-2008 综合能耗计算通则, Appendix A (equivalent-value coefficients).
    """
    if first.year != last.year:
        raise ValueError("a range of months within one calendar year")
    heads = (
        sa_select(_months.c.enterprise_id)
        .where(
            _months.c.period >= str(first),
            _months.c.period <= str(last),
            _months.c.latest_revision_id.is_not(None),
        )
        .subquery("heads")
    )
    # The latest revisions' lines, already summed by month and item (report_month_items).
    items = latest_items(period_from=str(first), period_to=str(last)).subquery("items")
    wanted = or_(
        items.c.section == "energy",
        and_(items.c.section == "economics", items.c.item == "value_added"),
        and_(
            items.c.section == "production",
            items.c.item.in_(sorted(products)),
            items.c.canonical_unit == "t",
        ),
    )
    sums = (
        sa_select(items.c.enterprise_id, items.c.section, items.c.item, func.sum(items.c.quantity))
        .where(wanted)
        .group_by(items.c.enterprise_id, items.c.section, items.c.item)
    )
    counts = sa_select(heads.c.enterprise_id, func.count()).group_by(heads.c.enterprise_id)
    if ids is not None and len(ids) <= _IN_LIST_MAX:
        sums = sums.where(items.c.enterprise_id.in_(sorted(ids)))
        counts = counts.where(heads.c.enterprise_id.in_(sorted(ids)))
    lines = _frame(session, sums, ["enterprise_id", "section", "item", "quantity"])
    months = _frame(session, counts, ["enterprise_id", "months"])
    if ids is not None and len(ids) > _IN_LIST_MAX:
        keep = list(ids)
        lines = lines[lines["enterprise_id"].isin(keep)]
        months = months[months["enterprise_id"].isin(keep)]
    labels = session.execute(sa_select(_ents.c.id, _ents.c.uscc)).all()
    uscc_of = pd.Series([str(u) for _, u in labels], index=[int(i) for i, _ in labels], dtype="str")
    lines = lines.assign(
        quantity=lines["quantity"].astype(np.float64), year=np.int64(first.year)
    ).reset_index(drop=True)
    energy = lines[lines["section"] == "energy"]
    if len(energy):
        energy = energy_tce(energy, load_factor_set())
    totals = months.set_index("enterprise_id")
    totals["energy_tce"] = (
        energy.groupby("enterprise_id")["tce_equivalent"].sum() if len(energy) else 0.0
    )
    elec = energy[energy["item"].isin(_ELECTRICITY)]
    totals["electricity_kwh"] = (
        elec.groupby("enterprise_id")["quantity"].sum() if len(elec) else 0.0
    )
    va = lines[(lines["section"] == "economics") & (lines["item"] == "value_added")]
    totals["value_added"] = va.groupby("enterprise_id")["quantity"].sum() if len(va) else 0.0
    totals = totals.fillna(0.0).reset_index()
    totals.insert(0, "uscc", uscc_of.reindex(totals["enterprise_id"]).to_numpy())
    prod = lines[lines["section"] == "production"]
    production = pd.DataFrame(
        {
            "uscc": uscc_of.reindex(prod["enterprise_id"]).to_numpy(),
            "product": prod["item"].astype("str").to_numpy(),
            "quantity": prod["quantity"].to_numpy(dtype=np.float64),
        }
    )
    return RangeTotals(
        totals=totals[["uscc", "months", "energy_tce", "value_added", "electricity_kwh"]].astype(
            {"uscc": "str", "months": "int64"}
        ),
        production=production.astype({"uscc": "str", "product": "str"}),
    )


def find_bases(session: Session, ids: Collection[int], *, before_year: int) -> pd.DataFrame:
    """Base intensity of each enterprise of ``ids``: its first full year from 2020 up to
    ``before_year`` (exclusive). Reads one year at a time, only for the enterprises still
    without a base, so that the usual case (a full 2020) costs one read.

    Returns
    -------
    pandas.DataFrame
        ``uscc, base_year, base_intensity`` [tce/万元] (:func:`carbon.intensity.base_intensities`).
    """
    remaining = set(ids)
    found: list[pd.DataFrame] = []
    id_of: dict[str, int] = {}
    for year in range(BASELINE_YEAR, before_year):
        if not remaining:
            break
        if not id_of:
            labels = session.execute(sa_select(_ents.c.uscc, _ents.c.id)).all()
            id_of = {str(u): int(i) for u, i in labels}
        totals = range_totals(session, Period(year, 1), Period(year, 12), ids=remaining).totals
        bases = base_intensities(totals.assign(year=year), baseline_year=BASELINE_YEAR)
        if len(bases):
            found.append(bases)
            remaining -= {id_of[u] for u in bases["uscc"]}
    if not found:
        return pd.DataFrame(
            {
                "uscc": pd.Series(dtype="str"),
                "base_year": pd.Series(dtype="int64"),
                "base_intensity": pd.Series(dtype="float64"),
            }
        )
    return pd.concat(found, ignore_index=True)


def own_path_limit(session: Session, ent: Enterprise, year: int) -> tuple[float, int, float] | None:
    """The own-path limit of ``ent`` in ``year``: (limit [tce/万元], base year, base intensity
    [tce/万元]), or None without a full base year before ``year``.

    References
    ----------
    .. [1] shared/DOMAIN.md, "Energy-intensity overrun": base × (1 − 0.16 × (y − base) ÷ 5).
    """
    assert ent.id is not None
    bases = find_bases(session, [ent.id], before_year=year)
    if bases.empty:
        return None
    no_explicit = pd.DataFrame(
        {
            "uscc": pd.Series(dtype="str"),
            "year": pd.Series(dtype="int64"),
            "limit": pd.Series(dtype="float64"),
        }
    )
    limits = intensity_limits([ent.uscc], year, no_explicit, bases)
    limit = float(limits["limit"].iloc[0])
    if not np.isfinite(limit):
        return None
    return limit, int(bases["base_year"].iloc[0]), float(bases["base_intensity"].iloc[0])
