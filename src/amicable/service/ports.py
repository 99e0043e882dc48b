"""Ports of the ledger use cases: what the service layer needs from persistence.

The methods are *bulk* and keyed by the import keys (external id, invoice number, payment
reference) because imports stream files of up to millions of rows in chunks: one lookup per chunk,
one insert per table per chunk, never one object per row on the hot path.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
nothing is visible to other units of work before :meth:`UnitOfWork.commit`; leaving the unit of
work without committing rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from amicable.domain.records import ConsentRecord

__all__ = [
    "CustomerRow",
    "EntryRow",
    "ExistingInvoice",
    "ExistingPayment",
    "InvoiceRow",
    "LedgerRepository",
    "NewCustomer",
    "OrgRepository",
    "PaymentRow",
    "PolicyVersion",
    "PolicyVersionRepository",
    "UnitOfWork",
]


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """A customer to create or update (the import key is ``external_id``)."""

    external_id: str
    name: str
    customer_type: str = "business"
    tier: str | None = None
    language: str = "en"
    country: str | None = None
    region: str | None = None
    timezone: str | None = None
    postal_address: str | None = None
    postal_code: str | None = None
    tags: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    consents: tuple[ConsentRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A stored customer with its contacts and the latest consent per channel."""

    id: int
    customer: NewCustomer


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """An invoice header to insert; amounts in integer minor units."""

    customer_id: int
    number: str
    kind: str
    issue_date: date
    due_date: date
    currency: str
    amount_minor: int
    dispute_status: str
    description: str | None


@dataclass(frozen=True, slots=True)
class ExistingInvoice:
    """A stored invoice with what the ledger says about it now.

    Attributes:
        balance_minor: sum of all its entries (its open amount).
        unexplained_minor: how much the source system said was settled that no imported payment
            explains yet (>= 0).
        unexplained_on: the date of the latest "settled in source" adjustment, if any.
        allocated_minor: the sum of payment allocations to it.
    """

    id: int
    customer_id: int
    customer_external_id: str
    number: str
    issue_date: date
    due_date: date
    currency: str
    amount_minor: int
    dispute_status: str
    description: str | None
    balance_minor: int
    unexplained_minor: int
    unexplained_on: date | None
    allocated_minor: int


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A ledger entry to append (see :class:`amicable.domain.ledger.LedgerEntry`)."""

    customer_id: int
    invoice_id: int | None
    payment_id: int | None
    kind: str
    reason: str
    currency: str
    amount_minor: int
    effective_on: date


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A payment to insert."""

    customer_id: int
    reference: str
    received_on: date
    currency: str
    amount_minor: int
    method: str | None
    invoice_number: str | None


@dataclass(frozen=True, slots=True)
class ExistingPayment:
    """A stored payment, to decide whether a re-imported row is unchanged."""

    id: int
    customer_external_id: str
    reference: str
    received_on: date
    currency: str
    amount_minor: int
    invoice_number: str | None


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One stored version of an organisation's policy table (YAML text, verbatim)."""

    version: int
    label: str
    yaml: str
    checksum: str
    created_at: datetime


class LedgerRepository(Protocol):
    """Bulk access to one organisation's ledger."""

    def customer_ids(self, external_ids: Collection[str]) -> dict[str, int]: ...
    def customers(self, external_ids: Collection[str]) -> dict[str, CustomerRow]: ...
    def add_customers(self, customers: Sequence[NewCustomer]) -> dict[str, int]: ...
    def update_customer(self, customer_id: int, customer: NewCustomer) -> None: ...
    def invoices(self, numbers: Collection[str]) -> dict[str, ExistingInvoice]: ...
    def open_invoices(self, customer_id: int, currency: str) -> list[ExistingInvoice]: ...
    def add_invoices(self, rows: Sequence[InvoiceRow]) -> list[int]: ...
    def update_invoice(
        self, invoice_id: int, *, issue_date: date, due_date: date, description: str | None
    ) -> None: ...
    def open_dispute(self, invoice_ids: Sequence[int], reason: str | None) -> None: ...
    def payments(self, references: Collection[str]) -> dict[str, ExistingPayment]: ...
    def add_payments(self, rows: Sequence[PaymentRow]) -> list[int]: ...
    def add_allocations(self, rows: Sequence[tuple[int, int, str, int]]) -> None: ...
    def add_entries(self, rows: Sequence[EntryRow]) -> None: ...
    def start_import(self, kind: str, source: str) -> int: ...
    def finish_import(
        self, run_id: int, *, imported: int, updated: int, unchanged: int, refused: int
    ) -> None: ...


class OrgRepository(Protocol):
    """Organisations (not tenant-scoped: this is the list of tenants)."""

    def create(self, name: str) -> int: ...
    def list(self) -> list[tuple[int, str]]: ...
    def id_of(self, name: str) -> int | None: ...


class PolicyVersionRepository(Protocol):
    """Stored policy versions of the organisation; versions are 1, 2, 3 … and never rewritten."""

    def add(self, label: str, yaml_text: str) -> PolicyVersion: ...
    def latest(self) -> PolicyVersion | None: ...
    def get(self, version: int) -> PolicyVersion: ...
    def list(self) -> list[PolicyVersion]: ...


class UnitOfWork(Protocol):
    """One transaction on one organisation's data; rolls back unless :meth:`commit` is called."""

    org_id: int
    org_name: str
    ledger: LedgerRepository
    policies: PolicyVersionRepository
    now: datetime
    today: date

    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
