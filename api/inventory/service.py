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
from api.registry.service import read_enterprise, read_park
from carbon.emissions import ITEMS, EmissionResult, compute_emissions
from carbon.errors import FactorNotFoundError, InvalidInput, ValidationFailed
from carbon.factors import Factor, FactorSet
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


def resolve_subject(session: Session, principal: Principal, query: InventoryQuery) -> Subject:
    """The enterprise, park or district asked for, if the caller may read its inventory.

    An enterprise reads its own inventory only; a park manager its park's and those of its
    enterprises; the admin everything. A district inventory breaks the district down by
    enterprise, which is every tenant's data: admin only. Outside the caller's scope an
    enterprise or park is 404 (as the registry answers, so nothing leaks); a level the role
    never reaches is 403.
    """
    if query.level is Level.ENTERPRISE:
        ent = read_enterprise(session, principal, (query.id or "").strip().upper())
        return Subject(Level.ENTERPRISE, ent.uscc, ent.name, uscc=ent.uscc)
    if query.level is Level.PARK:
        if principal.role is Role.ENTERPRISE:
            raise Forbidden("an enterprise reads its own inventory only, not its park's")
        park = read_park(session, principal, (query.id or "").strip().upper())
        return Subject(Level.PARK, park.code, park.name, park_code=park.code)
    if principal.role is not Role.ADMIN:
        raise Forbidden("the district inventory breaks the district down by enterprise: admin only")
    return Subject(Level.DISTRICT, None, DISTRICT_NAME)


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
    subject = resolve_subject(session, principal, query)
    enterprises = repository.enterprises_at(session, uscc=subject.uscc, park_code=subject.park_code)
    scope = repository.Scope(
        year=query.year,
        month=query.month,
        enterprise_id=int(enterprises["id"].iloc[0]) if subject.uscc else None,
        park_code=subject.park_code,
        as_of=query.as_of,
    )
    by_region = enterprises["region"].nunique() > 1
    with repository.paused_cycle_collection():
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


def enterprise_activity(
    activity: pd.DataFrame, enterprises: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Activity by enterprise as :func:`compute_emissions` reads it: ``entity`` is the USCC.

    The year's total of each enterprise and item is one row; ``month`` is set to 1, as the
    factors do not depend on it. Rows of enterprises not in ``enterprises`` are dropped; each
    enterprise's ``region`` comes from the registry. Entities and regions are categoricals
    whose codes are positions in ``enterprises``, so that nothing is matched by text.
    """
    pos = pd.Index(enterprises["id"].to_numpy()).get_indexer(
        pd.Index(activity["enterprise_id"].to_numpy())
    )
    keep = pos >= 0
    pos = pos[keep]
    region_codes, regions = pd.factorize(enterprises["region"])
    return pd.DataFrame(
        {
            "entity": pd.Categorical.from_codes(
                pos, categories=pd.Index(enterprises["uscc"].to_numpy())
            ),
            "year": np.full(len(pos), year, dtype=np.int64),
            "month": np.ones(len(pos), dtype=np.int64),
            "region": pd.Categorical.from_codes(region_codes[pos], categories=regions),
            "section": activity["section"][keep].to_numpy(),
            "item": activity["item"][keep].to_numpy(),
            "quantity": activity["quantity"].to_numpy()[keep],
        }
    )


def month_activity(activity: pd.DataFrame, enterprises: pd.DataFrame, year: int) -> pd.DataFrame:
    """Activity by month (and region) as :func:`compute_emissions` reads it.

    ``entity`` is the region; where the query did not split by region (one region for all
    enterprises), it is that region.
    """
    only = str(enterprises["region"].iloc[0]) if len(enterprises) else "CN"
    region = activity["region"].where(activity["region"].notna(), only).astype(str)
    return pd.DataFrame(
        {
            "entity": region.astype("category"),
            "year": np.full(len(activity), year, dtype=np.int64),
            "month": activity["month"].to_numpy(),
            "region": region.astype("category"),
            "section": activity["section"],
            "item": activity["item"],
            "quantity": activity["quantity"].to_numpy(),
        }
    )


def _positions(labels: pd.Series, index: pd.Index) -> npt.NDArray[np.int64]:
    """Position of each label in ``index`` (-1 where absent), cheaply for categoricals."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        cat_pos = np.append(index.get_indexer(labels.cat.categories), -1)
        return cat_pos[labels.cat.codes.to_numpy()].astype(np.int64)
    return index.get_indexer(pd.Index(labels)).astype(np.int64)


def _buckets(rows: pd.DataFrame) -> npt.NDArray[np.int64]:
    """0 for scope 1, 1 for location-based scope 2, 2 for market-based scope 2."""
    scope1 = (rows["scope"] == "scope1").to_numpy(dtype=bool)
    market = (rows["scope2_method"] == "market").to_numpy(dtype=bool, na_value=False)
    return np.where(scope1, 0, np.where(market, 2, 1)).astype(np.int64)


def _sum_by(
    codes: npt.NDArray[np.int64], weights: npt.NDArray[np.float64], n: int
) -> npt.NDArray[np.float64]:
    ok = codes >= 0
    return np.bincount(codes[ok], weights=weights[ok], minlength=n).astype(np.float64)


def _text(value: object) -> str:
    """A label of a group key; ``""`` for a missing one (scope 1 has no scope 2 method)."""
    return "" if pd.isna(value) else str(value)  # type: ignore[call-overload]


def _by_source(rows: pd.DataFrame) -> list[SourceRow]:
    if rows.empty:
        return []
    keys = ["scope", "scope2_method", "category", "carrier_or_process", "gas", "activity_unit"]
    grouped = rows.groupby(keys, observed=True, dropna=False, sort=False)
    sums = grouped[["activity", "gas_t", "tco2e"]].sum()
    ids = rows.groupby([*keys, "factor_id"], observed=True, dropna=False, sort=False).size()
    fids: dict[tuple[str, ...], set[str]] = {}
    for combo in ids.index:
        *parts, label = (_text(v) for v in combo)
        fids.setdefault(tuple(parts), set()).update(label.split("+"))
    out = []
    for r in sums.reset_index().to_dict("records"):
        key = tuple(_text(r[k]) for k in keys)
        scope, method, category, item, gas, unit = key
        out.append(
            SourceRow(
                scope=_SCOPE_NUMBER[scope],
                scope2_method=Scope2Method(method) if method else None,
                category=category,
                carrier_or_process=item,
                gas=gas,
                activity=float(r["activity"]),
                activity_unit=unit,
                gas_t=float(r["gas_t"]),
                tco2e=float(r["tco2e"]),
                factor_ids=sorted(f for f in fids[key] if f),
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


def _factor_rows(result: EmissionResult, factors: FactorSet) -> tuple[list[FactorUsed], list[str]]:
    """Every factor used, described, and the ids of those applied provisionally to emissions."""
    out = []
    for d in result.factors_used:
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
    rows = result.rows
    provisional: set[str] = set()
    if not rows.empty:
        flagged = rows.loc[rows["provisional"].to_numpy(dtype=bool), "factor_id"]
        for label in flagged.astype(str).unique():
            provisional.update(
                fid for fid in label.split("+") if fid in factors and _is_annual(factors, fid)
            )
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


def _grid_series(rows: pd.DataFrame, query: InventoryQuery, factors: FactorSet) -> GridFactorSeries:
    years: list[GridFactorYear] = []
    if not rows.empty:
        loc = rows[
            (rows["category"] == "electricity").to_numpy(dtype=bool)
            & (rows["scope2_method"] == "location").to_numpy(dtype=bool, na_value=False)
        ]
        seen = loc[["year", "factor_id", "provisional"]].astype({"factor_id": str})
        for year, label, prov in seen.drop_duplicates().itertuples(index=False):
            for fid in str(label).split("+"):
                if fid not in factors or factors[fid].kind not in _GRID_KINDS:
                    continue
                f = factors[fid]
                years.append(
                    GridFactorYear(
                        year=int(year),
                        region=f.region,
                        factor_id=f.id,
                        value=f.value,
                        unit=f.unit,
                        provisional=bool(prov),
                    )
                )
    unique = {(y.year, y.factor_id, y.provisional): y for y in years}
    return GridFactorSeries(
        name=query.grid_factor,
        description=GRID_DESCRIPTIONS[query.grid_factor],
        factors=sorted(unique.values(), key=lambda y: (y.year, y.region, y.factor_id)),
    )


def _gwp_info(result: EmissionResult, query: InventoryQuery, factors: FactorSet) -> GwpInfo:
    gset = factors.gwp(query.gwp.value)
    gases: list[str] = []
    if not result.rows.empty:
        gases = sorted({str(g) for g in result.rows["gas"].unique()} - {"CO2"})
    return GwpInfo(
        name=query.gwp,
        source=f"IPCC {gset.name} (100-year), {gset.column} via {gset.source}",
        reference=gset.reference,
        values={g: gset[g] for g in gases},
    )


def _not_covered(result: EmissionResult) -> list[NotCovered]:
    nc = result.not_covered
    if nc.empty:
        return []
    keys = ["entity", "year", "month", "item"]
    energy = result.energy[[*keys, "tce_equivalent"]].astype({"entity": str, "item": str})
    frame = nc.astype({"entity": str, "item": str, "unit": str, "reason": str}).merge(
        energy, on=keys, how="left"
    )
    grouped = frame.groupby(["item", "unit", "reason"], sort=True)[
        ["quantity", "tce_equivalent"]
    ].sum()
    return [
        NotCovered(
            item=str(r["item"]),
            quantity=float(r["quantity"]),
            unit=str(r["unit"]),
            energy_tce=float(r["tce_equivalent"]),
            reason=str(r["reason"]),
        )
        for r in grouped.reset_index().to_dict("records")
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
    enterprises: pd.DataFrame,
    enterprise_sums: pd.DataFrame,
    month_sums: pd.DataFrame,
    reported: pd.DataFrame,
    factors: FactorSet,
    *,
    today: date,
    now: datetime,
) -> Inventory:
    """Fold the summed activity into an inventory (no database access).

    Parameters
    ----------
    enterprises : DataFrame
        Every enterprise at the level (:func:`repository.enterprises_at`).
    enterprise_sums : DataFrame
        Quantities by ``enterprise_id, section, item`` in the canonical unit
        (:func:`repository.activity_sums`).
    month_sums : DataFrame
        Quantities by ``month, region, section, item`` (:func:`repository.activity_sums`).
    reported : DataFrame
        ``enterprise_id`` and the bit mask of its ``months`` reported
        (:func:`repository.reported_months`).
    today, now
        The district's date (which months are due) and the ``generated_at`` stamp.
    """
    months = _months(query)
    options = {
        "gwp": query.gwp.value,
        "grid_factor": query.grid_factor.value,
        "fuel_source": query.fuel_source.value,
        "process_source": query.process_source.value,
    }
    result = compute_emissions(
        enterprise_activity(enterprise_sums, enterprises, query.year), factors, **options
    )
    monthly = compute_emissions(
        month_activity(month_sums, enterprises, query.year), factors, **options
    )
    rows = result.rows
    ent_index = pd.Index(enterprises["uscc"].to_numpy())
    n_ent, n_month = len(ent_index), 12

    # ---- emissions and energy by enterprise and by month, in three buckets -----------------
    by_ent, by_mon = np.zeros((n_ent, 3)), np.zeros((n_month, 3))
    if not rows.empty:
        ent_pos = _positions(rows["entity"], ent_index)
        key = np.where(ent_pos >= 0, ent_pos * 3 + _buckets(rows), -1)
        by_ent = _sum_by(key, rows["tco2e"].to_numpy(dtype=float), n_ent * 3).reshape(n_ent, 3)
    if not monthly.rows.empty:
        key = (monthly.rows["month"].to_numpy(dtype=np.int64) - 1) * 3 + _buckets(monthly.rows)
        tco2e = monthly.rows["tco2e"].to_numpy(dtype=float)
        by_mon = _sum_by(key, tco2e, n_month * 3).reshape(n_month, 3)
    e_ent, e_mon = np.zeros(n_ent), np.zeros(n_month)
    if not result.energy.empty:
        tce = np.nan_to_num(result.energy["tce_equivalent"].to_numpy(dtype=float))
        e_ent = _sum_by(_positions(result.energy["entity"], ent_index), tce, n_ent)
    if not monthly.energy.empty:
        tce = np.nan_to_num(monthly.energy["tce_equivalent"].to_numpy(dtype=float))
        e_mon = _sum_by(monthly.energy["month"].to_numpy(dtype=np.int64) - 1, tce, n_month)
    s1, loc, mkt = (float(v) for v in by_ent.sum(axis=0))
    chosen = loc if query.scope2 is Scope2Method.LOCATION else mkt
    col = 1 if query.scope2 is Scope2Method.LOCATION else 2

    # ---- who reported which month ----------------------------------------------------------
    grid = np.zeros((n_ent, n_month), dtype=bool)
    rep_pos = pd.Index(enterprises["id"].to_numpy()).get_indexer(
        pd.Index(reported["enterprise_id"].to_numpy())
    )
    ok = rep_pos >= 0
    grid[rep_pos[ok]] = repository.months_of(reported["months"].to_numpy(dtype=np.int64)[ok])
    current = Period.of(today)
    due = [m for m in months if Period(query.year, m) < current]
    usccs = [str(u) for u in enterprises["uscc"].tolist()]
    names = [str(n) for n in enterprises["name"].tolist()]
    parks = [None if p is None or pd.isna(p) else str(p) for p in enterprises["park_code"].tolist()]
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
    above = enterprises["above_designated_size"].tolist()
    ent_s1, ent_loc, ent_mkt = (by_ent[:, k].tolist() for k in range(3))
    ent_s2 = by_ent[:, col].tolist()
    ent_tce = e_ent.tolist()
    by_enterprise = [
        {
            "uscc": usccs[i],
            "name": names[i],
            "park_code": parks[i],
            "above_designated_size": bool(above[i]),
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
    by_month = [
        {
            "period": f"{query.year}-{m:02d}",
            "enterprises_reported": int(grid[:, m - 1].sum()),
            "scope1_tco2e": float(by_mon[m - 1, 0]),
            "scope2_tco2e": float(by_mon[m - 1, col]),
            "scope2_location_tco2e": float(by_mon[m - 1, 1]),
            "scope2_market_tco2e": float(by_mon[m - 1, 2]),
            "total_tco2e": float(by_mon[m - 1, 0] + by_mon[m - 1, col]),
            "energy_tce": float(e_mon[m - 1]),
        }
        for m in months
    ]
    sources = _by_source(rows)
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
            "energy_tce_equal_value": _equal_value(result),
            "by_source": [s for s in sources if s.scope == 1 or s.scope2_method is query.scope2],
            "scope2_other_method": [
                s for s in sources if s.scope == 2 and s.scope2_method is not query.scope2
            ],
            "by_enterprise": by_enterprise,
            "by_month": by_month,
            "grid_factor_series": _grid_series(rows, query, factors),
            "factors_used": factors_used,
            "coverage": coverage,
            "method_notes": method_notes(subject, query, due_periods),
        }
    )


def _equal_value(result: EmissionResult) -> float:
    if result.energy.empty:
        return 0.0
    return float(np.nansum(result.energy["tce_equal_value"].to_numpy(dtype=float)))
