"""What the policy engine knows about one account: :class:`AccountFacts`.

The facts are a snapshot computed by the caller (ledger, risk model) at an as-of date; the engine
never looks anything up itself.

Invariants
----------
* ``balance`` is positive and in the account's currency (``balance.currency``); every offer for the
  account is in that currency.
* ``balance_in_policy_currency``, when given, is the same debt converted by the caller into the
  policy currency; balance conditions of a segment in another currency use it. Without it such a
  condition does not hold (fail closed: the account falls to a later, usually stricter, segment).
* ``probability_of_payment`` (from a risk model) is a ``Decimal`` in ``[0, 1]`` or ``None``.
* Counts and days are integers ``>= 0``; ``on_time_ratio`` is in ``[0, 1]`` or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.model import RISK_BANDS, CustomerType, DisputeStatus, aging_bucket_for

__all__ = ["AccountFacts"]


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """A snapshot of one account as the policy sees it.

    Attributes:
        balance: open balance owed, in the account currency (positive).
        days_past_due: days since the oldest open due date (0 when nothing is overdue).
        oldest_due_date: the oldest open due date, if any.
        risk_band: one of :data:`~amicable.policy.model.RISK_BANDS`, if scored.
        probability_of_payment: P(the account pays) from a risk model, if known.
        tier: the customer's tier label (``"enterprise"``), if any.
        customer_type: business or consumer.
        dispute: dispute status of the account.
        country: ISO 3166 country of the debtor (jurisdiction and business-day calendar).
        region: ISO 3166-2 subdivision code without the country (``"CA"``), if known.
        broken_promises: promises to pay broken so far.
        tags: free labels on the account.
        payments_made: payments received on this account's history.
        on_time_ratio: share of past invoices paid on time, if there is a history.
        open_invoices: number of open invoices (fees per invoice).
        balance_in_policy_currency: the balance converted to the policy currency, if different.
    """

    balance: Money
    days_past_due: int
    customer_type: CustomerType = CustomerType.BUSINESS
    dispute: DisputeStatus = DisputeStatus.NONE
    oldest_due_date: date | None = None
    risk_band: str | None = None
    probability_of_payment: Decimal | None = None
    tier: str | None = None
    country: str | None = None
    region: str | None = None
    broken_promises: int = 0
    tags: frozenset[str] = frozenset()
    payments_made: int = 0
    on_time_ratio: Decimal | None = None
    open_invoices: int = 1
    balance_in_policy_currency: Money | None = None

    def __post_init__(self) -> None:
        if not self.balance.is_positive():
            raise InvalidInput(f"account balance must be positive, got {self.balance}")
        for name in ("days_past_due", "broken_promises", "payments_made", "open_invoices"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(f"{name} must be a whole number >= 0, got {value!r}")
        for name in ("probability_of_payment", "on_time_ratio"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not 0 <= value <= 1):
                raise InvalidInput(f"{name} must be a Decimal in [0, 1], got {value!r}")
        if self.risk_band is not None and self.risk_band not in RISK_BANDS:
            raise InvalidInput(
                f"unknown risk band {self.risk_band!r}; known: {', '.join(RISK_BANDS)}"
            )
        if self.country is not None and (len(self.country) != 2 or not self.country.isupper()):
            raise InvalidInput(f"country must be an ISO 3166 alpha-2 code, got {self.country!r}")
        object.__setattr__(self, "tags", frozenset(self.tags))

    @property
    def currency(self) -> str:
        """The account currency code."""
        return self.balance.code

    @property
    def aging_bucket(self) -> str:
        """The aging bucket of :attr:`days_past_due`."""
        return aging_bucket_for(self.days_past_due)

    @property
    def jurisdiction(self) -> str | None:
        """``"US-CA"`` when the region is known, ``"FR"`` for a country alone, else ``None``."""
        if self.country is None:
            return None
        return f"{self.country}-{self.region}" if self.region else self.country
