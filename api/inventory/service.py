"""Carbon inventories of an enterprise, a park or the district.

The work is split so that each part does what it is fast at:

1. the database sums the canonical quantities of the revision that counts for each month,
   by enterprise and item and by month and item (:func:`api.inventory.repository.
   activity_sums`), and marks the months each enterprise reported;
2. :func:`carbon.emissions.compute_emissions` applies the factors to those small tables, on
   whole columns; this is exact because an inventory is linear in activity, and factors
   depend on the year, the item and the region only, never on the month or the line;
3. :func:`assemble` folds the result into totals, rows by source, by enterprise and by month,
   the factors used and what the inventory does not cover.

References
----------
.. [1] GHG Protocol Corporate Standard (2004), ch. 4 (scopes 1 and 2); Scope 2 Guidance
   (2015), dual reporting of location- and market-based figures.
.. [2] MEE/NDRC enterprise GHG accounting guidelines (2013 electrolytic aluminium edition; 2024
   MEE aluminium guideline), MEE/NBS electricity CO2 factor announcements 2021-2023.
.. [3] GB/T 2589-2008 综合能耗计算通则, Appendix A (equivalent-value coefficients).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlmodel import Session

from api.auth.principal import Principal, Role
from api.db import reading
from api.errors import Forbidden
from api.inventory import repository
from api.inventory.schemas import (
    FactorUsed,
    FuelSource,
    GridFactor,
    GridFactorSeries,
    GridFactorYear,
    GwpInfo,
    GwpName,
    Inventory,
    Level,
    NotCovered,
    ProcessSource,
    Scope2Method,
    SourceRow,
)
from api.registry.service import scoped_park
from carbon.catalog import CARRIERS, PROCESS_PRODUCTS
from carbon.emissions import (
    ITEM_INDEX,
    ITEMS,
    LINE_BUCKETS,
    LINE_INDEX,
    LINES,
    EmissionArrays,
    Method,
    emission_arrays,
)
from carbon.errors import (
    FactorNotFoundError,
    InvalidInput,
    NotFound,
    UnknownItemError,
    ValidationFailed,
)
from carbon.factors import ACTIVITY_UNITS, NATIONAL, Factor, FactorSet
from carbon.periods import Period
from factors import load_factor_set

DISTRICT_NAME = "綦江区"

_SCOPE_NUMBER = {"scope1": 1, "scope2": 2}
_CATEGORY_ORDER = {"combustion": 0, "process": 1, "electricity": 2, "heat": 3}
_ITEM_ORDER = {name: i for i, name in enumerate(ITEMS)}
_GRID_KINDS = ("grid_average", "grid_reporting")

GRID_DESCRIPTIONS = {
    GridFactor.PROVINCIAL: (
        "MEE/NBS average electricity CO2 factor of the enterprise's province for the "
        "inventory year (the national one where the province has none, marked provisional)"
    ),
    GridFactor.NATIONAL: "MEE/NBS national average electricity CO2 factor of the inventory year",
    GridFactor.MEE_REPORTING: (
        "MEE's fixed national factor for enterprises' reports (0.5703 tCO2/MWh for the "
        "2023-2025 reporting years)"
    ),
}


@dataclass(frozen=True)
class InventoryQuery:
    """What an inventory is asked for (the query string of ``GET /api/v1/inventory``)."""

    level: Level
    id: str | None
    year: int
    month: int | None = None
    scope2: Scope2Method = Scope2Method.LOCATION
    grid_factor: GridFactor = GridFactor.PROVINCIAL
    gwp: GwpName = GwpName.AR5
    fuel_source: FuelSource = FuelSource.MEE_GUIDELINE
    process_source: ProcessSource = ProcessSource.GUIDELINE_2013
    as_of: datetime | None = None


@dataclass(frozen=True)
class Subject:
    """Who the inventory is of, after validation and the access check."""

    level: Level
    id: str | None
    name: str
    uscc: str | None = None
    park_code: str | None = None


def check_query(query: InventoryQuery, today: date) -> None:
    """422 naming every bad parameter at once."""
    errors: list[InvalidInput] = []
    if query.level is Level.DISTRICT and query.id is not None:
        errors.append(InvalidInput("a district inventory takes no id", ("query", "id")))
    if query.level is not Level.DISTRICT and not (query.id or "").strip():
        what = "a USCC" if query.level is Level.ENTERPRISE else "a park code"
        errors.append(
            InvalidInput(f"a {query.level.value} inventory needs {what} as id", ("query", "id"))
        )
    if query.year > today.year:
        errors.append(InvalidInput(f"year {query.year} is in the future", ("query", "year")))
    elif query.month is not None and Period(query.year, query.month) > Period.of(today):
        errors.append(
            InvalidInput(
                f"{query.year}-{query.month:02d} is after the current month", ("query", "month")
            )
        )
    if query.as_of is not None and query.as_of.tzinfo is None:
        errors.append(InvalidInput("as_of needs a time zone", ("query", "as_of")))
    if errors:
        raise ValidationFailed(errors)


def resolve_subject(
    session: Session, principal: Principal, query: InventoryQuery
) -> tuple[Subject, repository.Enterprises]:
    """The enterprise, park or district asked for, if the caller may read its inventory, and
    its enterprises.

    An enterprise reads its own inventory only; a park manager its park's and those of its
    enterprises; the admin everything. A district inventory breaks the district down by
    enterprise, which is every tenant's data: admin only. Outside the caller's scope an
    enterprise or park is 404 (as the registry answers, so nothing leaks); a level the role
    never reaches is 403.
    """
    if query.level is Level.ENTERPRISE:
        uscc = (query.id or "").strip().upper()
        ent = repository.enterprises_at(session, uscc=uscc)
        if not len(ent) or not principal.sees_enterprise(ent.uscc[0], ent.park_code[0]):
            raise NotFound(f"no enterprise {uscc} in your scope")
        subject = Subject(Level.ENTERPRISE, ent.uscc[0], ent.name[0], uscc=ent.uscc[0])
        return subject, ent
    if query.level is Level.PARK:
        if principal.role is Role.ENTERPRISE:
            raise Forbidden("an enterprise reads its own inventory only, not its park's")
        with reading(session) as conn:
            code, name = scoped_park(conn, principal, (query.id or "").strip().upper())
        subject = Subject(Level.PARK, code, name, park_code=code)
        return subject, repository.enterprises_at(session, park_code=code)
    if principal.role is not Role.ADMIN:
        raise Forbidden("the district inventory breaks the district down by enterprise: admin only")
    return Subject(Level.DISTRICT, None, DISTRICT_NAME), repository.enterprises_at(session)


def build_inventory(
    session: Session,
    principal: Principal,
    query: InventoryQuery,
    *,
    today: date,
    now: datetime | None = None,
    factors: FactorSet | None = None,
) -> Inventory:
    """The inventory asked for by ``query``, within the caller's scope.

    Parameters
    ----------
    today : date
        Today in the district: decides which months are due and which are in the future.
    now : datetime, optional
        The ``generated_at`` stamp (default: now, UTC).
    factors : FactorSet, optional
        The factor library (default: :func:`factors.load_factor_set`).

    Raises
    ------
    ValidationFailed
        Bad parameters (422, each named).
    NotFound, Forbidden
        Outside the caller's scope (404 / 403).
    """
    check_query(query, today)
    subject, enterprises = resolve_subject(session, principal, query)
    scope = repository.Scope(
        year=query.year,
        month=query.month,
        enterprise_id=int(enterprises.id[0]) if subject.uscc else None,
        park_code=subject.park_code,
        as_of=query.as_of,
    )
    by_region = len(set(enterprises.region)) > 1
    enterprise_sums, month_sums = repository.activity_sums(session, scope, by_region=by_region)
    return assemble(
        subject,
        query,
        enterprises,
        enterprise_sums,
        month_sums,
        repository.reported_months(session, scope),
        factors or load_factor_set(),
        today=today,
        now=now or datetime.now(UTC),
    )


def _item_codes(items: Sequence[str]) -> npt.NDArray[np.int64]:
    """Index in ITEMS of each summed item: products with process emissions, else carriers.

    Raises
    ------
    UnknownItemError
        For an energy item that is not a carrier of the catalogue.
    """
    codes, uniques = pd.factorize(np.asarray(items, dtype=object))
    lookup = []
    for name in uniques:
        index = ITEM_INDEX.get(name) if name in PROCESS_PRODUCTS or name in CARRIERS else None
        if index is None:
            raise UnknownItemError(f"unknown energy carrier(s) [{name!r}]", ("item",))
        lookup.append(index)
    return np.asarray(lookup, dtype=np.int64)[codes] if len(codes) else codes.astype(np.int64)


def enterprise_emissions(
    sums: repository.Sums,
    enterprises: repository.Enterprises,
    year: int,
    factors: FactorSet,
    method: Method,
) -> EmissionArrays:
    """Emissions of the year's sums by enterprise: entities are positions in ``enterprises``.

    The factors do not depend on the month, so each (enterprise, item) total counts as month
    1; each enterprise's region comes from the registry. Sums of enterprises not in
    ``enterprises`` are left out.
    """
    pos = enterprises.positions(sums.key)
    regions, region_of = np.unique(
        np.asarray(enterprises.region, dtype=object), return_inverse=True
    )
    n = len(pos)
    return emission_arrays(
        pos,
        enterprises.uscc,
        np.full(n, year, dtype=np.int64),
        np.ones(n, dtype=np.int64),
        np.where(pos >= 0, region_of[np.maximum(pos, 0)], -1) if len(region_of) else pos,
        [str(r) for r in regions],
        _item_codes(sums.item),
        sums.quantity,
        factors,
        **method,
    )


def month_emissions(
    sums: repository.Sums,
    enterprises: repository.Enterprises,
    year: int,
    factors: FactorSet,
    method: Method,
) -> EmissionArrays:
    """Emissions of the sums by month (and region): entities are the regions.

    Where the sums were not split by region (all enterprises in one), that region applies.
    """
    only = enterprises.region[0] if len(enterprises) else NATIONAL
    names = [only if r is None else str(r) for r in sums.region]
    codes, regions = pd.factorize(np.asarray(names, dtype=object))
    region_names = [str(r) for r in regions]
    n = len(codes)
    return emission_arrays(
        codes.astype(np.int64),
        region_names,
        np.full(n, year, dtype=np.int64),
        sums.key,
        codes.astype(np.int64),
        region_names,
        _item_codes(sums.item),
        sums.quantity,
        factors,
        **method,
    )


def _by_bucket(em: EmissionArrays, key: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """t CO2e per key (per row's group) and bucket: shape (n, 3), see :data:`LINE_BUCKETS`."""
    codes = key[em.r_group] * 3 + LINE_BUCKETS[em.r_line]
    sums = np.bincount(codes, weights=em.r_tco2e, minlength=n * 3)
    return sums.astype(np.float64).reshape(n, 3)


def _energy_by(em: EmissionArrays, key: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """tce (equivalent value) per key; products count 0."""
    sums = np.bincount(key, weights=np.nan_to_num(em.g_tce_equivalent), minlength=n)
    return sums.astype(np.float64)


def _labels(em: EmissionArrays, factor_codes: npt.ArrayLike) -> set[str]:
    """The factor ids behind the given codes of ``em.factor_labels``."""
    return {fid for c in np.unique(factor_codes).tolist() for fid in em.factor_labels[c].split("+")}


def _by_source(em: EmissionArrays) -> list[SourceRow]:
    """One row per output line and item, summed over enterprises."""
    if not len(em.r_line):
        return []
    n_items = len(ITEMS)
    items = em.g_item[em.r_group]
    keys, inverse = np.unique(em.r_line * n_items + items, return_inverse=True)
    activity = np.bincount(inverse, weights=em.g_quantity[em.r_group])
    gas_t = np.bincount(inverse, weights=em.r_gas_t)
    tco2e = np.bincount(inverse, weights=em.r_tco2e)
    out = []
    for k, key in enumerate(keys.tolist()):
        line, item = LINES[key // n_items], ITEMS[key % n_items]
        out.append(
            SourceRow(
                scope=_SCOPE_NUMBER[line.scope],
                scope2_method=Scope2Method(line.scope2_method) if line.scope2_method else None,
                category=line.category,
                carrier_or_process=item,
                gas=line.gas,
                activity=float(activity[k]),
                activity_unit=ACTIVITY_UNITS[item],
                gas_t=float(gas_t[k]),
                tco2e=float(tco2e[k]),
                factor_ids=sorted(_labels(em, em.r_factor[inverse == k])),
            )
        )
    out.sort(
        key=lambda s: (
            s.scope,
            s.scope2_method or "",
            _CATEGORY_ORDER.get(s.category, 9),
            _ITEM_ORDER.get(s.carrier_or_process, 99),
            s.gas,
        )
    )
    return out


def _factor_rows(em: EmissionArrays, factors: FactorSet) -> tuple[list[FactorUsed], list[str]]:
    """Every factor used, described, and the ids of those applied provisionally to emissions."""
    out = []
    for d in em.factors_used:
        fid = str(d["id"])
        f = _lookup(factors, fid)
        out.append(
            FactorUsed(
                id=fid,
                kind=f.kind if f else "gwp100",
                activity=f.activity if f else fid.rsplit(":", 1)[-1],
                region=f.region if f else "",
                gas=f.gas if f else fid.rsplit(":", 1)[-1],
                edition=str(d["edition"]),
                source=str(d["source"]),
                url=f.url if f else "",
                value=float(d["value"]),  # type: ignore[arg-type]
                unit=str(d["unit"]),
                reference=str(d["reference"]),
                provisional=bool(d["provisional"]),
            )
        )
    flagged = _labels(em, em.r_factor[em.r_provisional])
    provisional = {fid for fid in flagged if fid in factors and _is_annual(factors, fid)}
    return out, sorted(provisional)


def _lookup(factors: FactorSet, fid: str) -> Factor | None:
    """The factor ``fid``, or ``None`` for the GWP entries, which are not library factors."""
    try:
        return factors[fid]
    except FactorNotFoundError:
        return None


def _is_annual(factors: FactorSet, fid: str) -> bool:
    f = factors[fid]
    return f.year_from is not None or f.year_to is not None


def _grid_series(em: EmissionArrays, query: InventoryQuery, factors: FactorSet) -> GridFactorSeries:
    years: list[GridFactorYear] = []
    location = np.flatnonzero(em.r_line == LINE_INDEX["electricity_location"])
    seen = {
        (int(em.g_year[em.r_group[r]]), int(em.r_factor[r]), bool(em.r_provisional[r]))
        for r in location.tolist()
    }
    for year, code, prov in seen:
        for fid in em.factor_labels[code].split("+"):
            if fid not in factors or factors[fid].kind not in _GRID_KINDS:
                continue
            f = factors[fid]
            years.append(
                GridFactorYear(
                    year=year,
                    region=f.region,
                    factor_id=f.id,
                    value=f.value,
                    unit=f.unit,
                    provisional=prov,
                )
            )
    unique = {(y.year, y.factor_id, y.provisional): y for y in years}
    return GridFactorSeries(
        name=query.grid_factor,
        description=GRID_DESCRIPTIONS[query.grid_factor],
        factors=sorted(unique.values(), key=lambda y: (y.year, y.region, y.factor_id)),
    )


def _gwp_info(em: EmissionArrays, query: InventoryQuery, factors: FactorSet) -> GwpInfo:
    gset = factors.gwp(query.gwp.value)
    gases = sorted({LINES[li].gas for li in np.unique(em.r_line).tolist()} - {"CO2"})
    return GwpInfo(
        name=query.gwp,
        source=f"IPCC {gset.name} (100-year), {gset.column} via {gset.source}",
        reference=gset.reference,
        values={g: gset[g] for g in gases},
    )


def _not_covered(em: EmissionArrays) -> list[NotCovered]:
    """Activity with no emission factor, summed by item, unit and reason."""
    totals: dict[tuple[str, str, str], list[float]] = {}
    for g, reason in zip(em.uncovered.tolist(), em.reasons.tolist(), strict=True):
        item = ITEMS[int(em.g_item[g])]
        total = totals.setdefault((item, ACTIVITY_UNITS[item], str(reason)), [0.0, 0.0])
        total[0] += float(em.g_quantity[g])
        tce = float(em.g_tce_equivalent[g])
        total[1] += 0.0 if np.isnan(tce) else tce
    return [
        NotCovered(item=item, quantity=q, unit=unit, energy_tce=tce, reason=reason)
        for (item, unit, reason), (q, tce) in sorted(totals.items())
    ]


def _months(query: InventoryQuery) -> list[int]:
    return [query.month] if query.month is not None else list(range(1, 13))


def method_notes(subject: Subject, query: InventoryQuery, months_due: Sequence[str]) -> list[str]:
    """The method behind the figures, in the words a reader of the workbook needs."""
    scope = {
        Level.ENTERPRISE: "this enterprise",
        Level.PARK: f"every enterprise registered in park {subject.id}",
        Level.DISTRICT: "every enterprise registered in the district, in a park or not",
    }[subject.level]
    anode = (
        "2013 NDRC guideline, 0.42 t C/t Al"
        if query.process_source is ProcessSource.GUIDELINE_2013
        else "2024 MEE guideline, 0.411 t C/t Al"
    )
    notes = [
        f"覆盖范围 Scope: {scope}, above designated size (规模以上) or not. The plan's "
        "indicators, not inventories, are restricted to above-size enterprises.",
        "数据 Data: each enterprise's monthly reports; of each month only the latest revision "
        "counts, and a year is the sum of its months."
        + (
            f" Audit view: only revisions submitted at or before {query.as_of.isoformat()}."
            if query.as_of is not None
            else ""
        ),
        "范围一 Scope 1, fuel combustion: activity × net calorific value × carbon content × "
        "oxidation rate × 44/12"
        + (
            " with the defaults of the MEE/NDRC enterprise GHG guideline (2013 electrolytic "
            "aluminium edition, Appendix 2)."
            if query.fuel_source is FuelSource.MEE_GUIDELINE
            else "; here activity × NCV × IPCC 2006 default CO2 factor (Vol. 2 Ch. 1 Tables 1.2 "
            "and 1.4)."
        ),
        "范围一 Scope 1, industrial process: primary aluminium, anode CO2 = t × net anode "
        "consumption × (1 − S − ash) × 44/12 and PFCs (CF4, C2F6) = t × default anode-effect "
        f"factors × GWP ({anode}); cement clinker 0.52 tCO2/t (IPCC 2006 Vol. 3 §2.2.1.2).",
        "范围二 Scope 2, location-based: grid power and certified green power (own renewables "
        f"excluded) × {GRID_DESCRIPTIONS[query.grid_factor]}. Purchased heat × 0.11 tCO2/GJ "
        "under both methods.",
        "范围二 Scope 2, market-based: certified green power and own renewables count 0; other "
        "grid power × the MEE/NBS national factor excluding market-traded non-fossil power. "
        f"Both methods are reported side by side; the total uses the {query.scope2.value}-"
        "based figure.",
        f"全球变暖潜势 GWP: IPCC {query.gwp.value}, 100-year horizon.",
        "能源 Energy: standard coal by the equivalent-value method (当量值), GB/T 2589-2008 "
        "Appendix A; electricity 0.1229 kgce/kWh. other_energy is reported in tce, counts in "
        "energy, and has no emission factor: it is listed as not covered.",
        "因子年份 Factor years: a factor published for the inventory year is used; otherwise "
        "the latest earlier one, and the factor is marked provisional.",
        "完整性 Completeness: months due are the months that have ended ("
        + (", ".join(months_due) if months_due else "none yet")
        + "); an enterprise without a report for one of them is listed under coverage. Data "
        "of the current month count once reported.",
        "计算 Computation: quantities are summed in the database by enterprise, month and item, "
        "then multiplied by the factors; exact, as an inventory is linear in activity.",
    ]
    return notes


def assemble(
    subject: Subject,
    query: InventoryQuery,
    enterprises: repository.Enterprises,
    enterprise_sums: repository.Sums,
    month_sums: repository.Sums,
    reported: repository.Reported,
    factors: FactorSet,
    *,
    today: date,
    now: datetime,
) -> Inventory:
    """Fold the summed activity into an inventory (no database access).

    Parameters
    ----------
    enterprises : Enterprises
        Every enterprise at the level (:func:`repository.enterprises_at`).
    enterprise_sums, month_sums : Sums
        Quantities by enterprise and item, and by month (and region) and item, in the
        canonical unit (:func:`repository.activity_sums`).
    reported : Reported
        The months each enterprise reported (:func:`repository.reported_months`).
    today, now
        The district's date (which months are due) and the ``generated_at`` stamp.
    """
    months = _months(query)
    method = Method(
        gwp=query.gwp.value,
        grid_factor=query.grid_factor.value,
        fuel_source=query.fuel_source.value,
        process_source=query.process_source.value,
    )
    result = enterprise_emissions(enterprise_sums, enterprises, query.year, factors, method)
    monthly = month_emissions(month_sums, enterprises, query.year, factors, method)
    n_ent, n_month = len(enterprises), 12

    # ---- emissions (three buckets) and energy by enterprise and by month -------------------
    by_ent = _by_bucket(result, result.g_entity, n_ent)
    by_mon = _by_bucket(monthly, monthly.g_month - 1, n_month)
    e_ent = _energy_by(result, result.g_entity, n_ent)
    e_mon = _energy_by(monthly, monthly.g_month - 1, n_month)
    s1, loc, mkt = (float(v) for v in by_ent.sum(axis=0))
    chosen = loc if query.scope2 is Scope2Method.LOCATION else mkt
    col = 1 if query.scope2 is Scope2Method.LOCATION else 2

    # ---- who reported which month ----------------------------------------------------------
    grid = np.zeros((n_ent, n_month), dtype=bool)
    rep_pos = enterprises.positions(reported.enterprise_id)
    ok = rep_pos >= 0
    grid[rep_pos[ok]] = repository.months_of(reported.months[ok])
    current = Period.of(today)
    due = [m for m in months if Period(query.year, m) < current]
    usccs, names, parks = enterprises.uscc, enterprises.name, enterprises.park_code
    due_periods = [f"{query.year}-{m:02d}" for m in due]
    flags = grid[:, [m - 1 for m in due]].tolist()  # per enterprise, per due month
    lacking = ~grid[:, [m - 1 for m in due]].all(axis=1) if due else np.zeros(n_ent, dtype=bool)
    # Rows per enterprise are plain dicts, validated at the end in one pass of pydantic-core
    # with the whole answer: one Python-level model per row would cost more than the rest.
    missing_rows = [
        {
            "uscc": usccs[i],
            "name": names[i],
            "park_code": parks[i],
            "missing": [p for p, seen in zip(due_periods, flags[i], strict=True) if not seen],
        }
        for i in np.flatnonzero(lacking).tolist()
    ]
    factors_used, provisional = _factor_rows(result, factors)
    not_covered = _not_covered(result)
    coverage = {
        "complete": not missing_rows and not provisional and not not_covered,
        "enterprises_expected": n_ent,
        "enterprises_reported": int(grid.any(axis=1).sum()),
        "months_expected": due_periods,
        "enterprises_missing_months": missing_rows,
        "provisional_factors": provisional,
        "not_covered": not_covered,
    }

    months_reported = grid.sum(axis=1).tolist()
    above = enterprises.above_designated_size
    ent_s1, ent_loc, ent_mkt = (by_ent[:, k].tolist() for k in range(3))
    ent_s2 = by_ent[:, col].tolist()
    ent_tce = e_ent.tolist()
    by_enterprise = [
        {
            "uscc": usccs[i],
            "name": names[i],
            "park_code": parks[i],
            "above_designated_size": above[i],
            "months_reported": months_reported[i],
            "scope1_tco2e": ent_s1[i],
            "scope2_tco2e": ent_s2[i],
            "scope2_location_tco2e": ent_loc[i],
            "scope2_market_tco2e": ent_mkt[i],
            "total_tco2e": ent_s1[i] + ent_s2[i],
            "energy_tce": ent_tce[i],
        }
        for i in range(n_ent)
    ]
    reported_by_month = grid.sum(axis=0).tolist()
    mon = by_mon.tolist()
    by_month = [
        {
            "period": f"{query.year}-{m:02d}",
            "enterprises_reported": reported_by_month[m - 1],
            "scope1_tco2e": mon[m - 1][0],
            "scope2_tco2e": mon[m - 1][col],
            "scope2_location_tco2e": mon[m - 1][1],
            "scope2_market_tco2e": mon[m - 1][2],
            "total_tco2e": mon[m - 1][0] + mon[m - 1][col],
            "energy_tce": float(e_mon[m - 1]),
        }
        for m in months
    ]
    sources = _by_source(result)
    return Inventory.model_validate(
        {
            "level": subject.level,
            "id": subject.id,
            "name": subject.name,
            "year": query.year,
            "month": query.month,
            "as_of": query.as_of.astimezone(UTC) if query.as_of is not None else None,
            "generated_at": now,
            "scope2_method": query.scope2,
            "grid_factor": query.grid_factor,
            "fuel_source": query.fuel_source,
            "process_source": query.process_source,
            "gwp": _gwp_info(result, query, factors),
            "total_tco2e": s1 + chosen,
            "scope1_tco2e": s1,
            "scope2_tco2e": chosen,
            "scope2_location_tco2e": loc,
            "scope2_market_tco2e": mkt,
            "total_location_tco2e": s1 + loc,
            "total_market_tco2e": s1 + mkt,
            "energy_tce": float(e_ent.sum()),
            "energy_tce_equal_value": float(np.nansum(result.g_tce_equal_value)),
            "by_source": [s for s in sources if s.scope == 1 or s.scope2_method is query.scope2],
            "scope2_other_method": [
                s for s in sources if s.scope == 2 and s.scope2_method is not query.scope2
            ],
            "by_enterprise": by_enterprise,
            "by_month": by_month,
            "grid_factor_series": _grid_series(result, query, factors),
            "factors_used": factors_used,
            "coverage": coverage,
            "method_notes": method_notes(subject, query, due_periods),
        }
    )
