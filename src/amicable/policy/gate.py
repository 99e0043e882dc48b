"""The gate: the single check every concrete offer passes, whoever proposed it.

``check(space, offer)`` judges an offer (from the optimiser, the debtor, a language model or a
human collector) against an :class:`~amicable.policy.evaluate.OfferSpace`.

Invariants
----------
* Pure and total: every malformed or out-of-policy offer yields violations, never an exception.
* Every violation is collected (the gate never stops at the first) with a code, a message, the
  parameter it concerns and the rule path of the bound it broke.
* Outcome: ``refused`` when there is any violation; otherwise ``needs_approval`` when an approval
  rule applies (segment ``approval: always`` or an ``approval_required_above`` threshold
  exceeded, strictly); otherwise ``ok``.
* Fail closed: a space that is not ``negotiate`` refuses every offer; a plan whose dates cannot be
  checked against the debtor's business-day calendar is refused.
* Plan cadence: consecutive payment dates must follow one allowed frequency: their gap is within
  the frequency's nominal range (weekly 7, biweekly 14, monthly 28–31 days) widened only by the
  non-business days next to the two dates (a date may have been moved off a weekend or holiday).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.evaluate import OfferSpace, Reason
from amicable.policy.model import Frequency
from amicable.policy.offer import Offer, OfferKind
from amicable.policy.schedule import PERIOD_DAYS, BusinessCalendar, business_calendar

__all__ = ["GateDecision", "Outcome", "Violation", "check", "discount_pct", "min_down_payment"]


class Outcome(StrEnum):
    OK = "ok"
    NEEDS_APPROVAL = "needs_approval"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``code``, human ``message``, the ``parameter`` and the ``rule`` path."""

    code: str
    message: str
    parameter: str
    rule: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "message": self.message,
            "parameter": self.parameter,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The gate's verdict on one offer, with the policy version that judged it."""

    outcome: Outcome
    violations: tuple[Violation, ...]
    approvals: tuple[Reason, ...]
    policy_version: str

    @property
    def accepted(self) -> bool:
        """True for ``ok`` and ``needs_approval`` (inside policy)."""
        return self.outcome is not Outcome.REFUSED

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "policy_version": self.policy_version,
            "violations": [v.to_json() for v in self.violations],
            "approvals": [
                {"code": r.code, "message": r.message, "rule": r.rule} for r in self.approvals
            ],
        }


def discount_pct(discount: Money, balance: Money) -> Decimal:
    """The discount as an exact percentage of the balance."""
    return discount.amount * 100 / balance.amount


def _pct_text(pct: Decimal) -> str:
    """A percentage for a message: two places, half up (the comparison itself stays exact)."""
    return f"{pct.quantize(Decimal('0.01'), rounding='ROUND_HALF_UP').normalize():f}"


def min_down_payment(total: Money, pct: Decimal) -> Money:
    """The smallest down payment meeting ``pct`` percent of ``total`` (rounded up, never below)."""
    return total.percent(pct, rounding="ROUND_CEILING")


def check(space: OfferSpace, offer: Offer) -> GateDecision:
    """Judge ``offer`` against ``space``; see the module docstring."""
    out: list[Violation] = []

    def bad(code: str, message: str, parameter: str, rule: str | None = None) -> None:
        out.append(Violation(code, message, parameter, rule))

    if not space.negotiable:
        bad(
            "no_offer_allowed",
            f"the account's action is {space.action.value}: no offer may be made",
            "action",
            f"{space.segment_rule}.action" if space.segment_rule else None,
        )
        return _decide(space, out, ())
    if offer.total.currency != space.balance.currency:
        bad(
            "currency_mismatch",
            f"offer in {offer.total.code}, account in {space.balance.code}",
            "currency",
        )
        return _decide(space, out, ())
    _check_shape(space, offer, bad)
    if offer.kind is OfferKind.FULL:
        _check_full(space, offer, bad)
    elif offer.kind is OfferKind.SETTLEMENT:
        _check_settlement(space, offer, bad)
    else:
        _check_plan(space, offer, bad)
    return _decide(space, out, _approvals(space, offer) if not out else ())


def _check_shape(space: OfferSpace, offer: Offer, bad: _Bad) -> None:
    """What every offer must satisfy: payments present, positive, dated, summing to the total."""
    if not offer.payments:
        bad("no_payments", "the offer has no payments", "installments")
        return
    if any(not p.amount.is_positive() for p in offer.payments):
        bad("non_positive_payment", "every payment must be a positive amount", "installments")
    total = Money.sum((p.amount for p in offer.payments), offer.total.currency)
    if total != offer.total:
        bad(
            "payments_do_not_sum_to_total",
            f"payments sum to {total}, the total is {offer.total}",
            "installments",
        )
    if offer.total + offer.discount != space.balance:
        bad(
            "total_plus_discount_is_not_balance",
            f"total {offer.total} + discount {offer.discount} must equal the balance {space.balance}",
            "total",
        )
    if offer.discount.is_negative():
        bad("negative_discount", f"discount {offer.discount} is negative", "discount")
    dates = [p.due_date for p in offer.payments]
    if any(b <= a for a, b in itertools.pairwise(dates)):
        bad("payments_not_in_date_order", "payment dates must strictly increase", "installments")
    if dates[0] < space.as_of:
        bad(
            "payment_before_as_of",
            f"first payment {dates[0]} is before {space.as_of}",
            "installments",
        )


def _check_single(space: OfferSpace, offer: Offer, bad: _Bad, days: int, rule: str) -> None:
    if offer.payments and len(offer.payments) != 1:  # none at all is reported once, above
        bad(
            "not_a_single_payment",
            f"a {offer.kind.value} offer is one payment, got {len(offer.payments)}",
            "installments",
        )
    if offer.down_payment is not None:
        bad(
            "unexpected_down_payment",
            f"a {offer.kind.value} offer has no down payment",
            "down_payment",
        )
    latest = space.by(days)
    if offer.payments and offer.last_due > latest:
        bad(
            "due_too_late",
            f"due {offer.last_due}, latest allowed {latest} ({days} days)",
            "due_date",
            rule,
        )


def _check_full(space: OfferSpace, offer: Offer, bad: _Bad) -> None:
    assert space.pay_in_full_within_days is not None  # negotiable
    limit = space.pay_in_full_within_days
    if not offer.discount.is_zero():
        bad("discount_not_allowed", "paying in full carries no discount", "discount")
    _check_single(space, offer, bad, limit.value, limit.rule)


def _check_settlement(space: OfferSpace, offer: Offer, bad: _Bad) -> None:
    if space.settlement is None:
        bad(
            "settlement_not_allowed",
            f"segment {space.segment!r} allows no settlement",
            "kind",
            space.segment_rule,
        )
        return
    s = space.settlement
    pct = discount_pct(offer.discount, space.balance)
    if pct > s.max_discount_pct.value:
        bad(
            "discount_above_maximum",
            f"discount {_pct_text(pct)}% is above the maximum {s.max_discount_pct.value}%",
            "discount",
            s.max_discount_pct.rule,
        )
    _check_single(space, offer, bad, s.pay_within_days.value, s.pay_within_days.rule)


def _check_plan(space: OfferSpace, offer: Offer, bad: _Bad) -> None:
    if space.plan is None:
        bad(
            "plan_not_allowed",
            f"segment {space.segment!r} allows no installment plan",
            "kind",
            space.segment_rule,
        )
        return
    p = space.plan
    if not offer.discount.is_zero():
        bad("discount_not_allowed", "an installment plan carries no discount", "discount")
    if not offer.payments:
        return
    down = offer.down_payment
    if down is not None and down != offer.payments[0].amount:
        bad("down_payment_mismatch", "the down payment must be the first payment", "down_payment")
    required = min_down_payment(offer.total, p.down_payment_min_pct.value)
    if required.is_positive() and (down is None or down < required):
        bad(
            "down_payment_below_minimum",
            f"down payment {down or Money.zero(offer.total.currency)} is below {required} "
            f"({p.down_payment_min_pct.value}% of {offer.total})",
            "down_payment",
            p.down_payment_min_pct.rule,
        )
    count = len(offer.installments)
    if count < p.installments_min.value:
        bad(
            "too_few_installments",
            f"{count} installments, at least {p.installments_min.value}",
            "installments",
            p.installments_min.rule,
        )
    if count > p.installments_max.value:
        bad(
            "too_many_installments",
            f"{count} installments, at most {p.installments_max.value}",
            "installments",
            p.installments_max.rule,
        )
    if p.min_installment is not None:
        small = [i for i in offer.installments if i.amount < p.min_installment.value]
        if small:
            bad(
                "installment_below_minimum",
                f"{len(small)} installment(s) below the minimum {p.min_installment.value}",
                "installments",
                p.min_installment.rule,
            )
    window = space.by(p.first_due_within_days.value)
    if offer.first_due > window:
        bad(
            "first_payment_too_late",
            f"first payment {offer.first_due}, latest allowed {window}",
            "due_date",
            p.first_due_within_days.rule,
        )
    term_end = space.by(p.max_term_days.value)
    if offer.last_due > term_end:
        bad(
            "term_too_long",
            f"last payment {offer.last_due} is after {term_end} ({p.max_term_days.value} days)",
            "due_date",
            p.max_term_days.rule,
        )
    try:
        cal = business_calendar(space.country, space.region)
    except InvalidInput as exc:
        bad("no_business_calendar", str(exc), "due_date")
        return
    off = [p_.due_date for p_ in offer.payments if not cal.is_business_day(p_.due_date)]
    if off:
        bad(
            "not_a_business_day",
            f"due on a weekend or public holiday: {', '.join(d.isoformat() for d in off)}",
            "due_date",
        )
    allowed = p.frequencies.value
    if offer.frequency is not None and offer.frequency not in allowed:
        bad(
            "frequency_not_allowed",
            f"{offer.frequency.value} is not one of {', '.join(f.value for f in allowed)}",
            "frequency",
            p.frequencies.rule,
        )
    elif not any(
        _follows(offer, f, cal) for f in ((offer.frequency,) if offer.frequency else allowed)
    ):
        bad(
            "cadence_not_allowed",
            f"payment dates do not follow an allowed frequency ({', '.join(f.value for f in allowed)})",
            "frequency",
            p.frequencies.rule,
        )


def _follows(offer: Offer, frequency: Frequency, cal: BusinessCalendar) -> bool:
    lo, hi = PERIOD_DAYS[frequency]
    dates = [p.due_date for p in offer.payments]
    for a, b in itertools.pairwise(dates):
        gap = (b - a).days
        # The runs of non-business days only widen [lo, hi] (they are never negative), so they
        # are looked up only for a gap outside it: most gaps are inside, and the lookups were a
        # third of a plan's check.
        if gap < lo and gap < lo - cal.run_before(a) - cal.run_after(b):
            return False
        if gap > hi and gap > hi + cal.run_after(a) + cal.run_before(b):
            return False
    return True


def _approvals(space: OfferSpace, offer: Offer) -> tuple[Reason, ...]:
    a = space.approval
    out: list[Reason] = []
    if a.always is not None:
        out.append(
            Reason(
                "approval_always",
                f"segment {space.segment!r} needs approval for every agreement",
                a.always.rule,
            )
        )
    if a.balance_above is not None and space.balance > a.balance_above.value:
        out.append(
            Reason(
                "approval_balance",
                f"balance {space.balance} is above {a.balance_above.value}",
                a.balance_above.rule,
            )
        )
    if (
        a.installments_above is not None
        and offer.kind is OfferKind.PLAN
        and len(offer.installments) > a.installments_above.value
    ):
        out.append(
            Reason(
                "approval_installments",
                f"{len(offer.installments)} installments is more than {a.installments_above.value}",
                a.installments_above.rule,
            )
        )
    if a.discount_pct_above is not None:
        pct = discount_pct(offer.discount, space.balance)
        if pct > a.discount_pct_above.value:
            out.append(
                Reason(
                    "approval_discount",
                    f"discount {_pct_text(pct)}% is above {a.discount_pct_above.value}%",
                    a.discount_pct_above.rule,
                )
            )
    return tuple(out)


def _decide(
    space: OfferSpace, violations: list[Violation], approvals: tuple[Reason, ...]
) -> GateDecision:
    if violations:
        outcome = Outcome.REFUSED
    elif approvals:
        outcome = Outcome.NEEDS_APPROVAL
    else:
        outcome = Outcome.OK
    return GateDecision(outcome, tuple(violations), approvals, space.policy_version)


class _Bad(Protocol):
    """Signature of the violation collector passed to the checks."""

    def __call__(
        self, code: str, message: str, parameter: str, rule: str | None = None
    ) -> None: ...
