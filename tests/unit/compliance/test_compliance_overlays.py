"""State overlays, TCPA, UK, EU/FR and the house pack: pack selection and boundary tests."""

from __future__ import annotations

from datetime import UTC, datetime

from compliance_helpers import CONSENTED, ctx, debtor, event, local, propose, rules

from amicable.compliance import (
    Address,
    ChannelConsent,
    ComplianceContext,
    ComplianceDecision,
    Debt,
    Debtor,
    decide,
    select_packs,
)

PT, CT, LONDON, PARIS = "America/Los_Angeles", "America/Chicago", "Europe/London", "Europe/Paris"


def packs_for(collector: str, who: Debtor) -> set[str]:
    return {p.id for p in select_packs(ctx(who=who, collector=collector))}


def test_pack_selection_follows_collector_debtor_and_jurisdiction() -> None:
    co = Debtor(address=Address("US", "CO"))
    assert packs_for("third_party", co) == {"us_fdcpa_regf", "us_tcpa"}
    assert packs_for("first_party", co) == {"us_tcpa", "first_party_b2b"}
    # Rosenthal reaches creditors collecting their own consumer debts; so do MA and NY rules.
    for state, pack in (("CA", "us_ca"), ("MA", "us_ma"), ("NY", "us_ny")):
        assert pack in packs_for("first_party", Debtor(address=Address("US", state)))
    # Washington's Collection Agency Act binds licensees (third parties) only.
    assert "us_wa" in packs_for("third_party", Debtor(address=Address("US", "WA")))
    assert "us_wa" not in packs_for("first_party", Debtor(address=Address("US", "WA")))
    # A US debtor whose state is unknown gets every overlay (fail closed).
    unknown = packs_for("third_party", Debtor(phones=("+13035550100",)))
    assert {"us_ma", "us_wa", "us_ca", "us_ny"} <= unknown
    assert packs_for("third_party", Debtor(address=Address("GB"))) == {"uk_fca_conc7"}
    fr_business = Debtor(type="business", address=Address("FR"))
    assert packs_for("first_party", fr_business) == {"eu_fr_b2b", "first_party_b2b"}
    # The late-payment rules are never applied to consumers.
    assert "eu_fr_b2b" not in packs_for("first_party", Debtor(address=Address("FR")))


def ma(history: list, collector: str = "third_party") -> ComplianceDecision:
    who = debtor(address=Address("US", "MA"))
    return decide(
        ctx(history, who=who, collector=collector), propose(local("2026-06-05")), packs=["us_ma"]
    )


def test_massachusetts_allows_two_initiated_calls_or_texts_per_debt_in_seven_days() -> None:
    two = [
        event(local("2026-06-01"), "voicemail"),
        event(local("2026-06-03"), "delivered", channel="sms"),
    ]
    assert rules(ma(two)) == {"ma.initiated_contact_cap"}  # the third is refused
    assert rules(ma(two, collector="first_party")) == {"ma.initiated_contact_cap"}
    # A call the creditor chose not to leave a message on still counts; a busy signal does not.
    one = [event(local("2026-06-01")), event(local("2026-06-02"), "busy")]
    assert ma(one).allowed
    # Boundary: the 7-day period is rolling; on day 8 the first contact has left it.
    old = [event(local("2026-05-29")), event(local("2026-06-03"))]
    assert ma(old).allowed
    edge = [event(local("2026-05-30")), event(local("2026-06-03"))]
    assert not ma(edge).allowed


def wa(
    history: list, at: datetime, channel: str = "call", packs: tuple = ("us_wa",)
) -> ComplianceDecision:
    who = debtor(PT, address=Address("US", "WA"))
    return decide(ctx(history, who=who), propose(at, channel), packs=list(packs))


def test_washington_presumes_harassment_after_three_communications_in_a_week() -> None:
    three = [
        event(local("2026-06-01", "10:00", PT), "conversation"),
        event(local("2026-06-02", "10:00", PT), "delivered", channel="email"),
        event(local("2026-06-03", "10:00", PT), "delivered", channel="email"),
    ]
    assert rules(wa(three, local("2026-06-04", "10:00", PT), "email")) == {
        "wa.weekly_communications"
    }
    # Unanswered calls are not completed communications.
    assert wa(
        [*three[:2], event(local("2026-06-03", "10:00", PT))], local("2026-06-04", "10:00", PT)
    ).allowed
    # Responding to the debtor is exempt.
    replied = [
        *three,
        event(local("2026-06-04", "09:00", PT), "delivered", channel="email", direction="inbound"),
    ]
    assert wa(replied, local("2026-06-04", "10:00", PT), "email").allowed


def test_washington_allows_at_most_two_calls_or_texts_a_day_to_a_mobile() -> None:
    two = [
        event(local("2026-06-01", "09:00", PT)),
        event(local("2026-06-01", "11:00", PT), "delivered", channel="sms"),
    ]
    blocked = wa(two, local("2026-06-01", "15:00", PT), "sms")
    assert "wa.mobile_daily_cap" in rules(blocked)
    assert blocked.earliest_allowed_at == local("2026-06-02", "07:30", PT)


def test_washington_residence_hours_start_at_7_30() -> None:
    assert not wa([], local("2026-06-01", "07:29", PT)).allowed
    assert wa([], local("2026-06-01", "07:30", PT)).allowed
    # A third-party collector is still bound by Reg F's 8:00.
    both = wa([], local("2026-06-01", "07:45", PT), packs=("us_wa", "us_fdcpa_regf"))
    assert rules(both) == {"regf.inconvenient_time"}


def test_california_binds_a_creditor_collecting_its_own_consumer_debt() -> None:
    who = debtor(PT, address=Address("US", "CA"))
    context = ctx(who=who, collector="first_party")
    late = decide(context, propose(local("2026-06-01", "21:00", PT)), packs=["us_ca"])
    assert rules(late) == {"ca.inconvenient_time"}
    assert decide(context, propose(local("2026-06-01", "20:59", PT)), packs=["us_ca"]).allowed
    history = [event(local("2026-06-01", "10:00", PT), "conversation")]
    cooled = decide(
        ctx(history, who=who, collector="first_party"),
        propose(local("2026-06-07", "10:00", PT)),
        packs=["us_ca"],
    )
    assert rules(cooled) == {"ca.conversation_cooldown"}
    assert decide(
        ctx(history, who=who, collector="first_party"),
        propose(local("2026-06-08", "10:00", PT)),
        packs=["us_ca"],
    ).allowed


def test_new_york_forbids_unusual_hours_for_principal_creditors_too() -> None:
    context = ctx(who=debtor(address=Address("US", "NY")), collector="first_party")
    assert rules(decide(context, propose(local("2026-06-01", "07:59")), packs=["us_ny"])) == {
        "ny.unusual_hours"
    }
    assert decide(context, propose(local("2026-06-01", "08:00")), packs=["us_ny"]).allowed
    barred = ComplianceContext(
        "first_party", debtor(address=Address("US", "NY")), (Debt("D1", time_barred=True),)
    )
    threat = decide(
        barred,
        propose(local("2026-06-01"), "email", text="Pay now or we will take you to court."),
        packs=["us_ny"],
    )
    assert rules(threat) == {"ny.content"}


def test_tcpa_needs_active_consent_for_ai_voice_calls_and_texts() -> None:
    no_consent = ctx(who=debtor(consents=()))
    blocked = decide(no_consent, propose(local("2026-06-01")), packs=["us_tcpa"])
    assert rules(blocked) == {"tcpa.prior_express_consent"}
    assert blocked.earliest_allowed_at is None
    assert decide(no_consent, propose(local("2026-06-01"), "email"), packs=["us_tcpa"]).allowed
    assert decide(ctx(), propose(local("2026-06-01")), packs=["us_tcpa"]).allowed
    revoked = (ChannelConsent("call", datetime(2025, 1, 1, tzinfo=UTC), local("2026-05-01")),)
    assert not decide(
        ctx(who=debtor(consents=revoked)), propose(local("2026-06-01")), packs=["us_tcpa"]
    ).allowed
    # An sms consent is not a call consent.
    sms_only = (ChannelConsent("sms", datetime(2025, 1, 1, tzinfo=UTC)),)
    assert not decide(
        ctx(who=debtor(consents=sms_only)), propose(local("2026-06-01")), packs=["us_tcpa"]
    ).allowed


def uk(**kw: bool) -> ComplianceContext:
    return ctx(who=Debtor(address=Address("GB"), timezone=LONDON, **kw), collector="first_party")


def test_uk_contact_is_at_reasonable_hours_and_pauses_on_mental_capacity_concerns() -> None:
    context = uk()
    assert decide(
        context, propose(local("2026-06-01", "20:59", LONDON)), packs=["uk_fca_conc7"]
    ).allowed
    assert not decide(
        context, propose(local("2026-06-01", "21:00", LONDON)), packs=["uk_fca_conc7"]
    ).allowed
    paused = decide(
        uk(mental_capacity_concern=True),
        propose(local("2026-06-01", "12:00", LONDON)),
        packs=["uk_fca_conc7"],
    )
    assert rules(paused) == {"conc.vulnerability_pause"}
    assert paused.earliest_allowed_at is None
    pressure = propose(
        local("2026-06-01", "12:00", LONDON),
        "letter",
        text="Could you borrow it from family to clear the balance?",
    )
    assert rules(decide(uk(), pressure, packs=["uk_fca_conc7"])) == {"conc.content"}


def test_eu_information_rules_never_block_and_the_house_pack_keeps_courtesy_hours() -> None:
    fr = ctx(
        who=Debtor(type="business", address=Address("FR"), timezone=PARIS), collector="first_party"
    )
    monday = decide(
        fr,
        propose(
            local("2026-06-01", "10:00", PARIS), "email", text="Rappel : la facture 42 est échue."
        ),
    )
    assert monday.allowed, monday.violations
    assert set(monday.packs) == {"eu_fr_b2b", "first_party_b2b"}
    saturday = decide(fr, propose(local("2026-06-06", "10:00", PARIS), "email"))
    assert rules(saturday) == {"house.courtesy_hours"}
    assert saturday.earliest_allowed_at == local("2026-06-08", "08:00", PARIS)
    assert not decide(fr, propose(local("2026-06-01", "18:00", PARIS), "email")).allowed


def test_the_house_contact_cap_is_three_per_seven_days() -> None:
    who = Debtor(type="business", address=Address("US", "IL"), timezone=CT, consents=CONSENTED)
    three = [
        event(local(f"2026-06-0{d}", "10:00", CT), "delivered", channel="email") for d in (1, 2, 3)
    ]
    capped = decide(
        ctx(three, who=who, collector="first_party"),
        propose(local("2026-06-04", "10:00", CT), "email"),
    )
    assert rules(capped) == {"house.contact_cap"}
    assert capped.earliest_allowed_at == local("2026-06-08", "08:00", CT)


def test_a_consumer_owing_only_business_purpose_debts_is_treated_as_a_business() -> None:
    who = Debtor(address=Address("US", "CO"))
    business_debts = ComplianceContext("third_party", who, (Debt("D1", consumer=False),))
    assert {p.id for p in select_packs(business_debts)} == {"us_tcpa", "first_party_b2b"}
    mixed = ComplianceContext("third_party", who, (Debt("D1", consumer=False), Debt("D2")))
    assert "us_fdcpa_regf" in {p.id for p in select_packs(mixed)}
