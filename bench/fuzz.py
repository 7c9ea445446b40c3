"""The longer schemathesis run: every operation × role × positive/negative data, many examples.

Builds a throwaway database (SQLite file, or PostgreSQL on 127.0.0.1:5432 with ``--postgres``),
seeds the tenants of ``tests/hardening/seed.py``, loads the app's own OpenAPI schema in process
(ASGI) and fuzzes each operation with the token of an admin, a park manager and an enterprise.
Prints each distinct failure once (check, role, status, a curl to reproduce it), the status
codes seen, and exits 1 when anything was found. Bounded: ``--examples`` per operation, role
and mode, and ``--minutes`` in all.

Run: ``.venv/bin/python -m bench.fuzz [--examples 200] [--seed N] [--postgres] [--only PATH]``
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hardening.fuzzing import (
    Finding,
    FuzzStats,
    fuzz_operation,
    fuzz_target,
    label,
    operations,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=150, help="per operation, role and mode")
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh random seed")
    parser.add_argument("--postgres", action="store_true", help="fuzz on PostgreSQL")
    parser.add_argument("--only", default="", help="only operations whose path contains this")
    parser.add_argument("--minutes", type=float, default=20.0, help="stop after this long")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"fuzzing on {backend}, {args.examples} examples per operation/role/mode, seed {seed}")
    deadline = time.monotonic() + args.minutes * 60
    findings: list[Finding] = []
    stats = FuzzStats()
    with tempfile.TemporaryDirectory() as tmp, fuzz_target(Path(tmp), backend) as target:
        ops = [o for o in operations(target.schema) if args.only in o.path]
        for i, op in enumerate(ops, 1):
            if time.monotonic() > deadline:
                print(f"time is up after {i - 1} of {len(ops)} operations")
                break
            before = stats.cases
            t0 = time.perf_counter()
            found = fuzz_operation(
                target, op, max_examples=args.examples, seed=seed + i, stats=stats
            )
            findings += found
            print(
                f"[{i:2d}/{len(ops)}] {label(op):72s} {stats.cases - before:6d} cases "
                f"{time.perf_counter() - t0:6.1f} s  {len(found)} found",
                flush=True,
            )
    print(
        f"\n{stats.cases} cases in {stats.seconds:.0f} s ({stats.cases / stats.seconds:.0f}/s); "
        f"status codes: {dict(sorted(stats.statuses.items()))}"
    )
    if not findings:
        print("nothing found")
        return 0
    print(f"\n{len(findings)} findings:")
    for f in findings:
        print(f"- {f}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
