"""Per-product energy quotas of national standards, as :class:`carbon.intensity.ProductQuota`.

One folder per standard and edition (``gb21346/2022/``), each with ``quotas.csv`` (``#``
comment lines first, then a header) and ``source.yaml``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from carbon.intensity import ProductQuota

QUOTAS_DIR = Path(__file__).resolve().parent
_UNITS = {"electricity_kwh": "kWh/t", "energy_kgce": "kgce/t"}
_COLUMNS = ("id", "product", "indicator", "indicator_zh", "level", "value", "unit", "basis")

#: The quota the scheduled check applies to primary aluminium by default: GB 21346-2022
#: 铝锭综合交流电耗, level 3 (the widest boundary of 表1; see the folder's source.yaml).
DEFAULT_CHECK = ("gb21346", "2022", "gb21346-2022.al_ingot_comprehensive_ac.3")


def load_quotas(standard: str = "gb21346", edition: str = "2022") -> list[ProductQuota]:
    """Read and validate one standard edition's quotas.

    Raises
    ------
    FileNotFoundError
        If there is no such standard or edition.
    ValueError
        If a row lacks a field, repeats an id, has a non-positive value, or a unit that does
        not match its basis.
    """
    folder = QUOTAS_DIR / standard / edition
    source = yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))
    cite = f"{source['standard']} {source['title']}"
    lines = [
        line
        for line in (folder / "quotas.csv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    quotas: list[ProductQuota] = []
    for i, row in enumerate(csv.DictReader(lines), start=1):
        where = f"{standard}/{edition}/quotas.csv row {i}"
        missing = [c for c in _COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        value = float(row["value"])
        if not value > 0:
            raise ValueError(f"{where}: value must be positive")
        if _UNITS.get(row["basis"]) != row["unit"]:
            raise ValueError(f"{where}: unit {row['unit']!r} does not fit basis {row['basis']!r}")
        quotas.append(
            ProductQuota(
                id=row["id"],
                product=row["product"],
                indicator=row["indicator"],
                level=int(row["level"]),
                value=value,
                unit=row["unit"],
                basis=row["basis"],
                source=f"{cite}, {row.get('source_table') or ''}".rstrip(", "),
            )
        )
    ids = [q.id for q in quotas]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{standard}/{edition}/quotas.csv: duplicate ids")
    return quotas


def default_quotas() -> list[ProductQuota]:
    """The quotas the scheduled product check applies (one per product)."""
    standard, edition, quota_id = DEFAULT_CHECK
    return [q for q in load_quotas(standard, edition) if q.id == quota_id]
