"""An in-process token-bucket rate limiter, keyed by client address.

Each key has a bucket of ``burst`` tokens refilled at ``per_minute / 60`` tokens a second; a
request takes one token or is refused with the seconds until one is back. In-process means one
bucket set per server process: behind several processes the effective limit is multiplied (put
a proxy limit in front for a hard global cap).

Invariants: time comes from the injected monotonic ``clock``; a bucket never holds more than
``burst`` tokens; the table of buckets is pruned so it cannot grow without bound.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """``take(key)`` -> 0.0 when allowed, else the seconds to wait."""

    MAX_KEYS = 100_000

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float]) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("rate limits must be positive")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self._rate
            if len(self._buckets) > self.MAX_KEYS:
                self._prune(now)
        return wait

    def retry_after(self, wait: float) -> int:
        return max(1, math.ceil(wait))

    def _prune(self, now: float) -> None:
        full_after = self._burst / self._rate
        for key, (_, last) in list(self._buckets.items()):
            if now - last >= full_after:  # a full bucket is the same as no bucket
                del self._buckets[key]
