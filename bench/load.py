"""Load test: ``carbon serve`` on loopback, driven from this process with a realistic mix.

For each backend (SQLite file, PostgreSQL on 127.0.0.1:5432) this builds a fresh database,
migrates it, loads the demonstration district (63 enterprises in 10 parks and towns, reports
from 2020-01), creates a token per enterprise and park manager, starts ``carbon serve`` as a
separate process on a free port, and drives it with this mix:

- enterprises submitting a month (PUT, a new revision each time: 10 %), reading a month back
  (15 %) and their registry entry (10 %);
- park managers reading their park's inventory (5 %) and an enterprise's (5 %), an
  enterprise's reports of a year (15 %), the open alerts (25 %), their park's enterprises
  (10 %);
- the admin listing a hundred enterprises (5 %).

The client is a minimal keep-alive HTTP/1.1 client on asyncio streams, on uvloop's event loop,
with every request built before the run: it shares the two cores with the server, so it
should spend as little as it can (httpx alone costs about 2 ms of CPU a request, which would
cap the client below the target).

After ``--warmup`` seconds of unreported load (each worker's first requests build statements,
fill caches and open connections), each backend gets two runs of ``--seconds``: a closed
loop (``--concurrency`` users, each sending its next request when the last is answered: the
capacity), then an open loop at ``--rate`` requests/s (default 500, the target): request i
is due at i / rate seconds and its latency counts from then, so a server falling behind
shows as latency rather than as fewer requests sent. Each run prints requests per second,
p50/p90/p99 latency overall and per kind of request, errors, and the CPU time the server
processes, PostgreSQL and the client spent per request (from /proc), which is what decides
throughput on a small machine. The first line times a fixed pure-Python loop, to compare
figures between machines. ``--serial N`` (after the warm-up) sends each kind N times alone
and prints the server's and PostgreSQL's CPU per request of each, and the server's weighted
by the mix: with ``--workers 1 --rate 0 --no-capacity``, what one process spends on each,
the figure to compare two versions by (run them in turn: this machine's speed drifts).

Run: ``.venv/bin/python -m bench.load [--seconds 20] [--rate 500] [--concurrency 32]
[--workers 3] [--warmup 5] [--serial N] [--no-capacity] [--sqlite-only | --postgres-only]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
import uvloop
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from api.auth.principal import Role
from api.auth.tokens import create_token
from api.db import make_engine
from api.demo.load import load_demo
from api.migrate import upgrade
from api.models import Enterprise, Park

PG_ADMIN = os.environ.get(
    "CARBON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REPO = Path(__file__).resolve().parent.parent

# (kind, weight): the share of each request in the mix.
MIX: list[tuple[str, int]] = [
    ("enterprise PUT month", 10),
    ("enterprise GET month", 15),
    ("enterprise GET itself", 10),
    ("pm GET park inventory", 5),
    ("pm GET enterprise inventory", 5),
    ("pm GET reports of a year", 15),
    ("pm GET open alerts", 25),
    ("pm GET its enterprises", 10),
    ("admin GET enterprises", 5),
]


@dataclass
class District:
    enterprises: list[tuple[str, str]]  # (uscc, park)
    ent_tokens: dict[str, str]
    pm_tokens: dict[str, str]
    admin: str
    year: int
    months: list[str]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'load.db'}"
        return
    name = f"carbon_load_{uuid.uuid4().hex[:10]}"
    admin = make_url(PG_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str) -> District:
    """Migrate, load the demonstration district, create the tokens."""
    t0 = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        today = date.today()
        summary = load_demo(engine, today=today)
        with Session(engine) as s:
            ents = [(e.uscc, e.park_code) for e in s.exec(select(Enterprise)).all()]
            parks = [p.code for p in s.exec(select(Park)).all()]
            ent_tokens = {u: create_token(s, Role.ENTERPRISE, uscc=u) for u, _ in ents}
            pm_tokens = {p: create_token(s, Role.PARK_MANAGER, park_code=p) for p in parks}
            admin = create_token(s, Role.ADMIN)
            s.commit()
    finally:
        engine.dispose()
    last = summary.through or f"{today.year}-{today.month:02d}"
    year = int(last[:4]) - 1
    print(
        f"  district: {summary.enterprises} enterprises, {summary.reports} reports, "
        f"{summary.lines} lines, through {last}; ready in {time.perf_counter() - t0:.1f} s"
    )
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    return District(
        enterprises=[(u, p or "") for u, p in ents if p],
        ent_tokens=ent_tokens,
        pm_tokens=pm_tokens,
        admin=admin,
        year=year,
        months=months,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "CARBON_DATABASE_URL": url, "CARBON_LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # Every worker listening (each binds the port itself), so that the clients'
                # connections are spread over all of them.
                ready = httpx.get(f"{base}/health", timeout=1).status_code == 200
                if ready and _listeners(port) >= workers:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"carbon serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _listeners(port: int) -> int:
    """Sockets listening on ``port`` (IPv4, from /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return count


def month_body(rng: random.Random) -> dict[str, Any]:
    kwh = round(rng.uniform(20, 400), 2)
    return {
        "energy": [
            {"carrier": "electricity_grid", "quantity": kwh, "unit": "万千瓦时"},
            {"carrier": "natural_gas", "quantity": round(rng.uniform(1, 9), 2), "unit": "万立方米"},
            {"carrier": "diesel", "quantity": round(rng.uniform(100, 3000)), "unit": "kg"},
        ],
        "water": [
            {"kind": "fresh_withdrawal", "quantity": round(rng.uniform(500, 9000)), "unit": "m3"}
        ],
        "solid_waste": [
            {"category": "general_other", "unit": "t", "generated": 12, "from_storage": 0,
             "utilised": 10, "disposed": 2, "stored": 0}
        ],
        "economics": {
            "gross_output_value": {"quantity": round(rng.uniform(800, 9000)), "unit": "万元"},
            "value_added": {"quantity": round(rng.uniform(200, 2500)), "unit": "万元"},
        },
    }  # fmt: skip


def request_for(kind: str, d: District, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    uscc, park = rng.choice(d.enterprises)
    month = rng.choice(d.months)
    ent = {"Authorization": f"Bearer {d.ent_tokens[uscc]}"}
    pm = {"Authorization": f"Bearer {d.pm_tokens[park]}"}
    if kind == "enterprise PUT month":
        url = f"/api/v1/enterprises/{uscc}/reports/{month}"
        return "PUT", url, {"headers": ent, "json": month_body(rng)}
    if kind == "enterprise GET month":
        return "GET", f"/api/v1/enterprises/{uscc}/reports/{month}", {"headers": ent}
    if kind == "enterprise GET itself":
        return "GET", f"/api/v1/enterprises/{uscc}", {"headers": ent}
    if kind == "pm GET its enterprises":
        return "GET", "/api/v1/enterprises", {"headers": pm}
    if kind == "pm GET park inventory":
        params = {"level": "park", "id": park, "year": d.year}
        return "GET", "/api/v1/inventory", {"headers": pm, "params": params}
    if kind == "pm GET enterprise inventory":
        params = {"level": "enterprise", "id": uscc, "year": d.year, "month": int(month[5:])}
        return "GET", "/api/v1/inventory", {"headers": pm, "params": params}
    if kind == "pm GET reports of a year":
        params = {"from": f"{d.year}-01", "to": f"{d.year}-12"}
        return "GET", f"/api/v1/enterprises/{uscc}/reports", {"headers": pm, "params": params}
    if kind == "pm GET open alerts":
        return "GET", "/api/v1/alerts", {"headers": pm, "params": {"status": "open"}}
    admin = {"Authorization": f"Bearer {d.admin}"}
    return "GET", "/api/v1/enterprises", {"headers": admin, "params": {"limit": 100}}


def wire_request(
    kind: str, d: District, rng: random.Random
) -> tuple[str, str, dict[str, str], bytes | None]:
    """:func:`request_for` as the client sends it: the query in the path, the body as JSON."""
    method, url, kw = request_for(kind, d, rng)
    headers = dict(kw.get("headers", {}))
    if kw.get("params"):
        url += "?" + urlencode(kw["params"])
    body = None
    if "json" in kw:
        body = json.dumps(kw["json"]).encode()
        headers["Content-Type"] = "application/json"
    return method, url, headers, body


async def drive(
    base: str,
    d: District,
    *,
    seconds: float,
    max_requests: int,
    concurrency: int,
    seed: int,
    rate: float = 0.0,
) -> tuple[Results, float, int]:
    """``concurrency`` users, each on its own keep-alive connection, until time or count.

    With ``rate`` > 0 the requests are sent on a fixed schedule (open loop: request i is due
    at ``i / rate`` seconds) and each latency counts from when the request was due, so that a
    server falling behind shows as latency instead of as fewer requests sent.
    """
    results = Results()
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    sent = 0
    host, port = base.removeprefix("http://").split(":")
    start = stop_at = 0.0

    # Each user's requests are built and encoded before the run (and cycled), so that the
    # client spends its CPU on sending and reading, not on making JSON bodies.
    per_user = 400
    plans = []
    for n in range(concurrency):
        rng = random.Random(seed * 1000 + n)
        plan = []
        for _ in range(per_user):
            kind = rng.choices(kinds, weights)[0]
            method, url, headers, body = wire_request(kind, d, rng)
            plan.append((kind, method, url, encode(method, url, headers, body, base)))
        plans.append(plan)

    async def user(n: int) -> None:
        nonlocal sent
        plan = plans[n]
        conn = Connection(host, int(port))
        await conn.send(encode("GET", "/health", {}, None, base))  # open the connection
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        i = 0
        while time.perf_counter() < stop_at and sent < max_requests:
            due = None
            if rate > 0:
                due = start + sent / rate
                if due > stop_at:
                    break
            sent += 1
            if due is not None:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            kind, method, url, raw = plan[i % per_user]
            i += 1
            t0 = due if due is not None else time.perf_counter()
            try:
                status, data = await conn.send(raw)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, data = 0, str(exc).encode()
                conn = Connection(host, int(port))
            results.latencies[kind].append(time.perf_counter() - t0)
            if status == 0 or status >= 300:
                results.errors[kind] += 1
                if len(results.examples) < 5:
                    results.examples.append(f"{kind}: {method} {url} → {status} {data[:200]!r}")

    # What the client holds (the district, the requests built) out of its collector's sight
    # during the run: a full collection over it pauses every user at once, for 0.1-0.15 s on
    # this machine, which reads as the server's latency.
    gc.collect()
    gc.freeze()
    start = time.perf_counter() + 0.5  # after every user has opened its connection
    stop_at = start + seconds
    try:
        await asyncio.gather(*(user(n) for n in range(concurrency)))
    finally:
        gc.unfreeze()
    return results, time.perf_counter() - start, sent


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx spends about 2 ms of CPU per request, which on two cores caps the client near 450
    requests/s before the server does any work; this sends each request as one write and
    reads the answer by its Content-Length (uvicorn always sends one for these answers).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request (made by :func:`encode`) and read its answer."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, data


def encode(method: str, path: str, headers: dict[str, str], body: bytes | None, base: str) -> bytes:
    """One HTTP/1.1 request as sent, in one write."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {base.removeprefix('http://')}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def serial(base: str, d: District, *, count: int, seed: int, pids: list[int]) -> None:
    """Each kind of request ``count`` times, one at a time: what one request costs the server
    (its CPU per request, from /proc, and PostgreSQL's) and how long it takes."""
    host, port = base.removeprefix("http://").split(":")
    conn = Connection(host, int(port))
    rng = random.Random(seed)
    print(f"\n   serial cost, {count} of each kind on one connection")
    print(
        f"   {'request':32s} {'p50 ms':>8s} {'mean ms':>8s} {'server CPU ms':>14s}"
        f" {'PG CPU ms':>10s}"
    )
    weighted = 0.0
    for kind, weight in MIX:
        times = []
        cpu0, pg0 = _spent({}, _cpu_seconds(pids)), _spent({}, _cpu_seconds(_postgres_pids()))
        for _ in range(count):
            method, url, headers, body = wire_request(kind, d, rng)
            raw = encode(method, url, headers, body, base)
            t0 = time.perf_counter()
            status, data = await conn.send(raw)
            times.append(time.perf_counter() - t0)
            if status >= 300:
                print(f"   ! {kind}: {status} {data[:200]!r}")
        server = (_spent({}, _cpu_seconds(pids)) - cpu0) * 1000 / count
        database = (_spent({}, _cpu_seconds(_postgres_pids())) - pg0) * 1000 / count
        weighted += server * weight / sum(w for _, w in MIX)
        print(
            f"   {kind:32s} {pct(times, 50) * 1000:8.2f} {statistics.fmean(times) * 1000:8.2f}"
            f" {server:14.2f} {database:10.2f}"
        )
    print(f"   server CPU per request weighted by the mix: {weighted:.2f} ms")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(
    backend: str, results: Results, elapsed: float, workers: int, rate: float = 0.0
) -> dict[str, float]:
    every = [x for v in results.latencies.values() for x in v]
    n = len(every)
    errors = sum(results.errors.values())
    summary = {
        "rps": n / elapsed,
        "p50": pct(every, 50) * 1000,
        "p90": pct(every, 90) * 1000,
        "p99": pct(every, 99) * 1000,
        "errors": errors,
    }
    print(
        f"\n== {backend}, {workers} worker(s)"
        + (f", offered {rate:.0f} req/s" if rate else ", closed loop")
        + f": {n} requests in {elapsed:.1f} s = "
        f"{summary['rps']:.0f} req/s; p50 {summary['p50']:.1f} ms, p90 {summary['p90']:.1f} ms, "
        f"p99 {summary['p99']:.1f} ms; {errors} errors"
    )
    print(f"   {'request':32s} {'count':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'mean ms':>8s} errors")
    for kind, _ in MIX:
        v = results.latencies.get(kind, [])
        if v:
            print(
                f"   {kind:32s} {len(v):7d} {pct(v, 50) * 1000:8.1f} {pct(v, 99) * 1000:8.1f} "
                f"{statistics.fmean(v) * 1000:8.1f} {results.errors.get(kind, 0):6d}"
            )
    for line in results.examples:
        print(f"   ! {line}")
    return summary


TARGET_RPS, TARGET_P99_MS = 500.0, 100.0


def reference_loop_seconds() -> float:
    """Seconds this machine takes for a fixed pure-Python loop (best of 3): a yardstick for
    comparing figures between machines (about 0.4 s on a recent x86 core)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - t0)
    return best


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process still running [s] (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(c) for c in text.split()]


def _postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def measured_run(
    base: str, server_pid: int, backend: str, d: District, args: argparse.Namespace, rate: float
) -> dict[str, float]:
    """One run of the mix, with the CPU each side spent per request."""
    workers = [server_pid, *_children(server_pid)]
    postgres = _postgres_pids if backend == "postgresql" else list
    cpu0 = (_cpu_seconds(workers), _cpu_seconds(postgres()))
    client0 = time.process_time()
    results, elapsed, _ = asyncio.run(
        drive(
            base,
            d,
            seconds=args.seconds,
            max_requests=args.requests,
            concurrency=args.concurrency,
            seed=args.seed,
            rate=rate,
        )
    )
    client = time.process_time() - client0
    per_worker = _cpu_seconds(workers)
    server = _spent(cpu0[0], per_worker)
    shares = [per_worker[p] - cpu0[0].get(p, 0.0) for p in sorted(per_worker)]
    database = _spent(cpu0[1], _cpu_seconds(postgres()))
    summary = report(backend, results, elapsed, args.workers, rate)
    n = max(1, sum(len(v) for v in results.latencies.values()))
    print(
        f"   CPU per request: server {server * 1000 / n:.2f} ms, PostgreSQL "
        f"{database * 1000 / n:.2f} ms, client {client * 1000 / n:.2f} ms "
        f"(machine: {(server + database + client) / elapsed:.2f} of 2 cores busy with these; "
        f"server processes {', '.join(f'{t / elapsed:.2f}' for t in shares)} cores)"
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--requests", type=int, default=50_000, help="stop after this many")
    parser.add_argument("--concurrency", type=int, default=32, help="simultaneous clients")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="carbon serve --workers (3 on two cores: a worker waiting on the database leaves "
        "its core to the others)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rate",
        type=float,
        default=TARGET_RPS,
        help="offered requests/s of the open-loop run (on a fixed schedule); 0: no such run",
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of unreported load first"
    )
    parser.add_argument(
        "--no-capacity",
        action="store_true",
        help="skip the closed-loop run (as fast as the users go) before the open-loop one",
    )
    parser.add_argument(
        "--skip", default="", help="leave out the kinds of request whose name contains this"
    )
    parser.add_argument(
        "--serial",
        type=int,
        default=0,
        help="first send each kind this many times one at a time and print its cost (server "
        "and PostgreSQL CPU per request; with --workers 1 for one process's figures)",
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"]
    if args.sqlite_only:
        backends = ["sqlite"]
    if args.postgres_only:
        backends = ["postgresql"]
    global MIX
    if args.skip:
        MIX = [(k, w) for k, w in MIX if args.skip not in k]
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    print(f"reference loop: {reference_loop_seconds():.2f} s on this machine")
    failed, verdicts = False, []
    for backend in backends:
        print(f"\n{backend}: preparing")
        with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
            district = prepare(url)
            with server(url, args.workers, Path(tmp) / "serve.log") as (base, pid):
                # Warm-up, not reported: each worker's first requests build statements,
                # fill caches and open connections.
                asyncio.run(
                    drive(
                        base,
                        district,
                        seconds=args.warmup,
                        max_requests=args.requests,
                        concurrency=args.concurrency,
                        seed=args.seed + 1,
                    )
                )
                if args.serial:
                    pids = [pid, *_children(pid)]
                    asyncio.run(
                        serial(base, district, count=args.serial, seed=args.seed, pids=pids)
                    )
                if not args.no_capacity:
                    summary = measured_run(base, pid, backend, district, args, 0.0)
                    failed |= summary["errors"] > 0
                if args.rate:
                    summary = measured_run(base, pid, backend, district, args, args.rate)
                    failed |= summary["errors"] > 0
                    met = (
                        summary["rps"] >= 0.98 * args.rate
                        and summary["p99"] < TARGET_P99_MS
                        and not summary["errors"]
                    )
                    verdicts.append(
                        f"{backend}: {args.rate:.0f} req/s offered, {summary['rps']:.0f} served, "
                        f"p99 {summary['p99']:.1f} ms, {summary['errors']:.0f} errors: "
                        + ("within" if met else "NOT within")
                        + f" the target (p99 < {TARGET_P99_MS:.0f} ms, no errors)"
                    )
    if verdicts:
        print("\n" + "\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
