"""Evaluation: which segment matches and why, the action, and every bound with its rule path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from policy_helpers import AS_OF, facts, load_doc

from amicable.domain.money import Money
from amicable.policy.evaluate import evaluate
from amicable.policy.model import Action, CustomerType, DisputeStatus, Frequency, aging_bucket_for


def _two_segment_policy(when: dict[str, Any], currency: str = "USD") -> Any:
    return load_doc(
        {
            "version": "v",
            "currency": currency,
            "segments": [
                {"name": "target", "action": "hold", "when": when},
                {"name": "rest", "action": "escalate"},
            ],
        }
    )


CONDITIONS = [
    (
        "balance",
        {"balance": {"min": "100", "max": "500"}},
        {"balance": "500.00"},
        {"balance": "500.01"},
    ),
    ("balance", {"balance": {"min": "100"}}, {"balance": "100.00"}, {"balance": "99.99"}),
    (
        "days_past_due",
        {"days_past_due": {"min": 31, "max": 60}},
        {"days_past_due": 31},
        {"days_past_due": 61},
    ),
    (
        "aging_bucket",
        {"aging_bucket": ["61-90", "120+"]},
        {"days_past_due": 200},
        {"days_past_due": 30},
    ),
    ("risk_band", {"risk_band": ["high"]}, {"risk_band": "high"}, {"risk_band": "low"}),
    ("risk_band", {"risk_band": ["high"]}, {"risk_band": "high"}, {}),
    ("tier", {"tier": ["enterprise"]}, {"tier": "enterprise"}, {"tier": "smb"}),
    (
        "customer_type",
        {"customer_type": "consumer"},
        {"customer_type": CustomerType.CONSUMER},
        {"customer_type": CustomerType.BUSINESS},
    ),
    (
        "dispute",
        {"dispute": "open"},
        {"dispute": DisputeStatus.OPEN},
        {"dispute": DisputeStatus.RESOLVED},
    ),
    ("jurisdiction", {"jurisdiction": ["FR"]}, {"country": "FR"}, {"country": "DE"}),
    (
        "jurisdiction",
        {"jurisdiction": ["US-CA"]},
        {"country": "US", "region": "CA"},
        {"country": "US", "region": "NY"},
    ),
    ("jurisdiction", {"jurisdiction": ["US"]}, {"country": "US", "region": "NY"}, {}),
    ("currency", {"currency": ["EUR", "USD"]}, {"currency": "USD"}, {"currency": "GBP"}),
    (
        "broken_promises",
        {"broken_promises": {"min": 2}},
        {"broken_promises": 2},
        {"broken_promises": 1},
    ),
    (
        "tags",
        {"tags": ["vip", "new"]},
        {"tags": frozenset({"vip", "new", "x"})},
        {"tags": frozenset({"vip"})},
    ),
]


@pytest.mark.parametrize(("key", "when", "holds", "fails"), CONDITIONS)
def test_each_segment_condition_matches_exactly_the_accounts_it_names(
    key: str, when: dict[str, Any], holds: dict[str, Any], fails: dict[str, Any]
) -> None:
    policy = _two_segment_policy(when)
    matched = evaluate(policy, facts(**holds), as_of=AS_OF)
    assert matched.segment == "target"
    assert matched.action is Action.HOLD
    assert [(c.key, c.rule, c.held) for c in matched.matched] == [
        (key, f"segments[0].when.{key}", True)
    ]
    assert matched.reasons[-2].code == "segment_matched"
    skipped = evaluate(policy, facts(**fails), as_of=AS_OF)
    assert skipped.segment == "rest"
    assert skipped.reasons[0].code == "segment_skipped"
    assert skipped.reasons[0].rule == f"segments[0].when.{key}"


def test_a_balance_condition_in_another_currency_uses_the_converted_balance_or_fails_closed() -> (
    None
):
    policy = _two_segment_policy({"balance": {"min": "1000"}})
    euro = facts("900.00", currency="EUR")
    assert evaluate(policy, euro, as_of=AS_OF).segment == "rest"
    converted = facts(
        "900.00", currency="EUR", balance_in_policy_currency=Money.of("1050.00", "USD")
    )
    assert evaluate(policy, converted, as_of=AS_OF).segment == "target"


def test_no_matching_segment_escalates_and_allows_nothing() -> None:
    policy = load_doc(
        {
            "version": "v",
            "currency": "USD",
            "segments": [{"name": "a", "action": "negotiate", "when": {"tier": ["x"]}}],
        }
    )
    space = evaluate(policy, facts(), as_of=AS_OF)
    assert space.action is Action.ESCALATE
    assert space.segment is None and not space.negotiable
    assert space.reasons[-1].code == "no_segment_matched"


def test_a_negotiating_segment_written_in_another_currency_escalates() -> None:
    policy = load_doc(
        {"version": "v", "currency": "USD", "segments": [{"name": "a", "action": "negotiate"}]}
    )
    space = evaluate(policy, facts(currency="EUR"), as_of=AS_OF)
    assert space.action is Action.ESCALATE
    assert space.reasons[-1].code == "currency_not_covered"
    assert space.settlement is None and space.plan is None


def test_a_segment_limited_to_one_currency_writes_its_money_in_that_currency() -> None:
    policy = load_doc(
        {
            "version": "v",
            "currency": "USD",
            "segments": [
                {
                    "name": "yen",
                    "action": "negotiate",
                    "when": {"currency": "JPY"},
                    "terms": {
                        "plan": {
                            "installments": {"min": 2, "max": 3},
                            "frequencies": ["monthly"],
                            "max_term_days": 120,
                            "first_due_within_days": 10,
                            "min_installment": "5000",
                        }
                    },
                }
            ],
        }
    )
    space = evaluate(policy, facts("100000", currency="JPY"), as_of=AS_OF)
    assert space.plan is not None and space.plan.min_installment is not None
    assert space.plan.min_installment.value == Money.of("5000", "JPY")


def test_every_bound_carries_the_rule_it_came_from() -> None:
    policy = load_doc(
        {
            "version": "v9",
            "currency": "USD",
            "segments": [
                {"name": "hold", "action": "hold", "when": {"dispute": "open"}},
                {
                    "name": "std",
                    "action": "negotiate",
                    "approval": "always",
                    "terms": {
                        "settlement": {"max_discount_pct": "5", "pay_within_days": 10},
                        "plan": {
                            "down_payment_min_pct": "10",
                            "installments": {"min": 2, "max": 6},
                            "frequencies": ["weekly", "monthly"],
                            "max_term_days": 180,
                            "min_installment": "50.00",
                            "first_due_within_days": 14,
                            "waive_late_fees": True,
                        },
                        "approval_required_above": {
                            "balance": "10000",
                            "installments": 4,
                            "discount_pct": "3",
                        },
                        "pay_in_full_within_days": 21,
                    },
                },
            ],
        }
    )
    space = evaluate(policy, facts(), as_of=AS_OF)
    assert (
        space.policy_version == "v9"
        and space.segment == "std"
        and space.segment_rule == "segments[1]"
    )
    t = "segments[1].terms"
    assert space.pay_in_full_within_days is not None
    assert (space.pay_in_full_within_days.value, space.pay_in_full_within_days.rule) == (
        21,
        f"{t}.pay_in_full_within_days",
    )
    s, p, a = space.settlement, space.plan, space.approval
    assert s is not None and p is not None
    table = [
        (s.max_discount_pct, Decimal(5), f"{t}.settlement.max_discount_pct"),
        (s.pay_within_days, 10, f"{t}.settlement.pay_within_days"),
        (p.installments_min, 2, f"{t}.plan.installments.min"),
        (p.installments_max, 6, f"{t}.plan.installments.max"),
        (p.frequencies, (Frequency.WEEKLY, Frequency.MONTHLY), f"{t}.plan.frequencies"),
        (p.max_term_days, 180, f"{t}.plan.max_term_days"),
        (p.first_due_within_days, 14, f"{t}.plan.first_due_within_days"),
        (p.down_payment_min_pct, Decimal(10), f"{t}.plan.down_payment_min_pct"),
        (p.min_installment, Money.of("50", "USD"), f"{t}.plan.min_installment"),
        (p.waive_late_fees, True, f"{t}.plan.waive_late_fees"),
        (a.always, True, "segments[1].approval"),
        (a.balance_above, Money.of("10000", "USD"), f"{t}.approval_required_above.balance"),
        (a.installments_above, 4, f"{t}.approval_required_above.installments"),
        (a.discount_pct_above, Decimal(3), f"{t}.approval_required_above.discount_pct"),
    ]
    for limit, value, rule in table:
        assert limit is not None
        assert (limit.value, limit.rule) == (value, rule)


def test_hold_and_escalate_segments_say_why_no_offer_is_allowed() -> None:
    policy = _two_segment_policy({"dispute": "open"})
    space = evaluate(policy, facts(dispute=DisputeStatus.OPEN), as_of=AS_OF)
    assert space.reasons[-1].code == "action_hold"
    assert space.reasons[-1].rule == "segments[0].action"
    escalated = evaluate(policy, facts(), as_of=AS_OF)
    assert escalated.reasons[-1].code == "action_escalate"


def test_a_segment_without_conditions_matches_and_says_so() -> None:
    policy = load_doc(
        {"version": "v", "currency": "USD", "segments": [{"name": "all", "action": "negotiate"}]}
    )
    space = evaluate(policy, facts(), as_of=AS_OF)
    assert space.negotiable and space.settlement is None and space.plan is None
    assert "it has no conditions" in space.reasons[0].message


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-3, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "120+"),
    ],
)
def test_aging_buckets_follow_the_glossary(days: int, bucket: str) -> None:
    assert aging_bucket_for(days) == bucket


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"balance": "0.00"}, "balance must be positive"),
        ({"days_past_due": -1}, "days_past_due must be"),
        ({"broken_promises": True}, "broken_promises must be"),
        ({"probability_of_payment": Decimal("1.5")}, "probability_of_payment must be"),
        ({"risk_band": "awful"}, "unknown risk band"),
        ({"country": "France"}, "ISO 3166 alpha-2"),
    ],
)
def test_account_facts_refuse_impossible_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        facts(**kwargs)


def test_account_facts_expose_jurisdiction_currency_and_bucket() -> None:
    f = facts(country="US", region="CA", days_past_due=75)
    assert (f.jurisdiction, f.currency, f.aging_bucket) == ("US-CA", "USD", "61-90")
    assert facts().jurisdiction is None
    assert facts(country="FR").jurisdiction == "FR"
