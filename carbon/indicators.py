"""Plan indicators of the district's green-manufacturing targets, and their status.

Every indicator is computed over above-size (规模以上) enterprises, from per-enterprise-year
aggregates that the caller has already summed and normalised (energy in tce by the
equivalent-value method, money in 万元, water in m3, waste in t). The plan itself (targets,
baselines, definitions) is data: see :class:`Plan` and ``factors/plans/``.

Status of a row (shared/DOMAIN.md, "Status"):

* ``no_data`` — the year has no data in the scope, or the value cannot be formed (a zero
  denominator, no baseline-year data for a reduction);
* ``met`` — the value has reached the target;
* otherwise, with ``b`` the baseline and ``p`` the straight path's value for the year between
  (baseline_year, b) and (target_year, target): ``on_track`` at or beyond ``p``, ``at_risk``
  when short of ``p`` by at most ``0.1 × |p − b|``, ``off_track`` otherwise;
* a row with no baseline (a floor to hold), and any year outside baseline_year…target_year,
  has no path to compare with: it is ``met`` or ``off_track``.

References
----------
.. [1] 綦江区"十四五"工业高质量发展规划, green-manufacturing chapter (targets as quoted in
   ``factors/plans/qijiang_2021_2025/source.yaml``).
.. [2] GB/T 2589-2020 综合能耗计算通则 (equivalent-value method for energy in tce).
.. [3] NBS/MEE indicator 工业固体废物综合利用率 = 综合利用量 ÷ (产生量 + 综合利用往年贮存量).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ENTERPRISE_YEAR_COLUMNS",
    "KNOWN_INDICATORS",
    "Direction",
    "IndicatorRow",
    "IndicatorSpec",
    "Mover",
    "Plan",
    "Status",
    "TargetKind",
    "evaluate_plan",
    "path_value",
    "row_status",
]

#: Columns of the per-enterprise-year frame that :func:`evaluate_plan` reads. An optional
#: ``grid_electricity_tce`` column (grid electricity in tce) is read only when the plan
#: counts a non-fossil share of grid electricity as clean.
ENTERPRISE_YEAR_COLUMNS: tuple[str, ...] = (
    "uscc",
    "park_code",
    "counts_as_park",
    "above_designated_size",
    "year",
    "energy_tce",
    "clean_tce",
    "value_added",
    "gross_output",
    "fresh_water_m3",
    "bulk_generated_t",
    "bulk_from_storage_t",
    "bulk_utilised_t",
)
CERTIFICATION_COLUMNS: tuple[str, ...] = ("uscc", "kind", "level", "year")

#: Share of the path's total change by which a value may fall short of the path and still be
#: ``at_risk`` rather than ``off_track`` (shared/DOMAIN.md, "Status").
AT_RISK_MARGIN = 0.1
# Relative tolerance for "has reached". Reports carry a few significant digits (万元 to two
# decimals, say), so a share summed from them can miss an exact target such as the 73 % baseline
# by ~1e-8 relative; one part per million is far below anything a plan distinguishes.
_TOLERANCE = 1e-6


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class TargetKind(StrEnum):
    FLOOR = "floor"
    REDUCTION = "reduction"
    COUNT = "count"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a plan, as the plan states it.

    Attributes
    ----------
    baseline : float or None
        Value in ``baseline_year`` [unit]; ``None`` where the plan gives none (a floor to
        hold). Reductions and counts have 0 by definition.
    target : float
        Value to reach by ``target_year`` [unit].
    """

    id: str
    name_zh: str
    name_en: str
    unit: str
    kind: TargetKind
    direction: Direction
    baseline_year: int
    baseline: float | None
    target: float
    target_year: int
    definition: str
    note: str = ""


@dataclass(frozen=True)
class Plan:
    """A plan period's targets.

    Attributes
    ----------
    grid_non_fossil_share : mapping of int to float
        Per year, the share (0–1) of grid electricity that counts as clean energy. Empty
        (the default) means grid electricity never counts as clean.
    grid_non_fossil_source : str or None
        Where those shares are published; required when any share is given.
    """

    name: str
    title: str
    indicators: tuple[IndicatorSpec, ...]
    grid_non_fossil_share: Mapping[int, float] = field(default_factory=dict)
    grid_non_fossil_source: str | None = None

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        for spec in self.indicators:
            if spec.id == indicator_id:
                return spec
        raise KeyError(indicator_id)


@dataclass(frozen=True)
class Mover:
    """An enterprise that weighs most on an indicator's gap."""

    uscc: str
    value: float
    unit: str


@dataclass
class IndicatorRow:
    """One plan indicator for one year and scope, with what a planner needs next.

    Attributes
    ----------
    value : float or None
        The indicator's value for ``year`` [unit]; ``None`` when it cannot be formed.
    trajectory : list of dict
        The straight path ``{"year", "value"}`` for each year baseline_year…target_year;
        empty when the row has no baseline.
    path_value : float or None
        The path's value for ``year`` (``None`` outside the path's years).
    gap : float or None
        How much is still missing to reach the target at this year's totals, in the
        indicator's own quantity (``gap_unit``); 0 once the target is reached. See
        ``gap_definition``.
    top_movers : list of Mover
        The enterprises that weigh most on the gap (``top_movers_measure`` says by what).
    projection : float or None
        Least-squares straight line through the yearly values baseline_year…year, evaluated
        at ``projection_year`` (the target year); ``None`` with fewer than two yearly values.
    details : dict
        Sums and intensities behind the value.
    """

    id: str
    name: str
    name_en: str
    unit: str
    baseline_year: int
    baseline: float | None
    target: float | None
    target_year: int
    value: float | None
    status: Status
    year: int
    scope: str
    kind: TargetKind
    definition: str
    trajectory: list[dict[str, float]] = field(default_factory=list)
    path_value: float | None = None
    gap: float | None = None
    gap_unit: str = ""
    gap_definition: str = ""
    top_movers: list[Mover] = field(default_factory=list)
    top_movers_measure: str = ""
    projection: float | None = None
    projection_year: int | None = None
    details: dict[str, float | None] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready values."""
        out = asdict(self)
        out["status"] = str(self.status)
        out["kind"] = str(self.kind)
        return out


# --------------------------------------------------------------------------- status rules


def _reached(value: float, target: float, direction: Direction) -> bool:
    tol = _TOLERANCE * max(1.0, abs(target))
    if direction == Direction.INCREASE:
        return value >= target - tol
    return value <= target + tol


def path_value(
    baseline: float, target: float, baseline_year: int, target_year: int, year: int
) -> float | None:
    """The straight path's value for ``year``, or ``None`` outside baseline…target year.

    ``p = b + (t − b) × (year − baseline_year) ÷ (target_year − baseline_year)``.
    """
    if not baseline_year <= year <= target_year or target_year <= baseline_year:
        return None
    return baseline + (target - baseline) * (year - baseline_year) / (target_year - baseline_year)


def row_status(
    value: float | None,
    *,
    target: float | None,
    baseline: float | None,
    baseline_year: int,
    target_year: int,
    year: int,
    direction: Direction = Direction.INCREASE,
) -> Status:
    """Status of one indicator row (shared/DOMAIN.md, "Status").

    Parameters
    ----------
    value : float or None
        The indicator's value for ``year`` [its unit]; ``None`` (or NaN) means no data.
    target, baseline : float or None
        The plan's target and baseline [its unit]; ``baseline`` ``None`` for a floor to hold.
        A row with no target (a district total seen from one park) is ``no_data``.

    Returns
    -------
    Status
        ``met`` when the target is reached; else, on the path's years and with a baseline,
        ``on_track`` at or beyond the path value ``p``, ``at_risk`` when short of it by at most
        ``0.1 × |p − b|``, ``off_track`` otherwise; with no baseline, or outside the path's
        years, ``off_track``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or target is None:
        return Status.NO_DATA
    if _reached(value, target, direction):
        return Status.MET
    if baseline is None:
        return Status.OFF_TRACK
    p = path_value(baseline, target, baseline_year, target_year, year)
    if p is None:
        return Status.OFF_TRACK
    if _reached(value, p, direction):
        return Status.ON_TRACK
    shortfall = (p - value) if direction == Direction.INCREASE else (value - p)
    margin = AT_RISK_MARGIN * abs(p - baseline)
    if shortfall <= margin + _TOLERANCE * max(1.0, abs(p)):
        return Status.AT_RISK
    return Status.OFF_TRACK


def _trajectory(spec: IndicatorSpec, baseline: float | None) -> list[dict[str, float]]:
    if baseline is None:
        return []
    out: list[dict[str, float]] = []
    for y in range(spec.baseline_year, spec.target_year + 1):
        p = path_value(baseline, spec.target, spec.baseline_year, spec.target_year, y)
        if p is not None:
            out.append({"year": y, "value": p})
    return out


def _projection(yearly: pd.Series, spec: IndicatorSpec, year: int) -> float | None:
    """Least-squares line through the yearly values baseline_year…year, at the target year."""
    s = yearly[(yearly.index >= spec.baseline_year) & (yearly.index <= year)].dropna()
    if len(s) < 2 or year < spec.baseline_year:
        return None
    x = s.index.to_numpy(dtype=float)
    y = s.to_numpy(dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope * spec.target_year + intercept)


# --------------------------------------------------------------------------- the indicators


@dataclass
class _Context:
    """What every indicator computation gets."""

    plan: Plan
    spec: IndicatorSpec
    district: pd.DataFrame  # above-size enterprise-years of the district
    scope: pd.DataFrame  # the same, restricted to the scope
    certifications: pd.DataFrame
    year: int
    park: str | None
    top_n: int


@dataclass
class _Result:
    yearly: pd.Series  # indicator value per year (NaN where it cannot be formed)
    baseline: float | None
    target: float | None
    gap: float | None = None
    gap_unit: str = ""
    gap_definition: str = ""
    movers: list[Mover] = field(default_factory=list)
    movers_measure: str = ""
    details: dict[str, float | None] = field(default_factory=dict)
    definition_extra: str = ""
    note: str = ""


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """``100 × num ÷ den`` with NaN where ``den`` is not positive."""
    den = den.astype(float)
    return (100.0 * num.astype(float) / den.where(den > 0)).astype(float)


def _sums(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return frame.groupby("year")[list(columns)].sum()


def _top(values: pd.Series, n: int, unit: str) -> list[Mover]:
    """The ``n`` largest positive values of a per-uscc series, largest first, ties by uscc."""
    frame = pd.DataFrame({"uscc": values.index.astype(str), "v": values.to_numpy(dtype=float)})
    frame = frame[frame["v"] > 0].sort_values(["v", "uscc"], ascending=[False, True]).head(n)
    return [Mover(u, float(x), unit) for u, x in zip(frame["uscc"], frame["v"], strict=True)]


def _value_at(yearly: pd.Series, year: int) -> float | None:
    if year not in yearly.index:
        return None
    v = float(yearly.loc[year])
    return None if math.isnan(v) else v


def _gap_share(target_pct: float, num: float, den: float) -> float:
    """Quantity to move from outside to inside the numerator, the denominator unchanged."""
    return max(0.0, target_pct / 100.0 * den - num)


def _clean_energy_share(c: _Context) -> _Result:
    s = c.scope
    share = pd.Series(
        {int(y): float(c.plan.grid_non_fossil_share.get(int(y), 0.0)) for y in s["year"].unique()},
        dtype=float,
    )
    uses_grid = bool((share > 0).any())
    if uses_grid and "grid_electricity_tce" not in s.columns:
        raise ValueError(
            "the plan counts a non-fossil share of grid electricity as clean energy: the "
            "enterprise-year frame needs a grid_electricity_tce column"
        )
    clean = s["clean_tce"].astype(float)
    if uses_grid:
        clean = clean + s["grid_electricity_tce"].astype(float) * s["year"].map(share).fillna(0.0)
    frame = s.assign(_clean=clean, _fossil=s["energy_tce"].astype(float) - clean)
    sums = _sums(frame, ["energy_tce", "_clean"])
    yearly = _ratio(sums["_clean"], sums["energy_tce"])
    r = _Result(yearly, c.spec.baseline, c.spec.target)
    year_share = float(c.plan.grid_non_fossil_share.get(c.year, 0.0))
    if year_share > 0:
        r.definition_extra = (
            f" Clean-energy definition used: with {year_share:.1%} of grid electricity counted "
            f"as non-fossil (source: {c.plan.grid_non_fossil_source})."
        )
    else:
        r.definition_extra = (
            " Clean-energy definition used: natural gas + certified green power + own "
            "renewables; no share of grid electricity counted."
        )
    if c.year in sums.index:
        total = float(sums["energy_tce"].loc[c.year])
        cl = float(sums["_clean"].loc[c.year])
        r.details = {"energy_tce": total, "clean_tce": cl, "grid_non_fossil_share": year_share}
        if total > 0:
            r.gap = _gap_share(c.spec.target, cl, total)
        now = frame[frame["year"] == c.year]
        r.movers = _top(now.groupby("uscc")["_fossil"].sum(), c.top_n, "tce")
    r.gap_unit = "tce"
    r.gap_definition = (
        "Fossil energy to switch to clean energy, total use unchanged: "
        "gap = s × T − C, with s the target share, T all energy and C clean energy [tce]. "
        "If clean energy were instead added on top of today's use, (s × T − C) ÷ (1 − s) "
        "would be needed."
    )
    r.movers_measure = "fossil energy used (energy − clean energy) [tce]"
    return r


def _park_concentration(c: _Context) -> _Result:
    d = c.district
    total = _sums(d, ["gross_output"])["gross_output"]
    if c.park is None:
        inside = d[d["counts_as_park"].astype(bool)]
        baseline, target = c.spec.baseline, c.spec.target
        note = ""
    else:
        inside = c.scope
        baseline, target = None, None
        note = (
            "For one park the row gives the park's share of the district's gross output; the "
            "plan's target is the district's, so the row has no target and no status."
        )
    inside_sum = _sums(inside, ["gross_output"])["gross_output"].reindex(total.index, fill_value=0)
    yearly = _ratio(inside_sum, total)
    # No enterprise of the scope that year: no data, not 0 %.
    scope_years = set(c.scope["year"].unique())
    yearly = yearly.where(yearly.index.isin(list(scope_years)))
    r = _Result(yearly, baseline, target, note=note)
    if c.year in total.index and c.year in scope_years:
        t = float(total.loc[c.year])
        i = float(inside_sum.loc[c.year])
        r.details = {"gross_output_total": t, "gross_output_in_parks": i}
        if target is not None and t > 0:
            r.gap = _gap_share(target, i, t)
        now = d[(d["year"] == c.year) & ~d["counts_as_park"].astype(bool)]
        if c.park is None:
            r.movers = _top(now.groupby("uscc")["gross_output"].sum(), c.top_n, "万元")
    r.gap_unit = "万元"
    r.gap_definition = (
        "Gross output that has to be made inside counted parks instead of outside them, the "
        "district's total unchanged: gap = s × T − P [万元]."
    )
    r.movers_measure = "gross output made outside counted parks [万元]"
    return r


def _bulk_solid_waste(c: _Context) -> _Result:
    s = c.scope.assign(
        _base=c.scope["bulk_generated_t"].astype(float)
        + c.scope["bulk_from_storage_t"].astype(float)
    )
    sums = _sums(s, ["_base", "bulk_utilised_t"])
    yearly = _ratio(sums["bulk_utilised_t"], sums["_base"])
    r = _Result(yearly, c.spec.baseline, c.spec.target)
    if c.year in sums.index:
        base = float(sums["_base"].loc[c.year])
        used = float(sums["bulk_utilised_t"].loc[c.year])
        r.details = {"bulk_generated_plus_storage_t": base, "bulk_utilised_t": used}
        if base > 0:
            r.gap = _gap_share(c.spec.target, used, base)
        now = s[s["year"] == c.year]
        unused = now.groupby("uscc")["_base"].sum() - now.groupby("uscc")["bulk_utilised_t"].sum()
        r.movers = _top(unused, c.top_n, "t")
    r.gap_unit = "t"
    r.gap_definition = (
        "Bulk waste that must additionally be utilised, generation unchanged: "
        "gap = s × (G + S) − U [t]."
    )
    r.movers_measure = "bulk waste not utilised: generated + from storage − utilised [t]"
    return r


def _new_green_factories(c: _Context) -> _Result:
    s = c.scope
    years = sorted(int(y) for y in s["year"].unique())
    certs = c.certifications
    usccs = set(s.loc[s["year"] <= c.year, "uscc"])
    green = certs[
        (certs["kind"] == "green_factory") & certs["uscc"].isin(list(usccs))
    ].drop_duplicates(["uscc", "kind", "level", "year"])
    after = green[green["year"].astype(int) > c.spec.baseline_year]
    cert_years = after["year"].astype(int).to_numpy()
    # Before the baseline year nothing "since" it can have been granted: the count is 0.
    yearly = pd.Series(
        {y: float((cert_years <= y).sum()) if y >= c.spec.baseline_year else 0.0 for y in years},
        dtype=float,
    )
    yearly = yearly.sort_index()
    if c.park is None:
        baseline, target, note = c.spec.baseline, c.spec.target, ""
    else:
        baseline, target = c.spec.baseline, None
        note = "The plan's count is the district's: one park's count has no target and no status."
    r = _Result(yearly, baseline, target, note=note)
    value = _value_at(yearly, c.year)
    if value is not None and target is not None:
        r.gap = max(0.0, target - value)
    r.gap_unit = "count"
    r.gap_definition = "Green-factory certifications still to be granted: target − count."
    # Candidates: the largest above-size enterprises (gross output this year) that hold no
    # green-factory certification yet.
    certified = set(green.loc[green["year"].astype(int) <= c.year, "uscc"])
    now = s[(s["year"] == c.year) & ~s["uscc"].isin(list(certified))]
    r.movers = _top(now.groupby("uscc")["gross_output"].sum(), c.top_n, "万元")
    r.movers_measure = (
        "largest enterprises (gross output) without a green-factory certification [万元]"
    )
    r.details = {"certified_total": float(len(after[after["year"].astype(int) <= c.year]))}
    return r


def _reduction(c: _Context, numerator: str, unit: str, what: str) -> _Result:
    s = c.scope
    sums = _sums(s, [numerator, "value_added"])
    va = sums["value_added"].astype(float)
    intensity = sums[numerator].astype(float) / va.where(va > 0)
    by = c.spec.baseline_year
    base_i = float(intensity.loc[by]) if by in intensity.index else math.nan
    if math.isnan(base_i) or base_i <= 0:
        yearly = pd.Series(math.nan, index=intensity.index, dtype=float)
        baseline: float | None = None
        note = (
            f"No {by} data (or no value added in {by}) in this scope: "
            "the reduction cannot be formed."
        )
    else:
        yearly = (100.0 * (1.0 - intensity / base_i)).astype(float)
        baseline = c.spec.baseline
        note = ""
    r = _Result(yearly, baseline, c.spec.target, note=note)
    iy = float(intensity.loc[c.year]) if c.year in intensity.index else math.nan
    r.details = {
        "intensity_baseline": None if math.isnan(base_i) else base_i,
        "intensity": None if math.isnan(iy) else iy,
        "value_added": float(va.loc[c.year]) if c.year in va.index else None,
        numerator: float(sums[numerator].loc[c.year]) if c.year in sums.index else None,
    }
    if not math.isnan(base_i) and not math.isnan(iy):
        allowed = base_i * (1.0 - c.spec.target / 100.0)
        r.gap = max(0.0, float(sums[numerator].loc[c.year]) - allowed * float(va.loc[c.year]))
    r.gap_unit = unit
    r.gap_definition = (
        f"{what} to save at this year's value added to reach the target intensity "
        f"I_{by} × (1 − target ÷ 100): gap = Q_y − I_{by} × (1 − r) × VA_y [{unit}]."
    )
    # Movers: each enterprise's use above what its own baseline-year intensity would give at
    # this year's value added (enterprises without a usable baseline year: the scope's).
    now = s[s["year"] == c.year].groupby("uscc")[[numerator, "value_added"]].sum()
    base = s[s["year"] == by].groupby("uscc")[[numerator, "value_added"]].sum()
    own = base[numerator] / base["value_added"].where(base["value_added"] > 0)
    ref = own.reindex(now.index)
    if not math.isnan(base_i):
        ref = ref.fillna(base_i)
    excess = (now[numerator] - ref * now["value_added"]).dropna()
    r.movers = _top(excess, c.top_n, unit)
    r.movers_measure = (
        f"{what} above the enterprise's own {by} intensity at this year's value added "
        f"(the scope's {by} intensity for enterprises without {by} data) [{unit}]"
    )
    return r


def _energy_intensity(c: _Context) -> _Result:
    return _reduction(c, "energy_tce", "tce", "Energy")


def _water_intensity(c: _Context) -> _Result:
    return _reduction(c, "fresh_water_m3", "m3", "Fresh water")


#: The indicator ids this module can compute, and how.
KNOWN_INDICATORS: dict[str, Callable[[_Context], _Result]] = {
    "clean_energy_share": _clean_energy_share,
    "park_concentration": _park_concentration,
    "bulk_solid_waste_utilisation": _bulk_solid_waste,
    "new_green_factories": _new_green_factories,
    "energy_intensity_reduction": _energy_intensity,
    "water_intensity_reduction": _water_intensity,
}


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s): {', '.join(missing)}")


def evaluate_plan(
    plan: Plan,
    enterprise_years: pd.DataFrame,
    certifications: pd.DataFrame,
    year: int,
    park: str | None = None,
    *,
    top_n: int = 5,
) -> list[IndicatorRow]:
    """Every indicator of ``plan`` for ``year``, over the district or one park.

    Parameters
    ----------
    plan : Plan
        Targets, baselines and definitions (``factors.plans.load_plan``).
    enterprise_years : pandas.DataFrame
        One row per enterprise and year, columns :data:`ENTERPRISE_YEAR_COLUMNS`:
        ``energy_tce`` and ``clean_tce`` [tce, equivalent value], ``value_added`` [万元,
        comparable 2020 prices], ``gross_output`` [万元, current prices], ``fresh_water_m3``
        [m3], ``bulk_generated_t``, ``bulk_from_storage_t``, ``bulk_utilised_t`` [t, bulk
        categories only]. Rows of below-size enterprises are ignored.
    certifications : pandas.DataFrame
        Columns ``uscc, kind, level, year``.
    year : int
        The year asked.
    park : str, optional
        A park code: each indicator restricted to that park's enterprises; park
        concentration becomes the park's share of the district's gross output.
    top_n : int
        How many enterprises to list in ``top_movers``.

    Returns
    -------
    list of IndicatorRow
        One row per indicator of the plan, in the plan's order.

    References
    ----------
    .. [1] shared/DOMAIN.md, "Plan indicators" and "Status".
    """
    _check_columns(enterprise_years, ENTERPRISE_YEAR_COLUMNS, "enterprise_years")
    _check_columns(certifications, CERTIFICATION_COLUMNS, "certifications")
    ey = enterprise_years[enterprise_years["above_designated_size"].astype(bool)].copy()
    ey["year"] = ey["year"].astype(int)
    ey["uscc"] = ey["uscc"].astype(str)
    certs = certifications.assign(uscc=certifications["uscc"].astype(str))
    scope = ey if park is None else ey[ey["park_code"] == park]
    has_year = bool((scope["year"] == year).any())
    rows: list[IndicatorRow] = []
    for spec in plan.indicators:
        compute = KNOWN_INDICATORS.get(spec.id)
        if compute is None:
            raise ValueError(f"plan {plan.name!r} names indicator {spec.id!r}, which is not known")
        ctx = _Context(plan, spec, ey, scope, certs, year, park, top_n)
        res = compute(ctx)
        value = _value_at(res.yearly, year) if has_year else None
        status = row_status(
            value,
            target=res.target,
            baseline=res.baseline,
            baseline_year=spec.baseline_year,
            target_year=spec.target_year,
            year=year,
            direction=spec.direction,
        )
        p = (
            path_value(res.baseline, spec.target, spec.baseline_year, spec.target_year, year)
            if res.baseline is not None and res.target is not None
            else None
        )
        rows.append(
            IndicatorRow(
                id=spec.id,
                name=spec.name_zh,
                name_en=spec.name_en,
                unit=spec.unit,
                baseline_year=spec.baseline_year,
                baseline=res.baseline,
                target=res.target,
                target_year=spec.target_year,
                value=value,
                status=status,
                year=year,
                scope=park or "district",
                kind=spec.kind,
                definition=spec.definition + res.definition_extra,
                trajectory=_trajectory(spec, res.baseline) if res.target is not None else [],
                path_value=p,
                gap=(res.gap if has_year and value is not None else None),
                gap_unit=res.gap_unit,
                gap_definition=res.gap_definition,
                top_movers=res.movers if has_year else [],
                top_movers_measure=res.movers_measure,
                projection=_projection(res.yearly, spec, year) if has_year else None,
                projection_year=spec.target_year,
                details=res.details if has_year else {},
                note=" ".join(x for x in (spec.note, res.note) if x),
            )
        )
    return rows
