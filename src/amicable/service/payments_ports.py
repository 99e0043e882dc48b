"""Ports of the payments use cases: what plan servicing, payment recording, provider webhooks and
bank reconciliation need from persistence (see :mod:`amicable.service.payments`).

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
:meth:`PaymentsRepository.save_plan` is an optimistic-locking write (it refuses with
:class:`~amicable.domain.errors.Conflict` when the stored version is not the expected one);
:meth:`PaymentsRepository.claim_event` and :meth:`PaymentsRepository.claim_reversal` answer False
for a key already seen, so a webhook or a refund is processed once whatever the number of
deliveries; statement entry ids are stored once per organisation.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from amicable.service.ports import UnitOfWork
from amicable.service.queue_ports import QueueHolder
from amicable.servicing.matching import ScoredCandidate
from amicable.servicing.plans import Plan, PlanEvent, ServicingRules
from amicable.servicing.promises import Promise
from amicable.servicing.statement import StatementEntry

__all__ = [
    "LedgerPayment",
    "PaymentLinkRow",
    "PaymentsRepository",
    "PaymentsUnitOfWork",
    "StoredEscalation",
    "StoredPlan",
    "StoredPromise",
    "UnmatchedEntry",
]


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A persisted plan: its row id, whose it is, the rules it is serviced by."""

    id: int
    customer_id: int
    plan: Plan
    rules: ServicingRules
    agreed_on: date


@dataclass(frozen=True, slots=True)
class StoredPromise:
    """A persisted promise with the status last evaluated (``rule_id`` decided it)."""

    id: int
    customer_id: int
    promise: Promise
    grace_days: int
    status: str
    rule_id: str
    evaluated_on: date


@dataclass(frozen=True, slots=True)
class StoredEscalation:
    """A case handed to people: why, about which plan or promise, since when."""

    id: int
    customer_id: int
    plan_key: str | None
    reason: str
    message: str
    raised_on: date
    status: str


@dataclass(frozen=True, slots=True)
class LedgerPayment:
    """A stored ledger payment with what it still has: ``allocations`` are ``(invoice id, net
    minor)`` in the order first made (net of reversals), ``reversed_minor`` what refunds and
    chargebacks took back, ``unallocated_minor`` the credit it left on the account."""

    id: int
    customer_id: int
    reference: str
    received_on: date
    currency: str
    amount_minor: int
    allocations: tuple[tuple[int, int], ...]
    reversed_minor: int
    unallocated_minor: int


@dataclass(frozen=True, slots=True)
class PaymentLinkRow:
    """A payment link at a provider (``status``: open, paid, failed, expired)."""

    id: int
    customer_id: int
    provider: str
    provider_id: str
    url: str | None
    currency: str
    amount_minor: int
    plan_key: str | None
    installment: int | None
    invoice_number: str | None
    status: str


@dataclass(frozen=True, slots=True)
class UnmatchedEntry:
    """A bank credit waiting for a person, with its ranked candidates ``(id, score, method)``."""

    id: int
    entry_id: str
    booking_date: date
    currency: str
    amount_minor: int
    payer_name: str
    remittance: str
    status: str
    candidates: tuple[tuple[str, str, str], ...]


class PaymentsRepository(Protocol):
    """Plans, promises, links, provider events, reversals, statements and references."""

    # plans
    def add_plan(
        self,
        customer_id: int,
        plan: Plan,
        rules: ServicingRules,
        agreed_on: date,
        *,
        agreement_id: int | None = None,
    ) -> int:
        """Store a new plan (``agreement_id``: the conversation agreement it was set up from)."""
        ...

    def save_plan(
        self, row_id: int, plan: Plan, expected_version: int, *, before: Plan | None = None
    ) -> None:
        """Store ``plan`` over version ``expected_version`` (``Conflict`` if it moved on);
        ``before``, the plan as stored, lets only the installments that changed be written."""
        ...

    def plans(
        self, *, customer_id: int | None = None, status: str | None = None
    ) -> list[StoredPlan]: ...
    def plan(self, plan_key: str) -> StoredPlan: ...
    def next_plan_key(self) -> str: ...
    def add_plan_events(self, row_id: int, events: Sequence[PlanEvent]) -> None: ...
    def plan_events(self, row_id: int) -> list[tuple[str, date, int | None, str, str]]: ...
    def add_escalation(
        self,
        customer_id: int,
        *,
        plan_id: int | None,
        promise_id: int | None,
        reason: str,
        message: str,
        raised_on: date,
    ) -> int: ...
    def escalations(self) -> list[StoredEscalation]: ...
    # promises
    def add_promise(
        self,
        customer_id: int,
        promise: Promise,
        grace_days: int,
        *,
        agreement_id: int | None = None,
    ) -> int:
        """Store a new open promise (``agreement_id``: the conversation agreement it was made
        in)."""
        ...

    def next_promise_key(self) -> str: ...
    def promises(
        self, *, customer_id: int | None = None, status: str | None = None
    ) -> list[StoredPromise]: ...
    def set_promise_status(
        self, row_id: int, status: str, rule_id: str, evaluated_on: date
    ) -> None: ...
    # ledger payments as the payments area sees them
    def ledger_payment(self, reference: str) -> LedgerPayment | None: ...
    def received_since(
        self, customer_id: int, currency: str, since: date
    ) -> list[tuple[date, int]]: ...
    def claim_reversal(
        self, payment_id: int, key: str, kind: str, currency: str, minor: int, on: date
    ) -> bool: ...
    def reversed_total(self, payment_id: int, kind: str) -> int: ...
    def reversal_seen(self, key: str) -> bool: ...
    # provider events and links
    def claim_event(self, provider: str, event_id: str, event_type: str) -> bool: ...
    def set_event_outcome(self, provider: str, event_id: str, outcome: str) -> None: ...
    def add_link(
        self,
        customer_id: int,
        provider: str,
        provider_id: str,
        url: str | None,
        currency: str,
        minor: int,
        *,
        plan_key: str | None,
        installment: int | None,
        invoice_number: str | None,
    ) -> int: ...
    def link(self, provider: str, provider_id: str) -> PaymentLinkRow | None: ...
    def set_link_status(self, link_id: int, status: str) -> None: ...
    # statements
    def seen_entries(self, entry_ids: Collection[str]) -> set[str]: ...
    def add_statement_import(
        self, checksum: str, source: str, format: str, entries: int, dry_run: bool
    ) -> int: ...
    def add_statement_entry(
        self, import_id: int, entry: StatementEntry, status: str, payment_id: int | None
    ) -> int: ...
    def add_candidates(self, entry_row_id: int, ranked: Sequence[ScoredCandidate]) -> None: ...
    def unmatched(self) -> list[UnmatchedEntry]: ...
    def queued_entry(self, entry_id: str) -> UnmatchedEntry | None: ...
    def mark_entry_posted(self, row_id: int, payment_id: int) -> None: ...
    # creditor references
    def references(self, kind: str) -> dict[str, str]: ...
    def add_reference(self, reference: str, kind: str, key: str) -> None: ...
    def add_references(self, rows: Sequence[tuple[str, str, str]]) -> None: ...
    def payer_ibans(self) -> dict[int, tuple[str, ...]]: ...


class PaymentsUnitOfWork(QueueHolder, UnitOfWork, Protocol):
    """The unit of work with the payments repository (the SQL one has both) and the human
    queue's (an escalation opens a queue item)."""

    @property
    def payments(self) -> PaymentsRepository: ...
