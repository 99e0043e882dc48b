"""Ports of the human queue: what the queue use cases need from persistence.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation (an
item of another organisation is ``None``, never visible); :meth:`QueueRepository.open` is
idempotent by ``(source, source_id)``; :meth:`QueueRepository.update` changes a row only at the
expected ``version`` and bumps it (a stale decision changes nothing and returns False).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from amicable.service.api_ports import ApiUnitOfWork

__all__ = [
    "ConversationLine",
    "NewQueueItem",
    "QueueHolder",
    "QueueItem",
    "QueueRepository",
]


@dataclass(frozen=True, slots=True)
class NewQueueItem:
    """An item to open.

    Attributes:
        customer_id: the account's customer row.
        kind: ``escalation`` or ``approval``.
        source: ``conversation`` | ``plan`` | ``promise`` | ``planner`` | ``attempt``.
        source_id: the row id in the source's table (see ``tables_queue``).
        source_ref: the human handle of the source (conversation id, plan key, dedupe key).
        reason: machine-readable reason code (e.g. ``hardship``, ``plan_broken``).
        summary: what happened, for a person.
        suggested_action / suggested_why: what the agent suggests and why.
        sla_due_at: when a person must have acted (aware UTC).
    """

    customer_id: int
    kind: str
    source: str
    source_id: int
    source_ref: str
    reason: str
    summary: str
    suggested_action: str
    suggested_why: str
    sla_due_at: datetime


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A stored item (``new`` as opened) with its account and current state."""

    id: int
    account: str
    new: NewQueueItem
    status: str
    assignee: str | None
    decided_by: str | None
    decision: dict[str, Any] | None
    version: int
    reminded_at: datetime | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationLine:
    """One message of a conversation, as shown with an item."""

    seq: int
    direction: str
    text: str | None
    state: str
    at: datetime


class QueueRepository(Protocol):
    def open(self, item: NewQueueItem) -> tuple[int, bool]:
        """``(id, created)``: the existing item of the same source, or a new open one."""
        ...

    def get(self, item_id: int) -> QueueItem | None: ...

    def items(
        self, *, statuses: tuple[str, ...] | None = None, assignee: str | None = None
    ) -> list[QueueItem]: ...

    def update(self, item_id: int, version: int, **values: Any) -> bool: ...

    def set_source_status(self, source: str, source_id: int, status: str) -> None:
        """Mirror a decision on the source escalation row (``conversation_escalations`` or the
        payments area's ``escalations``); other sources are left alone."""
        ...

    def release_attempt(self, attempt_id: int) -> bool:
        """An approved attempt awaiting approval becomes ``planned`` (planned now), so the next
        run sends it through compliance; False when it was not awaiting approval."""
        ...

    def decline_attempt(self, attempt_id: int) -> bool: ...

    def conversation_of_escalation(self, escalation_id: int) -> int | None: ...

    def messages(self, conversation_id: int) -> list[ConversationLine]: ...


class QueueHolder(ApiUnitOfWork, Protocol):
    """What a unit of work needs to open queue items: the repository, its instant, and the audit
    trail and write-back outbox (an opened item is audited and written back). The conversations
    and payments units of work include it (their writers open items)."""

    @property
    def queue(self) -> QueueRepository: ...
    @property
    def now(self) -> datetime: ...
