"""Several server processes on one port, each with its own listening socket.

uvicorn's ``--workers`` shares one listening socket between its processes. New connections
then go to whichever process wakes first, and it takes every connection waiting (asyncio
accepts up to the backlog at once): a client or proxy that opens its keep-alive connections
together can find all of them on one process while the others idle. Measured with
``bench.load`` (32 keep-alive clients, two workers): one worker busy at 0.93 of a core, the
other at 0.01.

Here each worker binds its own socket with ``SO_REUSEPORT`` and the kernel spreads the
connections over the sockets by a hash of their addresses. The supervisor restarts a worker
that dies, stops every worker on SIGINT or SIGTERM, and gives up when workers keep dying at
start (a port in use, say). On Linux a worker also ends when its supervisor is killed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType

log = logging.getLogger("carbon.serve")

#: Failed starts in a row (workers that exit before serving) after which the supervisor gives up.
MAX_FAILED_STARTS = 3

_PR_SET_PDEATHSIG = 1


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _end_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _worker(
    app: str, host: str, port: int, log_level: str, access_log: bool, ready: EventType
) -> None:
    import uvicorn

    from api.main import configure_logging

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:  # bound, application built, lifespan started
                ready.set()

    _end_with_parent()
    configure_logging(log_level)
    sock = listening_socket(host, port)
    config = uvicorn.Config(app, factory=True, log_level=log_level.lower(), access_log=access_log)
    Server(config).run(sockets=[sock])


def run_workers(
    app: str, *, host: str, port: int, workers: int, log_level: str, access_log: bool
) -> int:
    """Run ``workers`` server processes on ``host:port`` until SIGINT or SIGTERM.

    Returns the exit status: 0 after a requested stop, 1 when workers could not start.
    """
    if port == 0:
        raise ValueError("several workers need a fixed port (each binds it itself)")
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def start() -> tuple[BaseProcess, EventType]:
        # A worker that exits before it serves failed to start (however long its imports
        # took on a busy machine); one that served, then died, is restarted as a fresh start.
        ready = ctx.Event()
        proc = ctx.Process(
            target=_worker, args=(app, host, port, log_level, access_log, ready), daemon=False
        )
        proc.start()
        return proc, ready

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    log.info("serving on %s:%d with %d worker processes", host, port, workers)
    failed_starts = 0
    status = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (proc, ready) in enumerate(running):
                if proc.is_alive() or stopping:
                    continue
                failed_starts = 0 if ready.is_set() else failed_starts + 1
                log.error("worker %d exited with %s; restarting it", proc.pid, proc.exitcode)
                if failed_starts >= MAX_FAILED_STARTS:
                    log.error("workers keep failing at start; stopping")
                    stopping, status = True, 1
                    break
                running[i] = start()
    finally:
        for proc, _ in running:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc, _ in running:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status
