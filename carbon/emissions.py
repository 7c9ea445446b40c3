"""Greenhouse-gas emissions by scope from canonical activity data.

Rules (``shared/DOMAIN.md``):

- **Scope 1, fuel combustion**: tCO2 = activity x NCV x carbon content x oxidation x 44/12
  with the MEE/NDRC guideline defaults (``fuel_source="mee_guideline"``), or activity x NCV x
  CO2 factor with the IPCC 2006 defaults (``fuel_source="ipcc2006"``; gases metered by volume
  keep the guideline's volumetric NCV, IPCC giving NCVs per mass only).
- **Scope 2, location-based**: grid power and certified green power (own renewables
  excluded) x the grid factor of the series chosen by ``grid_factor``:

  * ``"provincial"`` (default): the MEE/NBS average factor of the enterprise's province
    (``region`` such as ``"CN-CQ"``). A province with factors, but none for the year, uses
    its latest earlier one. A province with no factor at all in the library uses the national
    factor of the year. Both fallbacks are marked provisional. ``region="CN"`` is national.
  * ``"national"``: the MEE/NBS national average factor.
  * ``"mee_reporting"``: MEE's fixed factor for enterprises' reports (0.5703 tCO2/MWh).
- **Scope 2, market-based**: certified green power and own renewables 0; other grid power x
  the national factor excluding market-traded non-fossil power.
- **Purchased heat**: 0.11 tCO2/GJ, reported under both Scope 2 methods.
- **Scope 1, process**: ``primary_aluminium`` anode CO2 = t x net anode consumption x
  (1 - S - ash) x 44/12 and PFC = t x (EF_CF4 x GWP_CF4 + EF_C2F6 x GWP_C2F6);
  ``cement_clinker`` t x 0.52 tCO2/t.
- ``other_energy`` has no emission factor: it is listed in ``not_covered``.

Year fallback for every annual factor: the latest earlier year, else the earliest later
year, marked provisional (see :mod:`carbon.factors`).

How it is computed: the input rows are reduced to integer codes (categorical codes where the
columns are categorical, ``pd.factorize`` otherwise), summed per (entity, month, item, region)
with one ``bincount``, and each distinct (item, region, year) is looked up in the factor set
once; the output rows are then built from numpy arrays. No Python code runs per input row.

References
----------
.. [1] 中国电解铝生产企业温室气体排放核算方法与报告指南(试行), NDRC 2013 (fuel table, anode and
   PFC defaults).
.. [2] 企业温室气体排放核算与报告指南 铝冶炼行业, CETS-AG-04.01-V01-2024, MEE 2024.
.. [3] MEE/NBS 关于发布2021年 / 2022年 / 2023年电力二氧化碳排放因子的公告.
.. [4] 2006 IPCC Guidelines, Vol. 2 Ch. 1 Tables 1.2 and 1.4; Vol. 3 Ch. 2 §2.2.1.2.
.. [5] GHG Protocol Scope 2 Guidance (2015): dual reporting, location- and market-based.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from carbon.catalog import CARRIERS, PROCESS_PRODUCTS, CarrierKind
from carbon.energy import OTHER_ENERGY, CoefficientTable, coefficient_table
from carbon.errors import FactorNotFoundError, InvalidInput, UnknownItemError
from carbon.factors import ACTIVITY_UNITS, NATIONAL, Factor, FactorSet
from carbon.gwp import DEFAULT_GWP, GwpSet, check_gwp_name

#: Every item the calculation knows: energy carriers first, then products with process CO2.
ITEMS: tuple[str, ...] = (*CARRIERS, *PROCESS_PRODUCTS)
ITEM_INDEX: dict[str, int] = {name: i for i, name in enumerate(ITEMS)}
_N_CARRIERS = len(CARRIERS)
_ITEM_UNITS: tuple[str, ...] = tuple(ACTIVITY_UNITS[i] for i in ITEMS)

GRID_SERIES = ("provincial", "national", "mee_reporting")
#: Fuel source name -> factor source folder.
FUEL_SOURCES = {"mee_guideline": "ndrc_aluminium", "ipcc2006": "ipcc2006"}
#: Aluminium process source name -> factor source folder.
PROCESS_SOURCES = {"guideline_2013": "ndrc_aluminium", "guideline_2024": "mee_aluminium"}
_CLINKER_SOURCE = "ipcc2006"

CO2_PER_C = 44.0 / 12.0  # t CO2 per t C (molar masses 44 and 12)
REQUIRED_COLUMNS = ("entity", "year", "month", "region", "section", "item", "quantity")

ROW_COLUMNS = (
    "entity",
    "year",
    "month",
    "scope",
    "scope2_method",
    "category",
    "carrier_or_process",
    "gas",
    "activity",
    "activity_unit",
    "gas_t",
    "tco2e",
    "factor_id",
    "provisional",
)
ENERGY_COLUMNS = (
    "entity",
    "year",
    "month",
    "item",
    "quantity",
    "unit",
    "tce_equivalent",
    "tce_equal_value",
    "equal_value_provisional",
)
NOT_COVERED_COLUMNS = ("entity", "year", "month", "item", "quantity", "unit", "reason")


@dataclass(frozen=True)
class Line:
    """One kind of output row: its scope, Scope 2 method, category and gas."""

    name: str
    scope: str
    scope2_method: str | None
    category: str
    gas: str


LINES: tuple[Line, ...] = (
    Line("combustion", "scope1", None, "combustion", "CO2"),
    Line("electricity_location", "scope2", "location", "electricity", "CO2"),
    Line("electricity_market", "scope2", "market", "electricity", "CO2"),
    Line("heat_location", "scope2", "location", "heat", "CO2"),
    Line("heat_market", "scope2", "market", "heat", "CO2"),
    Line("anode", "scope1", None, "process", "CO2"),
    Line("pfc_cf4", "scope1", None, "process", "CF4"),
    Line("pfc_c2f6", "scope1", None, "process", "C2F6"),
    Line("clinker", "scope1", None, "process", "CO2"),
)
LINE_INDEX = {line.name: i for i, line in enumerate(LINES)}
#: Per line: 0 for Scope 1, 1 for location-based Scope 2, 2 for market-based Scope 2.
LINE_BUCKETS = np.array(
    [0 if line.scope == "scope1" else 2 if line.scope2_method == "market" else 1 for line in LINES],
    dtype=np.int64,
)


def lines_for(item: str) -> tuple[str, ...]:
    """The output lines an item produces (empty for ``other_energy``)."""
    if item in ("electricity_grid", "electricity_green"):
        return ("electricity_location", "electricity_market")
    if item == "electricity_onsite_renewable":
        return ("electricity_market",)
    carrier = CARRIERS.get(item)
    if carrier is not None and carrier.kind == CarrierKind.FUEL:
        return ("combustion",)
    if carrier is not None and carrier.kind == CarrierKind.HEAT:
        return ("heat_location", "heat_market")
    if item == "primary_aluminium":
        return ("anode", "pfc_cf4", "pfc_c2f6")
    if item == "cement_clinker":
        return ("clinker",)
    return ()


class Method(TypedDict):
    """The method choices of a calculation, as keyword arguments of :func:`compute_emissions`."""

    gwp: str
    grid_factor: str
    fuel_source: str
    process_source: str


@dataclass(frozen=True)
class Rate:
    """Gas per unit of activity [t gas per canonical unit], with the factors behind it."""

    value: float
    factors: tuple[Factor, ...]
    provisional: bool = False


@dataclass(frozen=True)
class EmissionResult:
    """What :func:`compute_emissions` returns.

    Attributes
    ----------
    rows : DataFrame
        One row per (entity, year, month, item, line): columns :data:`ROW_COLUMNS`. ``gas_t``
        is the mass of the gas [t], ``tco2e`` its CO2 equivalent [t CO2e] under ``gwp``;
        ``activity`` is in ``activity_unit``. String columns are categorical.
    energy : DataFrame
        Energy use per (entity, year, month, carrier) [tce]: columns :data:`ENERGY_COLUMNS`.
    factors_used : list of dict
        Every factor (and GWP) used: id, edition, source, value, unit, reference, provisional.
    not_covered : DataFrame
        Activity with no emission factor (``other_energy``, or a factor missing from the
        library): columns :data:`NOT_COVERED_COLUMNS`.
    missing_rows : int
        Input rows ignored because their quantity (or entity, year, month) was missing.
    """

    rows: pd.DataFrame
    energy: pd.DataFrame
    factors_used: list[dict[str, object]]
    not_covered: pd.DataFrame
    gwp: str
    grid_factor: str
    fuel_source: str
    process_source: str
    missing_rows: int = 0

    def totals(self) -> dict[str, float]:
        """Scope 1, Scope 2 (both methods) and totals [t CO2e], and energy [tce].

        ``total_location`` = Scope 1 + location-based Scope 2; ``total_market`` likewise.
        """
        r = self.rows
        t = r["tco2e"].to_numpy()
        s1 = float(t[(r["scope"] == "scope1").to_numpy()].sum())
        loc = float(t[(r["scope2_method"] == "location").to_numpy(na_value=False)].sum())
        mkt = float(t[(r["scope2_method"] == "market").to_numpy(na_value=False)].sum())
        return {
            "scope1_tco2e": s1,
            "scope2_location_tco2e": loc,
            "scope2_market_tco2e": mkt,
            "total_location_tco2e": s1 + loc,
            "total_market_tco2e": s1 + mkt,
            "energy_tce_equivalent": float(self.energy["tce_equivalent"].sum()),
            "energy_tce_equal_value": float(self.energy["tce_equal_value"].sum()),
        }


class _Rates:
    """Looks up each (line, item, region, year) once, with the chosen options.

    Use :func:`_rates_for`, which keeps one per factor set and options.
    """

    def __init__(
        self, factors: FactorSet, grid_factor: str, fuel_source: str, process_source: str
    ) -> None:
        self.factors = factors
        self.grid_factor = grid_factor
        self.fuel = FUEL_SOURCES[fuel_source]
        self.process = PROCESS_SOURCES[process_source]
        self._provincial = factors.regions("grid_average")
        self._known: dict[tuple[str, str, str, int], Rate | str] = {}  # str: why none

    def rate(self, line: str, item: str, region: str, year: int) -> Rate:
        """Raises FactorNotFoundError where the library has no factor. Each answer is kept:
        the factor set does not change."""
        key = (line, item, region, year)
        known = self._known.get(key)
        if known is None:
            try:
                known = self._rate(line, item, region, year)
            except FactorNotFoundError as exc:
                known = str(exc)
            self._known[key] = known
        if isinstance(known, str):
            raise FactorNotFoundError(known)
        return known

    def _rate(self, line: str, item: str, region: str, year: int) -> Rate:
        fs = self.factors
        if line == "combustion":
            return self._combustion(item)
        if line == "electricity_location":
            return self._grid(region, year)
        if line == "electricity_market":
            if item != "electricity_grid":
                return Rate(0.0, ())
            sel = fs.select("grid_excl_market_nonfossil", "electricity", NATIONAL, year)
            return Rate(sel.factor.canonical_value, (sel.factor,), sel.provisional)
        if line in ("heat_location", "heat_market"):
            f = fs.select("heat_ef", "heat", NATIONAL).factor
            return Rate(f.canonical_value, (f,))
        if line == "anode":
            nc, s, a = (
                fs.select(k, item, NATIONAL, source=self.process).factor
                for k in ("anode_net_consumption", "anode_sulphur", "anode_ash")
            )
            value = nc.canonical_value * (1.0 - s.canonical_value - a.canonical_value)
            return Rate(value * CO2_PER_C, (nc, s, a))
        if line in ("pfc_cf4", "pfc_c2f6"):
            gas = LINES[LINE_INDEX[line]].gas
            cands = [
                f
                for f in fs.candidates("pfc_ef", item, NATIONAL, source=self.process)
                if f.gas == gas
            ]
            if not cands:
                raise FactorNotFoundError(f"no {gas} factor for {item} from {self.process}")
            return Rate(cands[0].canonical_value, (cands[0],))
        if line == "clinker":
            f = fs.select("process_ef", item, NATIONAL, source=_CLINKER_SOURCE).factor
            return Rate(f.canonical_value, (f,))
        raise InvalidInput(f"unknown line {line!r}")  # pragma: no cover - LINES is closed

    def _combustion(self, item: str) -> Rate:
        fs = self.factors
        if self.fuel == "ipcc2006":
            try:
                ncv = fs.select("ncv", item, NATIONAL, source="ipcc2006").factor
            except FactorNotFoundError:
                ncv = fs.select("ncv", item, NATIONAL, source="ndrc_aluminium").factor
            ef = fs.select("co2_ef", item, NATIONAL, source="ipcc2006").factor
            return Rate(ncv.canonical_value * ef.canonical_value, (ncv, ef))
        ncv, cc, ox = (
            fs.select(k, item, NATIONAL, source=self.fuel).factor
            for k in ("ncv", "carbon_content", "oxidation")
        )
        value = ncv.canonical_value * cc.canonical_value * ox.canonical_value * CO2_PER_C
        return Rate(value, (ncv, cc, ox))

    def _grid(self, region: str, year: int) -> Rate:
        fs = self.factors
        if self.grid_factor == "mee_reporting":
            sel = fs.select("grid_reporting", "electricity", NATIONAL, year)
            return Rate(sel.factor.canonical_value, (sel.factor,), sel.provisional)
        if self.grid_factor == "provincial" and region != NATIONAL and region in self._provincial:
            sel = fs.select("grid_average", "electricity", region, year)
            return Rate(sel.factor.canonical_value, (sel.factor,), sel.provisional)
        sel = fs.select("grid_average", "electricity", NATIONAL, year)
        fallback = self.grid_factor == "provincial" and region != NATIONAL
        return Rate(sel.factor.canonical_value, (sel.factor,), sel.provisional or fallback)


@functools.lru_cache(maxsize=64)
def _rates_for(
    factors: FactorSet, grid_factor: str, fuel_source: str, process_source: str
) -> _Rates:
    return _Rates(factors, grid_factor, fuel_source, process_source)


@functools.lru_cache(maxsize=64)
def _carrier_coefficients(factors: FactorSet, y_min: int, y_max: int) -> CoefficientTable:
    """:func:`carbon.energy.coefficient_table` of every carrier for the years, kept (read-only)."""
    table = coefficient_table(ITEMS[:_N_CARRIERS], np.arange(y_min, y_max + 1), factors)
    for array in (table.years, table.equivalent, table.equal_value, table.equal_value_provisional):
        array.flags.writeable = False
    return table


def _codes(col: pd.Series) -> tuple[npt.NDArray[np.int64], list[object]]:
    """Integer codes (-1 for missing) and their labels, cheaply for categorical columns."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def _int_column(col: pd.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A column of whole numbers and the mask of rows where it is present."""
    if pd.api.types.is_integer_dtype(col.dtype) and not col.hasnans:
        return col.to_numpy(dtype=np.int64), np.ones(len(col), dtype=bool)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(values)
    return np.where(ok, values, 0).astype(np.int64), ok


def _check_options(gwp: str, grid_factor: str, fuel_source: str, process_source: str) -> None:
    check_gwp_name(gwp)
    for name, value, allowed in (
        ("grid_factor", grid_factor, GRID_SERIES),
        ("fuel_source", fuel_source, tuple(FUEL_SOURCES)),
        ("process_source", process_source, tuple(PROCESS_SOURCES)),
    ):
        if value not in allowed:
            raise InvalidInput(f"{name} must be one of {', '.join(allowed)}", (name,))


def compute_emissions(
    activity: pd.DataFrame,
    factors: FactorSet,
    *,
    gwp: str = DEFAULT_GWP,
    grid_factor: str = "provincial",
    fuel_source: str = "mee_guideline",
    process_source: str = "guideline_2013",
) -> EmissionResult:
    """Emissions and energy of activity rows, by scope, with every factor named.

    Parameters
    ----------
    activity : DataFrame
        Columns ``entity`` (str), ``year`` (int), ``month`` (int 1–12), ``region`` (ISO
        3166-2 such as ``"CN-CQ"``, or ``"CN"``), ``section`` (``"energy"`` or
        ``"production"``; rows of other sections are ignored), ``item`` (a carrier or a
        product of :mod:`carbon.catalog`; products without process emissions are ignored),
        ``quantity`` in the canonical unit [kWh, t, m3, GJ, tce]; NaN is treated as missing.
        Categorical ``entity``, ``region``, ``section`` and ``item`` columns are fastest.
    factors : FactorSet
        The factor library (:func:`factors.load_factor_set`).
    gwp : {"AR5", "SAR", "AR4", "AR6"}
        100-year GWP set for non-CO2 gases.
    grid_factor : {"provincial", "national", "mee_reporting"}
        Grid factor series of location-based Scope 2.
    fuel_source : {"mee_guideline", "ipcc2006"}
        Defaults for fuel combustion.
    process_source : {"guideline_2013", "guideline_2024"}
        Defaults for electrolytic aluminium (net anode consumption 0.42 or 0.411).

    Returns
    -------
    EmissionResult

    Raises
    ------
    InvalidInput
        For a missing column, an unknown option or a month outside 1–12.
    UnknownItemError
        For an ``energy`` row whose item is not a carrier of the catalogue.

    Examples
    --------
    100 t diesel: 100 x 42.652 GJ/t x 20.20e-3 tC/GJ x 0.98 x 44/12 = 309.59 tCO2.
    """
    _check_options(gwp, grid_factor, fuel_source, process_source)
    missing_cols = [c for c in REQUIRED_COLUMNS if c not in activity.columns]
    if missing_cols:
        raise InvalidInput(f"activity lacks column(s) {', '.join(missing_cols)}", ("activity",))

    # ---- integer codes for every column ------------------------------------------------------
    ent, ent_labels = _codes(activity["entity"])
    reg, reg_labels = _codes(activity["region"])
    sec, sec_labels = _codes(activity["section"])
    itm, itm_labels = _codes(activity["item"])
    year, year_ok = _int_column(activity["year"])
    month, month_ok = _int_column(activity["month"])
    qty = activity["quantity"].to_numpy(dtype=float, na_value=np.nan)

    # Map (section, item label) to the index in ITEMS in one gather; -1 emits nothing. Row 0
    # and column 0 of the table stand for a missing section or item (code -1).
    item_of = np.full((len(sec_labels) + 1, len(itm_labels) + 1), -1, dtype=np.int64)
    for si, section in enumerate(sec_labels, start=1):
        if section in ("energy", "production"):
            known = CARRIERS if section == "energy" else PROCESS_PRODUCTS
            item_of[si, 1:] = [ITEM_INDEX[str(x)] if x in known else -1 for x in itm_labels]
    item = item_of.ravel()[(sec + 1) * (len(itm_labels) + 1) + (itm + 1)]
    is_energy = sec == (sec_labels.index("energy") if "energy" in sec_labels else -2)
    unknown = is_energy & (item < 0)
    if unknown.any():
        names = sorted({str(v) for v in activity["item"][unknown]})
        raise UnknownItemError(f"unknown energy carrier(s) {names}", ("item",))

    arrays = emission_arrays(
        ent,
        ent_labels,
        year,
        month,
        reg,
        [str(r) for r in reg_labels],
        item,
        qty,
        factors,
        valid=year_ok & month_ok,
        gwp=gwp,
        grid_factor=grid_factor,
        fuel_source=fuel_source,
        process_source=process_source,
    )
    if not len(arrays.g_item):
        return _empty_result(gwp, grid_factor, fuel_source, process_source, arrays.missing_rows)
    return arrays.result(gwp, grid_factor, fuel_source, process_source)


@dataclass(frozen=True)
class EmissionArrays:
    """What :func:`emission_arrays` computes, as numpy arrays over groups and rows.

    A *group* is one distinct (entity, year, month, item, region) of the input with its
    summed quantity; groups are in that order. A *row* is one output line of a group (a
    group of grid power has a location- and a market-based row); rows are in group order.

    Attributes
    ----------
    entities : list
        Labels of the entity codes in ``g_entity``.
    g_entity, g_year, g_month, g_item, g_quantity : ndarray
        Per group: entity code, year, month, index in :data:`ITEMS`, summed quantity in the
        item's canonical unit (:data:`carbon.factors.ACTIVITY_UNITS`).
    g_tce_equivalent, g_tce_equal_value, g_equal_value_provisional : ndarray
        Per group: energy [tce] by the equivalent- and equal-value methods (NaN for products).
    r_group, r_line : ndarray
        Per row: its group, and its index in :data:`LINES`.
    r_gas_t, r_tco2e : ndarray
        Per row: mass of the gas [t] and its CO2 equivalent [t CO2e].
    r_factor, r_provisional : ndarray
        Per row: code of the ``+``-joined ids of the factors behind it in ``factor_labels``,
        and whether one was a fallback for the year.
    uncovered, reasons : ndarray
        Groups with no emission factor, and why.
    factors_used : list of dict
        Every factor (and GWP) used, as :meth:`carbon.factors.Factor.as_dict` gives it.
    missing_rows : int
        Input rows ignored because their quantity (or entity, year, month) was missing.
    """

    entities: list[object]
    g_entity: npt.NDArray[np.int64]
    g_year: npt.NDArray[np.int64]
    g_month: npt.NDArray[np.int64]
    g_item: npt.NDArray[np.int64]
    g_quantity: npt.NDArray[np.float64]
    g_tce_equivalent: npt.NDArray[np.float64]
    g_tce_equal_value: npt.NDArray[np.float64]
    g_equal_value_provisional: npt.NDArray[np.bool_]
    r_group: npt.NDArray[np.int64]
    r_line: npt.NDArray[np.int64]
    r_gas_t: npt.NDArray[np.float64]
    r_tco2e: npt.NDArray[np.float64]
    r_factor: npt.NDArray[np.int64]
    r_provisional: npt.NDArray[np.bool_]
    factor_labels: list[str]
    uncovered: npt.NDArray[np.int64]
    reasons: npt.NDArray[np.object_]
    factors_used: list[dict[str, object]]
    missing_rows: int = 0

    def result(
        self, gwp: str, grid_factor: str, fuel_source: str, process_source: str
    ) -> EmissionResult:
        """The same figures as an :class:`EmissionResult` of DataFrames."""
        gi, li = self.r_group, self.r_line
        g_item = self.g_item[gi]
        rows = pd.DataFrame(
            {
                "entity": _from_codes(self.g_entity[gi], self.entities),
                "year": self.g_year[gi],
                "month": self.g_month[gi],
                "scope": _cat([line.scope for line in LINES], li),
                "scope2_method": _cat([line.scope2_method for line in LINES], li),
                "category": _cat([line.category for line in LINES], li),
                "carrier_or_process": _from_codes(g_item, ITEMS),
                "gas": _cat([line.gas for line in LINES], li),
                "activity": self.g_quantity[gi],
                "activity_unit": _cat(list(_ITEM_UNITS), g_item),
                "gas_t": self.r_gas_t,
                "tco2e": self.r_tco2e,
                "factor_id": _from_codes(self.r_factor, self.factor_labels),
                "provisional": self.r_provisional,
            }
        )
        e = np.flatnonzero(self.g_item < _N_CARRIERS)
        e_item = self.g_item[e]
        energy = pd.DataFrame(
            {
                "entity": _from_codes(self.g_entity[e], self.entities),
                "year": self.g_year[e],
                "month": self.g_month[e],
                "item": _from_codes(e_item, ITEMS),
                "quantity": self.g_quantity[e],
                "unit": _cat(list(_ITEM_UNITS), e_item),
                "tce_equivalent": self.g_tce_equivalent[e],
                "tce_equal_value": self.g_tce_equal_value[e],
                "equal_value_provisional": self.g_equal_value_provisional[e],
            }
        )
        nc = self.uncovered
        not_covered = pd.DataFrame(
            {
                "entity": _from_codes(self.g_entity[nc], self.entities),
                "year": self.g_year[nc],
                "month": self.g_month[nc],
                "item": _from_codes(self.g_item[nc], ITEMS),
                "quantity": self.g_quantity[nc],
                "unit": _cat(list(_ITEM_UNITS), self.g_item[nc]),
                "reason": self.reasons.astype(str),
            }
        )
        return EmissionResult(
            rows=rows,
            energy=energy,
            factors_used=self.factors_used,
            not_covered=not_covered,
            gwp=gwp,
            grid_factor=grid_factor,
            fuel_source=fuel_source,
            process_source=process_source,
            missing_rows=self.missing_rows,
        )


def emission_arrays(
    entity: npt.NDArray[np.int64],
    entities: Sequence[object],
    year: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    region: npt.NDArray[np.int64],
    regions: Sequence[str],
    item: npt.NDArray[np.int64],
    quantity: npt.NDArray[np.float64],
    factors: FactorSet,
    *,
    valid: npt.NDArray[np.bool_] | None = None,
    gwp: str = DEFAULT_GWP,
    grid_factor: str = "provincial",
    fuel_source: str = "mee_guideline",
    process_source: str = "guideline_2013",
) -> EmissionArrays:
    """:func:`compute_emissions` on integer-coded columns, answered as numpy arrays.

    For callers that hold their activity as codes already (an inventory's sums from the
    database): no DataFrame is built on the way in or out, which for a few hundred rows is
    most of the cost.

    Parameters
    ----------
    entity : ndarray of int
        Per input row, a position in ``entities``; -1 is missing.
    year, month : ndarray of int
        Per row; rows where ``valid`` is False are missing.
    region : ndarray of int
        Per row, a position in ``regions`` (ISO 3166-2 codes, or ``"CN"``); -1 is missing.
    item : ndarray of int
        Per row, an index in :data:`ITEMS`; -1 is a row that emits nothing (ignored).
    quantity : ndarray of float
        Per row, in the item's canonical unit; NaN is missing.
    valid : ndarray of bool, optional
        Rows whose year and month are known (default: all).
    gwp, grid_factor, fuel_source, process_source
        As for :func:`compute_emissions`.
    """
    _check_options(gwp, grid_factor, fuel_source, process_source)
    gwp_set = factors.gwp(gwp)
    qty = np.asarray(quantity, dtype=np.float64)
    ent, reg = np.asarray(entity, dtype=np.int64), np.asarray(region, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    year, month = np.asarray(year, dtype=np.int64), np.asarray(month, dtype=np.int64)
    relevant = item >= 0
    present = relevant & (ent >= 0) & ~np.isnan(qty)
    if valid is not None:
        present &= valid
    missing_rows = int(relevant.sum() - present.sum())
    if not present.any():
        return _empty_arrays(list(entities), missing_rows)
    if ((month[present] < 1) | (month[present] > 12)).any():
        raise InvalidInput("month must be 1-12", ("month",))

    # ---- one bincount: sum per (entity, month, item, region) ---------------------------------
    n_reg = len(regions) + 1  # the last code stands for a missing region
    reg = np.where(reg < 0, n_reg - 1, reg)
    y_min, y_max = int(year[present].min()), int(year[present].max())
    n_per, n_item, n_ent = (y_max - y_min + 1) * 12, len(ITEMS), len(entities)
    key = ent * n_per  # ((entity * periods + period) * items + item) * regions + region
    key += (year - y_min) * 12 + (month - 1)
    key *= n_item
    key += item
    key *= n_reg
    key += reg
    key = key[present]
    weights = qty[present]
    domain = n_ent * n_per * n_item * n_reg
    if domain <= max(4 * len(key), 1 << 20) and domain <= (1 << 24):  # <= 128 MB a bincount
        counts = np.bincount(key, minlength=domain)
        keys = np.flatnonzero(counts)
        sums = np.bincount(key, weights=weights, minlength=domain)[keys]
    else:
        codes, uniq = pd.factorize(key)
        order = np.argsort(uniq)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        keys = uniq[order]
        sums = np.bincount(rank[codes], weights=weights, minlength=len(keys))
    g_reg = keys % n_reg
    rest = keys // n_reg
    g_item = rest % n_item
    rest //= n_item
    g_per = rest % n_per
    g_ent = rest // n_per
    g_year = y_min + g_per // 12
    g_month = g_per % 12 + 1

    # ---- factors: each (item, region, year) once ---------------------------------------------
    n_year = y_max - y_min + 1
    fk = (g_item * n_reg + g_reg) * n_year + (g_year - y_min)
    combos = np.unique(fk)
    rates = _rates_for(factors, grid_factor, fuel_source, process_source)
    region_names = [*regions, ""]
    n_lines = len(LINES)
    coef = np.full((n_lines, n_item * n_reg * n_year), np.nan)
    prov = np.zeros((n_lines, n_item * n_reg * n_year), dtype=bool)
    fid = np.full((n_lines, n_item * n_reg * n_year), -1, dtype=np.int64)
    fid_labels: list[str] = []
    fid_index: dict[str, int] = {}
    used: dict[str, tuple[Factor, bool]] = {}
    gases_used: set[str] = set()
    failed: dict[int, str] = {}  # combo -> reason
    for c in combos.tolist():
        i, r, y = c // (n_reg * n_year), (c // n_year) % n_reg, y_min + c % n_year
        for line in lines_for(ITEMS[i]):
            li = LINE_INDEX[line]
            try:
                rate = rates.rate(line, ITEMS[i], region_names[r], y)
            except FactorNotFoundError as exc:
                failed[c] = str(exc)
                continue
            coef[li, c] = rate.value
            prov[li, c] = rate.provisional
            label = "+".join(f.id for f in rate.factors)
            if label not in fid_index:
                fid_index[label] = len(fid_labels)
                fid_labels.append(label)
            fid[li, c] = fid_index[label]
            for f in rate.factors:
                was = used.get(f.id, (f, False))[1]
                used[f.id] = (f, was or rate.provisional)
            gases_used.add(LINES[li].gas)

    # ---- output rows -------------------------------------------------------------------------
    # One row per (group, line) with a factor, in group order and, within a group, line order.
    gi, li_arr = np.nonzero(~np.isnan(coef[:, fk].T))
    gfk = fk[gi]
    gas_t = sums[gi] * coef[li_arr, gfk]
    gas_gwp = np.array([gwp_set[line.gas] for line in LINES])

    # ---- energy in tce -----------------------------------------------------------------------
    is_carrier = np.flatnonzero(g_item < _N_CARRIERS)
    table = _carrier_coefficients(factors, y_min, y_max)
    e_item, e_year = g_item[is_carrier], g_year[is_carrier] - y_min
    tce_eq = np.full(len(keys), np.nan)
    tce_ev = np.full(len(keys), np.nan)
    ev_prov = np.zeros(len(keys), dtype=bool)
    tce_eq[is_carrier] = sums[is_carrier] * table.equivalent[e_item]
    tce_ev[is_carrier] = sums[is_carrier] * table.equal_value[e_item, e_year]
    ev_prov[is_carrier] = table.equal_value_provisional[e_item, e_year]
    for item_factor in _energy_factors(table, e_item, e_year):
        used.setdefault(item_factor[0].id, item_factor)

    # ---- what has no factor ------------------------------------------------------------------
    other = ITEM_INDEX[OTHER_ENERGY]
    uncovered = g_item == other
    reasons = np.full(len(keys), "", dtype=object)
    reasons[uncovered] = "other_energy is stated in tce and has no emission factor"
    if failed:
        failed_mask = np.isin(fk, list(failed))
        for c, msg in failed.items():
            reasons[failed_mask & (fk == c)] = msg
        uncovered |= failed_mask
    nc = np.flatnonzero(uncovered)

    factors_used = [f.as_dict(provisional=p) for f, p in sorted(used.values(), key=_by_id)]
    factors_used += _gwp_used(gwp_set, sorted(gases_used - {"CO2"}))
    return EmissionArrays(
        entities=list(entities),
        g_entity=g_ent,
        g_year=g_year,
        g_month=g_month,
        g_item=g_item,
        g_quantity=sums.astype(np.float64),
        g_tce_equivalent=tce_eq,
        g_tce_equal_value=tce_ev,
        g_equal_value_provisional=ev_prov,
        r_group=gi,
        r_line=li_arr,
        r_gas_t=gas_t,
        r_tco2e=gas_t * gas_gwp[li_arr],
        r_factor=fid[li_arr, gfk],
        r_provisional=prov[li_arr, gfk],
        factor_labels=fid_labels,
        uncovered=nc,
        reasons=reasons[nc],
        factors_used=factors_used,
        missing_rows=missing_rows,
    )


def _empty_arrays(entities: list[object], missing_rows: int) -> EmissionArrays:
    ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0)
    return EmissionArrays(
        entities=entities,
        g_entity=ints,
        g_year=ints,
        g_month=ints,
        g_item=ints,
        g_quantity=floats,
        g_tce_equivalent=floats,
        g_tce_equal_value=floats,
        g_equal_value_provisional=np.zeros(0, dtype=bool),
        r_group=ints,
        r_line=ints,
        r_gas_t=floats,
        r_tco2e=floats,
        r_factor=ints,
        r_provisional=np.zeros(0, dtype=bool),
        factor_labels=[],
        uncovered=ints,
        reasons=np.zeros(0, dtype=object),
        factors_used=[],
        missing_rows=missing_rows,
    )


def _by_id(pair: tuple[Factor, bool]) -> str:
    return pair[0].id


def _cat(labels: Sequence[str | None], codes: npt.NDArray[np.int64]) -> pd.Categorical:
    """A categorical column from per-code labels (``None`` labels become missing)."""
    cats = sorted({x for x in labels if x is not None})
    lookup = np.array([cats.index(x) if x is not None else -1 for x in labels] + [-1])
    return _from_codes(lookup[codes], cats)


def _from_codes(codes: npt.NDArray[np.int64], labels: Sequence[object]) -> pd.Categorical:
    """``pd.Categorical.from_codes`` with a plain list of labels; code -1 is missing."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(labels)))


def _energy_factors(
    table: CoefficientTable, items: npt.NDArray[np.int64], years: npt.NDArray[np.int64]
) -> list[tuple[Factor, bool]]:
    """The GB/T 2589 factors behind the energy rows (each once)."""
    out: dict[str, tuple[Factor, bool]] = {}
    if len(items) == 0:
        return []
    pairs = np.unique(items * len(table.years) + years)
    for p in pairs.tolist():
        i, y = divmod(p, len(table.years))
        eq = table.equivalent_factor[i]
        if eq is not None:
            out.setdefault(eq.id, (eq, False))
        ev = table.equal_value_factor[i][y]
        if ev is not None and ev.id != (eq.id if eq else None):
            prov = bool(table.equal_value_provisional[i, y])
            was = out.get(ev.id, (ev, False))[1]
            out[ev.id] = (ev, was or prov)
    return list(out.values())


def _gwp_used(gwp_set: GwpSet, gases: list[str]) -> list[dict[str, object]]:
    return [
        {
            "id": f"gwp-{gwp_set.name}:{gas}",
            "edition": gwp_set.column,
            "source": f"IPCC {gwp_set.name}, 100-year GWP, via {gwp_set.source}",
            "value": gwp_set[gas],
            "unit": "tCO2e/t",
            "reference": gwp_set.reference,
            "provisional": False,
        }
        for gas in gases
    ]


def _empty_result(
    gwp: str, grid_factor: str, fuel_source: str, process_source: str, missing_rows: int
) -> EmissionResult:
    return EmissionResult(
        rows=pd.DataFrame({c: [] for c in ROW_COLUMNS}),
        energy=pd.DataFrame({c: [] for c in ENERGY_COLUMNS}),
        factors_used=[],
        not_covered=pd.DataFrame({c: [] for c in NOT_COVERED_COLUMNS}),
        gwp=gwp,
        grid_factor=grid_factor,
        fuel_source=fuel_source,
        process_source=process_source,
        missing_rows=missing_rows,
    )
