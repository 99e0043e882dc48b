"""Ports of the ledger use cases: what the service layer needs from persistence.

The methods are *bulk* and keyed by the import keys (external id, invoice number, payment
reference) because imports stream files of up to millions of rows in chunks: one lookup per chunk,
one insert per table per chunk, never one object per row on the hot path.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
nothing is visible to other units of work before :meth:`UnitOfWork.commit`; leaving the unit of
work without committing rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from amicable.domain.records import ConsentRecord

__all__ = [
    "AccountInvoice",
    "AccountPayment",
    "AccountRows",
    "CustomerRef",
    "CustomerRow",
    "EntryRow",
    "ExistingInvoice",
    "ExistingPayment",
    "InvoiceRow",
    "LedgerReader",
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
    def record_open_disputes(self, invoice_ids: Sequence[int], reason: str | None) -> None:
        """Dispute records for invoices just written with dispute status open."""
        ...

    def open_dispute(self, invoice_ids: Sequence[int], reason: str | None) -> None: ...
    def payments(self, references: Collection[str]) -> dict[str, ExistingPayment]: ...
    def add_payments(self, rows: Sequence[PaymentRow]) -> list[int]: ...
    def add_payment(self, row: PaymentRow) -> int: ...
    def add_allocations(self, rows: Sequence[tuple[int, int, str, int]]) -> None: ...
    def add_entries(self, rows: Sequence[EntryRow]) -> None: ...
    def add_invoice_columns(
        self, *, customer_ids: Sequence[int], numbers: Sequence[str], kinds: Sequence[str],
        issue_iso: Sequence[str], due_iso: Sequence[str], currencies: Sequence[str],
        amounts_minor: Sequence[int], dispute_statuses: Sequence[str],
        descriptions: Sequence[str | None],
    ) -> list[int]: ...  # fmt: skip
    def add_entry_columns(
        self, *, customer_ids: Sequence[int], invoice_ids: Sequence[int], kinds: Sequence[str],
        reasons: Sequence[str], currencies: Sequence[str], amounts_minor: Sequence[int],
        effective_iso: Sequence[str],
    ) -> None: ...  # fmt: skip
    def start_import(self, kind: str, source: str) -> int:
        """Record an import run; its id. Imports into one organisation run one at a time: this
        waits for any other import of the organisation to commit or roll back."""
        ...

    def holds_nothing(self) -> bool:
        """Whether the organisation has no customer and no invoice (asked after start_import, so
        nothing but this import can add either until it ends)."""
        ...

    def finish_import(
        self, run_id: int, *, imported: int, updated: int, unchanged: int, refused: int
    ) -> None: ...

    def refresh_customer_statistics(self) -> None:
        """Bring the database's planner statistics of the customer file up to date after a
        bulk load (PostgreSQL: ``ANALYZE``; nothing on SQLite, which plans without them)."""
        ...


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


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """A customer's identity (for reference resolution and report labels)."""

    id: int
    external_id: str
    name: str
    customer_type: str


@dataclass(frozen=True, slots=True)
class AccountInvoice:
    """An invoice with its open amount as of a date (minor units)."""

    id: int
    customer_id: int
    number: str
    issue_date: date
    due_date: date
    currency: str
    amount_minor: int
    open_minor: int
    dispute_status: str


@dataclass(frozen=True, slots=True)
class AccountPayment:
    """A payment with its allocations ``(invoice number, minor, invoice due date)``."""

    id: int
    reference: str
    received_on: date
    currency: str
    amount_minor: int
    method: str | None
    allocations: tuple[tuple[str, int, date], ...]


@dataclass(frozen=True, slots=True)
class AccountRows:
    """One account's rows as of a date, read together (what a conversation turn needs).

    ``customer`` is the stored customer without its contacts and consents (``emails``,
    ``phones`` and ``consents`` are empty: not read); ``invoices`` every invoice of the account
    with its open amount (paid ones included, in no particular order); ``unallocated`` the
    unallocated credit per currency; ``settlements`` the ``(due_date, paid_on)`` of every
    allocation (in no particular order); ``payments`` newest first (received date, then id),
    their allocations not read (empty); ``arrangements`` the keys of the account's active payment
    plans and open promises (sorted).
    """

    ref: CustomerRef
    customer: NewCustomer
    invoices: tuple[AccountInvoice, ...]
    unallocated: dict[str, int]
    settlements: tuple[tuple[date, date], ...]
    payments: tuple[AccountPayment, ...]
    arrangements: tuple[str, ...] = ()


class LedgerReader(Protocol):
    """Report queries (aggregated in the store) on one organisation's ledger."""

    def aging_rows(
        self, as_of: date, *, by_customer: bool
    ) -> Iterator[tuple[int, date, str, int]]: ...
    def balances(self, as_of: date, *, due_on_or_after: date | None = None) -> dict[str, int]: ...
    def sales_by_day(self, start: date, end: date) -> list[tuple[date, str, int]]: ...
    def customer_refs(self, ids: list[int] | None = None) -> dict[int, CustomerRef]: ...
    def find_customers(self, ref: str) -> list[CustomerRef]: ...
    def invoice_balances(
        self, as_of: date, customer_id: int | None = None, *, open_only: bool = False
    ) -> Iterator[AccountInvoice]: ...
    def unallocated(
        self, as_of: date, customer_id: int | None = None
    ) -> dict[tuple[int, str], int]: ...
    def payments_of(self, customer_id: int, as_of: date) -> list[AccountPayment]: ...
    def settlements(
        self, customer_ids: list[int], as_of: date
    ) -> dict[int, list[tuple[date, date]]]: ...
    def account_rows(self, external_id: str, as_of: date) -> AccountRows | None:
        """The rows of the customer whose external id is ``external_id``, None if there is
        none (two statements: the customer, then its ledger)."""
        ...


class UnitOfWork(Protocol):
    """One transaction on one organisation's data; rolls back unless :meth:`commit` is called."""

    @property
    def org_id(self) -> int: ...
    @property
    def org_name(self) -> str: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def reports(self) -> LedgerReader: ...
    @property
    def policies(self) -> PolicyVersionRepository: ...
    @property
    def now(self) -> datetime:
        """The instant the unit of work started (aware UTC), from the injected clock."""
        ...

    @property
    def today(self) -> date:
        """The business date of :attr:`now`."""
        ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
