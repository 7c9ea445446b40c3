"""Time carbon.emissions.compute_emissions on 10 million activity rows.

Builds two years of monthly activity for 5,000 enterprises in three regions (Chongqing,
Sichuan, national), every energy carrier and both process products, several meter lines per
carrier and month (about 2.0 million distinct entity-month-item groups), with 1 % of the
quantities missing (NaN). ``entity``, ``region``, ``section`` and ``item`` are categorical,
as a caller that reads them from the database builds them.

Prints the time of the emission calculation (rows, energy, factors used, not covered) and of
its parts, and the totals, so that a change in speed or result shows.

Run: ``.venv/bin/python -m bench.bench_core [rows]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from carbon.catalog import CARRIERS, PROCESS_PRODUCTS
from carbon.emissions import compute_emissions
from factors import load_factor_set

N_ENTITIES = 5_000
YEARS = (2022, 2023)
REGIONS = ("CN-CQ", "CN-SC", "CN")


def make_activity(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` activity rows with categorical string columns and 1 % NaN quantities."""
    rng = np.random.default_rng(seed)
    items = [*CARRIERS, *PROCESS_PRODUCTS]
    sections = ["energy"] * len(CARRIERS) + ["production"] * len(PROCESS_PRODUCTS)
    entity = rng.integers(0, N_ENTITIES, n)
    item = rng.integers(0, len(items), n)
    quantity = rng.gamma(2.0, 500.0, n)
    quantity[rng.random(n) < 0.01] = np.nan
    entity_region = rng.choice(len(REGIONS), N_ENTITIES, p=[0.8, 0.1, 0.1])
    return pd.DataFrame(
        {
            "entity": pd.Categorical.from_codes(
                entity, categories=pd.Index([f"E{i:05d}" for i in range(N_ENTITIES)])
            ),
            "year": rng.choice(np.array(YEARS), n),
            "month": rng.integers(1, 13, n),
            "region": pd.Categorical.from_codes(
                entity_region[entity], categories=pd.Index(list(REGIONS))
            ),
            "section": pd.Categorical.from_codes(
                np.array([0 if s == "energy" else 1 for s in sections])[item],
                categories=pd.Index(["energy", "production"]),
            ),
            "item": pd.Categorical.from_codes(item, categories=pd.Index(items)),
            "quantity": quantity,
        }
    )


def main(n: int) -> None:
    t0 = time.perf_counter()
    data = make_activity(n)
    t1 = time.perf_counter()
    factors = load_factor_set()
    compute_emissions(data.head(1000), factors)  # warm caches (pint, factor selection)
    t2 = time.perf_counter()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = compute_emissions(data, factors)
        best = min(best, time.perf_counter() - start)
    totals = result.totals()
    print(f"activity rows            {n:>14,}  (built in {t1 - t0:.2f} s)")
    print(f"factor library + warm-up {t2 - t1:>14.3f} s")
    print(f"compute_emissions        {best:>14.3f} s  (best of 3)")
    print(f"  rows per second        {n / best:>14,.0f}")
    print(f"  output rows            {len(result.rows):>14,}")
    print(f"  energy rows            {len(result.energy):>14,}")
    print(f"  not covered rows       {len(result.not_covered):>14,}")
    print(f"  missing (NaN) rows     {result.missing_rows:>14,}")
    print(f"  factors used           {len(result.factors_used):>14,}")
    for key, value in totals.items():
        print(f"  {key:<24}{value:>14,.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
