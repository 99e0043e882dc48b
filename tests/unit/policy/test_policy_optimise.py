"""Offer optimisation: valuations, the opening offer, the concession ladder — and the properties
that keep the optimiser inside the policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import (
    AS_OF,
    as_of_dates,
    balances,
    countries,
    facts,
    load_doc,
    policy_doc,
    stricter,
    terms_dicts,
)

from amicable.domain.money import Money
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import check
from amicable.policy.model import DisputeStatus
from amicable.policy.offer import OfferKind
from amicable.policy.optimise import (
    AffordabilityModel,
    HeuristicRisk,
    candidate_offers,
    concession_key,
    optimise,
)


def _run(doc: dict[str, Any], f: AccountFacts, as_of: date = AS_OF) -> Any:
    policy = load_doc(doc)
    space = evaluate(policy, f, as_of=as_of)
    return policy, space, optimise(policy, space, f)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"days_past_due": 0}, Decimal("0.90")),
        ({"days_past_due": 100}, Decimal("0.70")),
        ({"days_past_due": 1000}, Decimal("0.05")),
        ({"days_past_due": 100, "broken_promises": 2}, Decimal("0.448")),
        ({"days_past_due": 0, "on_time_ratio": Decimal("0.5")}, Decimal("0.675")),
        ({"days_past_due": 0, "probability_of_payment": Decimal("0.33")}, Decimal("0.33")),
    ],
)
def test_the_heuristic_probability_follows_its_documented_formula(
    kwargs: dict[str, Any], expected: Decimal
) -> None:
    assert HeuristicRisk().probability_of_payment(facts(**kwargs)) == expected


def test_a_payment_is_valued_by_probability_discounting_and_cost() -> None:
    _policy, _space, result = _run(policy_doc(terms={}), facts("1000.00", days_past_due=0))
    [full] = result.candidates
    assert full.offer.kind is OfferKind.FULL
    [row] = full.payments
    assert row.days == 14 and row.due_date == date(2026, 12, 4)
    p = Decimal("0.90")
    survival = Decimal("0.95") ** (Decimal(14) / 30)
    expected_prob = p * (1 - (1 - p)) * survival
    assert abs(row.probability - expected_prob) < Decimal("1e-20")
    df = Decimal("1.10") ** (Decimal(-14) / 365)
    assert full.expected_pv == Money.quantize(
        expected_prob * 1000 * df, "USD", rounding="ROUND_HALF_EVEN"
    )
    assert full.expected_cost == Money.quantize(
        Decimal("1.50") * p * survival, "USD", rounding="ROUND_HALF_EVEN"
    )
    assert full.npv == full.expected_pv - full.expected_cost
    assert result.recommended is full and result.ladder == (full,)
    assert result.write_off_value == Money.zero("USD")
    agency = (
        Decimal(1000)
        * p
        * Decimal("0.60")
        * Decimal("0.75")
        * Decimal("1.10") ** (Decimal(-90) / 365)
    )
    assert result.agency_value == Money.quantize(agency, "USD", rounding="ROUND_HALF_EVEN")


def test_a_reliable_payer_is_asked_for_the_whole_amount_and_a_risky_one_is_offered_a_plan() -> None:
    terms = {
        "plan": {
            "installments": {"min": 2, "max": 6},
            "frequencies": ["monthly"],
            "max_term_days": 200,
            "first_due_within_days": 14,
        }
    }
    _, _, good = _run(
        policy_doc(terms=terms), facts("1000.00", probability_of_payment=Decimal("0.98"))
    )
    assert good.recommended.offer.kind is OfferKind.FULL
    _, _, risky = _run(
        policy_doc(terms=terms), facts("1000.00", probability_of_payment=Decimal("0.40"))
    )
    assert risky.recommended.offer.kind is OfferKind.PLAN
    assert risky.ladder[-1].offer.kind is OfferKind.PLAN
    assert len(risky.ladder[-1].offer.installments) == 6


def test_the_recommendation_prefers_offers_that_need_no_approval() -> None:
    doc = policy_doc()
    _, _, result = _run(doc, facts("1200.00", days_past_due=150))
    assert result.recommended is not None and not result.recommended.requires_approval
    best_overall = max(result.candidates, key=lambda v: v.npv)
    assert best_overall.requires_approval and best_overall.npv > result.recommended.npv
    _, _, always = _run(policy_doc(approval="always"), facts("1200.00"))
    assert always.recommended is not None and always.recommended.requires_approval


def test_a_held_account_gets_no_offer_and_an_impossible_plan_says_so() -> None:
    doc = policy_doc()
    doc["segments"].insert(0, {"name": "d", "action": "hold", "when": {"dispute": "open"}})
    _, space, result = _run(doc, facts(dispute=DisputeStatus.OPEN))
    assert result.recommended is None and result.ladder == () and candidate_offers(space) == []
    # A full payment window ending on a weekend with no business day in it: nothing fits.
    tight = policy_doc(terms={"pay_in_full_within_days": 1})
    _, _, none = _run(tight, facts(), as_of=date(2026, 11, 21))  # Saturday
    assert none.recommended is None
    assert none.reasons[-1].code == "no_offer_fits"


def test_the_agency_alternative_is_flagged_when_it_beats_collecting_in_house() -> None:
    doc = policy_doc(terms={})
    doc["economics"] = {"cost_per_contact": "900.00", "external_agency_fee_pct": "0"}
    _, _, result = _run(doc, facts("1000.00"))
    assert result.recommended is not None
    assert "agency_better" in {r.code for r in result.reasons}


def test_an_external_risk_port_is_used_and_named() -> None:
    class Fixed:
        def probability_of_payment(self, facts: AccountFacts) -> Decimal:
            return Decimal("0.5")

    policy = load_doc(policy_doc())
    f = facts()
    space = evaluate(policy, f, as_of=AS_OF)
    result = optimise(
        policy, space, f, risk=Fixed(), model=AffordabilityModel(monthly_hazard=Decimal(0))
    )
    assert result.probability == Decimal("0.5")
    assert "risk model Fixed" in result.reasons[0].message
    assert (
        "risk score on the account"
        in optimise(policy, space, facts(probability_of_payment=Decimal("0.7"))).reasons[0].message
    )


def test_the_ladder_climbs_settlement_discounts_before_plans() -> None:
    _, _, result = _run(policy_doc(), facts("1200.00", probability_of_payment=Decimal("0.99")))
    kinds = [v.offer.kind for v in result.ladder]
    assert kinds[0] in (OfferKind.FULL, OfferKind.SETTLEMENT)
    assert OfferKind.PLAN in kinds
    keys = [concession_key(v.offer) for v in result.ladder]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=terms_dicts(),
    balance=balances,
    days=st.integers(0, 400),
    country=countries,
    as_of=as_of_dates,
)
def test_nothing_the_optimiser_proposes_breaks_a_bound_and_the_ladder_is_ordered_and_ends_at_the_bound(
    terms: dict[str, Any], balance: Money, days: int, country: str | None, as_of: date
) -> None:
    f = AccountFacts(balance=balance, days_past_due=days, country=country)
    _policy, space, result = _run(policy_doc(terms=terms), f, as_of)
    for value in result.candidates:
        assert check(space, value.offer).accepted
        assert Money.sum((p.amount for p in value.offer.payments), "USD") == value.offer.total
        assert value.npv == value.expected_pv - value.expected_cost
    if result.recommended is None:
        assert result.candidates == ()
        return
    assert result.ladder[0] is result.recommended
    keys = [concession_key(v.offer) for v in result.ladder]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert keys[-1] == max(concession_key(v.offer) for v in result.candidates)
    last = result.ladder[-1].offer
    plans = [v.offer for v in result.candidates if v.offer.kind is OfferKind.PLAN]
    if plans:
        assert len(last.installments) == max(len(p.installments) for p in plans)
        assert len(last.installments) <= terms["plan"]["installments"]["max"]
    elif "settlement" in terms and last.kind is OfferKind.SETTLEMENT:
        top = Decimal(terms["settlement"]["max_discount_pct"])
        assert last.discount == balance.percent(top, rounding="ROUND_FLOOR")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=terms_dicts(),
    data=st.data(),
    balance=balances,
    days=st.integers(0, 200),
    country=countries,
    as_of=as_of_dates,
)
def test_a_stricter_policy_never_yields_a_looser_offer(
    terms: dict[str, Any],
    data: st.DataObject,
    balance: Money,
    days: int,
    country: str | None,
    as_of: date,
) -> None:
    tight = stricter(terms, data)
    f = AccountFacts(balance=balance, days_past_due=days, country=country)
    _, loose_space, loose = _run(policy_doc(terms=terms), f, as_of)
    _, _, strict = _run(policy_doc(terms=tight), f, as_of)
    for value in strict.ladder:
        assert check(loose_space, value.offer).accepted
    if strict.ladder and loose.ladder:
        assert concession_key(strict.ladder[-1].offer) <= concession_key(loose.ladder[-1].offer)


def test_the_memoised_answer_is_the_one_computed_for_exactly_these_arguments() -> None:
    """The default optimisation is memoised (the key hashed once): interleaving policies, facts
    and dates, every answer equals a fresh computation (a model given skips the memo), and two
    questions differing in one fact get their own answers."""
    plans = {"plan": {"installments": {"min": 2, "max": 6}, "frequencies": ["monthly"],
                      "max_term_days": 200, "first_due_within_days": 14}}  # fmt: skip
    policies = [load_doc(policy_doc()), load_doc(policy_doc(terms=plans))]
    accounts = [
        facts("1200.00", days_past_due=45),
        facts("1200.00", days_past_due=150),
        facts("1200.00", probability_of_payment=Decimal("0.40")),
        facts("80.00", days_past_due=45, currency="EUR"),
    ]
    questions = [
        (policy, evaluate(policy, f, as_of=day), f)
        for policy in policies
        for f in accounts
        for day in (AS_OF, date(2026, 12, 1))
    ]
    fresh = [optimise(p, s, f, model=AffordabilityModel()) for p, s, f in questions]
    for _ in range(2):  # the second pass is answered from the memo
        for (p, s, f), expected in zip(
            [*questions, *reversed(questions)], [*fresh, *reversed(fresh)], strict=True
        ):
            assert optimise(p, s, f) == expected
    by_days = {optimise(p, s, f).probability for p, s, f in questions[:4]}
    assert len(by_days) == 2  # 45 and 150 days past due are different questions
