"""Energy in standard coal (tce), by the equivalent-value or the equal-value method.

Equivalent value (当量值, the default everywhere): every carrier at its GB/T 2589 coefficient,
electricity at its heat content 0.1229 kgce/kWh. Equal value (等价值): the same, except that
electricity of every kind is converted at that year's average coal consumption per kWh
supplied, a per-year factor (``tce_equal_value``). ``other_energy`` is already in tce.

Quantities are in the canonical unit of the catalogue (t, m3, kWh, GJ, tce); NaN stays NaN.

References
----------
.. [1] GB/T 2589-2008 综合能耗计算通则, §6.2 (1 kgce = 29 307.6 kJ) and Appendix A
   (各种能源折标准煤参考系数).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from carbon.catalog import CARRIERS, CarrierKind
from carbon.errors import FactorNotFoundError, InvalidInput, UnknownItemError
from carbon.factors import ACTIVITY_OF_ITEM, NATIONAL, Factor, FactorSet

Method = Literal["equivalent", "equal_value"]
OTHER_ENERGY = "other_energy"


@dataclass(frozen=True)
class CoefficientTable:
    """Standard-coal coefficients for a list of items and a range of years.

    Attributes
    ----------
    items : tuple of str
        Row labels; items that are not energy carriers get NaN coefficients.
    years : ndarray of int
        Column labels of the equal-value table.
    equivalent : ndarray, shape (n_items,)
        Coefficient [tce per canonical unit], equivalent value.
    equal_value : ndarray, shape (n_items, n_years)
        Coefficient [tce per canonical unit], equal value.
    equal_value_provisional : ndarray of bool, shape (n_items, n_years)
        Whether the year's coal per kWh was a fallback to another year.
    equivalent_factor : tuple of Factor or None
        The factor behind each ``equivalent`` coefficient.
    equal_value_factor : tuple of tuple of Factor or None
        The factor behind each ``equal_value`` coefficient.
    """

    items: tuple[str, ...]
    years: npt.NDArray[np.int64]
    equivalent: npt.NDArray[np.float64]
    equal_value: npt.NDArray[np.float64]
    equal_value_provisional: npt.NDArray[np.bool_]
    equivalent_factor: tuple[Factor | None, ...]
    equal_value_factor: tuple[tuple[Factor | None, ...], ...]


def coefficient_table(
    items: Sequence[str], years: npt.ArrayLike, factors: FactorSet
) -> CoefficientTable:
    """Coefficients for ``items`` (equivalent) and ``items`` × ``years`` (equal value).

    Each item and year is looked up once, so callers can then ``take`` from the arrays for
    any number of rows.

    Raises
    ------
    FactorNotFoundError
        If an energy carrier has no GB/T 2589 coefficient in ``factors``.
    """
    yrs = np.asarray(years, dtype=np.int64).ravel()
    n_i, n_y = len(items), len(yrs)
    eq = np.full(n_i, np.nan)
    ev = np.full((n_i, n_y), np.nan)
    ev_prov = np.zeros((n_i, n_y), dtype=bool)
    eq_f: list[Factor | None] = [None] * n_i
    ev_f: list[tuple[Factor | None, ...]] = [(None,) * n_y] * n_i
    equal_value_electricity: tuple[list[Factor | None], npt.NDArray[np.bool_]] | None = None
    for i, item in enumerate(items):
        carrier = CARRIERS.get(item)
        if carrier is None:
            continue
        if item == OTHER_ENERGY:
            eq[i] = 1.0
            ev[i, :] = 1.0
            continue
        sel = factors.select("tce_equivalent", ACTIVITY_OF_ITEM[item], NATIONAL)
        eq[i] = sel.factor.canonical_value
        eq_f[i] = sel.factor
        if carrier.kind != CarrierKind.ELECTRICITY:
            ev[i, :] = eq[i]
            ev_f[i] = (sel.factor,) * n_y
            continue
        if equal_value_electricity is None:
            equal_value_electricity = factors.select_years(
                "tce_equal_value", "electricity", NATIONAL, yrs
            )
        chosen, prov = equal_value_electricity
        ev[i, :] = [np.nan if f is None else f.canonical_value for f in chosen]
        ev_prov[i, :] = prov
        ev_f[i] = tuple(chosen)
    return CoefficientTable(
        items=tuple(items),
        years=yrs,
        equivalent=eq,
        equal_value=ev,
        equal_value_provisional=ev_prov,
        equivalent_factor=tuple(eq_f),
        equal_value_factor=tuple(ev_f),
    )


def tce(
    item: str,
    quantity: float,
    factors: FactorSet,
    *,
    method: Method = "equivalent",
    year: int | None = None,
) -> float:
    """Energy of one quantity of one carrier [tce].

    Parameters
    ----------
    item : str
        A carrier of :data:`carbon.catalog.CARRIERS`.
    quantity : float
        In the carrier's canonical unit [t, m3, kWh, GJ or tce]; NaN gives NaN.
    method : {"equivalent", "equal_value"}
        Equal value needs ``year`` for electricity.

    Examples
    --------
    100 t diesel x 1.4571 tce/t = 145.71 tce (GB/T 2589-2008 Appendix A).
    """
    if item not in CARRIERS:
        raise UnknownItemError(f"unknown energy carrier {item!r}", ("item",))
    if method not in ("equivalent", "equal_value"):
        raise InvalidInput(f"unknown method {method!r}", ("method",))
    if method == "equal_value" and year is None and CARRIERS[item].kind == CarrierKind.ELECTRICITY:
        raise InvalidInput("the equal-value method needs the year for electricity", ("year",))
    table = coefficient_table([item], [year or 0], factors)
    coef = table.equivalent[0] if method == "equivalent" else table.equal_value[0, 0]
    if np.isnan(coef):
        raise FactorNotFoundError(f"no {method} coefficient for {item} in {year}")
    return float(quantity) * float(coef)


def energy_tce(activity: pd.DataFrame, factors: FactorSet) -> pd.DataFrame:
    """Add ``tce_equivalent``, ``tce_equal_value`` and ``equal_value_provisional`` columns.

    Parameters
    ----------
    activity : DataFrame
        Columns ``section``, ``item``, ``year``, ``quantity`` (canonical units). Rows of other
        sections than ``energy`` get NaN, as do NaN quantities.

    Returns
    -------
    DataFrame
        A copy of ``activity`` with the three columns added [tce].

    Raises
    ------
    UnknownItemError
        For an ``energy`` row whose item is not a carrier of the catalogue.
    """
    out = activity.copy()
    energy = (out["section"] == "energy").to_numpy(dtype=bool)
    codes, names = pd.factorize(out["item"])
    known = np.array([str(n) in CARRIERS for n in names] + [False])
    bad = energy & ~known[codes]  # code -1 (missing item) reads the trailing False
    if bad.any():
        unknown = sorted({str(v) for v in out["item"][bad]})
        raise UnknownItemError(f"unknown energy carrier(s) {unknown}", ("item",))
    years = out["year"].to_numpy()
    uniq_years, year_idx = np.unique(years, return_inverse=True)
    table = coefficient_table([str(n) for n in names], uniq_years, factors)
    q = out["quantity"].to_numpy(dtype=float)
    ok = energy & (codes >= 0)
    safe = np.where(ok, codes, 0)
    eq = np.where(ok, table.equivalent[safe], np.nan)
    ev = np.where(ok, table.equal_value[safe, year_idx.ravel()], np.nan)
    out["tce_equivalent"] = q * eq
    out["tce_equal_value"] = q * ev
    out["equal_value_provisional"] = ok & table.equal_value_provisional[safe, year_idx.ravel()]
    return out
