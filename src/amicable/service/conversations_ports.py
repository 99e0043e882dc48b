"""Ports of the conversation use cases: what a negotiation needs from persistence
(see :mod:`amicable.service.conversations`).

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
:meth:`ConversationRepository.save` is an optimistic-locking write (a stale ``version`` is refused
with :class:`~amicable.domain.errors.Conflict`);
messages, offers, agreements, promises and escalations are append-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.payments_ports import PaymentsUnitOfWork
from amicable.service.queue_ports import QueueHolder

__all__ = [
    "ConversationRepository",
    "ConversationsUnitOfWork",
    "NewMessage",
    "StoredConversation",
    "StoredMessage",
]


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to append to a conversation (see :meth:`ConversationRepository.add_messages`)."""

    direction: str
    text: str | None
    intents: tuple[str, ...]
    state: str
    content: tuple[dict[str, Any], ...]
    source: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One stored message (``content_ok``: the content check found nothing; ``at`` aware UTC)."""

    seq: int
    direction: str
    text: str | None
    intents: tuple[str, ...]
    state: str
    content_ok: bool
    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """A stored conversation with its messages in order (instants aware UTC)."""

    id: int
    channel: str
    lang: str
    state: str
    started_at: datetime
    updated_at: datetime
    messages: tuple[StoredMessage, ...]


class ConversationRepository(Protocol):
    """Conversations of one organisation and everything said and agreed in them."""

    def latest_open(self, customer_id: int, channel: str) -> tuple[int, int, str] | None:
        """``(id, version, state_json)`` of the customer's newest conversation on ``channel``."""
        ...

    def state_of(self, conversation_id: int) -> tuple[int, str, int, str] | None:
        """``(customer_id, channel, version, state_json)`` of one conversation, or ``None``."""
        ...

    def start(self, customer_id: int, channel: str, lang: str, state: dict[str, Any]) -> int:
        """A new conversation (version 1) holding ``state``; returns its id."""
        ...

    def save(self, conversation_id: int, version: int, state: dict[str, Any]) -> int:
        """Store ``state`` if the stored version is ``version``; returns the new version."""
        ...

    def add_messages(self, conversation_id: int, messages: Sequence[NewMessage]) -> list[int]:
        """Append ``messages`` in order after the conversation's last one, in one statement
        (a turn's inbound message and its reply); returns their sequence numbers in order."""
        ...

    def add_offer(
        self, conversation_id: int, seq: int, offer: dict[str, Any], gate: str, policy: str
    ) -> None: ...

    def add_agreement(
        self,
        conversation_id: int,
        customer_id: int,
        *,
        offer: dict[str, Any],
        gate: dict[str, Any],
        policy_version: str,
        total_minor: int,
        currency: str,
    ) -> int: ...

    def add_promise(
        self, conversation_id: int, customer_id: int, agreement_id: int, **values: Any
    ) -> None: ...

    def add_escalation(
        self, conversation_id: int, customer_id: int, reason: str, summary: str
    ) -> int: ...

    def latest(self, customer_id: int, channel: str | None) -> StoredConversation | None:
        """The customer's newest conversation (on ``channel`` if given) with its messages."""
        ...

    def counts(self, conversation_id: int) -> dict[str, int]:
        """Rows per table for one conversation (for reports and tests)."""
        ...


class ConversationsUnitOfWork(PaymentsUnitOfWork, QueueHolder, ApiUnitOfWork, Protocol):
    """A unit of work that also holds the conversations repository, the human queue's (an
    escalation opens a queue item) and the payments area's (an agreement sets up its plan or
    promise in the same transaction)."""

    @property
    def conversations(self) -> ConversationRepository: ...
