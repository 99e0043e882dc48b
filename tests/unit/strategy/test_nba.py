"""The next-best-action planner: inside what compliance allows, with consent and preferences,
suspended by promises and plans, holding and escalating per policy, adaptive cadence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.model import Action as PolicyAction
from amicable.strategy.learning import ExplorationBounds, LearningState
from amicable.strategy.nba import (
    CHANNELS,
    AccountSituation,
    Action,
    ChannelEngagement,
    ChannelPermission,
    Engagement,
    NextAction,
    PlannerRules,
    plan_next_action,
)
from amicable.strategy.segments import risk_band, segment_of, stage_of

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
GREEDY = PlannerRules(exploration=ExplorationBounds(0.0, 0.0))


def situation(**changes: object) -> AccountSituation:
    base: dict[str, object] = {
        "account": "C0000001",
        "customer_type": "consumer",
        "balance": Money.of("250.00", "USD"),
        "days_past_due": 12,
        "probability": 0.6,
    }
    base.update(changes)
    return AccountSituation(**base)  # type: ignore[arg-type]


def all_open(*channels: str) -> tuple[ChannelPermission, ...]:
    return tuple(ChannelPermission(c, True, NOW) for c in channels or CHANNELS)


def plan(
    s: AccountSituation | None = None,
    perms: tuple[ChannelPermission, ...] | None = None,
    engagement: Engagement | None = None,
    rules: PlannerRules = GREEDY,
) -> NextAction:
    return plan_next_action(
        s or situation(),
        all_open() if perms is None else perms,
        engagement or Engagement(),
        LearningState(),
        now=NOW,
        rules=rules,
    )


permission = st.builds(
    ChannelPermission,
    channel=st.sampled_from(CHANNELS),
    consent=st.booleans(),
    earliest_allowed_at=st.one_of(
        st.none(), st.integers(-3, 60 * 48).map(lambda m: NOW + timedelta(minutes=m))
    ),
    preferred=st.booleans(),
    allowed_hours=st.one_of(st.none(), st.frozensets(st.integers(0, 23))),
)


@settings(max_examples=300, deadline=None)
@given(
    perms=st.lists(permission, max_size=4, unique_by=lambda p: p.channel),
    dpd=st.integers(-10, 400),
    probability=st.one_of(st.none(), st.floats(0, 1)),
    hours=st.frozensets(st.integers(0, 23)),
    seed=st.integers(0, 5),
)
def test_a_contact_is_only_ever_planned_on_a_permitted_channel_at_a_permitted_time(
    perms: list[ChannelPermission],
    dpd: int,
    probability: float | None,
    hours: frozenset[int],
    seed: int,
) -> None:
    decision = plan_next_action(
        situation(days_past_due=dpd, probability=probability),
        tuple(perms),
        Engagement(response_hours=hours),
        LearningState(),
        now=NOW,
        seed=seed,
    )
    assert decision.reasons
    if decision.channel is None:
        assert decision.action in (Action.WAIT, Action.HOLD, Action.ESCALATE)
        return
    perm = next(p for p in perms if p.channel == decision.channel)
    assert perm.consent and perm.earliest_allowed_at is not None
    assert decision.at >= perm.earliest_allowed_at and decision.at >= NOW
    if decision.at.hour != max(NOW, perm.earliest_allowed_at).hour:
        assert perm.allowed_hours and decision.at.hour in perm.allowed_hours & hours
    if decision.action is Action.FINAL_NOTICE:
        assert decision.needs_approval


def test_a_channel_without_consent_is_never_used() -> None:
    perms = (
        ChannelPermission("sms", False, NOW, preferred=True),
        ChannelPermission("email", True, NOW),
    )
    assert plan(perms=perms).channel == "email"


def test_nothing_permitted_means_hold_with_the_reason() -> None:
    perms = (ChannelPermission("sms", False, NOW), ChannelPermission("email", True, None))
    decision = plan(perms=perms)
    assert decision.action is Action.HOLD
    assert decision.reasons[0].code == "no_permitted_channel"


def test_the_stated_preference_wins_when_nothing_else_is_known() -> None:
    perms = (
        ChannelPermission("email", True, NOW),
        ChannelPermission("whatsapp", True, NOW, preferred=True),
    )
    decision = plan(perms=perms)
    assert decision.channel == "whatsapp"
    assert "stated_preference" in [r.code for r in decision.reasons]


def test_a_send_waits_for_the_compliance_window() -> None:
    later = NOW + timedelta(hours=17)
    decision = plan(perms=(ChannelPermission("sms", True, later),))
    assert (decision.channel, decision.at) == ("sms", later)
    assert "compliance_window" in [r.code for r in decision.reasons]


def test_a_promise_in_progress_suspends_chasing_until_it_falls_due() -> None:
    decision = plan(situation(promise_due=date(2026, 3, 9)))
    assert decision.action is Action.WAIT and decision.channel is None
    assert decision.at == datetime(2026, 3, 10, tzinfo=UTC)
    assert decision.reasons[0].code == "promise_in_progress"


def test_a_plan_in_good_standing_suspends_chasing() -> None:
    decision = plan(situation(plan_next_due=date(2026, 3, 15), days_past_due=70))
    assert decision.action is Action.WAIT
    assert decision.reasons[0].code == "plan_in_progress"


def test_a_broken_promise_in_the_past_no_longer_suspends() -> None:
    decision = plan(situation(promise_due=date(2026, 2, 20), broken_promises=1))
    assert decision.channel is not None


@pytest.mark.parametrize(
    ("changes", "action", "code"),
    [
        ({"dispute_open": True}, Action.HOLD, "dispute_open"),
        ({"policy_action": PolicyAction.HOLD}, Action.HOLD, "policy_hold"),
        ({"policy_action": PolicyAction.ESCALATE}, Action.ESCALATE, "policy_escalate"),
        ({"days_past_due": 366}, Action.ESCALATE, "follow_up_ended"),
    ],
)
def test_holds_and_escalations_follow_disputes_the_policy_and_the_follow_up_limit(
    changes: dict[str, object], action: Action, code: str
) -> None:
    decision = plan(situation(**changes))
    assert (decision.action, decision.channel, decision.reasons[0].code) == (action, None, code)
    assert decision.needs_approval is (action is Action.ESCALATE)


def test_a_policy_escalation_a_person_released_resumes_chasing_without_any_offer() -> None:
    # Issue #9: a person decided the escalation and handed the account back; escalating it again
    # at once left the account with no contact at all while static dunning collected from it.
    released = situation(
        policy_action=PolicyAction.ESCALATE,
        plans_allowed=False,
        escalation_released=True,
        days_past_due=200,
        probability=0.1,
    )
    notice = plan(released)
    assert notice.action is Action.FINAL_NOTICE and notice.needs_approval
    assert notice.reasons[-1].code == "escalation_released"
    after = plan(released, engagement=Engagement(final_notice_sent=True))
    assert after.channel is not None and after.action is not Action.ESCALATE
    assert after.action is not Action.PLAN_OFFER  # an escalate segment allows no offer
    assert after.reasons[-1].code == "escalation_released"
    # the planner never offers a plan here even if the caller says plans are allowed
    loose = replace(released, plans_allowed=True)
    assert plan(loose, engagement=Engagement(final_notice_sent=True)).action is not (
        Action.PLAN_OFFER
    )
    # not released: escalated as before; a new reason to escalate still goes to a person
    assert plan(replace(released, escalation_released=False)).action is Action.ESCALATE
    ended = plan(replace(released, days_past_due=366))
    assert (ended.action, ended.reasons[0].code) == (Action.ESCALATE, "follow_up_ended")
    # a hold of the policy is never released
    held = replace(released, policy_action=PolicyAction.HOLD)
    assert plan(held).action is Action.HOLD


def test_follow_up_continues_for_twelve_months() -> None:
    decision = plan(situation(days_past_due=360, probability=0.05))
    assert decision.channel is not None


def test_a_final_notice_needs_human_approval_and_goes_in_writing() -> None:
    decision = plan(situation(days_past_due=61))
    assert decision.action is Action.FINAL_NOTICE
    assert decision.needs_approval and decision.channel in ("email", "whatsapp", "sms")
    assert decision.tone == 4
    sent = plan(situation(days_past_due=61), engagement=Engagement(final_notice_sent=True))
    assert sent.action is not Action.FINAL_NOTICE


def test_a_final_notice_awaiting_approval_does_not_silence_ordinary_reminders() -> None:
    # Issue #9: while a person had not yet approved the final notice the account got nothing.
    waiting = Engagement(final_notice_pending=True)
    decision = plan(situation(days_past_due=61, probability=0.8), engagement=waiting)
    assert decision.is_contact and not decision.needs_approval
    assert decision.action is not Action.FINAL_NOTICE
    assert "final_notice_pending" in [r.code for r in decision.reasons]
    # the cadence still counts what was actually sent
    touched = replace(waiting, touches=1, last_contact_at=NOW - timedelta(days=2))
    assert plan(situation(days_past_due=61), engagement=touched).action is Action.WAIT
    # and the notice itself is asked for once only
    again = plan(situation(days_past_due=75), engagement=waiting)
    assert again.action is not Action.FINAL_NOTICE


def test_opened_but_not_paid_switches_to_the_next_channel_with_a_payment_link() -> None:
    engagement = Engagement(
        channels=(ChannelEngagement("email", sent=1, opened=1, opened_not_paid=True),),
        touches=1,
        last_contact_at=NOW - timedelta(days=5),
    )
    decision = plan(perms=all_open("email", "sms"), engagement=engagement)
    assert (decision.action, decision.channel) == (Action.PAYMENT_LINK, "sms")


def test_a_debtor_who_answers_sms_but_ignores_email_gets_sms() -> None:
    engagement = Engagement(
        channels=(
            ChannelEngagement("email", sent=3),
            ChannelEngagement("sms", sent=1, replied=1),
        ),
        touches=4,
        last_contact_at=NOW - timedelta(days=5),
        last_response_at=NOW - timedelta(days=5),
    )
    decision = plan(perms=all_open("email", "sms"), engagement=engagement)
    assert decision.channel == "sms"
    codes = [r.code for r in decision.reasons]
    assert "responds_on_channel" in codes


def test_the_send_moves_to_the_hours_this_debtor_responds() -> None:
    perm = ChannelPermission("sms", True, NOW, allowed_hours=frozenset(range(13, 21)))
    engagement = Engagement(response_hours=frozenset({18}))
    decision = plan(perms=(perm,), engagement=engagement)
    assert decision.at == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert "debtor_active_hours" in [r.code for r in decision.reasons]
    # Without knowing the allowed hours the planner does not move the send.
    assert plan(perms=all_open("sms"), engagement=engagement).at == NOW


def test_cadence_waits_between_touches() -> None:
    engagement = Engagement(touches=1, last_contact_at=NOW - timedelta(days=2))
    decision = plan(engagement=engagement)
    assert decision.action is Action.WAIT
    assert decision.at == NOW + timedelta(days=2)
    assert decision.reasons[0].code == "cadence"


def test_a_long_silence_late_in_the_debt_slows_to_monthly_re_engagement() -> None:
    engagement = Engagement(touches=8, last_contact_at=NOW - timedelta(days=12))
    decision = plan(situation(days_past_due=150), engagement=engagement)
    assert decision.action is Action.WAIT
    assert decision.reasons[0].code == "re_engagement"
    assert decision.at == NOW + timedelta(days=18)
    due = plan(
        situation(days_past_due=150),
        engagement=Engagement(touches=8, last_contact_at=NOW - timedelta(days=31)),
    )
    assert due.channel is not None


def test_unanswered_calls_become_a_voicemail() -> None:
    engagement = Engagement(channels=(ChannelEngagement("call", sent=2, unanswered_calls=2),))
    decision = plan(perms=all_open("call"), engagement=engagement)
    assert decision.action is Action.VOICEMAIL


def test_late_risky_accounts_get_a_plan_offer_when_the_policy_allows_plans() -> None:
    assert plan(situation(days_past_due=45, probability=0.2)).action is Action.PLAN_OFFER
    no_plans = plan(situation(days_past_due=45, probability=0.2, plans_allowed=False))
    assert no_plans.action in (Action.EMAIL, Action.SMS, Action.WHATSAPP, Action.CALL)


def test_a_not_yet_due_account_waits_for_the_courtesy_reminder() -> None:
    decision = plan(situation(days_past_due=-10))
    assert decision.action is Action.WAIT
    assert decision.at == datetime(2026, 3, 9, tzinfo=UTC)
    assert plan(situation(days_past_due=-2)).channel is not None


def test_tone_rises_over_time_within_the_policy_ceiling() -> None:
    noticed = Engagement(final_notice_sent=True)

    def tone(**changes: object) -> int:
        return plan(situation(**changes), engagement=noticed).tone

    early = tone(days_past_due=5)
    late = tone(days_past_due=120, probability=0.8)
    broken = tone(days_past_due=120, probability=0.8, broken_promises=1)
    capped = tone(days_past_due=120, broken_promises=2, max_tone=2)
    assert early < late < broken and capped == 2


def test_the_decision_is_deterministic_and_serialises() -> None:
    a, b = plan(rules=PlannerRules()), plan(rules=PlannerRules())
    assert a == b
    data = a.to_json()
    assert set(data) == {
        "action", "channel", "at", "tone", "needs_approval", "segment", "reasons",
        "expected_value", "learning",
    }  # fmt: skip
    assert data["at"] == "2026-03-02T15:00:00Z" and isinstance(data["expected_value"], str)


def test_bad_situations_are_refused() -> None:
    with pytest.raises(InvalidInput):
        situation(balance=Money.zero("USD"))
    with pytest.raises(InvalidInput):
        ChannelPermission("fax", True, NOW)
    with pytest.raises(InvalidInput):
        plan_next_action(
            situation(),
            (),
            Engagement(),
            LearningState(),
            now=datetime(2026, 3, 2),  # noqa: DTZ001
        )


def test_segments_cover_every_account() -> None:
    assert str(segment_of("business", 0.9, -3)) == "business:low:upcoming"
    assert str(segment_of("consumer", None, 200)) == "consumer:unscored:recovery"
    assert [stage_of(d) for d in (0, 1, 30, 31, 90, 91, 180, 181)] == [
        "upcoming", "early", "early", "mid", "mid", "late", "late", "recovery",
    ]  # fmt: skip
    assert [risk_band(p) for p in (0.0, 0.39, 0.4, 0.69, 0.7, 1.0)] == [
        "high", "high", "medium", "medium", "low", "low",
    ]  # fmt: skip
    with pytest.raises(InvalidInput):
        segment_of("robot", 0.5, 3)
    with pytest.raises(InvalidInput):
        risk_band(1.5)


def test_a_follow_up_escalation_a_person_closed_lets_chasing_go_on() -> None:
    # An account past the follow-up limit came back to the queue on every pass after a person
    # had closed its escalation.
    past = situation(days_past_due=400, probability=0.05, follow_up_released=True)
    decision = plan(past, engagement=Engagement(final_notice_sent=True))
    assert decision.action is not Action.ESCALATE and decision.channel is not None
    # released from the policy's escalation too: chased without offers, not escalated
    both = replace(past, policy_action=PolicyAction.ESCALATE, escalation_released=True)
    chased = plan(both, engagement=Engagement(final_notice_sent=True))
    assert chased.action not in (Action.ESCALATE, Action.PLAN_OFFER)
    assert chased.reasons[-1].code == "escalation_released"
    # the cadence still applies
    touched = Engagement(final_notice_sent=True, touches=1, last_contact_at=NOW - timedelta(days=1))
    assert plan(past, engagement=touched).action is Action.WAIT
    # not closed: escalated as before
    ended = plan(replace(past, follow_up_released=False))
    assert (ended.action, ended.reasons[0].code) == (Action.ESCALATE, "follow_up_ended")
