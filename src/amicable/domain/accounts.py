"""Account facts: what the rest of the system (policy, strategy) knows about one customer's account.

* :class:`PaymentProfile` — how late this customer pays: one observation per allocation of a
  payment to an invoice (days late = settlement date − due date, negative = early).
* :class:`AccountFacts` — balance, days past due, dispute flag, segmentation attributes and the
  payment profile, as one immutable value. Built by the service layer from the ledger; pure here.

Invariants: pure functions of their inputs, no clock (``as_of`` is explicit); median and average
are exact ``Decimal`` rounded half-even to one place; an empty history gives ``None`` statistics,
never zeros that would look like a punctual payer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from amicable.domain.money import Money

__all__ = ["AccountFacts", "PaymentProfile", "payment_profile"]

_ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class PaymentProfile:
    """Lateness statistics over settled allocations.

    Attributes:
        settlements: how many allocations were observed.
        average_days_late: mean of max(0, days late), or None without history.
        median_days_late: median of max(0, days late), or None without history.
        on_time_share: share (0..1, two places) paid on or before the due date, or None.
        max_days_late: the worst lateness seen, or None.
    """

    settlements: int
    average_days_late: Decimal | None
    median_days_late: Decimal | None
    on_time_share: Decimal | None
    max_days_late: int | None

    def to_json(self) -> dict[str, object]:
        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "settlements": self.settlements,
            "average_days_late": s(self.average_days_late),
            "median_days_late": s(self.median_days_late),
            "on_time_share": s(self.on_time_share),
            "max_days_late": self.max_days_late,
        }


def payment_profile(settlements: Iterable[tuple[date, date]]) -> PaymentProfile:
    """Build the profile from ``(due_date, paid_on)`` pairs."""
    lateness = sorted(max(0, (paid - due).days) for due, paid in settlements)
    n = len(lateness)
    if n == 0:
        return PaymentProfile(0, None, None, None, None)
    mid = n // 2
    median = Decimal(lateness[mid]) if n % 2 else Decimal(lateness[mid - 1] + lateness[mid]) / 2
    on_time = sum(1 for d in lateness if d == 0)
    return PaymentProfile(
        settlements=n,
        average_days_late=(Decimal(sum(lateness)) / n).quantize(_ONE_PLACE, ROUND_HALF_EVEN),
        median_days_late=median.quantize(_ONE_PLACE, ROUND_HALF_EVEN),
        on_time_share=(Decimal(on_time) / n).quantize(Decimal("0.01"), ROUND_HALF_EVEN),
        max_days_late=lateness[-1],
    )


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Everything a policy or strategy needs to know about one account, as of a date.

    Attributes:
        balances: open balance per currency (zero balances omitted).
        currency: the account's main currency (largest balance; None when nothing is open).
        max_days_past_due: the oldest open invoice's days past due (0 when nothing is overdue).
        oldest_due_date: the due date of the oldest open invoice, or None.
        open_dispute: True when any open invoice is disputed.
        open_invoices: how many invoices have a non-zero open amount.
    """

    as_of: date
    customer_id: int
    external_id: str
    name: str
    customer_type: str
    tier: str | None
    country: str | None
    region: str | None
    language: str
    timezone: str | None
    tags: tuple[str, ...]
    balances: dict[str, Money]
    currency: str | None
    max_days_past_due: int
    oldest_due_date: date | None
    open_dispute: bool
    open_invoices: int
    payments: PaymentProfile

    @property
    def balance(self) -> Money | None:
        """The balance in the main currency (None when nothing is open)."""
        return None if self.currency is None else self.balances[self.currency]
