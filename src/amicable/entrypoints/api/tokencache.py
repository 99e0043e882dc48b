"""A short-lived, in-process cache of authenticated API tokens: ``SHA-256 of the secret ->
principal``, so a busy client's requests do not each open a transaction to look its token up.

Invariants: only tokens that authenticated are cached (an unknown or revoked token is looked up
every time: a token created a moment ago works at once, and nothing is remembered about a bad
one); an entry lives at most ``ttl`` seconds of the injected monotonic clock, so a token revoked
elsewhere (another server process, the CLI) stops working within ``ttl`` seconds; a revocation
through this process's API empties the cache at once; the key is the token's hash, never the
secret; the table holds at most :attr:`TokenCache.MAX_KEYS` entries. ``ttl`` 0 disables the
cache. The cache is per process: each Uvicorn worker has its own, which is sound because an entry
only ever repeats what the database said less than ``ttl`` seconds ago.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from amicable.service.security import Principal

__all__ = ["TokenCache"]


class TokenCache:
    """``get(token_hash)`` -> the cached principal or None; ``put`` after a successful lookup."""

    MAX_KEYS = 10_000

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        if ttl < 0:
            raise ValueError("the token cache lifetime cannot be negative")
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        if self._ttl == 0:
            return None
        now = self._clock()
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if now >= entry[1]:
                del self._entries[token_hash]
                return None
            return entry[0]

    def put(self, token_hash: str, who: Principal) -> None:
        if self._ttl == 0:
            return
        now = self._clock()
        with self._lock:
            if len(self._entries) >= self.MAX_KEYS:
                self._entries = {k: e for k, e in self._entries.items() if now < e[1]}
                if len(self._entries) >= self.MAX_KEYS:
                    self._entries.clear()
            self._entries[token_hash] = (who, now + self._ttl)

    def clear(self) -> None:
        """Forget every token (a token was revoked through this process)."""
        with self._lock:
            self._entries.clear()
