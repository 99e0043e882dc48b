"""Offer optimisation: expected net present value of candidate offers, the opening offer and the
concession ladder, with a breakdown that explains every number.

The model (formulas in ``docs/policy.md``)
------------------------------------------
``p`` = P(the account pays at all), from a :class:`RiskPort` (a risk model) or, until one exists,
:class:`HeuristicRisk` (days past due, broken promises, on-time history). For a payment of amount
``a`` due ``t`` days after the as-of date on a balance ``B``::

    P(paid)  = min(1, p × (1 − λ·(1 − p)·a/B) × (1 − m)^(t/30) × (1 + ε·d))   affordability × survival
    DF(t)    = (1 + r)^(−t/365)                                            time value, r annual
    E[PV]    = Σ P(paid) × a × DF(t)
    E[cost]  = c × k × Σ p × (1 − m)^(t/30)      one contact budget per payment while alive
    NPV      = E[PV] − E[cost]

``λ`` (burden weight) makes larger payments less likely to be paid — the more so the riskier
the debtor (a reliable payer is not deterred by a lump sum), ``m`` (monthly hazard) makes
longer plans default more, ``ε`` (discount elasticity) makes a settlement discount ``d`` (a
fraction) more attractive; ``r``, ``c`` (cost per contact) and ``k`` (contacts per payment) come
from the policy's ``economics``. The alternatives: an external agency recovers
``B × p × ρ × (1 − fee)`` after ``T`` days (discounted), writing off recovers 0.

Invariants
----------
* Every candidate, the recommended offer and every ladder step passed the gate for this space
  (``ok`` or ``needs_approval``): the optimiser never proposes anything outside the policy.
* The recommended opening offer has the highest NPV among candidates that need no approval (all
  candidates if every one needs approval).
* The ladder starts at the recommended offer, strictly increases in concession order (full <
  settlements by discount < plans by installment count), and its last step is at the bound: the
  most installments that fit (slowest frequency that fits) when plans are allowed, else the
  largest settlement discount allowed.
* Pure: depends only on its arguments; Decimal arithmetic throughout, rounding named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache
from typing import Protocol

from amicable.domain.money import Money
from amicable.policy.evaluate import OfferSpace, Reason
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import GateDecision, Outcome, check, min_down_payment
from amicable.policy.model import Frequency, Policy
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.schedule import BusinessCalendar, build_plan, business_calendar

__all__ = [
    "AffordabilityModel",
    "HeuristicRisk",
    "OfferValue",
    "Optimisation",
    "PaymentValue",
    "RiskPort",
    "candidate_offers",
    "concession_key",
    "optimise",
    "value_offer",
]

_SLOWNESS = {Frequency.WEEKLY: 0, Frequency.BIWEEKLY: 1, Frequency.MONTHLY: 2}
#: Days the debtor gets before the first plan payment (capped by the policy's window).
FIRST_PLAN_PAYMENT_DAYS = 7


class RiskPort(Protocol):
    """Anything that gives P(the account pays at all) in [0, 1] (the strategy layer's model)."""

    def probability_of_payment(self, facts: AccountFacts) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class HeuristicRisk:
    """The documented heuristic used until a risk model exists.

    A probability already on the facts (from a model) wins. Otherwise::

        p = max(floor, base − per_day × days_past_due) × promise_factor^broken_promises
        p = p × (1/2 + on_time_ratio/2)        when a payment history exists
        p = clamp(p, floor, cap)
    """

    base: Decimal = Decimal("0.90")
    per_day: Decimal = Decimal("0.002")
    promise_factor: Decimal = Decimal("0.80")
    floor: Decimal = Decimal("0.05")
    cap: Decimal = Decimal("0.99")

    def probability_of_payment(self, facts: AccountFacts) -> Decimal:
        if facts.probability_of_payment is not None:
            return facts.probability_of_payment
        p = max(self.floor, self.base - self.per_day * facts.days_past_due)
        p *= self.promise_factor**facts.broken_promises
        if facts.on_time_ratio is not None:
            p *= Decimal("0.5") + facts.on_time_ratio / 2
        return min(self.cap, max(self.floor, p))


@dataclass(frozen=True, slots=True)
class AffordabilityModel:
    """Parameters of P(paid) and of the agency alternative (see the module docstring)."""

    burden_weight: Decimal = Decimal(1)  # λ
    monthly_hazard: Decimal = Decimal("0.05")  # m
    discount_elasticity: Decimal = Decimal(3)  # ε
    agency_recovery_factor: Decimal = Decimal("0.60")  # ρ
    agency_days: int = 90  # T


@dataclass(frozen=True, slots=True)
class PaymentValue:
    """One payment of a candidate: its probability, discount factor and expected present value."""

    due_date: date
    amount: Money
    days: int
    probability: Decimal
    discount_factor: Decimal
    expected_pv: Decimal

    def to_json(self) -> dict[str, object]:
        return {
            "due_date": self.due_date.isoformat(),
            "amount": self.amount.amount_str(),
            "days": self.days,
            "p_paid": f"{self.probability:.4f}",
            "discount_factor": f"{self.discount_factor:.6f}",
            "expected_pv": f"{self.expected_pv:.2f}",
        }


@dataclass(frozen=True, slots=True)
class OfferValue:
    """A candidate offer, its gate decision and its valuation."""

    offer: Offer
    gate: GateDecision
    payments: tuple[PaymentValue, ...]
    expected_pv: Money
    expected_cost: Money
    npv: Money

    @property
    def requires_approval(self) -> bool:
        return self.gate.outcome is Outcome.NEEDS_APPROVAL

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.offer.kind.value,
            "total": self.offer.total.amount_str(),
            "discount": self.offer.discount.amount_str(),
            "installments": len(self.offer.installments),
            "frequency": self.offer.frequency.value if self.offer.frequency else None,
            "expected_pv": self.expected_pv.amount_str(),
            "expected_cost": self.expected_cost.amount_str(),
            "npv": self.npv.amount_str(),
            "requires_approval": self.requires_approval,
            "payments": [p.to_json() for p in self.payments],
        }


@dataclass(frozen=True, slots=True)
class Optimisation:
    """The optimiser's answer: every candidate valued, the opening offer, the ladder, alternatives."""

    probability: Decimal
    candidates: tuple[OfferValue, ...]
    recommended: OfferValue | None
    ladder: tuple[OfferValue, ...]
    agency_value: Money
    write_off_value: Money
    reasons: tuple[Reason, ...]


@lru_cache(maxsize=65536)  # the same (rate, days) pairs recur across candidates and accounts
def _power(base: Decimal, exponent: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return base**exponent if exponent != 0 else Decimal(1)


@lru_cache(maxsize=65536)
def _factors(hazard: Decimal, rate: Decimal, days: int) -> tuple[Decimal, Decimal]:
    """Survival to a payment ``days`` away and its discount factor (the same days recur)."""
    return _power(1 - hazard, Decimal(days) / 30), _power(1 + rate, Decimal(-days) / 365)


def value_offer(
    offer: Offer,
    gate: GateDecision,
    *,
    space: OfferSpace,
    policy: Policy,
    probability: Decimal,
    model: AffordabilityModel,
) -> OfferValue:
    """Expected present value, expected cost and NPV of one offer (formulas: module docstring)."""
    econ = policy.economics
    balance = space.balance.amount
    d = offer.discount.amount / balance
    boost = 1 + model.discount_elasticity * d
    rows: list[PaymentValue] = []
    alive_sum = Decimal(0)
    hazard, rate = model.monthly_hazard, econ.annual_discount_rate
    for pay in offer.payments:
        t = (pay.due_date - space.as_of).days
        survival, df = _factors(hazard, rate, t)
        afford = 1 - model.burden_weight * (1 - probability) * pay.amount.amount / balance
        prob = min(Decimal(1), probability * afford * survival * boost)
        rows.append(
            PaymentValue(pay.due_date, pay.amount, t, prob, df, prob * pay.amount.amount * df)
        )
        alive_sum += probability * survival
    cur = offer.total.currency
    pv = Money.quantize(
        sum((r.expected_pv for r in rows), Decimal(0)), cur, rounding=ROUND_HALF_EVEN
    )
    cost = Money.quantize(
        econ.cost_per_contact * econ.contacts_per_payment * alive_sum, cur, rounding=ROUND_HALF_EVEN
    )
    return OfferValue(offer, gate, tuple(rows), pv, cost, pv - cost)


def _single(
    space: OfferSpace, kind: OfferKind, total: Money, days: int, cal: BusinessCalendar
) -> Offer | None:
    due = cal.adjust(space.by(days), earliest=space.as_of, latest=space.by(days))
    if due is None:
        return None
    return Offer(kind, total, (Payment(due, total),), space.balance - total)


def candidate_offers(space: OfferSpace) -> list[Offer]:
    """Every offer shape the optimiser considers for ``space`` (before the gate)."""
    if not space.negotiable:
        return []
    assert space.pay_in_full_within_days is not None
    cal = business_calendar(space.country, space.region)
    balance = space.balance
    out: list[Offer | None] = [
        _single(space, OfferKind.FULL, balance, space.pay_in_full_within_days.value, cal)
    ]
    if space.settlement is not None:
        top = space.settlement.max_discount_pct.value
        levels = [Decimal(k) for k in range(1, int(top) + 1) if Decimal(k) < top] + [top]
        for pct in levels:
            discount = balance.percent(pct, rounding=ROUND_FLOOR)
            if discount.is_positive():
                out.append(
                    _single(
                        space,
                        OfferKind.SETTLEMENT,
                        balance - discount,
                        space.settlement.pay_within_days.value,
                        cal,
                    )
                )
    if space.plan is not None:
        p = space.plan
        down = min_down_payment(balance, p.down_payment_min_pct.value)
        preferred = min(FIRST_PLAN_PAYMENT_DAYS, p.first_due_within_days.value)
        for frequency in p.frequencies.value:
            for count in range(p.installments_min.value, p.installments_max.value + 1):
                # Start a week out when the plan fits; otherwise start earlier, down to today,
                # so that every plan length the policy allows is found.
                for offset in range(preferred, -1, -1):
                    built = build_plan(
                        balance,
                        as_of=space.as_of,
                        first_due=space.by(offset),
                        first_due_latest=space.by(p.first_due_within_days.value),
                        latest=space.by(p.max_term_days.value),
                        frequency=frequency,
                        count=count,
                        down_payment=down if down.is_positive() else None,
                        calendar=cal,
                    )
                    if built is not None:
                        out.append(built)
                        break
    # Equal offers once, in first-seen order (an offer's hash is deep: taken once each).
    return list(dict.fromkeys(o for o in out if o is not None))


def concession_key(offer: Offer) -> tuple[int, int, int]:
    """Order of concessions to the debtor: full < settlement by discount < plan by installments
    (then slower frequency)."""
    if offer.kind is OfferKind.FULL:
        return (0, 0, 0)
    if offer.kind is OfferKind.SETTLEMENT:
        return (1, offer.discount.minor, 0)
    slowness = _SLOWNESS[offer.frequency] if offer.frequency is not None else 0
    return (2, len(offer.installments), slowness)


def optimise(
    policy: Policy,
    space: OfferSpace,
    facts: AccountFacts,
    *,
    risk: RiskPort | None = None,
    model: AffordabilityModel | None = None,
) -> Optimisation:
    """Value every candidate inside ``space`` and choose the opening offer and ladder."""
    if risk is None and model is None:
        key = _Key.of(policy, space, facts)
        if key is not None:
            return _optimise_default(key)
    return _optimise(policy, space, facts, risk=risk, model=model)


class _Key:
    """The memo key of :func:`_optimise_default`: the arguments, hashed once.

    A policy's hash is deep (every segment, rule and limit), and a memo lookup hashed it twice
    (once to know whether the arguments are hashable, once in the cache). The key holds the
    hash it was built with; equality is still the arguments' own (by content).
    """

    __slots__ = ("_hash", "values")

    def __init__(self, values: tuple[Policy, OfferSpace, AccountFacts], hashed: int) -> None:
        self.values = values
        self._hash = hashed

    @classmethod
    def of(cls, policy: Policy, space: OfferSpace, facts: AccountFacts) -> _Key | None:
        values = (policy, space, facts)
        try:
            hashed = hash(values)
        except TypeError:  # a policy built by hand with a list inside
            return None
        return cls(values, hashed)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self._hash == other._hash and self.values == other.values


@lru_cache(maxsize=1024)
def _optimise_default(key: _Key) -> Optimisation:
    # Pure in its arguments, all frozen values compared by content (Money is normalised): every
    # turn of a conversation asks the same question on the same facts (about 60 % of the calls
    # of a simulated run repeat one; ~7 % of its time went to recomputing them).
    policy, space, facts = key.values
    return _optimise(policy, space, facts, risk=None, model=None)


def _optimise(
    policy: Policy,
    space: OfferSpace,
    facts: AccountFacts,
    *,
    risk: RiskPort | None,
    model: AffordabilityModel | None,
) -> Optimisation:
    model = model or AffordabilityModel()
    p = (risk or HeuristicRisk()).probability_of_payment(facts)
    cur = space.balance.currency
    agency = Money.quantize(
        space.balance.amount
        * p
        * model.agency_recovery_factor
        * (1 - policy.economics.external_agency_fee_pct / 100)
        * _power(1 + policy.economics.annual_discount_rate, Decimal(-model.agency_days) / 365),
        cur,
        rounding=ROUND_HALF_EVEN,
    )
    zero = Money.zero(cur)
    valued: list[OfferValue] = []
    for offer in candidate_offers(space):
        decision = check(space, offer)
        if decision.accepted:
            valued.append(
                value_offer(offer, decision, space=space, policy=policy, probability=p, model=model)
            )
    reasons: list[Reason] = [
        Reason("probability_of_payment", f"P(pays) = {p:.4f} ({_source(facts, risk)})"),
        Reason(
            "agency_alternative", f"an external agency would net {agency} (expected, discounted)"
        ),
    ]
    if not valued:
        if space.negotiable:
            reasons.append(Reason("no_offer_fits", "no candidate offer fits the policy"))
        return Optimisation(p, (), None, (), agency, zero, tuple(reasons))
    free = [v for v in valued if not v.requires_approval] or valued
    best = max(free, key=lambda v: (v.npv, -_index(valued, v)))
    reasons.append(
        Reason(
            "recommended",
            f"opening offer: {best.offer.kind.value} {best.offer.total} with the highest expected "
            f"NPV {best.npv}" + (" (needs approval)" if best.requires_approval else ""),
        )
    )
    if best.npv < agency:
        reasons.append(
            Reason(
                "agency_better",
                f"best in-house NPV {best.npv} is below the agency alternative {agency}",
            )
        )
    ladder = _ladder(valued, best)
    return Optimisation(p, tuple(valued), best, ladder, agency, zero, tuple(reasons))


def _index(items: list[OfferValue], item: OfferValue) -> int:
    return next(i for i, v in enumerate(items) if v is item)


def _source(facts: AccountFacts, risk: RiskPort | None) -> str:
    if risk is not None:
        return f"risk model {type(risk).__name__}"
    if facts.probability_of_payment is not None:
        return "risk score on the account"
    return "heuristic from days past due, broken promises and payment history"


def _ladder(valued: list[OfferValue], best: OfferValue) -> tuple[OfferValue, ...]:
    start = concession_key(best.offer)
    # The bound: the most generous offer inside policy.
    bound = max(valued, key=lambda v: concession_key(v.offer))
    steps: dict[tuple[int, int], OfferValue] = {}
    for v in valued:
        key = concession_key(v.offer)
        if key <= start or key >= concession_key(bound.offer):
            continue
        group = key[:2]
        if group == start[:2] or group == concession_key(bound.offer)[:2]:
            continue
        if group not in steps or v.npv > steps[group].npv:
            steps[group] = v
    middle = [steps[k] for k in sorted(steps)]
    ladder = [best, *middle]
    if bound is not best:
        ladder.append(bound)
    return tuple(ladder)
