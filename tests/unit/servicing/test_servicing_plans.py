"""Plan servicing scenarios on business dates, asserting the whole schedule after each event.

Every scenario starts from the same plan, agreed on 2026-02-15::

    #  due         amount
    1  2026-03-01  100.00 USD
    2  2026-04-01  100.00 USD
    3  2026-05-01  100.00 USD

with grace 5 days, reminders 3 and 1 days before each due date (and 1 day after, inside grace),
one renegotiation allowed.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from amicable.domain.errors import InvalidInput, NotFound
from amicable.domain.money import Money
from amicable.servicing.plans import (
    Plan,
    PlanEventKind,
    PlanStatus,
    ServicingRules,
    Transition,
    advance_to,
    apply_payment,
    cancel,
    due_reminders,
    new_plan,
    renegotiate,
    reverse_payment,
    waive_installment,
)

RULES = ServicingRules(grace_days=5, reminder_offsets_days=(3, 1), max_renegotiations=1)


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def plan() -> Plan:
    return new_plan(
        "PL-1",
        [
            (date(2026, 3, 1), usd("100.00")),
            (date(2026, 4, 1), usd("100.00")),
            (date(2026, 5, 1), usd("100.00")),
        ],
        start=date(2026, 2, 15),
    )


def kinds(t: Transition) -> list[str]:
    return [e.kind.value for e in t.events]


def test_a_new_plan_is_scheduled_and_active() -> None:
    p = plan()
    assert p.table() == [
        (1, "2026-03-01", "100.00", "0.00", "scheduled"),
        (2, "2026-04-01", "100.00", "0.00", "scheduled"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    assert (p.status, p.version, p.outstanding()) == (PlanStatus.ACTIVE, 1, usd("300.00"))


def test_paid_on_time_through_to_completion() -> None:
    t = apply_payment(plan(), usd("100.00"), date(2026, 2, 28), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "100.00", "0.00", "scheduled"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    assert t.events[0].reason.rule_id == "servicing.on_time"
    t = apply_payment(t.plan, usd("100.00"), date(2026, 4, 1), RULES)
    assert t.plan.table()[1] == (2, "2026-04-01", "100.00", "100.00", "paid")
    assert kinds(t) == ["installment_due", "installment_paid"]
    t = apply_payment(t.plan, usd("100.00"), date(2026, 4, 30), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "100.00", "100.00", "paid"),
        (3, "2026-05-01", "100.00", "100.00", "paid"),
    ]
    assert kinds(t) == ["installment_paid", "plan_completed"]
    assert t.plan.status is PlanStatus.COMPLETED
    assert t.plan.version == 4


def test_paid_late_within_grace_is_paid_and_says_grace() -> None:
    t = advance_to(plan(), date(2026, 3, 3), RULES)
    assert t.plan.table()[0] == (1, "2026-03-01", "100.00", "0.00", "due")
    assert kinds(t) == ["installment_due"]
    t = apply_payment(t.plan, usd("100.00"), date(2026, 3, 6), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "100.00", "0.00", "scheduled"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    (event,) = t.events
    assert (event.reason.rule_id, event.reason.parameter, event.reason.value) == (
        "servicing.grace",
        "grace_days",
        "5",
    )
    # The day after grace nothing changes for a paid installment.
    assert advance_to(t.plan, date(2026, 3, 7), RULES).events == ()


def test_a_partial_payment_fills_the_oldest_installment_and_then_it_is_missed() -> None:
    t = apply_payment(plan(), usd("60.00"), date(2026, 3, 1), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "60.00", "partially_paid"),
        (2, "2026-04-01", "100.00", "0.00", "scheduled"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    assert t.events[-1].reason.value == "40.00"
    t = advance_to(t.plan, date(2026, 3, 7), RULES)
    assert t.plan.table()[0] == (1, "2026-03-01", "100.00", "60.00", "missed")
    assert kinds(t) == ["installment_missed", "renegotiation_offered"]
    assert t.events[0].amount == usd("40.00")
    assert t.plan.status is PlanStatus.ACTIVE


def test_an_overpayment_rolls_forward_and_the_excess_beyond_the_plan_is_a_credit() -> None:
    t = apply_payment(plan(), usd("250.00"), date(2026, 2, 20), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "100.00", "100.00", "paid"),
        (3, "2026-05-01", "100.00", "50.00", "partially_paid"),
    ]
    t = apply_payment(t.plan, usd("80.00"), date(2026, 2, 21), RULES)
    assert t.plan.table()[2] == (3, "2026-05-01", "100.00", "100.00", "paid")
    assert kinds(t) == ["installment_paid", "credit_recorded", "plan_completed"]
    assert t.plan.credit == usd("30.00")
    assert t.plan.payments[-1].credit == usd("30.00")


def test_missed_then_renegotiated_then_paid() -> None:
    t = advance_to(plan(), date(2026, 3, 7), RULES)
    assert t.plan.table()[0] == (1, "2026-03-01", "100.00", "0.00", "missed")
    assert kinds(t) == ["installment_due", "installment_missed", "renegotiation_offered"]
    assert t.events[-1].reason.value == "1"  # renegotiations left
    t = renegotiate(
        t.plan,
        [
            (date(2026, 3, 15), usd("150.00")),
            (date(2026, 4, 15), usd("150.00")),
        ],
        date(2026, 3, 8),
        RULES,
    )
    assert kinds(t) == ["renegotiated"]
    assert t.plan.table() == [
        (1, "2026-03-15", "150.00", "0.00", "scheduled"),
        (2, "2026-04-15", "150.00", "0.00", "scheduled"),
    ]
    assert t.plan.renegotiations_used == 1
    t = apply_payment(t.plan, usd("150.00"), date(2026, 3, 15), RULES)
    assert t.plan.table()[0] == (1, "2026-03-15", "150.00", "150.00", "paid")
    # The one renegotiation is used: a second is refused as an event, the plan unchanged.
    refused = renegotiate(t.plan, [(date(2026, 5, 1), usd("150.00"))], date(2026, 3, 16), RULES)
    assert kinds(refused) == ["renegotiation_refused"]
    assert refused.plan is t.plan


def test_renegotiation_keeps_what_was_paid_on_a_partial_installment() -> None:
    t = apply_payment(plan(), usd("30.00"), date(2026, 3, 1), RULES)
    t = advance_to(t.plan, date(2026, 3, 7), RULES)
    t = renegotiate(t.plan, [(date(2026, 3, 20), usd("270.00"))], date(2026, 3, 7), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "30.00", "30.00", "paid"),
        (2, "2026-03-20", "270.00", "0.00", "scheduled"),
    ]
    with pytest.raises(
        InvalidInput, match=re.escape("totals 100.00 USD, the plan still owes 300.00 USD")
    ):
        renegotiate(plan(), [(date(2026, 3, 20), usd("100.00"))], date(2026, 3, 7), RULES)


def test_a_miss_after_the_renegotiation_breaks_the_plan() -> None:
    t = advance_to(plan(), date(2026, 3, 7), RULES)
    t = renegotiate(
        t.plan,
        [(date(2026, 3, 15), usd("150.00")), (date(2026, 4, 15), usd("150.00"))],
        date(2026, 3, 8),
        RULES,
    )
    t = advance_to(t.plan, date(2026, 3, 25), RULES)
    assert t.plan.table() == [
        (1, "2026-03-15", "150.00", "0.00", "missed"),
        (2, "2026-04-15", "150.00", "0.00", "scheduled"),
    ]
    assert kinds(t) == ["installment_due", "installment_missed", "plan_broken"]
    broken = t.events[-1]
    assert (broken.on, broken.reason.rule_id) == (date(2026, 3, 21), "servicing.max_renegotiations")
    assert t.plan.status is PlanStatus.BROKEN
    # Money received after the break is still applied, the plan stays broken.
    paid = apply_payment(t.plan, usd("150.00"), date(2026, 3, 26), RULES)
    assert paid.plan.table()[0] == (1, "2026-03-15", "150.00", "150.00", "paid")
    assert paid.plan.status is PlanStatus.BROKEN
    assert paid.events[0].reason.rule_id == "servicing.late"


def test_two_open_misses_break_a_plan_whose_debtor_never_renegotiated() -> None:
    t = advance_to(plan(), date(2026, 4, 10), RULES)
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "0.00", "missed"),
        (2, "2026-04-01", "100.00", "0.00", "missed"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    assert kinds(t) == [
        "installment_due",
        "installment_missed",
        "renegotiation_offered",
        "installment_due",
        "installment_missed",
        "plan_broken",
    ]
    assert t.events[-1].reason.rule_id == "servicing.max_open_misses"


def test_a_refund_reopens_the_last_installment_the_payment_reached() -> None:
    t = apply_payment(plan(), usd("150.00"), date(2026, 2, 20), RULES, payment_id="ch_1")
    t = reverse_payment(t.plan, "ch_1", date(2026, 2, 22), RULES, amount=usd("70.00"))
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "80.00", "partially_paid"),
        (2, "2026-04-01", "100.00", "0.00", "scheduled"),
        (3, "2026-05-01", "100.00", "0.00", "scheduled"),
    ]
    assert kinds(t) == ["payment_reversed", "installment_reopened", "installment_reopened"]
    assert [(e.installment, e.amount) for e in t.events[1:]] == [
        (2, usd("50.00")),
        (1, usd("20.00")),
    ]
    with pytest.raises(InvalidInput, match=re.escape("80.00 USD is left of it")):
        reverse_payment(t.plan, "ch_1", date(2026, 2, 22), RULES, amount=usd("80.01"))


def test_a_chargeback_on_a_completed_plan_uses_the_credit_reopens_it_and_misses_the_rest() -> None:
    t = apply_payment(plan(), usd("100.00"), date(2026, 2, 20), RULES, payment_id="ch_1")
    t = apply_payment(t.plan, usd("230.00"), date(2026, 3, 20), RULES, payment_id="ch_2")
    assert t.plan.status is PlanStatus.COMPLETED
    assert t.plan.credit == usd("30.00")
    t = reverse_payment(t.plan, "ch_1", date(2026, 3, 25), RULES, reason="chargeback")
    # ch_2's 30.00 credit is the debtor's money: it covers part of the reopened installment.
    assert t.plan.table() == [
        (1, "2026-03-01", "100.00", "30.00", "missed"),
        (2, "2026-04-01", "100.00", "100.00", "paid"),
        (3, "2026-05-01", "100.00", "100.00", "paid"),
    ]
    assert kinds(t) == [
        "payment_reversed",
        "installment_reopened",
        "credit_applied",
        "plan_reopened",
        "installment_missed",
        "renegotiation_offered",
    ]
    assert t.events[0].reason.rule_id == "servicing.reversal.chargeback"
    assert t.events[2].reason.value == "ch_2"
    assert t.plan.status is PlanStatus.ACTIVE
    assert t.plan.credit == usd("0.00")
    assert t.plan.payments[1].postings[-1] == (1, usd("30.00"))


def test_a_credit_that_covers_a_reopened_installment_keeps_the_plan_completed() -> None:
    t = apply_payment(plan(), usd("100.00"), date(2026, 2, 20), RULES, payment_id="a")
    t = apply_payment(t.plan, usd("250.00"), date(2026, 2, 21), RULES, payment_id="b")
    t = reverse_payment(t.plan, "a", date(2026, 2, 22), RULES, amount=usd("40.00"))
    assert t.plan.table()[0] == (1, "2026-03-01", "100.00", "100.00", "paid")
    assert kinds(t) == ["payment_reversed", "installment_reopened", "credit_applied"]
    assert (t.plan.status, t.plan.credit) == (PlanStatus.COMPLETED, usd("10.00"))


def test_a_refund_gives_back_the_credit_before_reopening_installments() -> None:
    t = apply_payment(plan(), usd("320.00"), date(2026, 2, 20), RULES, payment_id="p")
    t = reverse_payment(t.plan, "p", date(2026, 2, 21), RULES, amount=usd("20.00"))
    assert kinds(t) == ["payment_reversed", "credit_returned"]
    assert t.plan.credit == usd("0.00")
    assert t.plan.status is PlanStatus.COMPLETED


def test_reminders_fall_before_the_due_date_and_once_inside_grace() -> None:
    p = plan()
    assert [(r.installment, r.offset_days) for r in due_reminders(p, date(2026, 2, 26), RULES)] == [
        (1, 3)
    ]
    assert [(r.installment, r.offset_days) for r in due_reminders(p, date(2026, 2, 28), RULES)] == [
        (1, 1)
    ]
    assert [(r.installment, r.offset_days) for r in due_reminders(p, date(2026, 3, 2), RULES)] == [
        (1, -1)
    ]
    assert due_reminders(p, date(2026, 2, 27), RULES) == []
    paid = apply_payment(p, usd("100.00"), date(2026, 2, 20), RULES).plan
    assert due_reminders(paid, date(2026, 2, 28), RULES) == []
    reminder = due_reminders(p, date(2026, 3, 29), RULES)[0]
    assert (reminder.amount_due, reminder.reason.parameter) == (
        usd("100.00"),
        "reminder_offsets_days",
    )


def test_waiving_the_last_installment_completes_the_plan() -> None:
    t = apply_payment(plan(), usd("200.00"), date(2026, 2, 20), RULES)
    t = waive_installment(t.plan, 3, date(2026, 2, 21), reason="goodwill")
    assert t.plan.table()[2] == (3, "2026-05-01", "100.00", "0.00", "waived")
    assert kinds(t) == ["installment_waived", "plan_completed"]
    with pytest.raises(InvalidInput, match="already waived"):
        waive_installment(t.plan, 3, date(2026, 2, 21), reason="again")


def test_bad_plans_payments_and_dates_are_refused_with_where() -> None:
    with pytest.raises(InvalidInput, match="installment 2: EUR differs"):
        new_plan(
            "X",
            [(date(2026, 3, 1), usd("1.00")), (date(2026, 4, 1), Money.of("1.00", "EUR"))],
            start=date(2026, 2, 1),
        )
    with pytest.raises(InvalidInput, match="installment 2: due 2026-02-01 is before the previous"):
        new_plan(
            "X",
            [(date(2026, 3, 1), usd("1.00")), (date(2026, 2, 1), usd("1.00"))],
            start=date(2026, 1, 1),
        )
    with pytest.raises(InvalidInput, match="at least one installment"):
        new_plan("X", [], start=date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="cannot go back"):
        advance_to(plan(), date(2026, 2, 1), RULES)
    with pytest.raises(InvalidInput, match="already applied"):
        once = apply_payment(plan(), usd("1.00"), date(2026, 2, 20), RULES, payment_id="a").plan
        apply_payment(once, usd("1.00"), date(2026, 2, 20), RULES, payment_id="a")
    with pytest.raises(NotFound):
        reverse_payment(plan(), "nope", date(2026, 2, 20), RULES)
    with pytest.raises(InvalidInput, match="grace_days must be an int >= 0"):
        ServicingRules(grace_days=-1)


def test_a_first_installment_due_on_the_start_date_is_due_at_once() -> None:
    p = new_plan("X", [(date(2026, 3, 1), usd("10.00"))], start=date(2026, 3, 1))
    assert p.table() == [(1, "2026-03-01", "10.00", "0.00", "due")]
    assert PlanEventKind.PLAN_BROKEN.value == "plan_broken"


def test_cancelling_ends_an_active_plan_with_what_it_had_not_collected() -> None:
    paid = apply_payment(plan(), usd("100.00"), date(2026, 2, 28), RULES).plan
    t = cancel(paid, date(2026, 3, 10), reason="  the debtor sold the business ")
    assert t.plan.status is PlanStatus.CANCELLED and t.plan.version == paid.version + 1
    assert t.plan.table() == paid.table()  # what it received stays where it went
    (event,) = t.events
    assert event.kind is PlanEventKind.PLAN_CANCELLED and event.on == date(2026, 3, 10)
    assert event.amount == usd("200.00")
    assert (event.reason.rule_id, event.reason.value) == (
        "servicing.cancelled",
        "the debtor sold the business",
    )
    assert due_reminders(t.plan, date(2026, 3, 29), RULES) == []  # 3 days before installment 2
    assert due_reminders(paid, date(2026, 3, 29), RULES)


def test_only_an_active_plan_is_cancelled_and_only_for_a_reason() -> None:
    with pytest.raises(InvalidInput, match="needs a reason"):
        cancel(plan(), date(2026, 3, 1), reason="  ")
    done = cancel(plan(), date(2026, 3, 1), reason="agreed in error").plan
    with pytest.raises(InvalidInput, match="is cancelled: only an active plan"):
        cancel(done, date(2026, 3, 2), reason="again")
    completed = apply_payment(plan(), usd("300.00"), date(2026, 2, 28), RULES).plan
    assert completed.status is PlanStatus.COMPLETED
    with pytest.raises(InvalidInput, match="is completed"):
        cancel(completed, date(2026, 3, 1), reason="late")
