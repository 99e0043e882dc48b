"""A turn's offer space and concession ladder (what ``dialogue_context`` decides a turn on) are
memoised per question — the policy in force, the account's policy facts and the day: every
answer is the one evaluate and optimise give for exactly that question, whatever was asked
before, including two stored versions that share a text and an id but not a policy."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from amicable.domain.money import Money
from amicable.negotiation.states import LadderStep
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.load import default_policy_text, load_policy
from amicable.policy.optimise import AffordabilityModel, optimise
from amicable.service.conversations import _offer_space, _Question
from amicable.service.policies import StoredPolicy
from amicable.service.ports import PolicyVersion

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _stored(text: str, version: int, policy_text: str | None = None) -> StoredPolicy:
    stored = PolicyVersion(version, "default", text, "sha256:-", AT)
    policy = load_policy(policy_text or text)
    return StoredPolicy(dataclasses.replace(policy, version=f"default#{version}"), stored)


def _fresh(stored: StoredPolicy, facts: AccountFacts, day: date) -> tuple[object, object]:
    space = evaluate(stored.policy, facts, as_of=day)
    result = optimise(stored.policy, space, facts, model=AffordabilityModel())  # not memoised
    return space, tuple(LadderStep(v.offer, v.requires_approval) for v in result.ladder)


def test_every_memoised_offer_space_is_the_one_computed_for_exactly_that_question() -> None:
    text = default_policy_text()
    tighter = text.replace("installments: {min: 2, max: 6}", "installments: {min: 2, max: 3}")
    assert tighter != text
    versions = [
        _stored(text, 1),
        _stored(text, 2),  # the same text stored again: another id, so another policy version
        _stored(tighter, 3),
        # The same stored text and id as version 1 but another policy: the memo must tell them
        # apart by the policy itself, not by what its hash is built from.
        _stored(text, 1, policy_text=tighter),
    ]
    accounts = [
        AccountFacts(balance=Money.of(b, "USD"), days_past_due=d, country="US", region="CA")
        for b, d in (("1200.00", 45), ("1200.00", 120), ("380.00", 45))
    ]
    days = (date(2026, 3, 2), date(2026, 3, 9))
    questions = [(s, f, d) for s in versions for f in accounts for d in days]
    expected = [_fresh(s, f, d) for s, f, d in questions]
    for _ in range(2):  # the second pass is answered from the memo
        for (s, f, d), want in zip(
            [*questions, *reversed(questions)], [*expected, *reversed(expected)], strict=True
        ):
            # a new, equal policy object each time, as the service builds every turn
            fresh = StoredPolicy(dataclasses.replace(s.policy), s.stored)
            assert _offer_space(_Question(fresh, f, d)) == want
    ladders = {len(_offer_space(_Question(s, accounts[0], days[0]))[1]) for s in versions}
    assert len(ladders) > 1  # the tighter policy is a different answer
