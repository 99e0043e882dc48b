"""Ports of channel events: what delivery receipts and inbound-webhook routing need from the
outbox (finding an attempt by its dedupe key or provider id, recording a receipt) and from the
ledger (finding the account an address belongs to).

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
:meth:`ChannelEventsRepository.record_delivery` writes exactly the values it is given (the
forward-only ordering of statuses is decided by the service, :mod:`amicable.service.channel_events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from amicable.service.runtime_ports import RuntimeUnitOfWork

__all__ = ["ChannelEventsRepository", "ChannelEventsUnitOfWork", "Delivery"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What receipts said so far about one outbox attempt.

    Attributes:
        attempt_id: the attempt's row id.
        status: the attempt's status (``sent``, ``delivered``, ``failed`` …).
        delivery_status: the provider's latest status word (``queued`` … ``delivered``; for a
            call ``initiated`` … ``completed`` / ``busy`` …), None before any receipt.
        delivered_at: when a receipt first said delivered (or a call was answered by someone).
        failed_reason: the provider's reason when a receipt said the message failed.
        call_outcome: for a call, the normalised outcome (``conversation``, ``no_answer`` …).
    """

    attempt_id: int
    status: str
    delivery_status: str | None
    delivered_at: datetime | None
    failed_reason: str | None
    call_outcome: str | None


class ChannelEventsRepository(Protocol):
    """Receipts on the outbox and address routing of one organisation."""

    def attempt_id_by_key(self, dedupe_key: str) -> int | None: ...

    def attempt_id_by_provider_id(self, provider_message_id: str) -> int | None:
        """The newest attempt the provider knows by ``provider_message_id``."""
        ...

    def delivery(self, attempt_id: int) -> Delivery | None: ...

    def record_delivery(
        self,
        attempt_id: int,
        *,
        status: str,
        delivery_status: str,
        delivered_at: datetime | None,
        failed_reason: str | None,
        call_outcome: str | None,
        provider: str | None = None,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        """Write a receipt's result. ``provider`` / ``provider_message_id`` / ``sent_at`` are
        set only when given (a receipt for an attempt whose hand-off result was never stored)."""
        ...

    def customers_with_contact(self, kind: str, value: str) -> list[int]:
        """Customer ids with contact ``value`` of ``kind`` (``email``: case-insensitive; ``phone``:
        compared on digits, so ``+1 (555) 010-0000`` is ``+15550100000``)."""
        ...


class ChannelEventsUnitOfWork(RuntimeUnitOfWork, Protocol):
    """A runtime unit of work that also holds :class:`ChannelEventsRepository`."""

    @property
    def channel_events(self) -> ChannelEventsRepository: ...
