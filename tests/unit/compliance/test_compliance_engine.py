"""The runner: fails closed, collects every violation, and its search and monotonicity properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from compliance_helpers import CONSENTED, ctx, event, local, propose, rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amicable.compliance import (
    Address,
    ComplianceContext,
    Debt,
    Debtor,
    HistoryEvent,
    InconvenientTime,
    ProposedContact,
    decide,
    load_pack,
)
from amicable.compliance.packs import Pack
from amicable.compliance.rules import Evaluation, Rule
from amicable.compliance.zones import candidate_zones


def _explode(rule: Rule, ev: Evaluation) -> list:
    raise ZeroDivisionError("bug in a plugin")


def test_a_rule_that_raises_blocks_the_contact_and_names_itself() -> None:
    broken = Rule(
        "test.exploding",
        "information",
        "explodes",
        "none",
        frozenset({"call"}),
        MappingProxyType({}),
        MappingProxyType({}),
        _explode,
    )
    pack = Pack("test_pack", "test", "", (), (broken,))
    decision = decide(ctx(), propose(local("2026-04-08")), packs=[pack, "us_fdcpa_regf"])
    assert not decision.allowed
    assert rules(decision) == {"test.exploding"}
    assert "test.exploding" in decision.violations[0].message
    assert "ZeroDivisionError" in decision.violations[0].message
    assert decision.earliest_allowed_at is None
    # The other rules still ran: a late call reports both.
    late = decide(ctx(), propose(local("2026-04-08", "22:00")), packs=[pack, "us_fdcpa_regf"])
    assert rules(late) == {"test.exploding", "regf.inconvenient_time"}


def test_an_allowed_decision_names_its_own_instant_and_the_packs_applied() -> None:
    decision = decide(ctx(), propose(local("2026-04-08")))
    assert decision.allowed
    assert decision.earliest_allowed_at == local("2026-04-08")
    assert set(decision.packs) == {"us_fdcpa_regf", "us_tcpa", "us_ny"}


def test_a_location_that_cannot_be_determined_fails_closed() -> None:
    nowhere = ComplianceContext("third_party", Debtor(address=Address("ZZ")), (Debt("D1"),))
    decision = decide(nowhere, propose(local("2026-04-08")), packs=["us_fdcpa_regf"])
    assert rules(decision) == {"regf.inconvenient_time"}
    assert decision.earliest_allowed_at is None


def test_unknown_us_location_uses_every_us_zone() -> None:
    who = Debtor(address=Address("US"))
    assert len(candidate_zones(who)) == 7
    context = ComplianceContext("third_party", who, (Debt("D1"),))
    # 14:00 Eastern is 08:00 in Honolulu: the first instant convenient everywhere.
    early = decide(context, propose(local("2026-04-08", "13:59")), packs=["us_fdcpa_regf"])
    assert early.earliest_allowed_at == local("2026-04-08", "14:00")


def test_the_search_gives_up_beyond_its_horizon() -> None:
    # Every day designated inconvenient: no instant within the 60-day horizon is allowed.
    always = Debtor(
        timezone="America/Denver", inconvenient_times=(InconvenientTime(frozenset(range(7))),)
    )
    decision = decide(
        ComplianceContext("third_party", always, (Debt("D1"),)),
        propose(local("2026-04-08")),
        packs=["us_fdcpa_regf"],
    )
    assert rules(decision) == {"regf.designated_inconvenient_time"}
    assert decision.earliest_allowed_at is None


# ------------------------------------------------------------------------------- properties

STATES = ["CO", "MA", "WA", "CA", "NY", "TX", "FL"]
T0 = datetime(2026, 4, 6, tzinfo=UTC)
offsets = st.integers(min_value=0, max_value=14 * 24 * 60)
outbound = st.builds(
    lambda minutes, channel, outcome, debt: HistoryEvent(
        T0 + timedelta(minutes=minutes), channel, "outbound", outcome, (debt,)
    ),
    offsets,
    st.sampled_from(["call", "voicemail", "sms", "email"]),
    st.sampled_from(["conversation", "no_answer", "voicemail", "busy", "delivered"]),
    st.sampled_from(["D1", "D2"]),
)
inbound = st.builds(
    lambda minutes, channel: HistoryEvent(
        T0 + timedelta(minutes=minutes), channel, "inbound", "delivered", ("D1",)
    ),
    offsets,
    st.sampled_from(["sms", "email", "call"]),
)
debtors = st.builds(
    lambda state, collector, slots, opt: (
        Debtor(
            address=Address("US", state),
            phones=("+13035550100",),
            consents=CONSENTED,
            inconvenient_times=slots,
            opt_outs=opt,
        ),
        collector,
    ),
    st.sampled_from(STATES),
    st.sampled_from(["first_party", "third_party"]),
    st.sampled_from([(), (InconvenientTime(frozenset({5, 6})),)]),
    st.sampled_from([frozenset(), frozenset({"email"})]),
)
proposals = st.builds(
    lambda minutes, channel, debt: ProposedContact(
        T0 + timedelta(days=7, minutes=minutes), channel, (debt,)
    ),
    st.integers(min_value=0, max_value=7 * 24 * 60),
    st.sampled_from(["call", "sms", "email", "voicemail"]),
    st.sampled_from(["D1", "D2"]),
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(debtors, st.lists(st.one_of(outbound, inbound), max_size=12), outbound, proposals)
def test_adding_outbound_history_never_turns_a_block_into_an_allow(
    who, history, extra, proposed
) -> None:
    debtor, collector = who
    debts = (Debt("D1"), Debt("D2"))
    before = decide(ComplianceContext(collector, debtor, debts, tuple(history)), proposed)
    after = decide(ComplianceContext(collector, debtor, debts, (*history, extra)), proposed)
    if not before.allowed:
        assert not after.allowed


@SETTINGS
@given(debtors, st.lists(st.one_of(outbound, inbound), max_size=12), proposals)
def test_earliest_allowed_at_is_allowed_when_rechecked(who, history, proposed) -> None:
    debtor, collector = who
    context = ComplianceContext(collector, debtor, (Debt("D1"), Debt("D2")), tuple(history))
    decision = decide(context, proposed)
    if decision.earliest_allowed_at is not None:
        assert decision.earliest_allowed_at >= proposed.at
        again = decide(context, proposed.moved_to(decision.earliest_allowed_at))
        assert again.allowed, again.violations
    if decision.allowed:
        assert decision.earliest_allowed_at == proposed.at


def test_the_consent_exclusion_is_the_defined_way_history_can_allow_a_call() -> None:
    conversation = [event(local("2026-04-03"), "conversation")]
    assert not decide(
        ctx(conversation), propose(local("2026-04-06")), packs=["us_fdcpa_regf"]
    ).allowed
    with_consent = [
        *conversation,
        event(local("2026-04-03", "10:05"), "conversation", direction="inbound", consent=True),
    ]
    assert decide(ctx(with_consent), propose(local("2026-04-06")), packs=["us_fdcpa_regf"]).allowed


def test_packs_are_compiled_once() -> None:
    assert load_pack("us_fdcpa_regf") is load_pack("us_fdcpa_regf")
