"""The ledger history the risk model learns from: customers, invoices and dated payments.

A :class:`LedgerHistory` is a plain, immutable snapshot read by the service layer (or built by a
test); the strategy layer never queries a database. ``as_of`` is the last day the history is
complete for: nothing in it is dated after ``as_of``, and an invoice without enough payments by
``as_of`` is simply still open.

Invariants
----------
* Amounts are integer minor units (``amount_minor > 0``) in the invoice's currency; a payment
  event carries the part of a payment applied to one invoice (an allocation), never a float.
* ``due_date >= issue_date`` for every invoice; every event's ``received_on <= as_of``.
* Invoice numbers are unique; every invoice and event names a customer of the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from amicable.domain.errors import InvalidInput

__all__ = ["CustomerProfile", "InvoiceHistory", "LedgerHistory", "PaymentEvent"]


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """Static attributes of a customer the model may use.

    Attributes:
        key: the customer's external id.
        customer_type: ``"business"`` or ``"consumer"``.
        tier: the customer's tier label, if any.
        country: ISO 3166 alpha-2 country, if known.
    """

    key: str
    customer_type: str = "business"
    tier: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """Money applied to one invoice on one day.

    Attributes:
        invoice: the invoice number the money was applied to.
        received_on: the business date the payment was received.
        amount_minor: the part applied to this invoice, in minor units (may be negative for a
            reversal).
    """

    invoice: str
    received_on: date
    amount_minor: int


@dataclass(frozen=True, slots=True)
class InvoiceHistory:
    """One invoice and every payment applied to it, in date order.

    Attributes:
        number: the invoice number (unique).
        customer: the customer's key.
        issue_date, due_date: business dates.
        amount_minor: the invoice amount in minor units (> 0).
        currency: ISO 4217 code.
        payments: events applied to this invoice, sorted by ``received_on``.
        disputed: whether the invoice is disputed *now* (a snapshot without a date: never used as
            a model feature, because it would leak the future into the past).
    """

    number: str
    customer: str
    issue_date: date
    due_date: date
    amount_minor: int
    currency: str
    payments: tuple[PaymentEvent, ...] = ()
    disputed: bool = False

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise InvalidInput(f"invoice {self.number}: amount must be positive")
        if self.due_date < self.issue_date:
            raise InvalidInput(f"invoice {self.number}: due date before issue date")
        ordered = tuple(sorted(self.payments, key=lambda p: p.received_on))
        object.__setattr__(self, "payments", ordered)

    def paid_by(self, day: date) -> int:
        """Minor units received on or before ``day``."""
        return sum(p.amount_minor for p in self.payments if p.received_on <= day)

    def settled_on(self) -> date | None:
        """The first day the payments received reach the amount, if ever."""
        total = 0
        for p in self.payments:
            total += p.amount_minor
            if total >= self.amount_minor:
                return p.received_on
        return None


@dataclass(frozen=True, slots=True)
class LedgerHistory:
    """Customers and invoices known on ``as_of``."""

    as_of: date
    customers: Sequence[CustomerProfile]
    invoices: Sequence[InvoiceHistory]
    _by_key: dict[str, CustomerProfile] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {c.key: c for c in self.customers}
        seen: set[str] = set()
        for inv in self.invoices:
            if inv.number in seen:
                raise InvalidInput(f"invoice {inv.number} appears twice in the history")
            seen.add(inv.number)
            if inv.customer not in by_key:
                raise InvalidInput(f"invoice {inv.number} names unknown customer {inv.customer}")
            late = [p for p in inv.payments if p.received_on > self.as_of]
            if late:
                raise InvalidInput(
                    f"invoice {inv.number}: payment on {late[0].received_on} is after the "
                    f"history's as-of date {self.as_of}"
                )
        object.__setattr__(self, "_by_key", by_key)

    def customer(self, key: str) -> CustomerProfile:
        """The profile of customer ``key``."""
        return self._by_key[key]

    def truncated(self, day: date) -> LedgerHistory:
        """The history as it was known at the end of ``day``: invoices issued after it and
        payments received after it are dropped."""
        if day > self.as_of:
            raise InvalidInput(f"cannot extend a history ending {self.as_of} to {day}")
        kept = [
            InvoiceHistory(
                number=i.number,
                customer=i.customer,
                issue_date=i.issue_date,
                due_date=i.due_date,
                amount_minor=i.amount_minor,
                currency=i.currency,
                payments=tuple(p for p in i.payments if p.received_on <= day),
                disputed=False,  # undated snapshot: unknown in the past
            )
            for i in self.invoices
            if i.issue_date <= day
        ]
        return LedgerHistory(as_of=day, customers=self.customers, invoices=kept)
