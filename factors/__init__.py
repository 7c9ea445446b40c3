"""The factor library: one folder per source and edition, read into a :class:`FactorSet`.

Layout::

    factors/<source>/<edition>/factors.csv   one row a factor (see COLUMNS)
    factors/<source>/<edition>/source.yaml   publisher, title, url, date, edition, confirmed

A published edition is never edited; a correction is a new edition folder beside it. Ids are
``<source>-<edition>:...`` so they stay unique across editions. ``factors/plans/`` holds plan
targets, not factors, and is read by :mod:`factors.plans`.

GWPs are not kept here: they are read from the ``globalwarmingpotentials`` package, never
retyped.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import math
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import globalwarmingpotentials
import yaml

from carbon.errors import InvalidInput, ValidationFailed
from carbon.factors import Factor, FactorSet, Source, canonical_unit
from carbon.gwp import GWP_COLUMNS, GwpSet
from carbon.units import conversion_factor

FACTORS_DIR = Path(__file__).resolve().parent
COLUMNS = (
    "id",
    "kind",
    "activity",
    "region",
    "gas",
    "value",
    "unit",
    "year_from",
    "year_to",
    "reference",
    "note",
)
SOURCE_KEYS = ("publisher", "title", "url", "date", "edition", "confirmed")
_NOT_FACTORS = {"plans"}

__all__ = ["COLUMNS", "FACTORS_DIR", "SOURCE_KEYS", "load_factor_set", "load_gwp_sets"]


def load_factor_set(root: Path | None = None) -> FactorSet:
    """Read and validate every factor folder under ``root`` (default: this package).

    The result is cached per folder: the library is read once per process.

    Raises
    ------
    ValidationFailed
        Listing every problem found (unit that does not parse or has the wrong dimension,
        duplicate id, row without a source reference, ``year_from > year_to``, non-numeric
        value, incomplete ``source.yaml`` ...), each located by file, row and column.
    """
    return _load(FACTORS_DIR if root is None else Path(root).resolve())  # FACTORS_DIR: resolved


@functools.lru_cache(maxsize=8)
def _load(root: Path) -> FactorSet:
    errors: list[InvalidInput] = []
    factors: list[Factor] = []
    for edition_dir in edition_dirs(root):
        origin = _read_source(edition_dir, errors)
        if origin is None:
            continue
        factors.extend(_read_factors(edition_dir, origin, errors))
    seen: dict[str, str] = {}
    for f in factors:
        where = f"{f.source}/{f.edition}"
        if f.id in seen:
            errors.append(InvalidInput(f"id also used in {seen[f.id]}", (where, f.id, "id")))
        seen.setdefault(f.id, where)
    if errors:
        raise ValidationFailed(errors)
    return FactorSet(factors, load_gwp_sets())


def edition_dirs(root: Path) -> list[Path]:
    """Every ``<source>/<edition>`` folder under ``root`` that holds a ``factors.csv``."""
    out = []
    for source_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if source_dir.name in _NOT_FACTORS or source_dir.name.startswith(("_", ".")):
            continue
        out.extend(sorted(p.parent for p in source_dir.glob("*/factors.csv")))
    return out


def _read_source(edition_dir: Path, errors: list[InvalidInput]) -> Source | None:
    where = f"{edition_dir.parent.name}/{edition_dir.name}/source.yaml"
    path = edition_dir / "source.yaml"
    if not path.is_file():
        errors.append(InvalidInput("missing source.yaml", (where,)))
        return None
    meta: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        errors.append(InvalidInput("source.yaml is not a mapping", (where,)))
        return None
    missing = [k for k in SOURCE_KEYS if not str(meta.get(k) or "").strip()]
    if missing:
        errors.append(InvalidInput(f"source.yaml lacks {', '.join(missing)}", (where,)))
        return None
    if str(meta["edition"]) != edition_dir.name:
        errors.append(
            InvalidInput(
                f"edition {meta['edition']!r} differs from the folder name", (where, "edition")
            )
        )
        return None
    return Source(
        key=edition_dir.parent.name,
        edition=edition_dir.name,
        publisher=str(meta["publisher"]),
        title=str(meta["title"]),
        url=str(meta["url"]),
        date=str(meta["date"]),
        confirmed=" ".join(str(meta["confirmed"]).split()),
        note=" ".join(str(meta.get("method") or meta.get("note") or "").split()),
    )


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


def _read_factors(edition_dir: Path, origin: Source, errors: list[InvalidInput]) -> list[Factor]:
    where = f"{origin.key}/{origin.edition}/factors.csv"
    prefix = f"{origin.key}-{origin.edition}:"
    out: list[Factor] = []
    with (edition_dir / "factors.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            errors.append(InvalidInput(f"columns must be {', '.join(COLUMNS)}", (where,)))
            return out
        for line, row in enumerate(reader, start=2):
            fid = (row["id"] or "").strip()
            loc: tuple[str | int, ...] = (where, line)

            def bad(msg: str, column: str, loc: tuple[str | int, ...] = loc) -> None:
                errors.append(InvalidInput(msg, (*loc, column)))

            if not fid.startswith(prefix):
                bad(f"id {fid!r} must start with {prefix!r}", "id")
                continue
            if not (row["reference"] or "").strip():
                bad("every factor needs its table/page in the source", "reference")
            if not (row["region"] or "").strip():
                bad("region is empty", "region")
            try:
                value = float(row["value"])
                if not math.isfinite(value):
                    raise ValueError
            except (TypeError, ValueError):
                bad(f"value {row['value']!r} is not a finite number", "value")
                continue
            try:
                year_from, year_to = _year(row["year_from"] or ""), _year(row["year_to"] or "")
            except ValueError:
                bad("year_from and year_to must be whole years or empty", "year_from")
                continue
            if year_from is not None and year_to is not None and year_from > year_to:
                bad(f"year_from {year_from} is after year_to {year_to}", "year_from")
                continue
            try:
                target = canonical_unit(row["kind"], row["activity"])
            except InvalidInput as exc:
                errors.append(exc.at(*loc))
                continue
            unit = (row["unit"] or "").strip()
            try:
                scale = conversion_factor(unit, target)
            except InvalidInput as exc:
                bad(f"unit {unit!r} does not convert to {target}: {exc.msg}", "unit")
                continue
            out.append(
                Factor(
                    id=fid,
                    source=origin.key,
                    edition=origin.edition,
                    kind=row["kind"],
                    activity=row["activity"],
                    region=row["region"].strip(),
                    gas=(row["gas"] or "").strip(),
                    value=value,
                    unit=unit,
                    year_from=year_from,
                    year_to=year_to,
                    reference=row["reference"].strip(),
                    canonical_value=float(f"{value * scale:.15g}"),
                    canonical_unit=target,
                    note=(row["note"] or "").strip(),
                    origin=origin,
                )
            )
    return out


@functools.cache
def load_gwp_sets() -> dict[str, GwpSet]:
    """SAR, AR4, AR5 and AR6 100-year GWPs from the ``globalwarmingpotentials`` package.

    References
    ----------
    openclimatedata/globalwarmingpotentials: ``globalwarmingpotentials.csv``, whose comment
    header names the table behind each column.
    """
    with warnings.catch_warnings():  # the package reads its CSV with a deprecated call
        warnings.simplefilter("ignore", DeprecationWarning)
        frame = globalwarmingpotentials.as_frame()
    cited = _column_sources()
    package = f"globalwarmingpotentials {version('globalwarmingpotentials')}"
    return {
        name: GwpSet(
            name=name,
            column=column,
            values={str(k): float(v) for k, v in frame[column].dropna().items()},
            source=package,
            reference=cited.get(column, ""),
        )
        for name, column in GWP_COLUMNS.items()
    }


def _column_sources() -> dict[str, str]:
    """The package CSV's comment header: which source each column cites."""
    text = (
        importlib.resources.files("globalwarmingpotentials")
        .joinpath("globalwarmingpotentials.csv")
        .read_text(encoding="utf-8")
    )
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip().rstrip(",").strip()
        if not body.startswith("- ") or ":" not in body:
            continue
        names, cite = body[2:].split(":", 1)
        for name in names.split(";"):
            out[name.strip()] = cite.strip()
    return out
