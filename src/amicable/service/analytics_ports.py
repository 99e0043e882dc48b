"""Ports of the analytics reports: the read-only aggregates they need from persistence.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
money leaves as integer minor units with its currency; day windows are inclusive business dates
``[start, end]`` and instant windows are half-open ``[start, end)`` in aware UTC; aggregates are
computed by the store, rows are returned only where a report needs them one by one (promises,
decided queue items, the touches a channel report joins with replies and payments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from amicable.domain.analytics import RollSource
from amicable.service.ports import UnitOfWork

__all__ = [
    "AnalyticsReader",
    "AnalyticsUnitOfWork",
    "PromiseRow",
    "QueueRow",
    "TouchRow",
]


@dataclass(frozen=True, slots=True)
class PromiseRow:
    """A promise to pay made in the window (from the servicing area or a conversation).

    Attributes:
        source: ``servicing`` (``promises`` table) or ``conversation``.
        customer_id: the account.
        currency: ISO code of every part.
        parts: ``(date, minor)`` promised payments, dates increasing.
        made_on: the business date it was made.
        grace_days: days after each date before it counts as missed.
    """

    source: str
    customer_id: int
    currency: str
    parts: tuple[tuple[date, int], ...]
    made_on: date
    grace_days: int


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A human-queue item opened in the window, with its decision instant if decided."""

    kind: str
    source: str
    reason: str
    status: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class TouchRow:
    """A sent contact attempt: the account, its channel and when it was sent (aware UTC)."""

    customer_id: int
    channel: str
    sent_at: datetime


class AnalyticsReader(Protocol):
    def roll_sources(self, at: date, later: date) -> list[RollSource]:
        """Open invoice amounts per (due date, currency) at ``at`` and what of them is unpaid at
        ``later``."""
        ...

    def overdue_at(self, start: date) -> dict[str, int]:
        """The balance of invoices past due at ``start`` (due before it), per currency."""
        ...

    def collected_after(self, start: date, end: date) -> list[tuple[date, str, int]]:
        """``(day, currency, minor)`` balance reductions in ``(start, end]`` of the invoices past
        due at ``start`` (payments, credits and adjustments, net of reversals), positive."""
        ...

    def conversation_counts(self, start: datetime, end: datetime) -> tuple[int, int]:
        """Conversations started in the window, and how many of them hold a promise."""
        ...

    def promises_made(self, start: date, end: date) -> list[PromiseRow]: ...

    def payments_received(
        self, customer_ids: list[int], start: date, end: date
    ) -> list[tuple[int, date, str, int]]:
        """``(customer_id, received_on, currency, minor)`` of payments in ``[start, end]``."""
        ...

    def plans_agreed(self, start: date, end: date) -> dict[str, int]:
        """Payment plans agreed in the window, counted per status."""
        ...

    def touch_counts(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        """``(channel, attempts sent, distinct accounts)`` of the window."""
        ...

    def accounts_touched(self, start: datetime, end: datetime) -> int: ...

    def touches(self, start: datetime, end: datetime) -> list[TouchRow]: ...

    def replies(self, start: datetime, end: datetime) -> list[tuple[int, str, datetime]]:
        """``(customer_id, channel, received_at)`` of inbound messages in the window."""
        ...

    def queue_rows(self, start: datetime, end: datetime) -> list[QueueRow]: ...


class AnalyticsUnitOfWork(UnitOfWork, Protocol):
    @property
    def analytics(self) -> AnalyticsReader: ...
