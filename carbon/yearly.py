"""Yearly totals per enterprise, from monthly sums of canonical report lines.

The input is the shape :func:`api.reports.repository.aggregate_latest` returns: one row per
enterprise, month, section, item and canonical unit, quantities already summed over the
latest revision of each month and in canonical units (kWh, t, m3, GJ, tce, 万元). The output
is one row per enterprise and year with the sums the plan indicators
(:func:`carbon.indicators.evaluate_plan`) and the green-factory self-assessment
(:mod:`carbon.green_factory`) read. Energy is converted to standard coal on whole columns,
each (carrier, year) coefficient looked up once (:func:`carbon.energy.energy_tce`).

References
----------
.. [1] GB/T 2589-2008 综合能耗计算通则, Appendix A (equivalent-value coefficients).
.. [2] shared/DOMAIN.md, "Plan indicators": clean energy is natural gas (shale gas included),
   certified green power and own renewables; the bulk solid-waste categories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.catalog import BULK_WASTE, CARRIERS, CarrierKind
from carbon.energy import energy_tce
from carbon.factors import FactorSet

__all__ = ["CLEAN_CARRIERS", "ELECTRICITY", "MONTHLY_COLUMNS", "YEARLY_COLUMNS", "yearly_totals"]

#: Carriers that count as clean energy by default (shared/DOMAIN.md, ``clean_energy_share``).
CLEAN_CARRIERS: frozenset[str] = frozenset(
    {"natural_gas", "electricity_green", "electricity_onsite_renewable"}
)
#: Every electricity carrier (grid, certified green, own renewable).
ELECTRICITY: frozenset[str] = frozenset(
    name for name, c in CARRIERS.items() if c.kind == CarrierKind.ELECTRICITY
)
#: Columns read from the monthly frame.
MONTHLY_COLUMNS: tuple[str, ...] = (
    "uscc",
    "park_code",
    "year",
    "month",
    "section",
    "item",
    "quantity",
    "generated",
    "from_storage",
    "utilised",
)
#: Columns of :func:`yearly_totals`' result, in order.
YEARLY_COLUMNS: tuple[str, ...] = (
    "uscc",
    "park_code",
    "year",
    "months",
    "energy_tce",
    "clean_tce",
    "grid_electricity_tce",
    "electricity_kwh",
    "value_added",
    "gross_output",
    "fresh_water_m3",
    "reused_water_m3",
    "bulk_generated_t",
    "bulk_from_storage_t",
    "bulk_utilised_t",
)
_KEYS = ["uscc", "year"]


def _sum(frame: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    """Per (uscc, year) sum of ``column`` over ``frame``, on ``index``, 0 where absent."""
    if frame.empty:
        return pd.Series(0.0, index=index, dtype=np.float64)
    sums = frame.groupby(_KEYS)[column].sum(min_count=1).astype(np.float64)
    return sums.reindex(index).fillna(0.0)


def yearly_totals(monthly: pd.DataFrame, factors: FactorSet) -> pd.DataFrame:
    """Sum an enterprise's months into its year.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Columns :data:`MONTHLY_COLUMNS`: ``quantity`` in the line's canonical unit [kWh, t,
        m3, GJ, tce or 万元]; ``generated``, ``from_storage``, ``utilised`` [t] on solid-waste
        rows (NaN elsewhere).
    factors : FactorSet
        The factor library, for the GB/T 2589 coefficients.

    Returns
    -------
    pandas.DataFrame
        One row per enterprise and year that has any line, columns :data:`YEARLY_COLUMNS`:
        ``months`` (months with any line), ``energy_tce``, ``clean_tce`` and
        ``grid_electricity_tce`` [tce, equivalent value], ``electricity_kwh`` [kWh, every
        electricity carrier], ``value_added`` [万元, 2020 prices], ``gross_output`` [万元,
        current prices], ``fresh_water_m3`` and ``reused_water_m3`` [m3], and the bulk
        categories' ``bulk_generated_t``, ``bulk_from_storage_t``, ``bulk_utilised_t`` [t].
        A sum with no line is 0.

    Examples
    --------
    January and February of one enterprise with 100 t diesel and 1,000,000 kWh grid power each:
    energy 2 × (100 × 1.4571 + 1,000,000 × 0.1229e-3) = 2 × 268.61 = 537.22 tce.
    """
    missing = [c for c in MONTHLY_COLUMNS if c not in monthly.columns]
    if missing:
        raise ValueError(f"monthly lacks column(s): {', '.join(missing)}")
    m = monthly.loc[:, list(MONTHLY_COLUMNS)].copy()
    m["uscc"] = m["uscc"].astype("str")
    m["year"] = m["year"].astype(np.int64)
    heads = (
        m.groupby(_KEYS)
        .agg(park_code=("park_code", "first"), months=("month", "nunique"))
        .sort_index()
    )
    index = heads.index
    out = pd.DataFrame(index=index)
    out["park_code"] = heads["park_code"].astype(object).where(heads["park_code"].notna(), None)
    out["months"] = heads["months"].astype(np.int64)

    section = m["section"]
    energy = m[section == "energy"]
    if len(energy):
        # Sum per carrier and year first: the coefficient depends on nothing else.
        per_item = energy.groupby(["uscc", "year", "item"])["quantity"].sum().reset_index()
        per_item["section"] = "energy"
        energy = energy_tce(per_item, factors)
    else:
        energy = energy.assign(tce_equivalent=pd.Series(dtype=np.float64))
    item = energy["item"]
    out["energy_tce"] = _sum(energy, "tce_equivalent", index)
    out["clean_tce"] = _sum(energy[item.isin(list(CLEAN_CARRIERS))], "tce_equivalent", index)
    out["grid_electricity_tce"] = _sum(energy[item == "electricity_grid"], "tce_equivalent", index)
    out["electricity_kwh"] = _sum(energy[item.isin(list(ELECTRICITY))], "quantity", index)

    econ = m[section == "economics"]
    out["value_added"] = _sum(econ[econ["item"] == "value_added"], "quantity", index)
    out["gross_output"] = _sum(econ[econ["item"] == "gross_output_value"], "quantity", index)
    water = m[section == "water"]
    out["fresh_water_m3"] = _sum(water[water["item"] == "fresh_withdrawal"], "quantity", index)
    out["reused_water_m3"] = _sum(water[water["item"] == "reused"], "quantity", index)
    bulk = m[(section == "solid_waste") & m["item"].isin(list(BULK_WASTE))]
    out["bulk_generated_t"] = _sum(bulk, "generated", index)
    out["bulk_from_storage_t"] = _sum(bulk, "from_storage", index)
    out["bulk_utilised_t"] = _sum(bulk, "utilised", index)
    return out.reset_index().loc[:, list(YEARLY_COLUMNS)]
