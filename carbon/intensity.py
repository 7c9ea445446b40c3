"""The scheduled checks: energy-intensity overruns, product energy quotas, missing reports.

All functions work on whole columns and return alert rows as a DataFrame; storing them (and
updating an existing alert instead of duplicating it) is the caller's business.

References
----------
.. [1] shared/DOMAIN.md, "Energy-intensity overrun (the scheduled check)".
.. [2] GB 21346-2022 电解铝和氧化铝单位产品能源消耗限额, 4.1 表1 (quota values: see
   ``factors/quotas/gb21346/2022/source.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from carbon.periods import Period

__all__ = [
    "ALERT_COLUMNS",
    "INTENSITY_UNIT",
    "ProductQuota",
    "base_intensities",
    "due_date",
    "intensity_limits",
    "intensity_overruns",
    "missing_reports",
    "product_quota_overruns",
    "severity",
    "year_to_date",
]

INTENSITY_UNIT = "tce/万元"
OVERRUN = "energy_intensity_overrun"
PRODUCT_OVERRUN = "product_energy_quota_overrun"
#: Upper bounds of value ÷ limit for each severity; above the last: ``critical``.
SEVERITY_BOUNDS: tuple[tuple[float, str], ...] = ((1.10, "warning"), (1.25, "serious"))
#: Columns of every alert frame returned here.
ALERT_COLUMNS: tuple[str, ...] = (
    "uscc",
    "period",
    "kind",
    "severity",
    "value",
    "limit",
    "unit",
    "ratio",
    "limit_source",
)
#: The district path of the energy-intensity limit: 16 % lower over 5 years (the plan's
#: energy_intensity_reduction target, 2020→2025).
PATH_REDUCTION = 0.16
PATH_YEARS = 5
#: Day of the following month by which a monthly report is due.
DUE_DAY = 10


def severity(ratio: pd.Series) -> pd.Series:
    """Severity of an overrun from value ÷ limit.

    ``≤ 1.10`` warning, ``≤ 1.25`` serious, above that critical (shared/DOMAIN.md).
    """
    r = ratio.astype(float)
    labels = np.select(
        [r <= SEVERITY_BOUNDS[0][0], r <= SEVERITY_BOUNDS[1][0]],
        [SEVERITY_BOUNDS[0][1], SEVERITY_BOUNDS[1][1]],
        default="critical",
    )
    return pd.Series(labels, index=ratio.index, dtype="str")


def _empty_alerts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float" if c in ("value", "limit", "ratio") else "str")
            for c in ALERT_COLUMNS
        }
    )


def year_to_date(monthly: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Sum each enterprise's months January…``period`` of ``period``'s year.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Columns ``uscc``, ``period`` (``YYYY-MM`` text or :class:`Period`), ``energy_tce``
        [tce] and ``value_added`` [万元]; one row per enterprise-month (several rows add up).

    Returns
    -------
    pandas.DataFrame
        Columns ``uscc, energy_tce, value_added, months`` (months reported in the window).
    """
    text = monthly["period"].astype(str)
    first = f"{period.year:04d}-01"
    window = monthly[(text >= first) & (text <= str(period))]
    out = (
        window.assign(_m=text[window.index])
        .groupby("uscc")
        .agg(
            energy_tce=("energy_tce", "sum"),
            value_added=("value_added", "sum"),
            months=("_m", "nunique"),
        )
        .reset_index()
    )
    return out


def base_intensities(yearly: pd.DataFrame, baseline_year: int = 2020) -> pd.DataFrame:
    """Each enterprise's base intensity: its ``baseline_year``, or its first full year after.

    A full year is one with 12 months reported and value added above zero.

    Parameters
    ----------
    yearly : pandas.DataFrame
        Columns ``uscc, year, energy_tce`` [tce], ``value_added`` [万元], ``months``.

    Returns
    -------
    pandas.DataFrame
        Columns ``uscc, base_year, base_intensity`` [tce/万元].
    """
    full = yearly[
        (yearly["months"] >= 12)
        & (yearly["value_added"] > 0)
        & (yearly["year"].astype(int) >= baseline_year)
    ]
    first = full.sort_values(["uscc", "year"]).groupby("uscc").head(1)
    return pd.DataFrame(
        {
            "uscc": first["uscc"].astype(str).to_numpy(),
            "base_year": first["year"].astype(int).to_numpy(),
            "base_intensity": (first["energy_tce"] / first["value_added"]).astype(float).to_numpy(),
        }
    )


def intensity_limits(
    usccs: Iterable[str],
    year: int,
    explicit: pd.DataFrame,
    bases: pd.DataFrame,
    *,
    reduction: float = PATH_REDUCTION,
    over_years: int = PATH_YEARS,
) -> pd.DataFrame:
    """The energy-intensity limit of each enterprise for ``year``.

    ``limit = explicit limit for (uscc, year)`` if one is set, else
    ``base × (1 − reduction × (year − base_year) ÷ over_years)`` (the enterprise's own base
    intensity lowered along the district path). No limit (NaN) where neither exists or the
    base year is after ``year``.

    Parameters
    ----------
    explicit : pandas.DataFrame
        Columns ``uscc, year, limit`` [tce/万元], set by a park manager or admin.
    bases : pandas.DataFrame
        Columns ``uscc, base_year, base_intensity`` [tce/万元] (:func:`base_intensities`).
    reduction, over_years : float, int
        The district path: 0.16 over 5 years (the plan's 2020→2025 target).

    Returns
    -------
    pandas.DataFrame
        Columns ``uscc, limit`` [tce/万元], ``limit_source`` (``explicit`` | ``own_path`` | NA),
        ``base_year``.
    """
    out = pd.DataFrame({"uscc": pd.Series(list(usccs), dtype="str")}).drop_duplicates()
    ex = explicit[explicit["year"].astype(int) == year][["uscc", "limit"]].astype({"uscc": "str"})
    ex = ex.drop_duplicates("uscc", keep="last").rename(columns={"limit": "_explicit"})
    b = bases.astype({"uscc": "str"}).drop_duplicates("uscc", keep="last")
    out = out.merge(ex, on="uscc", how="left").merge(b, on="uscc", how="left")
    years_on = year - out["base_year"].astype(float)
    own = out["base_intensity"].astype(float) * (1.0 - reduction * years_on / over_years)
    own = own.where(years_on >= 0)
    explicit_limit = out["_explicit"].astype(float)
    limit = explicit_limit.where(explicit_limit.notna(), own)
    source = pd.Series(
        np.where(explicit_limit.notna(), "explicit", np.where(own.notna(), "own_path", "")),
        index=out.index,
        dtype="str",
    )
    return pd.DataFrame(
        {
            "uscc": out["uscc"],
            "limit": limit.astype(float),
            "limit_source": source.where(source != ""),
            "base_year": out["base_year"],
        }
    )


def intensity_overruns(
    ytd: pd.DataFrame,
    period: Period,
    explicit: pd.DataFrame,
    bases: pd.DataFrame,
    *,
    reduction: float = PATH_REDUCTION,
    over_years: int = PATH_YEARS,
) -> pd.DataFrame:
    """Energy-intensity overrun alerts for month ``period``.

    Parameters
    ----------
    ytd : pandas.DataFrame
        Year-to-date sums per enterprise for January…``period``: columns ``uscc``,
        ``energy_tce`` [tce], ``value_added`` [万元] (:func:`year_to_date`).
    period : Period
        The month checked.
    explicit, bases : pandas.DataFrame
        See :func:`intensity_limits`.

    Returns
    -------
    pandas.DataFrame
        One alert per enterprise whose year-to-date intensity is above its limit, columns
        :data:`ALERT_COLUMNS`: ``kind`` ``energy_intensity_overrun``, ``value`` and ``limit``
        [tce/万元], ``ratio`` = value ÷ limit, ``severity`` by :func:`severity`,
        ``limit_source`` ``explicit`` or ``own_path``. Enterprises with no value added, or no
        limit, are not judged.

    References
    ----------
    .. [1] shared/DOMAIN.md, "Energy-intensity overrun (the scheduled check)".
    """
    sums = ytd.astype({"uscc": "str"}).groupby("uscc")[["energy_tce", "value_added"]].sum()
    va = sums["value_added"].astype(float)
    value = (sums["energy_tce"].astype(float) / va.where(va > 0)).rename("value")
    limits = intensity_limits(
        sums.index, period.year, explicit, bases, reduction=reduction, over_years=over_years
    ).set_index("uscc")
    frame = limits.join(value)
    frame = frame[(frame["limit"] > 0) & frame["value"].notna() & (frame["value"] > frame["limit"])]
    if frame.empty:
        return _empty_alerts()
    ratio = frame["value"] / frame["limit"]
    out = pd.DataFrame(
        {
            "uscc": frame.index.astype(str),
            "period": str(period),
            "kind": OVERRUN,
            "severity": severity(ratio).to_numpy(),
            "value": frame["value"].to_numpy(dtype=float),
            "limit": frame["limit"].to_numpy(dtype=float),
            "unit": INTENSITY_UNIT,
            "ratio": ratio.to_numpy(dtype=float),
            "limit_source": frame["limit_source"].astype(str).to_numpy(),
        }
    )
    return out.sort_values("uscc").reset_index(drop=True)


# --------------------------------------------------------------------------- product quotas


@dataclass(frozen=True)
class ProductQuota:
    """A per-product energy quota of a national standard.

    Attributes
    ----------
    value : float
        The quota [unit], e.g. 13750 kWh/t.
    basis : str
        What is divided by the product quantity: ``electricity_kwh`` (all electricity the
        enterprise used in the month) or ``energy_kgce``.
    """

    id: str
    product: str
    indicator: str
    level: int
    value: float
    unit: str
    basis: str
    source: str


def product_quota_overruns(
    production: pd.DataFrame,
    electricity: pd.DataFrame,
    quotas: Sequence[ProductQuota],
) -> pd.DataFrame:
    """Flag enterprise-months whose electricity per tonne of product exceeds a quota.

    Parameters
    ----------
    production : pandas.DataFrame
        Columns ``uscc, period, product, quantity`` [t].
    electricity : pandas.DataFrame
        Columns ``uscc, period, electricity_kwh`` [kWh]: all electricity the enterprise used
        in the month (grid, green and own renewable).
    quotas : sequence of ProductQuota
        The quotas to apply, one per product (``basis`` ``electricity_kwh``, unit kWh/t).

    Returns
    -------
    pandas.DataFrame
        Alert rows, :data:`ALERT_COLUMNS` plus ``product``: ``kind``
        ``product_energy_quota_overrun``, ``value`` and ``limit`` [kWh/t], ``severity`` by the
        same value ÷ limit bounds as the intensity check, ``limit_source`` the quota's id.

    References
    ----------
    .. [1] GB 21346-2022, 4.1 表1.
    """
    frames: list[pd.DataFrame] = []
    elec = (
        electricity.astype({"uscc": "str", "period": "str"})
        .groupby(["uscc", "period"])["electricity_kwh"]
        .sum()
    )
    prod = production.astype({"uscc": "str", "period": "str"})
    for q in quotas:
        if q.basis != "electricity_kwh":
            raise ValueError(f"quota {q.id}: only electricity-based quotas are checked")
        p = prod[prod["product"] == q.product].groupby(["uscc", "period"])["quantity"].sum()
        p = p[p > 0]
        joined = pd.concat([p.rename("t"), elec.rename("kwh")], axis=1, join="inner")
        value = joined["kwh"] / joined["t"]
        over = value[value > q.value]
        if over.empty:
            continue
        ratio = over / q.value
        frames.append(
            pd.DataFrame(
                {
                    "uscc": over.index.get_level_values("uscc").astype(str),
                    "period": over.index.get_level_values("period").astype(str),
                    "kind": PRODUCT_OVERRUN,
                    "severity": severity(ratio).to_numpy(),
                    "value": over.to_numpy(dtype=float),
                    "limit": q.value,
                    "unit": q.unit,
                    "ratio": ratio.to_numpy(dtype=float),
                    "limit_source": q.id,
                    "product": q.product,
                }
            )
        )
    if not frames:
        return _empty_alerts().assign(product=pd.Series(dtype="str"))
    return pd.concat(frames, ignore_index=True).sort_values(["period", "uscc"], ignore_index=True)


# --------------------------------------------------------------------------- missing reports


def due_date(period: Period) -> date:
    """The day by which the report for ``period`` is due: the 10th of the following month."""
    nxt = period.next()
    return date(nxt.year, nxt.month, DUE_DAY)


def missing_reports(
    enterprises: pd.DataFrame,
    reported: pd.DataFrame | Iterable[tuple[str, str | Period]],
    period: Period,
    today: date,
) -> pd.DataFrame:
    """Above-size enterprises whose report for ``period`` is overdue on ``today``.

    A report is overdue after the 10th of the following month (shared/DOMAIN.md). Before
    then nothing is overdue and the result is empty.

    Parameters
    ----------
    enterprises : pandas.DataFrame
        Columns ``uscc`` and ``above_designated_size``; optionally ``first_period``
        (``YYYY-MM``, the first month the enterprise owes a report: none is owed before it).
        Any other columns (name, park_code) are carried into the result.
    reported : pandas.DataFrame or iterable of (uscc, period)
        The (uscc, period) pairs that have at least one revision.
    period : Period
        The month checked.
    today : date

    Returns
    -------
    pandas.DataFrame
        The overdue enterprises' rows, plus ``period``, ``due`` (date) and ``days_overdue``.
    """
    due = due_date(period)
    if isinstance(reported, pd.DataFrame):
        pairs = set(zip(reported["uscc"].astype(str), reported["period"].astype(str), strict=True))
    else:
        pairs = {(str(u), str(p)) for u, p in reported}
    done = {u for u, p in pairs if p == str(period)}
    above = enterprises[enterprises["above_designated_size"].astype(bool)]
    if "first_period" in above.columns:
        first = above["first_period"].astype(str)
        above = above[above["first_period"].isna() | (first <= str(period))]
    if today <= due:
        above = above.iloc[0:0]
    out = above[~above["uscc"].astype(str).isin(list(done))].copy()
    out["period"] = str(period)
    out["due"] = due
    out["days_overdue"] = (today - due).days
    return out.sort_values("uscc").reset_index(drop=True)
