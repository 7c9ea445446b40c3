"""Data quality of monthly reports: months missing, and months far from the enterprise's norm.

Pure functions on frames (no I/O), so that the rule can be checked without a database.

A month is *anomalous* for a series (one energy carrier, or fresh water withdrawn) when its
total is above ``HIGH`` (3) times, or below ``LOW`` (1/3) of, the enterprise's median month of the
year for that series, as energy-management tools flag meter readings that jump from their
baseline. Months the enterprise reported without the series count as 0 for it. A series needs
at least ``MIN_MONTHS`` reported months and a positive median to be judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.catalog import Section
from carbon.periods import Period

HIGH = 3.0
LOW = 1.0 / 3.0
MIN_MONTHS = 3
WATCHED_WATER = ("fresh_withdrawal",)

ANOMALY_COLUMNS: tuple[str, ...] = (
    "uscc",
    "period",
    "section",
    "item",
    "value",
    "unit",
    "median",
    "ratio",
    "direction",
)


def months_due(year: int, today: Period) -> list[str]:
    """The months of ``year`` that have ended by ``today``'s month (``YYYY-MM``)."""
    last = 12 if year < today.year else (today.month - 1 if year == today.year else 0)
    return [f"{year:04d}-{m:02d}" for m in range(1, last + 1)]


def find_anomalies(
    monthly: pd.DataFrame,
    reported: pd.DataFrame,
    *,
    high: float = HIGH,
    low: float = LOW,
    min_months: int = MIN_MONTHS,
) -> pd.DataFrame:
    """Months whose energy carrier or fresh-water total jumps far from the enterprise's median.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Monthly totals as :func:`api.reports.repository.aggregate_latest` returns them
        (``uscc``, ``year``, ``month``, ``section``, ``item``, ``canonical_unit``, ``quantity``);
        one year of them.
    reported : pandas.DataFrame
        The months each enterprise reported: ``uscc`` and ``period`` (``YYYY-MM``).
    high, low : float
        A month is flagged above ``high`` × median or below ``low`` × median.
    min_months : int
        Fewest reported months for a series to be judged.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANOMALY_COLUMNS`: the month, the series, its ``value`` and ``median``
        [unit], ``ratio`` = value ÷ median and ``direction`` (``high`` or ``low``), sorted by
        uscc, period, section and item.

    References
    ----------
    .. [1] ISO 50006:2014 Energy management systems — Measuring energy performance using
       energy baselines (EnB) and energy performance indicators (EnPI): each period is compared
       with a baseline of the organisation's own consumption. The thresholds (3× and 1/3 of the
       median) are this service's choice, not the standard's.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ANOMALY_COLUMNS})
    if monthly.empty or reported.empty:
        return empty
    watched = (monthly["section"] == Section.ENERGY) | (
        (monthly["section"] == Section.WATER) & monthly["item"].isin(WATCHED_WATER)
    )
    rows = monthly.loc[watched].copy()
    if rows.empty:
        return empty
    rows["period"] = [f"{y:04d}-{m:02d}" for y, m in zip(rows["year"], rows["month"], strict=True)]
    key = ["uscc", "section", "item", "canonical_unit"]
    series = rows.groupby([*key, "period"], as_index=False)["quantity"].sum()
    grid = (
        series[key]
        .drop_duplicates()
        .merge(reported[["uscc", "period"]].drop_duplicates(), on="uscc")
    )
    full = grid.merge(series, on=[*key, "period"], how="left")
    full["quantity"] = full["quantity"].fillna(0.0)
    grouped = full.groupby(key)["quantity"]
    full["median"] = grouped.transform("median")
    full["months"] = grouped.transform("size")
    judged = (full["months"] >= min_months) & (full["median"] > 0)
    value = full["quantity"].to_numpy(dtype=np.float64)
    median = full["median"].to_numpy(dtype=np.float64)
    is_high = judged.to_numpy() & (value > high * median)
    is_low = judged.to_numpy() & (value < low * median)
    flagged = full.loc[is_high | is_low].copy()
    if flagged.empty:
        return empty
    flagged["direction"] = np.where(is_high[is_high | is_low], "high", "low")
    flagged["ratio"] = flagged["quantity"] / flagged["median"]
    flagged = flagged.rename(columns={"quantity": "value", "canonical_unit": "unit"})
    return (
        flagged[list(ANOMALY_COLUMNS)]
        .sort_values(["uscc", "period", "section", "item"])
        .reset_index(drop=True)
    )
