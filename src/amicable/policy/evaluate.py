"""Evaluation: policy + account facts at an as-of date -> the :class:`OfferSpace`.

The offer space is everything the policy allows for this account: the segment that matched and
why, the action, the allowed settlement and plan shapes and the approval requirements. Every bound
is a :class:`Limit` carrying the rule path (location in the policy file) it came from.

Invariants
----------
* Pure: the result depends only on ``(policy, facts, as_of)``; no I/O, no clock.
* Segments are tried top to bottom; the first whose every condition holds wins. Each condition of
  the winning segment is reported (:class:`ConditionCheck`), and each skipped segment gets a reason
  naming the first condition that failed.
* Fail closed: no matching segment, or a negotiating segment whose money values are in another
  currency than the account, gives ``escalate`` with no settlement and no plan.
* Only ``negotiate`` spaces carry offer shapes; ``hold`` and ``escalate`` allow no offer at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Generic, TypeVar

from amicable.domain.money import Money
from amicable.policy.facts import AccountFacts
from amicable.policy.model import Action, Conditions, Frequency, Policy, Segment

__all__ = [
    "ApprovalSpace",
    "ConditionCheck",
    "Limit",
    "OfferSpace",
    "PlanSpace",
    "Reason",
    "SettlementSpace",
    "evaluate",
    "segment_conditions",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limit(Generic[T]):
    """A bound and the rule path it came from (``segments[2].terms.plan.max_term_days``)."""

    value: T
    rule: str


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine-readable reason: ``code``, human ``message``, and the rule path if any."""

    code: str
    message: str
    rule: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """One segment condition judged against the account: did it hold, and on what values."""

    key: str
    rule: str
    held: bool
    detail: str


@dataclass(frozen=True, slots=True)
class SettlementSpace:
    """Allowed lump-sum settlement: discount ceiling and the latest due date."""

    max_discount_pct: Limit[Decimal]
    pay_within_days: Limit[int]


@dataclass(frozen=True, slots=True)
class PlanSpace:
    """Allowed installment plans (counts are payments after the down payment)."""

    installments_min: Limit[int]
    installments_max: Limit[int]
    frequencies: Limit[tuple[Frequency, ...]]
    max_term_days: Limit[int]
    first_due_within_days: Limit[int]
    down_payment_min_pct: Limit[Decimal]
    min_installment: Limit[Money] | None
    waive_late_fees: Limit[bool]


@dataclass(frozen=True, slots=True)
class ApprovalSpace:
    """When an otherwise valid offer needs a human's approval (thresholds are strict >)."""

    always: Limit[bool] | None = None
    balance_above: Limit[Money] | None = None
    installments_above: Limit[int] | None = None
    discount_pct_above: Limit[Decimal] | None = None


@dataclass(frozen=True, slots=True)
class OfferSpace:
    """What the policy allows for one account at ``as_of``; see the module docstring."""

    policy_version: str
    as_of: date
    balance: Money
    action: Action
    segment: str | None
    segment_rule: str | None
    matched: tuple[ConditionCheck, ...]
    reasons: tuple[Reason, ...]
    pay_in_full_within_days: Limit[int] | None = None
    settlement: SettlementSpace | None = None
    plan: PlanSpace | None = None
    approval: ApprovalSpace = ApprovalSpace()
    country: str | None = None
    region: str | None = None

    @property
    def negotiable(self) -> bool:
        return self.action is Action.NEGOTIATE and self.pay_in_full_within_days is not None

    def by(self, days: int) -> date:
        """The date ``days`` after the as-of date."""
        return self.as_of + timedelta(days=days)


def _range_text(lo: object, hi: object) -> str:
    if lo is not None and hi is not None:
        return f"in [{lo}, {hi}]"
    return f">= {lo}" if lo is not None else f"<= {hi}"


def segment_conditions(
    segment: Segment, facts: AccountFacts, policy: Policy
) -> tuple[ConditionCheck, ...]:
    """Judge every condition of ``segment`` against ``facts`` (all of them, for the record)."""
    when: Conditions = segment.when
    checks: list[ConditionCheck] = []

    def add(key: str, held: bool, detail: str) -> None:
        checks.append(ConditionCheck(key, f"{segment.path}.when.{key}", held, detail))

    def in_set(key: str, value: str | None, allowed: frozenset[str]) -> None:
        listed = ", ".join(sorted(allowed))
        add(key, value is not None and value in allowed, f"{key} {value} in [{listed}]")

    if when.balance is not None:
        cur = segment.money_currency
        amount: Money | None = None
        if facts.balance.currency == cur:
            amount = facts.balance
        elif (
            facts.balance_in_policy_currency is not None
            and facts.balance_in_policy_currency.currency == cur
        ):
            amount = facts.balance_in_policy_currency
        text = _range_text(when.balance.min, when.balance.max)
        if amount is None:
            add("balance", False, f"balance not known in {cur.code}; needs {text}")
        else:
            add("balance", when.balance.contains(amount.amount), f"balance {amount} {text}")
    if when.days_past_due is not None:
        r = when.days_past_due
        add(
            "days_past_due",
            r.contains(facts.days_past_due),
            f"days_past_due {facts.days_past_due} {_range_text(r.min, r.max)}",
        )
    if when.aging_bucket is not None:
        in_set("aging_bucket", facts.aging_bucket, when.aging_bucket)
    if when.risk_band is not None:
        in_set("risk_band", facts.risk_band, when.risk_band)
    if when.tier is not None:
        in_set("tier", facts.tier, when.tier)
    if when.customer_type is not None:
        in_set("customer_type", facts.customer_type.value, frozenset(when.customer_type))
    if when.dispute is not None:
        in_set("dispute", facts.dispute.value, frozenset(when.dispute))
    if when.jurisdiction is not None:
        held = facts.country is not None and (
            facts.country in when.jurisdiction or facts.jurisdiction in when.jurisdiction
        )
        listed = ", ".join(sorted(when.jurisdiction))
        add("jurisdiction", held, f"jurisdiction {facts.jurisdiction} in [{listed}]")
    if when.currency is not None:
        in_set("currency", facts.currency, when.currency)
    if when.broken_promises is not None:
        r = when.broken_promises
        add(
            "broken_promises",
            r.contains(facts.broken_promises),
            f"broken_promises {facts.broken_promises} {_range_text(r.min, r.max)}",
        )
    if when.tags is not None:
        missing = sorted(when.tags - facts.tags)
        add(
            "tags",
            not missing,
            f"tags carry {', '.join(sorted(when.tags))}"
            + (f" (missing {', '.join(missing)})" if missing else ""),
        )
    return tuple(checks)


def evaluate(policy: Policy, facts: AccountFacts, *, as_of: date) -> OfferSpace:
    """The offer space of ``facts`` under ``policy`` at ``as_of`` (see the module docstring)."""
    reasons: list[Reason] = []
    for segment in policy.segments:
        checks = segment_conditions(segment, facts, policy)
        failed = next((c for c in checks if not c.held), None)
        if failed is not None:
            reasons.append(
                Reason(
                    "segment_skipped",
                    f"segment {segment.name!r} ({segment.path}) skipped: {failed.detail} does not hold",
                    failed.rule,
                )
            )
            continue
        held = "; ".join(c.detail for c in checks) or "it has no conditions"
        reasons.append(
            Reason(
                "segment_matched",
                f"segment {segment.name!r} ({segment.path}) matched: {held}",
                segment.path,
            )
        )
        return _space_for(policy, segment, facts, as_of, checks, reasons)
    reasons.append(Reason("no_segment_matched", "no segment matched: escalating to a human"))
    return OfferSpace(
        policy_version=policy.version,
        as_of=as_of,
        balance=facts.balance,
        action=Action.ESCALATE,
        segment=None,
        segment_rule=None,
        matched=(),
        reasons=tuple(reasons),
        country=facts.country,
        region=facts.region,
    )


def _space_for(
    policy: Policy,
    segment: Segment,
    facts: AccountFacts,
    as_of: date,
    checks: tuple[ConditionCheck, ...],
    reasons: list[Reason],
) -> OfferSpace:
    action = segment.action
    shapes: _Shapes | None = None
    if action is not Action.NEGOTIATE:
        reasons.append(
            Reason(
                f"action_{action.value}",
                f"segment {segment.name!r} says {action.value}: no offer may be made",
                f"{segment.path}.action",
            )
        )
    elif segment.money_currency != facts.balance.currency:
        reasons.append(
            Reason(
                "currency_not_covered",
                f"segment {segment.name!r} is written in {segment.money_currency.code} but the "
                f"account is in {facts.currency}: escalating",
                segment.path,
            )
        )
        action = Action.ESCALATE
    else:
        shapes = _shapes(segment)
    return OfferSpace(
        policy_version=policy.version,
        as_of=as_of,
        balance=facts.balance,
        action=action,
        segment=segment.name,
        segment_rule=segment.path,
        matched=checks,
        reasons=tuple(reasons),
        pay_in_full_within_days=shapes.pay_in_full if shapes else None,
        settlement=shapes.settlement if shapes else None,
        plan=shapes.plan if shapes else None,
        approval=shapes.approval if shapes else ApprovalSpace(),
        country=facts.country,
        region=facts.region,
    )


@dataclass(frozen=True, slots=True)
class _Shapes:
    pay_in_full: Limit[int]
    settlement: SettlementSpace | None
    plan: PlanSpace | None
    approval: ApprovalSpace


@lru_cache(maxsize=4096)
def _shapes(segment: Segment) -> _Shapes:
    """The bounds of a negotiating segment (in its money currency); the same for every account,
    so computed once per segment."""
    terms = segment.terms
    path = f"{segment.path}.terms"
    cur = segment.money_currency

    def money(value: Decimal) -> Money:
        return Money(value, cur)

    settlement = None
    if terms.settlement is not None:
        sp = f"{path}.settlement"
        settlement = SettlementSpace(
            Limit(terms.settlement.max_discount_pct, f"{sp}.max_discount_pct"),
            Limit(terms.settlement.pay_within_days, f"{sp}.pay_within_days"),
        )
    plan = None
    if terms.plan is not None:
        pp = f"{path}.plan"
        p = terms.plan
        assert p.installments.min is not None and p.installments.max is not None  # loader ensures
        plan = PlanSpace(
            installments_min=Limit(p.installments.min, f"{pp}.installments.min"),
            installments_max=Limit(p.installments.max, f"{pp}.installments.max"),
            frequencies=Limit(p.frequencies, f"{pp}.frequencies"),
            max_term_days=Limit(p.max_term_days, f"{pp}.max_term_days"),
            first_due_within_days=Limit(p.first_due_within_days, f"{pp}.first_due_within_days"),
            down_payment_min_pct=Limit(p.down_payment_min_pct, f"{pp}.down_payment_min_pct"),
            min_installment=(
                Limit(money(p.min_installment), f"{pp}.min_installment")
                if p.min_installment is not None
                else None
            ),
            waive_late_fees=Limit(p.waive_late_fees, f"{pp}.waive_late_fees"),
        )
    ap = f"{path}.approval_required_above"
    rules = terms.approval_required_above
    approval = ApprovalSpace(
        always=Limit(True, f"{segment.path}.approval") if segment.approval_always else None,
        balance_above=(
            Limit(money(rules.balance), f"{ap}.balance") if rules.balance is not None else None
        ),
        installments_above=(
            Limit(rules.installments, f"{ap}.installments")
            if rules.installments is not None
            else None
        ),
        discount_pct_above=(
            Limit(rules.discount_pct, f"{ap}.discount_pct")
            if rules.discount_pct is not None
            else None
        ),
    )
    return _Shapes(
        Limit(terms.pay_in_full_within_days, f"{path}.pay_in_full_within_days"),
        settlement,
        plan,
        approval,
    )
