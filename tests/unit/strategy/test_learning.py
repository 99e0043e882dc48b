"""Thompson sampling per segment × action: deterministic, serialisable, bounded exploration,
and a planner that shifts to the channel that works for a segment."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.strategy.learning import (
    ArmStats,
    ExplorationBounds,
    LearningState,
    choose,
    record,
)
from amicable.strategy.nba import (
    AccountSituation,
    ChannelPermission,
    Engagement,
    plan_next_action,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_the_same_decision_always_draws_the_same_numbers() -> None:
    state = LearningState({("s", "email"): ArmStats(3, 7), ("s", "sms"): ArmStats(4, 6)})
    a = choose(state, "s", ["email", "sms"], seed=3, key="A-1:2026-03-02")
    b = choose(state, "s", ["email", "sms"], seed=3, key="A-1:2026-03-02")
    assert a == b
    other = [choose(state, "s", ["email", "sms"], seed=3, key=f"k{i}").samples for i in range(5)]
    assert len({tuple(s.values()) for s in other}) == 5


def test_the_state_round_trips_through_json() -> None:
    state = record(record(LearningState(), "s", "sms", True), "t", "email", False)
    assert LearningState.from_json(state.to_json()) == state
    assert state.stats("s", "sms") == ArmStats(1, 0)
    assert state.stats("t", "email") == ArmStats(0, 1)
    assert state.stats("nobody", "call") == ArmStats(0, 0)


def test_a_malformed_state_is_refused() -> None:
    with pytest.raises(InvalidInput, match="malformed"):
        LearningState.from_json({"arms": [{"segment": "s"}]})
    with pytest.raises(InvalidInput):
        ArmStats(-1, 0)
    with pytest.raises(InvalidInput):
        ExplorationBounds(0.5, 0.1)


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.0), (0.05, 0.15), (0.1, 0.3)])
def test_the_exploration_share_stays_within_its_bounds(low: float, high: float) -> None:
    # Nearly equal arms: Thompson alone would explore about half the time.
    state = LearningState({("s", "a"): ArmStats(10, 10), ("s", "b"): ArmStats(9, 10)})
    bounds = ExplorationBounds(low, high)
    picks = [choose(state, "s", ["a", "b"], seed=1, key=str(i), bounds=bounds) for i in range(3000)]
    share = sum(p.explored for p in picks) / len(picks)
    assert low - 0.02 <= share <= high + 0.02
    assert all(p.greedy == "a" for p in picks)
    assert all((p.action != p.greedy) == p.explored for p in picks)


def test_the_explanation_is_the_posterior_means() -> None:
    state = LearningState({("s", "email"): ArmStats(8, 2)})
    c = choose(state, "s", ["email", "sms"], seed=0, key="x")
    assert c.means == {"email": pytest.approx(9 / 12), "sms": pytest.approx(0.5)}
    assert c.to_json()["greedy"] == "email"


def test_the_planner_shifts_to_the_channel_that_works_for_each_segment() -> None:
    """Consumers answer SMS (45 %) far more than email (10 %); businesses the reverse."""
    works = {
        ("consumer", "sms"): 0.45,
        ("consumer", "email"): 0.10,
        ("business", "sms"): 0.10,
        ("business", "email"): 0.45,
    }
    rng = random.Random(42)
    state = LearningState()
    chosen: dict[str, list[str]] = {"consumer": [], "business": []}
    permissions = (
        ChannelPermission("email", True, NOW),
        ChannelPermission("sms", True, NOW),
    )
    for day in range(300):
        now = NOW + timedelta(days=day)
        for kind in ("consumer", "business"):
            situation = AccountSituation(
                account=f"{kind}-{day}",
                customer_type=kind,
                balance=Money.of("400.00", "USD"),
                days_past_due=10,
                probability=0.5,
            )
            decision = plan_next_action(
                situation, permissions, Engagement(), state, now=now, seed=7
            )
            assert decision.channel is not None and decision.learning is not None
            chosen[kind].append(decision.channel)
            success = rng.random() < works[(kind, decision.channel)]
            state = record(state, decision.segment, decision.channel, success)
    late_consumers = chosen["consumer"][-100:]
    late_business = chosen["business"][-100:]
    assert late_consumers.count("sms") >= 80
    assert late_business.count("email") >= 80
    # It started undecided: the first decisions tried both channels.
    assert {"sms", "email"} <= set(chosen["consumer"][:30])
