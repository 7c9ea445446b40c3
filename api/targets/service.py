"""The plan's targets for a year, over the district or one park, within the caller's scope.

One read of the reports (:func:`api.reports.repository.aggregate_latest`: monthly sums in SQL)
is folded into enterprise-years on whole columns (:func:`carbon.yearly.yearly_totals`, energy in
tce by GB/T 2589) and evaluated against the plan's data (:func:`carbon.indicators.evaluate_plan`,
targets from ``factors/plans/``).

Access
------
* admin: the district view and any park's view;
* park manager: its own park's view, and the district view — the plan's targets are the
  district's, and a park manager plans against them — but ``top_movers`` then name only
  enterprises of its own park (the district's enterprises that move the indicator most, among
  those of its park); aggregates name no enterprise;
* enterprise: 403 (its own figures are in ``/enterprises/{uscc}/green-factory-assessment``).
A park outside the caller's scope answers 404, like every other read.

References
----------
.. [1] shared/DOMAIN.md, "Plan indicators" and "Status".
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sqlmodel import Session

from api.auth.principal import Principal, Role
from api.errors import Forbidden
from api.registry.service import read_park
from api.targets import repository
from api.targets.schemas import MoverOut, TargetOut, TargetStatus, TrajectoryPoint
from carbon.indicators import IndicatorRow, Plan, evaluate_plan
from carbon.yearly import yearly_totals
from factors import load_factor_set
from factors.plans import load_plan

__all__ = ["DISTRICT", "enterprise_years", "plan", "plan_targets"]

DISTRICT = "district"


@functools.cache
def plan() -> Plan:
    """The plan in force (read once per process)."""
    return load_plan()


def enterprise_years(monthly: pd.DataFrame, attributes: pd.DataFrame) -> pd.DataFrame:
    """The per-enterprise-year frame :func:`evaluate_plan` reads.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Monthly sums of the latest revisions (``aggregate_latest``).
    attributes : pandas.DataFrame
        ``uscc, counts_as_park, above_designated_size`` (and ``park_code``) from the registry.

    Returns
    -------
    pandas.DataFrame
        :data:`carbon.indicators.ENTERPRISE_YEAR_COLUMNS` plus ``grid_electricity_tce`` and
        ``months``. The registry's current park and size apply to every year.
    """
    yearly = yearly_totals(monthly, load_factor_set())
    attrs = attributes.set_index("uscc")
    usccs = yearly["uscc"]
    yearly["counts_as_park"] = (
        usccs.map(attrs["counts_as_park"]).fillna(False).astype(bool).to_numpy()
    )
    yearly["above_designated_size"] = (
        usccs.map(attrs["above_designated_size"]).fillna(False).astype(bool).to_numpy()
    )
    return yearly


def _years(p: Plan, year: int) -> tuple[int, int]:
    """The years to read: the year asked and every baseline year (reductions compare to it)."""
    baselines = [s.baseline_year for s in p.indicators]
    return min([year, *baselines]), max([year, *baselines])


def _data_through(monthly: pd.DataFrame, usccs: set[str], year: int) -> str | None:
    m = monthly[(monthly["year"] == year) & monthly["uscc"].isin(list(usccs))]
    if m.empty:
        return None
    return f"{year:04d}-{int(m['month'].max()):02d}"


def _out(
    row: IndicatorRow,
    *,
    plan_name: str,
    names: dict[str, str],
    parks: dict[str, str | None],
    movers_in: set[str] | None,
    movers_scope: str,
    top_n: int,
    data_through: str | None,
) -> TargetOut:
    movers = [m for m in row.top_movers if movers_in is None or m.uscc in movers_in][:top_n]
    note = row.note
    if data_through is not None and not data_through.endswith("-12"):
        partial = f"Reports of {row.year} run to {data_through} only: the year is not complete."
        note = f"{note} {partial}".strip()
    return TargetOut(
        id=row.id,
        name=row.name,
        unit=row.unit,
        baseline_year=row.baseline_year,
        baseline=row.baseline,
        target=row.target,
        target_year=row.target_year,
        value=row.value,
        status=TargetStatus(str(row.status)),
        name_en=row.name_en,
        year=row.year,
        scope=row.scope,
        plan=plan_name,
        kind=str(row.kind),
        definition=row.definition,
        trajectory=[
            TrajectoryPoint(year=int(p["year"]), value=float(p["value"])) for p in row.trajectory
        ],
        path_value=row.path_value,
        gap=row.gap,
        gap_unit=row.gap_unit,
        gap_definition=row.gap_definition,
        top_movers=[
            MoverOut(
                uscc=m.uscc,
                name=names.get(m.uscc),
                park_code=parks.get(m.uscc),
                value=m.value,
                unit=m.unit,
            )
            for m in movers
        ],
        top_movers_measure=row.top_movers_measure,
        top_movers_scope=movers_scope,
        projection=row.projection,
        projection_year=row.projection_year,
        details=row.details,
        data_through=data_through,
        note=note,
    )


def plan_targets(
    session: Session, principal: Principal, *, year: int, park: str | None = None, top_n: int = 5
) -> list[TargetOut]:
    """Every indicator of the plan for ``year``, over the district or the park ``park``.

    Raises
    ------
    Forbidden
        For an enterprise token.
    NotFound
        For a park that does not exist or is outside the caller's scope.
    """
    if principal.role is Role.ENTERPRISE:
        raise Forbidden(
            "the plan's targets are read for the district or a park; an enterprise reads its own "
            "figures at /api/v1/enterprises/{uscc}/green-factory-assessment"
        )
    park_code = read_park(session, principal, park).code if park is not None else None
    p = plan()
    year_from, year_to = _years(p, year)
    monthly = repository.monthly_sums(session, year_from=year_from, year_to=year_to)
    attributes = repository.enterprise_attributes(session)
    frame = enterprise_years(monthly, attributes)
    certs = repository.certifications_frame(session)

    movers_in: set[str] | None = None
    movers_scope = park_code or DISTRICT
    if principal.role is Role.PARK_MANAGER:
        own = attributes["park_code"] == principal.park_code
        movers_in = set(attributes.loc[own, "uscc"])
        movers_scope = str(principal.park_code)
    # Ask for every enterprise as a mover when some must be filtered out afterwards.
    n = top_n if movers_in is None else max(top_n, len(attributes))
    rows = evaluate_plan(p, frame, certs, year, park_code, top_n=n)

    above = attributes[attributes["above_designated_size"].to_numpy(dtype=bool)]
    in_scope = above if park_code is None else above[above["park_code"] == park_code]
    through = _data_through(monthly, set(in_scope["uscc"]), year)
    names = dict(zip(attributes["uscc"], attributes["name"], strict=True))
    parks = {
        u: (None if pc is None or (isinstance(pc, float) and np.isnan(pc)) else str(pc))
        for u, pc in zip(attributes["uscc"], attributes["park_code"], strict=True)
    }
    return [
        _out(
            r,
            plan_name=p.name,
            names=names,
            parks=parks,
            movers_in=movers_in,
            movers_scope=movers_scope,
            top_n=top_n,
            data_through=through,
        )
        for r in rows
    ]
