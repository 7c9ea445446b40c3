"""Plan targets as data: one folder per plan period, read into :class:`carbon.indicators.Plan`.

Each folder holds ``targets.yaml`` (the indicators, their baselines, targets and definitions,
and the optional per-year non-fossil share of grid electricity) and ``source.yaml`` (which
plan, who published it, how far the figures were checked). A new plan period is a new folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from carbon.indicators import KNOWN_INDICATORS, Direction, IndicatorSpec, Plan, TargetKind

PLANS_DIR = Path(__file__).resolve().parent
DEFAULT_PLAN = "qijiang_2021_2025"

_REQUIRED = (
    "id",
    "name_zh",
    "name_en",
    "unit",
    "kind",
    "direction",
    "baseline_year",
    "baseline",
    "target",
    "target_year",
    "definition",
)


def available_plans() -> list[str]:
    """Names of the plan folders shipped."""
    return sorted(p.parent.name for p in PLANS_DIR.glob("*/targets.yaml"))


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _spec(raw: dict[str, Any], where: str) -> IndicatorSpec:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    if raw["id"] not in KNOWN_INDICATORS:
        raise ValueError(f"{where}: indicator id {raw['id']!r} is not one the service computes")
    baseline = raw["baseline"]
    spec = IndicatorSpec(
        id=str(raw["id"]),
        name_zh=str(raw["name_zh"]),
        name_en=str(raw["name_en"]),
        unit=str(raw["unit"]),
        kind=TargetKind(raw["kind"]),
        direction=Direction(raw["direction"]),
        baseline_year=int(raw["baseline_year"]),
        baseline=None if baseline is None else _number(baseline, f"{where}.baseline"),
        target=_number(raw["target"], f"{where}.target"),
        target_year=int(raw["target_year"]),
        definition=" ".join(str(raw["definition"]).split()),
        note=str(raw.get("note") or ""),
    )
    if spec.target_year <= spec.baseline_year:
        raise ValueError(f"{where}: target_year must be after baseline_year")
    if spec.kind in (TargetKind.REDUCTION, TargetKind.COUNT) and spec.baseline != 0:
        raise ValueError(f"{where}: a {spec.kind} has baseline 0 by definition")
    return spec


def load_plan(name: str = DEFAULT_PLAN) -> Plan:
    """Read and validate one plan period's targets.

    Parameters
    ----------
    name : str
        The folder under ``factors/plans/`` (``qijiang_2021_2025``).

    Returns
    -------
    carbon.indicators.Plan

    Raises
    ------
    FileNotFoundError
        If there is no such plan.
    ValueError
        If the data are malformed: a missing field, an unknown indicator id or kind, a
        duplicate id, a share outside 0–1, or shares without a source.
    """
    folder = PLANS_DIR / name
    targets = folder / "targets.yaml"
    if not targets.is_file():
        raise FileNotFoundError(f"no plan {name!r} (looked for {targets})")
    raw = yaml.safe_load(targets.read_text(encoding="utf-8"))
    source = yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))
    specs = tuple(
        _spec(item, f"{name}/targets.yaml indicators[{i}]")
        for i, item in enumerate(raw.get("indicators") or [])
    )
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{name}/targets.yaml: duplicate indicator ids")
    if not specs:
        raise ValueError(f"{name}/targets.yaml: no indicators")
    grid = raw.get("grid_non_fossil_share") or {}
    shares: dict[int, float] = {}
    if grid.get("enabled"):
        for year, value in (grid.get("values") or {}).items():
            share = _number(value, f"{name}/targets.yaml grid_non_fossil_share[{year}]")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name}: grid non-fossil share for {year} is outside 0–1")
            shares[int(year)] = share
        if shares and not grid.get("source"):
            raise ValueError(f"{name}: grid non-fossil shares need a source")
    return Plan(
        name=name,
        title=str(source.get("title", name)),
        indicators=specs,
        grid_non_fossil_share=shares,
        grid_non_fossil_source=(str(grid["source"]) if shares else None),
    )
