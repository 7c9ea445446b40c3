"""A small in-process limiter for failed authentications, per client address.

Each worker process keeps its own table: with ``carbon serve --workers N`` a client gets at
most N times the limit before every worker refuses it.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class FailureLimiter:
    """Allow at most ``limit`` failures per ``window`` seconds for each key.

    Only keys with failures inside the window are kept, so the table stays as small as the
    number of clients currently failing, however many clients call.
    """

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def _recent(self, key: str, now: float) -> deque[float] | None:
        q = self._failures.get(key)
        if q is None:
            return None
        while q and now - q[0] >= self.window:
            q.popleft()
        if not q:
            del self._failures[key]
            return None
        return q

    def _sweep(self, now: float) -> None:
        """Forget every key whose failures have all expired (at most once a window)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for key in list(self._failures):
            self._recent(key, now)

    def blocked(self, key: str) -> bool:
        with self._lock:
            now = time.monotonic()
            self._sweep(now)
            q = self._recent(key, now)
            return q is not None and len(q) >= self.limit

    def record(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            q = self._recent(key, now)
            if q is None:
                q = self._failures[key] = deque()
            q.append(now)

    def tracked(self) -> int:
        """How many keys have failures in the window."""
        with self._lock:
            now = time.monotonic()
            self._next_sweep = 0.0
            self._sweep(now)
            return len(self._failures)
