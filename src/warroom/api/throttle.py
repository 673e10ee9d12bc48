"""A limit on failed authentications per client address.

Why: API keys are long random secrets, but an endpoint that answers every wrong key as fast as
it can invites guessing, credential stuffing with leaked keys, and floods of 401s in the logs.
After ``limit`` failures within ``window`` seconds an address gets 429 with Retry-After — even
with a right key — until the window has passed. Counts live in the server process (each worker
its own); a reverse proxy in front can add a global limit (docs/deployment.md)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from warroom.errors import TooManyRequests


class FailureLimiter:
    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def check(self, client: str) -> None:
        """Raise TooManyRequests while ``client`` is over its limit."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) >= self.limit:
                wait = max(1, int(failures[0] + self.window - now + 0.999))
                raise TooManyRequests(
                    f"too many failed sign-ins from your address; retry in {wait} s", wait
                )

    def failed(self, client: str) -> None:
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            self._recent(client, now)
            self._failures.setdefault(client, deque()).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a flood of addresses
                oldest = min(self._failures, key=lambda c: self._failures[c][-1])
                del self._failures[oldest]
