"""Replays of the worked examples in Regulation F's official interpretations (Supplement I).

The examples' dates (Wed Apr 1, Thu Aug 13, Mon Nov 9, Mon Jun 1 …) fall on the same weekdays in 2026,
so they are replayed on the 2026 calendar. Times are local to the consumer (Eastern unless stated).
"""

from __future__ import annotations

from compliance_helpers import ctx, debtor, event, local, propose, regf, rules

from amicable.compliance import Address, Debtor, InconvenientTime
from amicable.compliance.model import CHANNELS


def seven_calls_from_april_1() -> list:
    # Wed Apr 1 a limited-content message, then six unanswered calls Thu Apr 2 .. Tue Apr 7.
    history = [event(local("2026-04-01"), "voicemail")]
    history += [event(local(f"2026-04-0{d}")) for d in range(2, 8)]
    return history


def test_the_8th_call_on_april_8_after_seven_calls_from_april_1_is_presumed_compliant() -> None:
    """Comment 14(b)(2)(i)-1.i."""
    decision = regf(ctx(seven_calls_from_april_1()), propose(local("2026-04-08")))
    assert decision.allowed, decision.violations


def test_an_8th_call_within_the_same_seven_days_is_presumed_a_violation() -> None:
    """Comment 14(b)(2)(ii)-1.i: Apr 1 LCM, two calls on each of Apr 2, 3 and 6, one on Apr 7."""
    history = [event(local("2026-04-01"), "voicemail")]
    for day in ("2026-04-02", "2026-04-03", "2026-04-06"):
        history += [event(local(day, "10:00")), event(local(day, "15:00"))]
    decision = regf(ctx(history), propose(local("2026-04-07")))
    assert rules(decision) == {"regf.call_frequency"}
    # Once Apr 1 leaves the window (Apr 8 local) and the 8:00 window opens, the call may be placed.
    assert decision.earliest_allowed_at == local("2026-04-08", "08:00")


def test_no_call_within_seven_days_of_a_consumer_initiated_conversation() -> None:
    """Comment 14(b)(2)(i)-1.ii: the consumer calls on Thu Aug 13; Thu Aug 20 is fine."""
    history = [event(local("2026-08-13", "14:00"), "conversation", direction="inbound")]
    assert regf(ctx(history), propose(local("2026-08-20"))).allowed
    blocked = regf(ctx(history), propose(local("2026-08-19", "20:00")))
    assert rules(blocked) == {"regf.conversation_cooldown"}
    assert blocked.earliest_allowed_at == local("2026-08-20", "08:00")


def test_a_call_before_august_21_after_a_conversation_on_august_14_is_presumed_a_violation() -> (
    None
):
    """Comment 14(b)(2)(ii)-1.ii: unanswered Tue Aug 11, conversation Fri Aug 14."""
    history = [event(local("2026-08-11")), event(local("2026-08-14"), "conversation")]
    assert rules(regf(ctx(history), propose(local("2026-08-20", "18:00")))) == {
        "regf.conversation_cooldown"
    }
    assert regf(ctx(history), propose(local("2026-08-21", "09:00"))).allowed
    assert regf(ctx(history), propose(local("2026-08-18"))).earliest_allowed_at == local(
        "2026-08-21", "08:00"
    )


def test_call_back_on_monday_is_allowed_under_the_consumers_prior_consent() -> None:
    """Comment 14(b)(3)(i)-3.i: conversation Fri Apr 3, 'call back on Monday'."""
    from datetime import date

    history = [event(local("2026-04-03"), "conversation", until=date(2026, 4, 6))]
    assert regf(ctx(history), propose(local("2026-04-06"))).allowed
    # The consent named Monday only: Tuesday is again inside the cool-down.
    assert rules(regf(ctx(history), propose(local("2026-04-07")))) == {"regf.conversation_cooldown"}


def test_consent_ends_with_the_next_conversation() -> None:
    """Comment 14(b)(3)(i)-3.ii: callback conversation on Mon Apr 6; a call on Wed Apr 8 counts."""
    history = [
        event(local("2026-04-03"), "conversation", consent=True),
        event(local("2026-04-06"), "conversation"),
    ]
    assert rules(regf(ctx(history), propose(local("2026-04-08")))) == {"regf.conversation_cooldown"}


def test_consent_by_email_excludes_calls_for_seven_days_from_receipt_only() -> None:
    """Comment 14(b)(3)(i)-3.iii: consent received Thu Jun 4; eight calls Jun 8-10 do not count."""
    history = [event(local(f"2026-06-0{d}")) for d in (1, 2, 3)]
    history.append(event(local("2026-06-03", "12:00"), "delivered", channel="email"))
    history.append(
        event(local("2026-06-04"), "delivered", channel="email", direction="inbound", consent=True)
    )
    for i in range(7):
        history.append(event(local(f"2026-06-{8 + i // 3:02d}", f"{9 + i % 3}:00")))
    # The eighth call in the consent period is still excluded.
    assert regf(ctx(history), propose(local("2026-06-10", "15:00"))).allowed
    history.append(event(local("2026-06-10", "15:00")))
    # From Thu Jun 11 calls count again: seven on Jun 11-12 are fine, an eighth is not.
    later = [event(local("2026-06-11", f"{9 + h}:00")) for h in range(4)]
    later += [event(local("2026-06-12", f"{9 + h}:00")) for h in range(3)]
    assert regf(ctx(history), propose(local("2026-06-11", "08:30"))).allowed
    assert rules(regf(ctx(history + later), propose(local("2026-06-12", "18:00")))) == {
        "regf.call_frequency"
    }


def test_calls_are_counted_per_particular_debt() -> None:
    """Comment 14(b)(4)-2.i: 21 unanswered calls, seven counted toward each of three debts."""
    debts = ("MED", "A", "B")
    history = []
    for debt in debts:
        history += [event(local(f"2026-11-{9 + d:02d}", "11:00"), debts=[debt]) for d in range(7)]
    context = ctx(history[:-1], debts=debts)  # B has six so far
    assert regf(context, propose(local("2026-11-15", "12:00"), debts=["B"])).allowed
    full = ctx(history, debts=debts)
    assert rules(regf(full, propose(local("2026-11-15", "12:00"), debts=["MED"]))) == {
        "regf.call_frequency"
    }


def test_a_conversation_about_one_debt_does_not_cool_down_another() -> None:
    """Comment 14(b)(4)-2.iii and iv: Mon Nov 9 conversation about the medical debt only, then both."""
    only_medical = [event(local("2026-11-09"), "conversation", debts=["MED"])]
    context = ctx(only_medical, debts=("MED", "CARD"))
    assert regf(context, propose(local("2026-11-10"), debts=["CARD"])).allowed
    assert not regf(context, propose(local("2026-11-10"), debts=["MED"])).allowed
    both = ctx(
        [event(local("2026-11-09"), "conversation", debts=["MED", "CARD"])], debts=("MED", "CARD")
    )
    assert not regf(both, propose(local("2026-11-10"), debts=["CARD"])).allowed


def test_busy_not_in_service_texts_and_emails_do_not_count_as_calls() -> None:
    """Comments 14(b)-1 and 14(b)(3)(ii)-1."""
    history = [event(local(f"2026-04-0{d}")) for d in range(1, 7)]  # six countable calls
    history += [
        event(local("2026-04-06", "12:00"), "busy"),
        event(local("2026-04-06", "13:00"), "not_in_service"),
    ]
    history += [event(local("2026-04-06", "14:00"), "delivered", channel="sms")]
    history += [event(local("2026-04-06", "15:00"), "delivered", channel="email")]
    assert regf(ctx(history), propose(local("2026-04-07"))).allowed
    counted = [*history, event(local("2026-04-07", "09:00"), "voicemail")]
    assert not regf(ctx(counted), propose(local("2026-04-07"))).allowed


def test_times_before_8_and_from_21_local_are_inconvenient() -> None:
    """§1006.6(b)(1)(i): the window is [08:00, 21:00) local, boundaries tested to the minute."""
    context = ctx()
    assert not regf(context, propose(local("2026-04-08", "07:59"))).allowed
    assert regf(context, propose(local("2026-04-08", "08:00"))).allowed
    assert regf(context, propose(local("2026-04-08", "20:59"))).allowed
    late = regf(context, propose(local("2026-04-08", "21:00")))
    assert rules(late) == {"regf.inconvenient_time"}
    assert late.earliest_allowed_at == local("2026-04-09", "08:00")


def test_an_email_is_timed_when_sent() -> None:
    """Comment 6(b)(1)(i)-1: an email sent at 22:30 local violates even if read next morning."""
    decision = regf(
        ctx(who=debtor("America/Denver")),
        propose(local("2026-04-08", "22:30", "America/Denver"), "email"),
    )
    assert rules(decision) == {"regf.inconvenient_time"}


def ambiguous(phones: tuple[str, ...], address: Address) -> Debtor:
    return Debtor(address=address, phones=phones)


def test_eastern_mobile_and_pacific_address_allow_only_11_to_21_eastern() -> None:
    """Comment 6(b)(1)(i)-2.i: convenient after 11:00 ET (8:00 PT) and before 21:00 ET (18:00 PT)."""
    who = ambiguous(("+12125550100",), Address("US", "CA", "94103"))
    context = ctx(who=who)
    assert not regf(context, propose(local("2026-04-08", "10:59"))).allowed
    assert regf(context, propose(local("2026-04-08", "11:00"))).allowed
    assert regf(context, propose(local("2026-04-08", "20:59"))).allowed
    assert not regf(context, propose(local("2026-04-08", "21:00"))).allowed
    assert regf(context, propose(local("2026-04-08", "07:00"))).earliest_allowed_at == local(
        "2026-04-08", "11:00"
    )


def test_eastern_mobile_and_mountain_landline_allow_only_10_to_21_eastern() -> None:
    """Comment 6(b)(1)(i)-2.ii: after 10:00 ET (8:00 MT) and before 21:00 ET (19:00 MT)."""
    who = ambiguous(("+12125550100", "+13035550100"), Address())
    context = ctx(who=who)
    assert not regf(context, propose(local("2026-04-08", "09:59"))).allowed
    assert regf(context, propose(local("2026-04-08", "10:00"))).allowed
    assert not regf(context, propose(local("2026-04-08", "21:00"))).allowed


def test_a_new_york_mobile_and_a_honolulu_address_leave_14_to_21_eastern() -> None:
    who = ambiguous(("+12125550100",), Address("US", "HI"))
    context = ctx(who=who)
    assert not regf(context, propose(local("2026-04-08", "12:00"))).allowed
    assert regf(context, propose(local("2026-04-08", "14:00"))).allowed


def test_designated_weekends_and_weekday_afternoons_are_inconvenient() -> None:
    """Comment 6(b)(1)-1.ii: weekdays except 15:00-17:00, and no weekends."""
    weekdays = frozenset(range(5))
    slots = (
        InconvenientTime(frozenset({5, 6})),
        InconvenientTime(weekdays, *_times("15:00", "17:00")),
    )
    context = ctx(who=debtor(inconvenient_times=slots))
    assert rules(regf(context, propose(local("2026-04-11", "11:00"), "sms"))) == {
        "regf.designated_inconvenient_time"
    }
    wednesday = regf(context, propose(local("2026-04-08", "16:00")))
    assert rules(wednesday) == {"regf.designated_inconvenient_time"}
    assert wednesday.earliest_allowed_at == local("2026-04-08", "17:00")
    assert regf(context, propose(local("2026-04-08", "17:30"))).allowed
    # Saturday 11:00 -> the first convenient time is Monday 08:00.
    assert regf(context, propose(local("2026-04-11", "11:00"))).earliest_allowed_at == local(
        "2026-04-13", "08:00"
    )


def test_creditor_notes_of_tuesdays_and_thursdays_bind() -> None:
    """Comment 6(b)(1)-1.i."""
    context = ctx(who=debtor(inconvenient_times=(InconvenientTime(frozenset({1, 3})),)))
    assert not regf(context, propose(local("2026-04-07", "12:00"), "email")).allowed
    assert regf(context, propose(local("2026-04-08", "12:00"), "email")).allowed


def test_a_consumer_who_emails_at_an_inconvenient_time_may_be_answered_once_by_email() -> None:
    """Comment 6(b)(1)-2.i: consumer emails Wed 15:30 inside the blocked 15:00-17:00."""
    slot = InconvenientTime(frozenset(range(5)), *_times("15:00", "17:00"))
    inbound = event(local("2026-04-08", "15:30"), "delivered", channel="email", direction="inbound")
    context = ctx([inbound], who=debtor(inconvenient_times=(slot,)))
    assert regf(context, propose(local("2026-04-08", "15:40"), "email")).allowed
    # Not by another medium, and only once.
    assert not regf(context, propose(local("2026-04-08", "15:40"), "call")).allowed
    replied = ctx(
        [inbound, event(local("2026-04-08", "15:40"), "delivered", channel="email")],
        who=debtor(inconvenient_times=(slot,)),
    )
    assert not regf(replied, propose(local("2026-04-08", "15:50"), "email")).allowed
    # An email written on Tuesday does not open Wednesday's blocked slot.
    tuesday = ctx(
        [event(local("2026-04-07", "15:30"), "delivered", channel="email", direction="inbound")],
        who=debtor(inconvenient_times=(slot,)),
    )
    assert not regf(tuesday, propose(local("2026-04-08", "15:40"), "email")).allowed


def test_stop_calling_bans_calls_and_voicemails_but_not_texts() -> None:
    """Comment 14(h)(1)-3.i."""
    context = ctx(who=debtor(opt_outs=frozenset({"call"})))
    assert rules(regf(context, propose(local("2026-04-08")))) == {"regf.medium_opt_out"}
    assert rules(regf(context, propose(local("2026-04-08"), "voicemail"))) == {
        "regf.medium_opt_out"
    }
    assert regf(context, propose(local("2026-04-08"), "sms")).allowed
    assert regf(context, propose(local("2026-04-08"))).earliest_allowed_at is None


def test_a_person_who_texts_on_an_opted_out_medium_may_be_answered_once_on_it() -> None:
    """§1006.14(h)(2)(ii)."""
    inbound = event(local("2026-04-08", "12:00"), "delivered", channel="sms", direction="inbound")
    context = ctx([inbound], who=debtor(opt_outs=frozenset({"sms"})))
    assert regf(context, propose(local("2026-04-08", "12:05"), "sms")).allowed


def test_cease_attorney_and_bankruptcy_block_every_channel_for_good() -> None:
    for flag, rule in (
        ("cease", "regf.cease"),
        ("attorney", "regf.attorney"),
        ("bankruptcy", "regf.bankruptcy"),
    ):
        context = ctx(who=debtor(**{flag: True}))
        for channel in CHANNELS:
            decision = regf(context, propose(local("2026-04-08"), channel))
            assert rule in rules(decision)
            assert decision.earliest_allowed_at is None


def test_every_violation_is_reported_not_only_the_first() -> None:
    context = ctx(
        [event(local("2026-04-08", "09:00"), "conversation")],
        who=debtor(cease=True, opt_outs=frozenset({"call"})),
    )
    decision = regf(context, propose(local("2026-04-08", "22:00")))
    assert rules(decision) == {
        "regf.inconvenient_time",
        "regf.conversation_cooldown",
        "regf.cease",
        "regf.medium_opt_out",
    }


def _times(a: str, b: str) -> tuple:
    from datetime import time

    return time.fromisoformat(a), time.fromisoformat(b)
