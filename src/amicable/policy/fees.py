"""Fees and interest a policy and the debtor's jurisdiction allow, computed exactly.

* Configured late fees: ``fixed + pct`` of the overdue invoice, capped at ``max`` (policy
  currency; rounding ``ROUND_HALF_UP`` named).
* EU business-to-business debts (Directive 2011/7/EU, art. 6 and 2(6)): a fixed €40 compensation
  per late invoice, and statutory interest at the reference rate + 8 percentage points — France
  + 10 points (Code de commerce L441-10). Interest is simple, day count **actual/365**:
  ``principal × (reference + margin) / 100 × days / 365``, rounded half up to the cent once, at the
  end.
* The order a payment clears fees, interest and principal is the policy's ``clearing_order``.

Invariants
----------
* Money only (no floats); every rounding names its mode.
* EU fees and interest apply only to business debtors in an EU member state, and only when the
  policy enables them; nothing here decides that a fee *is* charged beyond what the policy says.
* Clearing never applies more to a part than is owed; what is left over is ``unapplied``.
* :func:`assess_fees` charges only what the policy enables, per overdue invoice, each line with
  the rule it came from; ``waive_fees`` (a plan's ``waive_late_fees``) drops the late fee and the
  fixed compensation but never the statutory interest, which accrues by law.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Currency, Money
from amicable.policy.facts import AccountFacts
from amicable.policy.model import ClearingPart, CustomerType, LateFee, Policy

__all__ = [
    "EU_COMPENSATION_PER_INVOICE",
    "EU_MEMBER_STATES",
    "Clearing",
    "FeeLine",
    "InterestCalculation",
    "OverdueInvoice",
    "assess_fees",
    "clear_payment",
    "eu_b2b_applies",
    "eu_compensation",
    "late_fee",
    "statutory_interest",
    "statutory_margin_points",
]

EU_MEMBER_STATES: frozenset[str] = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
EU_COMPENSATION_PER_INVOICE: Money = Money.of("40.00", "EUR")


def late_fee(rule: LateFee, invoice_amount: Money, policy_currency: Currency) -> Money:
    """The configured late fee for one overdue invoice (in the policy currency)."""
    if invoice_amount.currency != policy_currency:
        raise InvalidInput(
            f"late fees are configured in {policy_currency.code}; the invoice is in {invoice_amount.code}"
        )
    fee = Money(rule.fixed, policy_currency) + invoice_amount.percent(
        rule.pct, rounding=ROUND_HALF_UP
    )
    if rule.max is not None:
        fee = fee.min(Money(rule.max, policy_currency))
    return fee


def eu_b2b_applies(facts: AccountFacts) -> bool:
    """True for a business debtor in an EU member state (the late payment directive's scope)."""
    return facts.customer_type is CustomerType.BUSINESS and facts.country in EU_MEMBER_STATES


def eu_compensation(late_invoices: int) -> Money:
    """€40 fixed compensation per late invoice (Directive 2011/7/EU art. 6)."""
    if late_invoices < 0:
        raise InvalidInput(f"invoice count cannot be negative, got {late_invoices}")
    return Money.from_minor(EU_COMPENSATION_PER_INVOICE.minor * late_invoices, "EUR")


def statutory_margin_points(country: str) -> Decimal:
    """Points over the reference rate: 10 in France, 8 elsewhere in the EU."""
    return Decimal(10) if country == "FR" else Decimal(8)


@dataclass(frozen=True, slots=True)
class InterestCalculation:
    """Statutory interest on one debt, with every input needed to reproduce it."""

    principal: Money
    reference_rate_pct: Decimal
    margin_points: Decimal
    annual_rate_pct: Decimal
    start: date
    end: date
    days: int
    interest: Money
    day_count: str = "actual/365"

    @property
    def formula(self) -> str:
        return (
            f"{self.principal.amount_str()} × {self.annual_rate_pct}% × {self.days}/365 "
            f"= {self.interest.amount_str()} {self.principal.code} (rounded half up)"
        )


def statutory_interest(
    principal: Money, *, reference_rate_pct: Decimal, country: str, start: date, end: date
) -> InterestCalculation:
    """Simple statutory interest from ``start`` (the day after the due date) to ``end``."""
    if not isinstance(reference_rate_pct, Decimal):
        raise InvalidInput(f"the reference rate must be a Decimal, got {reference_rate_pct!r}")
    margin = statutory_margin_points(country)
    rate = reference_rate_pct + margin
    days = max(0, (end - start).days)
    interest = Money.quantize(
        principal.amount * rate * days / (100 * 365), principal.currency, rounding=ROUND_HALF_UP
    )
    return InterestCalculation(
        principal, reference_rate_pct, margin, rate, start, end, days, interest
    )


@dataclass(frozen=True, slots=True)
class Clearing:
    """How one payment was applied: to each part, and what was left over."""

    fees: Money
    interest: Money
    principal: Money
    unapplied: Money


def clear_payment(
    payment: Money,
    *,
    fees: Money,
    interest: Money,
    principal: Money,
    order: Sequence[ClearingPart],
) -> Clearing:
    """Apply ``payment`` to the owed parts in ``order``; never more than a part owes."""
    if sorted(order) != sorted(ClearingPart):
        raise InvalidInput("the clearing order must name fees, interest and principal once each")
    owed = {
        ClearingPart.FEES: fees,
        ClearingPart.INTEREST: interest,
        ClearingPart.PRINCIPAL: principal,
    }
    left = payment
    applied: dict[ClearingPart, Money] = {}
    for part in order:
        take = left.min(owed[part]).max(Money.zero(payment.currency))
        applied[part] = take
        left = left - take
    return Clearing(
        applied[ClearingPart.FEES],
        applied[ClearingPart.INTEREST],
        applied[ClearingPart.PRINCIPAL],
        left,
    )


@dataclass(frozen=True, slots=True)
class OverdueInvoice:
    """An open invoice past its due date: its reference, open amount and due date."""

    reference: str
    amount: Money
    due_date: date


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee or interest charge: on which invoice, what kind, how much, by which rule."""

    reference: str
    kind: str  # "late_fee" | "eu_compensation" | "statutory_interest"
    amount: Money
    rule: str
    detail: str


def assess_fees(
    policy: Policy,
    facts: AccountFacts,
    invoices: Sequence[OverdueInvoice],
    *,
    as_of: date,
    waive_fees: bool = False,
) -> tuple[FeeLine, ...]:
    """The fees and interest ``policy`` allows on ``invoices`` overdue at ``as_of``."""
    rules = policy.fees
    eu = eu_b2b_applies(facts)
    lines: list[FeeLine] = []
    for inv in invoices:
        if inv.due_date >= as_of:
            continue
        if rules.late_fee is not None and not waive_fees:
            fee = late_fee(rules.late_fee, inv.amount, policy.currency)
            lines.append(
                FeeLine(inv.reference, "late_fee", fee, "fees.late_fee", f"late fee {fee}")
            )
        if rules.eu_b2b_compensation and eu and not waive_fees:
            lines.append(
                FeeLine(
                    inv.reference,
                    "eu_compensation",
                    EU_COMPENSATION_PER_INVOICE,
                    "fees.eu_b2b_compensation",
                    "fixed compensation, Directive 2011/7/EU art. 6",
                )
            )
        if rules.statutory_interest and eu and facts.country is not None:
            calc = statutory_interest(
                inv.amount,
                reference_rate_pct=rules.reference_rate_pct,
                country=facts.country,
                start=inv.due_date,
                end=as_of,
            )
            lines.append(
                FeeLine(
                    inv.reference,
                    "statutory_interest",
                    calc.interest,
                    "fees.statutory_interest.reference_rate_pct",
                    calc.formula,
                )
            )
    return tuple(lines)
