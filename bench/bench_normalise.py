"""Time carbon.normalise.normalise_lines on a realistic frame of report lines.

Builds a year of monthly reports for a district's enterprises (about 170,000 lines: several
meters per carrier, water, solid waste, products and economics, units spelled as enterprises
write them) and prints lines per second.

Run: ``.venv/bin/python -m bench.bench_normalise [lines]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from carbon import catalog
from carbon.normalise import normalise_lines
from carbon.units import conversion_factor

# (section, item, units an enterprise might use for it)
_LINE_KINDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("energy", "electricity_grid", ("kWh", "万千瓦时", "MWh", "度", "KWH")),
    ("energy", "electricity_green", ("kWh", "MWh")),
    ("energy", "electricity_onsite_renewable", ("kWh", "千瓦时")),
    ("energy", "natural_gas", ("m3", "万立方米", "Nm3", "立方米")),
    ("energy", "diesel", ("t", "kg", "吨")),
    ("energy", "raw_coal", ("t", "万吨")),
    ("energy", "heat_purchased", ("GJ", "MJ", "吉焦")),
    ("energy", "other_energy", ("tce", "吨标准煤", "kgce")),
    ("water", "fresh_withdrawal", ("m3", "t", "万立方米")),
    ("water", "reused", ("m3", "t")),
    ("water", "discharged", ("m3",)),
    ("solid_waste", "fly_ash", ("t", "吨")),
    ("solid_waste", "smelting_slag", ("t", "kg")),
    ("solid_waste", "general_other", ("t",)),
    ("production", "primary_aluminium", ("t", "万吨")),
    ("production", "gear_box", ("件", "台", "pcs")),
    ("production", "glass_fibre", ("t", "kg")),
    ("economics", "gross_output_value", ("万元", "元", "亿元")),
    ("economics", "value_added", ("万元",)),
]


def make_lines(n: int, seed: int = 2024) -> pd.DataFrame:
    """A frame of ``n`` valid report lines drawn at random from the kinds above."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, len(_LINE_KINDS), n)
    pick = rng.integers(0, 5, n)
    sections = np.array([k[0] for k in _LINE_KINDS], dtype=object)[kind]
    items = np.array([k[1] for k in _LINE_KINDS], dtype=object)[kind]
    units = np.array(
        [
            k[2][p % len(k[2])]
            for k, p in zip(np.array(_LINE_KINDS, dtype=object)[kind], pick, strict=True)
        ],
        dtype=object,
    )
    quantity = rng.gamma(2.0, 500.0, n)
    waste = sections == catalog.Section.SOLID_WASTE
    generated = np.where(waste, rng.gamma(2.0, 50.0, n), np.nan)
    utilised = generated * rng.uniform(0, 0.7, n)
    disposed = (generated - utilised) * rng.uniform(0, 1, n)
    return pd.DataFrame(
        {
            "section": sections,
            "item": items,
            "quantity": np.where(waste, np.nan, quantity),
            "unit": units,
            "generated": generated,
            "from_storage": np.where(waste, 0.0, np.nan),
            "utilised": utilised,
            "disposed": disposed,
            "stored": generated - utilised - disposed,
        }
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 170_000
    lines = make_lines(n)
    normalise_lines(lines.head(1000))  # warm the registry's caches
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        out = normalise_lines(lines)
        best = min(best, time.perf_counter() - start)
    assert len(out) == n
    print(f"{n} lines in {best * 1000:.1f} ms (best of 5): {n / best:,.0f} lines/s")
    print(f"conversion_factor cache: {conversion_factor.cache_info()}")


if __name__ == "__main__":
    main()
