"""A concrete offer to a debtor: paying in full, a settlement, or an installment plan.

Invariants
----------
* ``payments`` lists every payment in the order given (a well-formed offer is in date order, the
  down payment first); the gate, not the constructor, judges whether an offer is well formed, so a
  malformed counter-proposal can still be represented and refused with reasons.
* All amounts of one offer share one currency (checked here: mixing currencies is a bug, not a
  negotiating position).
* ``discount`` is what the creditor gives up: ``balance - total`` for a settlement, zero otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from amicable.domain.errors import CurrencyMismatch
from amicable.domain.money import Money
from amicable.policy.model import Frequency

__all__ = ["Offer", "OfferKind", "Payment"]


class OfferKind(StrEnum):
    FULL = "full"
    SETTLEMENT = "settlement"
    PLAN = "plan"


@dataclass(frozen=True, slots=True)
class Payment:
    """One scheduled payment: ``amount`` due on the business date ``due_date``."""

    due_date: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer; ``frequency`` is known for plans built by amicable and inferred for parsed ones."""

    kind: OfferKind
    total: Money
    payments: tuple[Payment, ...]
    discount: Money
    down_payment: Money | None = None
    frequency: Frequency | None = None

    def __post_init__(self) -> None:
        amounts = [self.discount, *(p.amount for p in self.payments)]
        if self.down_payment is not None:
            amounts.append(self.down_payment)
        for amount in amounts:
            if amount.currency != self.total.currency:
                raise CurrencyMismatch(f"offer in {self.total.code} has an amount in {amount.code}")
        object.__setattr__(self, "payments", tuple(self.payments))

    @property
    def installments(self) -> tuple[Payment, ...]:
        """The payments after the down payment (what ``installments: {min, max}`` counts)."""
        return self.payments[1:] if self.down_payment is not None else self.payments

    @property
    def last_due(self) -> date:
        return max(p.due_date for p in self.payments)

    @property
    def first_due(self) -> date:
        return min(p.due_date for p in self.payments)
