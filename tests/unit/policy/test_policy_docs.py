"""The worked example in docs/policy.md is what the code computes (the docs cannot drift)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from amicable.domain.money import Money
from amicable.policy.facts import AccountFacts
from amicable.policy.load import load_default_policy
from amicable.policy.report import offers_report

DOC = Path(__file__).resolve().parents[3] / "docs" / "policy.md"


def test_the_worked_example_document_matches_the_engine() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- example:offers -->\n```json\n", 1)[1].split("\n```", 1)[0]
    facts = AccountFacts(balance=Money.of("1200.00", "USD"), days_past_due=45, country="US")
    assert json.loads(block) == offers_report(
        load_default_policy(), facts, as_of=date(2026, 11, 20)
    )


def test_every_candidate_row_of_the_worked_example_appears_in_the_docs() -> None:
    from amicable.policy.evaluate import evaluate
    from amicable.policy.optimise import optimise

    text = DOC.read_text(encoding="utf-8")
    policy = load_default_policy()
    facts = AccountFacts(balance=Money.of("1200.00", "USD"), days_past_due=45, country="US")
    space = evaluate(policy, facts, as_of=date(2026, 11, 20))
    result = optimise(policy, space, facts)
    for v in result.candidates:
        row = f"| {v.expected_pv.amount_str()} | {v.expected_cost.amount_str()} | {v.npv.amount_str()} |"
        assert row in text
    assert f"**{result.agency_value.amount_str()}**" in text


def test_the_public_surface_of_the_policy_package_is_pinned() -> None:
    import amicable.policy as policy

    assert sorted(policy.__all__) == [
        "AccountFacts", "Action", "Frequency", "GateDecision", "HeuristicRisk", "Limit", "Offer",
        "OfferKind", "OfferSpace", "Optimisation", "Outcome", "Payment", "Policy", "Problem",
        "Reason", "RiskPort", "Violation", "check", "check_report", "diff_policies", "evaluate",
        "load_default_policy", "load_policy", "offers_report", "optimise", "parse_offer",
        "validate_text",
    ]  # fmt: skip
    assert all(hasattr(policy, name) for name in policy.__all__)
