"""``carbon serve --workers N``: one listening socket per worker, supervised.

Runs the real command in a subprocess and looks at its workers through /proc (Linux only, as
is SO_REUSEPORT).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.serving import reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="SO_REUSEPORT is Linux's")

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def workers_of(pid: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing may add a helper process, which
    holds no listening socket)."""
    return [c for c in children(pid) if sockets(c) > 0]


def sockets(pid: int) -> int:
    """Open sockets of the process (its listening socket and its accepted connections)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return 0
    count = 0
    for fd in fds:
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


def settled(workers: list[int]) -> dict[int, int]:
    """Each worker's open sockets, once unchanged for 0.3 s (the readiness checks' connections
    close a moment after their answer)."""
    counts = {w: sockets(w) for w in workers}
    for _ in range(50):
        time.sleep(0.3)
        again = {w: sockets(w) for w in workers}
        if again == counts:
            return counts
        counts = again
    return counts


def wait_for(check: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@contextmanager
def serve(tmp_path: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "CARBON_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "CARBON_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``carbon serve --workers 2`` on a free port, once both workers listen: (process, URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(tmp_path, port, workers=2) as proc:
        wait_for(lambda: len(workers_of(proc.pid)) == 2 and up(base))
        yield proc, base


def test_connections_are_spread_over_the_workers_and_sigterm_stops_them(tmp_path: Path) -> None:
    with two_workers(tmp_path) as (proc, base):
        workers = workers_of(proc.pid)
        before = settled(workers)
        # 32 keep-alive connections opened together, as a proxy's pool or a load test would.
        clients = [httpx.Client(base_url=base, timeout=10) for _ in range(32)]
        try:
            for c in clients:
                assert c.get("/health").status_code == 200
            after = settled(workers)
            accepted = {w: after[w] - before[w] for w in workers}
            # By a hash of the connections' addresses: 16 each on average; one worker with 3
            # or fewer of 32 has a probability below 1e-5.
            assert all(n >= 4 for n in accepted.values()), accepted
            assert sum(accepted.values()) == 32
        finally:
            for c in clients:
                c.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        wait_for(lambda: not any(alive(w) for w in workers))
        assert not up(base)


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    with two_workers(tmp_path) as (proc, base):
        first, second = workers_of(proc.pid)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: first not in workers_of(proc.pid) and len(workers_of(proc.pid)) == 2)
        assert second in workers_of(proc.pid)
        assert up(base)
        assert proc.poll() is None


def test_workers_end_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    with two_workers(tmp_path) as (proc, base):
        workers = workers_of(proc.pid)
        proc.kill()
        proc.wait()
        wait_for(lambda: not any(alive(w) for w in workers))
        assert not up(base)


def test_a_port_taken_by_another_program_stops_the_supervisor(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound without SO_REUSEPORT: nobody else may bind it
        taken.listen()
        port = taken.getsockname()[1]
        with serve(tmp_path, port, workers=2) as proc:
            assert proc.wait(60) == 1
        assert "keep failing at start" in (tmp_path / "serve.log").read_text()
