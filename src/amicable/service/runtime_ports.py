"""Ports of the runtime (the agent loop): the outbox of contact attempts and the inbound log.

Invariants every adapter must keep:

* every call is scoped to the unit of work's organisation;
* :meth:`RuntimeRepository.add_attempt` never writes a second row for a dedupe key already
  stored (it returns ``None`` instead), so the same attempt can never be recorded twice;
* :meth:`RuntimeRepository.claim_inbound` returns ``None`` for a ``(provider, event_id)`` already
  claimed, so an inbound event is processed once;
* an attempt's compliance decision is written with the attempt and never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

from amicable.service.conversations_ports import ConversationsUnitOfWork
from amicable.service.payments_ports import PaymentsUnitOfWork

__all__ = [
    "ATTEMPT_STATUSES",
    "FINAL_NOTICE_SETTLED",
    "Attempt",
    "InboundRecord",
    "NewAttempt",
    "RuntimeRepository",
    "RuntimeUnitOfWork",
]

#: ``planned``: written, not yet handed off; ``blocked``: refused by compliance, never sent;
#: ``needs_approval``: a final notice waiting for a person (never sent by the loop);
#: ``sent``: handed to the provider (for the embedded outbox: recorded); ``delivered`` /
#: ``failed``: what a delivery receipt or the provider said afterwards; ``declined``: a final
#: notice a person declined (never sent).
ATTEMPT_STATUSES = (
    "planned", "blocked", "needs_approval", "sent", "delivered", "failed", "declined",
)  # fmt: skip

#: The statuses of a final notice that settle it: on its way (approved), sent, delivered, or
#: declined by a person (not asked for again). A ``blocked`` one (outside the debtor's hours, or
#: refused by compliance) or a ``failed`` one never reached the debtor: it is still owed, and the
#: planner proposes it again (it used to count as sent, so the account never got one).
FINAL_NOTICE_SETTLED: Final = frozenset({"planned", "sent", "delivered", "declined"})


@dataclass(frozen=True, slots=True)
class NewAttempt:
    """An outbound attempt to write, with the compliance decision it was checked against.

    Attributes:
        customer_id: the account's customer row id.
        channel, action: the channel and the planner's action (``email``, ``payment_link`` …).
        dedupe_key: the idempotency key (UNIQUE per organisation).
        planned_at: the instant the contact is (or was to be) made, aware UTC.
        allowed, violations, earliest_allowed_at, packs: ``compliance.decide``'s answer at
            ``planned_at`` (violations as ``{"rule", "message", "citation"}`` dicts).
        recipient, subject, text, lang: what would be sent, to whom, in which language.
        debt_ids: the invoice numbers the contact is about.
        reasons: the planner's reasons (``{"code", "text"}`` dicts).
        status: ``planned`` (allowed) or ``blocked``.
        currency, balance_minor: the account's open balance when planned (learning baseline).
        segment: the strategy segment (the learning arm's segment).
    """

    customer_id: int
    channel: str
    action: str
    dedupe_key: str
    planned_at: datetime
    allowed: bool
    violations: tuple[dict[str, str], ...]
    earliest_allowed_at: datetime | None
    packs: tuple[str, ...]
    recipient: str
    subject: str | None
    text: str
    lang: str
    debt_ids: tuple[str, ...]
    reasons: tuple[dict[str, str], ...]
    status: str
    currency: str
    balance_minor: int
    segment: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """A stored attempt (see :class:`NewAttempt`) with what happened to it since.

    ``call_outcome`` is what the provider said about a placed call (``conversation``,
    ``no_answer``, ``voicemail``, ``busy``, ``not_in_service``, ``failed``; None until its final
    status callback) — see :mod:`amicable.service.channel_events`.
    """

    id: int
    account: str
    new: NewAttempt
    status: str
    provider: str | None
    provider_message_id: str | None
    attempts: int
    error: str | None
    outcome: str | None
    sent_at: datetime | None
    created_at: datetime
    call_outcome: str | None = None

    @property
    def customer_id(self) -> int:
        return self.new.customer_id

    @property
    def channel(self) -> str:
        return self.new.channel

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        n = self.new

        def iso(at: datetime | None) -> str | None:
            return None if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")

        out: dict[str, Any] = {
            "id": self.id,
            "account": self.account,
            "channel": n.channel,
            "action": n.action,
            "status": self.status,
            "planned_at": iso(n.planned_at),
            "sent_at": iso(self.sent_at),
            "allowed": n.allowed,
            "dedupe_key": n.dedupe_key,
        }
        if full:
            out.update(
                {
                    "recipient": n.recipient,
                    "subject": n.subject,
                    "text": n.text,
                    "lang": n.lang,
                    "debt_ids": list(n.debt_ids),
                    "compliance": {
                        "allowed": n.allowed,
                        "violations": list(n.violations),
                        "earliest_allowed_at": iso(n.earliest_allowed_at),
                        "packs": list(n.packs),
                    },
                    "reasons": list(n.reasons),
                    "segment": n.segment,
                    "provider": self.provider,
                    "provider_message_id": self.provider_message_id,
                    "attempts": self.attempts,
                    "error": self.error,
                    "outcome": self.outcome,
                }
            )
        return out


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One processed inbound event."""

    id: int
    provider: str
    event_id: str
    customer_id: int
    channel: str
    kind: str
    text: str
    received_at: datetime
    result: dict[str, Any]


class RuntimeRepository(Protocol):
    """The outbox and the inbound log of one organisation."""

    def add_attempt(self, attempt: NewAttempt) -> int | None:
        """Write an attempt; ``None`` (nothing written) when its dedupe key is already stored."""
        ...

    def attempt(self, attempt_id: int) -> Attempt | None: ...

    def attempts(
        self,
        *,
        customer_id: int | None = None,
        status: str | None = None,
        customer_ids: Collection[int] | None = None,
        actions: Collection[str] | None = None,
        pending_outcome: bool = False,
    ) -> list[Attempt]:
        """Attempts in planned order (then id), optionally only of one customer or of some,
        in one status, of some actions, or sent and still without a learning outcome."""
        ...

    def last_sent(self, customer_ids: Collection[int]) -> dict[int, datetime]:
        """The latest ``sent_at`` of the attempts that reached each of ``customer_ids`` (status
        ``sent`` or ``delivered``), for those that have one."""
        ...

    def outcome_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Learning outcomes so far: ``(segment, channel) -> (successes, failures)``."""
        ...

    def mark_sent(
        self, attempt_id: int, *, provider: str, provider_message_id: str, sent_at: datetime
    ) -> None: ...

    def mark_failed(self, attempt_id: int, error: str) -> None: ...

    def set_outcome(self, attempt_id: int, outcome: str) -> None: ...

    def claim_inbound(
        self,
        *,
        provider: str,
        event_id: str,
        customer_id: int,
        channel: str,
        kind: str,
        text: str,
        received_at: datetime,
    ) -> int | None:
        """Record an inbound event; ``None`` when ``(provider, event_id)`` was seen before."""
        ...

    def set_inbound_result(self, row_id: int, result: dict[str, Any]) -> None: ...

    def inbound(
        self, *, customer_id: int | None = None, customer_ids: Collection[int] | None = None
    ) -> list[InboundRecord]: ...

    def inbound_event(self, provider: str, event_id: str) -> InboundRecord | None: ...

    def suspended(self, today: date) -> dict[int, str]:
        """Customers whose chasing is suspended on ``today`` -> why (``active_plan``,
        ``open_promise``, ``open_escalation``)."""
        ...

    def with_people(self, customer_ids: Collection[int]) -> dict[int, str]:
        """Of ``customer_ids``, those whose conversation a person has (an escalation not yet
        closed, for any reason but ``arrangement_change``) -> the escalation's reason."""
        ...


class RuntimeUnitOfWork(ConversationsUnitOfWork, PaymentsUnitOfWork, Protocol):
    """A unit of work that also holds the runtime repository (and escalates through the
    payments area's human queue)."""

    @property
    def runtime(self) -> RuntimeRepository: ...
