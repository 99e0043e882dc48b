"""The receivables ledger model: organisations, customers, contacts, invoices, payments, entries.

Concepts
--------
* An :class:`Organisation` is the creditor; every other record belongs to exactly one.
* A :class:`Customer` (the debtor) has :class:`Contact` points and per-channel
  :class:`ChannelConsent` records (the latest record for a channel wins; an opt-out is a record with
  ``granted=False``, never a deletion).
* An :class:`Invoice` (or credit note: ``kind="credit_note"``, negative amount) is a *header*: its
  open amount is never stored, it is the sum of the :class:`LedgerEntry` values posted against it.
* A :class:`Payment` is applied to invoices by :class:`Allocation` values; what is not applied is
  an unallocated credit on the customer's account (an entry without an invoice).

Invariants
----------
* Ledger entries are append-only. A correction is a *reversing* entry (:func:`reversing_entry`)
  whose amount is the negation of the entry it reverses; nothing is ever updated or deleted.
* Balances are computed as of a business date from the entries dated on or before it
  (:func:`balance_as_of`); amounts are kept per currency and never mixed.
* Sign convention: positive = the customer owes more (invoice), negative = owes less (payment,
  credit note, write-down).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from amicable.domain.errors import CurrencyMismatch, InvalidInput
from amicable.domain.money import Money

__all__ = [
    "Allocation",
    "ChannelConsent",
    "Contact",
    "Customer",
    "Dispute",
    "EntryKind",
    "Invoice",
    "LedgerEntry",
    "Note",
    "OpenInvoice",
    "Organisation",
    "Payment",
    "allocate_oldest_first",
    "balance_as_of",
    "days_past_due",
    "reversing_entry",
]

CustomerType = Literal["business", "consumer"]
InvoiceKind = Literal["invoice", "credit_note"]
DisputeStatus = Literal["none", "open", "resolved"]
EntryKind = Literal[
    "invoice",  # the invoice or credit note itself, dated at issue
    "payment",  # a payment applied to an invoice, or unallocated (no invoice), dated at receipt
    "adjustment",  # the source system's open amount moved (import reconciliation), dated at import
    "reversal",  # the exact negation of an earlier entry
]


@dataclass(frozen=True, slots=True)
class Organisation:
    """The creditor: the tenant every record belongs to.

    Attributes:
        id: database identity.
        name: unique, human-chosen name (``"default"`` for a fresh workspace).
    """

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ChannelConsent:
    """Consent or opt-out for one channel of one customer, with provenance.

    Attributes:
        channel: "email", "sms", "call", "whatsapp", "voicemail", "letter" or "chat".
        granted: True = consent given; False = opted out / refused.
        at: when it was given or withdrawn (aware UTC), None if the source did not say.
        source: where it came from ("import", "web form", "reply STOP", …).
    """

    channel: str
    granted: bool
    at: datetime | None
    source: str


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact point of a customer.

    Attributes:
        kind: "email", "phone" (E.164) or "postal" (one free-text line plus postal code).
        value: the address, number or postal line.
    """

    kind: Literal["email", "phone", "postal"]
    value: str


@dataclass(frozen=True, slots=True)
class Customer:
    """The debtor.

    Attributes:
        external_id: the creditor's own customer id, unique within the organisation.
        country: ISO 3166-1 alpha-2; ``region``: ISO 3166-2 subdivision without the country.
        timezone: IANA zone name, or None when unknown (contact rules then use every candidate).
        consents: the latest consent record per channel.
    """

    id: int
    org_id: int
    external_id: str
    name: str
    customer_type: CustomerType
    tier: str | None
    language: str
    country: str | None
    region: str | None
    timezone: str | None
    contacts: tuple[Contact, ...] = ()
    consents: tuple[ChannelConsent, ...] = ()
    tags: tuple[str, ...] = ()

    def consent_for(self, channel: str) -> ChannelConsent | None:
        """The consent record in force for ``channel`` (None: never asked)."""
        for consent in self.consents:
            if consent.channel == channel:
                return consent
        return None


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice or credit note header (its open amount comes from the ledger).

    Attributes:
        number: unique per organisation.
        amount: the original total; negative for a credit note.
        dispute_status: "none", "open" (collection on hold) or "resolved".
    """

    id: int
    customer_id: int
    number: str
    kind: InvoiceKind
    issue_date: date
    due_date: date
    amount: Money
    dispute_status: DisputeStatus = "none"
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received from a customer.

    Attributes:
        reference: the payment's id in the source system, unique per organisation.
        received_on: the settlement date.
        amount: positive.
    """

    id: int
    customer_id: int
    reference: str
    received_on: date
    amount: Money
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to one invoice (``amount`` positive, in the invoice currency)."""

    payment_id: int
    invoice_id: int
    amount: Money


@dataclass(frozen=True, slots=True)
class Dispute:
    """A customer's dispute of an invoice; an open dispute holds collection on that invoice."""

    id: int
    invoice_id: int
    status: Literal["open", "resolved"]
    reason: str | None
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note on an account (optionally about one invoice)."""

    id: int
    customer_id: int
    invoice_id: int | None
    body: str
    author: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One append-only movement of a customer's balance.

    Attributes:
        customer_id: whose balance moves.
        invoice_id: the invoice it belongs to, or None for an unallocated credit.
        kind: see :data:`EntryKind`; ``reason`` is a machine-readable sub-code
            ("issued", "settled_in_source", "explained_by_payment", "source_changed", …).
        amount: signed (positive = owes more).
        effective_on: the business date it takes effect; balances as of a date include it
            when ``effective_on <= as_of``.
        recorded_at: when amicable recorded it (aware UTC).
        reverses: the id of the entry this one reverses (kind "reversal" only).
    """

    id: int
    customer_id: int
    invoice_id: int | None
    kind: EntryKind
    reason: str
    amount: Money
    effective_on: date
    recorded_at: datetime
    reverses: int | None = None
    payment_id: int | None = None


def balance_as_of(entries: Iterable[LedgerEntry], as_of: date) -> dict[str, Money]:
    """The balance per currency of ``entries`` dated on or before ``as_of``.

    Currencies never mix: the result maps each currency code seen to its own sum; a currency
    whose entries net to zero is still present (with zero).
    """
    totals: dict[str, Money] = {}
    for entry in entries:
        if entry.effective_on > as_of:
            continue
        code = entry.amount.code
        totals[code] = totals[code] + entry.amount if code in totals else entry.amount
    return totals


def reversing_entry(
    entry: LedgerEntry, *, entry_id: int, on: date, recorded_at: datetime, reason: str
) -> LedgerEntry:
    """The correction of ``entry``: same customer and invoice, negated amount, dated ``on``.

    A reversal cannot be dated before the entry it reverses (the ledger would show a balance
    that never existed), and a reversal is never itself reversed (post a new entry instead).
    """
    if entry.kind == "reversal":
        raise InvalidInput(f"entry {entry.id} is a reversal; post a new entry instead")
    if on < entry.effective_on:
        raise InvalidInput(
            f"a reversal of entry {entry.id} cannot be dated {on} before the entry "
            f"({entry.effective_on})"
        )
    return LedgerEntry(
        id=entry_id,
        customer_id=entry.customer_id,
        invoice_id=entry.invoice_id,
        kind="reversal",
        reason=reason,
        amount=-entry.amount,
        effective_on=on,
        recorded_at=recorded_at,
        reverses=entry.id,
        payment_id=entry.payment_id,
    )


def days_past_due(due_date: date, as_of: date) -> int:
    """Whole days after the due date (0 on the due date and before it)."""
    return max(0, (as_of - due_date).days)


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice with what is still open on it, for allocation (``open_amount`` > 0)."""

    invoice_id: int
    due_date: date
    number: str
    open_amount: Money


def allocate_oldest_first(
    amount: Money, open_invoices: Sequence[OpenInvoice]
) -> tuple[list[tuple[int, Money]], Money]:
    """Apply a payment to open invoices, oldest due date first (ties: invoice number).

    Returns ``(allocations, unallocated)`` where each allocation is ``(invoice_id, applied)``.
    Invariant: the applied parts plus ``unallocated`` sum exactly to ``amount``; no invoice gets
    more than its open amount; invoices in another currency are refused, not skipped silently.
    """
    if amount.is_negative():
        raise InvalidInput(f"a payment amount must not be negative, got {amount}")
    remaining = amount
    applied: list[tuple[int, Money]] = []
    for item in sorted(open_invoices, key=lambda i: (i.due_date, i.number)):
        if item.open_amount.currency != amount.currency:
            raise CurrencyMismatch(
                f"invoice {item.number} is in {item.open_amount.code}, payment in {amount.code}"
            )
        if remaining.is_zero():
            break
        if not item.open_amount.is_positive():
            continue
        part = remaining.min(item.open_amount)
        applied.append((item.invoice_id, part))
        remaining = remaining - part
    return applied, remaining
