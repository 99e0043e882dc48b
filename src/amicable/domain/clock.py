"""The clock port. Engines never read the wall clock; services get a :class:`Clock` injected.

Invariant: every instant a clock returns is a timezone-aware ``datetime`` in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from amicable.domain.errors import InvalidInput

__all__ = ["Clock", "SimulatedClock", "SystemClock", "ensure_utc"]


def ensure_utc(instant: datetime) -> datetime:
    """Return ``instant`` in UTC; refuse naive datetimes (their zone would be a guess)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"naive datetime {instant.isoformat()} has no time zone")
    return instant.astimezone(UTC)


class Clock(Protocol):
    """Where services get 'now' from."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    def today(self) -> date:
        """The current business date (UTC date of :meth:`now`)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class SimulatedClock:
    """A clock that only moves when told to: for tests, the simulator and ``--until`` runs."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def set(self, instant: datetime) -> None:
        instant = ensure_utc(instant)
        if instant < self._now:
            raise InvalidInput("a simulated clock never moves backwards")
        self._now = instant

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
