"""The immutable policy table: what finance allows to be offered to whom.

A :class:`Policy` is the validated form of a policy YAML file (see :mod:`amicable.policy.load` and
``docs/policy.md``). It is pure data, built only by the loader (or by tests), never mutated.

Invariants
----------
* Every object is a frozen, slotted dataclass; collections are tuples / frozensets.
* Money values of a segment (balance bounds, minimum installment, approval thresholds) are in the
  segment's currency: the single currency of its ``when.currency`` condition if it has exactly one,
  otherwise the policy currency. They are ``Decimal`` here and become :class:`Money` on evaluation.
* Percentages are ``Decimal`` in ``[0, 100]``; day counts and installment counts are ``int >= 0``;
  every ``min`` is ``<=`` its ``max`` (the loader refuses anything else).
* ``Segment.path`` is the location of the segment in the file (``segments[2]``): every bound that
  evaluation derives from it carries a rule path built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from amicable.domain.money import Currency

__all__ = [
    "AGING_BUCKETS",
    "RISK_BANDS",
    "Action",
    "ApprovalRules",
    "ClearingPart",
    "Conditions",
    "CustomerType",
    "DecimalRange",
    "DisputeStatus",
    "Economics",
    "FeeRules",
    "Frequency",
    "IntRange",
    "LateFee",
    "PlanTerms",
    "Policy",
    "Segment",
    "ServicingTerms",
    "SettlementTerms",
    "Terms",
    "aging_bucket_for",
]


class Action(StrEnum):
    """What the agent does with an account of a segment."""

    NEGOTIATE = "negotiate"  # offers may be made inside the segment's terms
    HOLD = "hold"  # no collection contact (e.g. a dispute workflow runs instead)
    ESCALATE = "escalate"  # a human takes the case; the agent offers nothing


class Frequency(StrEnum):
    """Installment frequency of a payment plan."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class DisputeStatus(StrEnum):
    """Dispute status of an account, as a segment condition sees it."""

    NONE = "none"
    OPEN = "open"
    RESOLVED = "resolved"


class CustomerType(StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"


class ClearingPart(StrEnum):
    """The parts of a debt a payment clears, in the order a policy names."""

    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


#: Aging buckets by days past due (glossary of DESIGN §10), in order.
AGING_BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "91-120", "120+")

#: Risk bands a segment may match, from safest to riskiest.
RISK_BANDS: tuple[str, ...] = ("low", "medium", "high", "very_high")


def aging_bucket_for(days_past_due: int) -> str:
    """The aging bucket of an account ``days_past_due`` days late (``0`` or less is current)."""
    if days_past_due <= 0:
        return "current"
    for upper, name in ((30, "1-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if days_past_due <= upper:
            return name
    return "120+"


@dataclass(frozen=True, slots=True)
class IntRange:
    """An inclusive integer range; ``None`` means unbounded on that side."""

    min: int | None = None
    max: int | None = None

    def contains(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def within(self, other: IntRange) -> bool:
        """True when every value of ``self`` is also in ``other``."""
        lo = other.min is None or (self.min is not None and self.min >= other.min)
        hi = other.max is None or (self.max is not None and self.max <= other.max)
        return lo and hi

    def intersects(self, other: IntRange) -> bool:
        lo = max(
            (v for v in (self.min, other.min) if v is not None), default=None
        )  # the tighter lower bound
        hi = min((v for v in (self.max, other.max) if v is not None), default=None)
        return lo is None or hi is None or lo <= hi


@dataclass(frozen=True, slots=True)
class DecimalRange:
    """An inclusive decimal range (money in the segment currency); ``None`` is unbounded."""

    min: Decimal | None = None
    max: Decimal | None = None

    def contains(self, value: Decimal) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def within(self, other: DecimalRange) -> bool:
        lo = other.min is None or (self.min is not None and self.min >= other.min)
        hi = other.max is None or (self.max is not None and self.max <= other.max)
        return lo and hi

    def intersects(self, other: DecimalRange) -> bool:
        los = [v for v in (self.min, other.min) if v is not None]
        his = [v for v in (self.max, other.max) if v is not None]
        return not los or not his or max(los) <= min(his)


@dataclass(frozen=True, slots=True)
class Conditions:
    """The ``when`` of a segment: every condition given must hold (AND); absent ones always hold.

    Set-valued conditions hold when the account's value is one of the set. ``tags`` holds when
    the account carries every listed tag. ``jurisdiction`` entries are ISO 3166 country codes
    (``"FR"``) or country-region codes (``"US-CA"``); a country entry matches all its regions.
    """

    balance: DecimalRange | None = None
    days_past_due: IntRange | None = None
    aging_bucket: frozenset[str] | None = None
    risk_band: frozenset[str] | None = None
    tier: frozenset[str] | None = None
    customer_type: frozenset[CustomerType] | None = None
    dispute: frozenset[DisputeStatus] | None = None
    jurisdiction: frozenset[str] | None = None
    currency: frozenset[str] | None = None
    broken_promises: IntRange | None = None
    tags: frozenset[str] | None = None

    def given(self) -> tuple[str, ...]:
        """Names of the conditions that are set, in declaration order."""
        return tuple(name for name in CONDITION_KEYS if getattr(self, name) is not None)


#: Condition keys in evaluation order (also the accepted keys of ``when``).
CONDITION_KEYS: tuple[str, ...] = (
    "balance",
    "days_past_due",
    "aging_bucket",
    "risk_band",
    "tier",
    "customer_type",
    "dispute",
    "jurisdiction",
    "currency",
    "broken_promises",
    "tags",
)


@dataclass(frozen=True, slots=True)
class SettlementTerms:
    """A lump-sum settlement: at most ``max_discount_pct`` off, paid within ``pay_within_days``."""

    max_discount_pct: Decimal
    pay_within_days: int


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """The allowed shapes of an installment plan.

    ``installments`` counts the payments after the down payment. ``max_term_days`` bounds the last
    payment's date from the as-of date; ``first_due_within_days`` bounds the first payment (the down
    payment when there is one). ``min_installment`` applies to every payment after the down payment.
    """

    installments: IntRange
    frequencies: tuple[Frequency, ...]
    max_term_days: int
    first_due_within_days: int
    down_payment_min_pct: Decimal = Decimal(0)
    min_installment: Decimal | None = None
    waive_late_fees: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """``approval_required_above``: an offer above any threshold needs a human's approval.

    ``balance`` compares the account balance, ``installments`` the number of payments after the down
    payment, ``discount_pct`` the offer's discount as a percentage of the balance (all strict >).
    """

    balance: Decimal | None = None
    installments: int | None = None
    discount_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Terms:
    """What may be offered in a negotiating segment. Paying in full is always allowed."""

    settlement: SettlementTerms | None = None
    plan: PlanTerms | None = None
    approval_required_above: ApprovalRules = field(default_factory=ApprovalRules)
    pay_in_full_within_days: int = 14


@dataclass(frozen=True, slots=True)
class Segment:
    """One row of the policy table; segments are tried top to bottom and the first match wins."""

    name: str
    path: str
    when: Conditions
    action: Action
    money_currency: Currency
    approval_always: bool = False
    terms: Terms = field(default_factory=Terms)


@dataclass(frozen=True, slots=True)
class Economics:
    """Parameters of the offer optimisation (see :mod:`amicable.policy.optimise`).

    ``annual_discount_rate`` is a fraction (``0.10`` = 10 % a year); ``cost_per_contact`` is in the
    policy currency; ``external_agency_fee_pct`` is the agency's share of what it recovers.
    """

    annual_discount_rate: Decimal = Decimal("0.10")
    cost_per_contact: Decimal = Decimal("1.50")
    external_agency_fee_pct: Decimal = Decimal(25)
    contacts_per_payment: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class LateFee:
    """A configured late fee per overdue invoice: ``fixed`` plus ``pct`` of it, capped at ``max``."""

    fixed: Decimal = Decimal(0)
    pct: Decimal = Decimal(0)
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FeeRules:
    """Fees and interest the policy allows, and the order in which a payment clears them."""

    late_fee: LateFee | None = None
    eu_b2b_compensation: bool = False
    statutory_interest: bool = False
    reference_rate_pct: Decimal = Decimal(0)
    clearing_order: tuple[ClearingPart, ...] = (
        ClearingPart.FEES,
        ClearingPart.INTEREST,
        ClearingPart.PRINCIPAL,
    )


@dataclass(frozen=True, slots=True)
class ServicingTerms:
    """How an agreed payment plan is serviced (the policy's ``servicing`` section).

    ``reminder_offsets_days`` are days *before* each due date on which a reminder goes out,
    ``overdue_reminder_offsets_days`` days *after* it (each at most ``grace_days``: after grace the
    missed-installment rule speaks). A miss offers a renegotiation while fewer than
    ``max_renegotiations`` were made, and ``max_open_misses`` unpaid installments at once break the
    plan. Offsets are distinct, sorted ints ``>= 0``; the defaults are the servicing engine's.
    """

    grace_days: int = 5
    reminder_offsets_days: tuple[int, ...] = (3, 1)
    overdue_reminder_offsets_days: tuple[int, ...] = (1,)
    max_renegotiations: int = 1
    max_open_misses: int = 2


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy table; ``version`` is recorded by every decision made with it."""

    version: str
    currency: Currency
    segments: tuple[Segment, ...]
    economics: Economics = field(default_factory=Economics)
    fees: FeeRules = field(default_factory=FeeRules)
    servicing: ServicingTerms = field(default_factory=ServicingTerms)
