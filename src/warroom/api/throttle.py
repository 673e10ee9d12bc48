"""Back-pressure: a limit on failed authentications per client address, and a request rate per
API key.

Why: API keys are long random secrets, but an endpoint that answers every wrong key as fast as
it can invites guessing, credential stuffing with leaked keys, and floods of 401s in the logs.
After ``limit`` failures within ``window`` seconds an address gets 429 with Retry-After — even
with a right key — until the window has passed. And on election night one runaway client must
not slow the server for every other member: each key has a token bucket. Counts live in the
server process (each worker its own); a reverse proxy in front can add a global limit
(docs/deployment.md)."""

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


class KeyRateLimiter:
    """A token bucket per API key: ``rate`` requests a second on average, bursts up to
    ``burst``. A client that asks for more gets 429 with Retry-After instead of slowing the
    server for everyone (each worker process keeps its own buckets)."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of ``key``'s bucket, or raise TooManyRequests."""
        if self.rate <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = max(1, int((1.0 - tokens) / self.rate + 0.999))
                raise TooManyRequests(
                    f"this API key is over its rate of {self.rate:g} requests/s; "
                    f"retry in {wait} s",
                    wait,
                )
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # bounded memory
                self._buckets.clear()
