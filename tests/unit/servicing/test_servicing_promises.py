"""Promises to pay: open, kept, partially kept and broken, with the deciding rule."""

from __future__ import annotations

from datetime import date

import pytest

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.servicing.promises import (
    PaymentFact,
    Promise,
    PromiseStatus,
    due_promise_reminders,
    evaluate_promise,
    new_promise,
    part_left,
)

FRIDAY = date(2026, 3, 6)


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def friday_promise() -> Promise:
    return new_promise(
        "PTP-1", [(FRIDAY, usd("200.00"))], channel="sms", made_on=date(2026, 3, 2), confirmed=True
    )


def two_dates() -> Promise:
    return new_promise(
        "PTP-2",
        [(date(2026, 3, 6), usd("100.00")), (date(2026, 3, 20), usd("100.00"))],
        channel="email",
        made_on=date(2026, 3, 2),
    )


def test_a_promise_before_its_date_is_open() -> None:
    result = evaluate_promise(friday_promise(), [], date(2026, 3, 5), grace_days=2)
    assert (result.status, result.rule_id) == (PromiseStatus.OPEN, "promise.pending")


def test_a_promise_still_inside_grace_is_open() -> None:
    result = evaluate_promise(friday_promise(), [], date(2026, 3, 8), grace_days=2)
    assert result.status is PromiseStatus.OPEN


def test_paying_in_full_by_the_date_plus_grace_keeps_the_promise() -> None:
    payments = [
        PaymentFact(usd("120.00"), date(2026, 3, 4)),
        PaymentFact(usd("80.00"), date(2026, 3, 8)),
    ]
    result = evaluate_promise(friday_promise(), payments, date(2026, 3, 30), grace_days=2)
    assert (result.status, result.rule_id, result.paid) == (
        PromiseStatus.KEPT,
        "promise.kept",
        usd("200.00"),
    )


def test_paying_early_keeps_the_promise_at_once() -> None:
    payments = [PaymentFact(usd("200.00"), date(2026, 3, 3))]
    assert (
        evaluate_promise(friday_promise(), payments, date(2026, 3, 3), 0).status
        is PromiseStatus.KEPT
    )


def test_paying_part_by_the_deadline_partially_keeps_it() -> None:
    payments = [
        PaymentFact(usd("50.00"), date(2026, 3, 6)),
        PaymentFact(usd("150.00"), date(2026, 3, 12)),
    ]
    result = evaluate_promise(friday_promise(), payments, date(2026, 3, 30), grace_days=2)
    assert (result.status, result.rule_id, result.paid, result.deciding_date) == (
        PromiseStatus.PARTIALLY_KEPT,
        "promise.missed_date",
        usd("50.00"),
        FRIDAY,
    )
    assert "by 2026-03-08" in result.message


def test_nothing_paid_by_the_deadline_breaks_it_and_a_payment_before_the_promise_does_not_count() -> (
    None
):
    payments = [PaymentFact(usd("200.00"), date(2026, 3, 1))]
    result = evaluate_promise(friday_promise(), payments, date(2026, 3, 9), grace_days=2)
    assert (result.status, result.paid) == (PromiseStatus.BROKEN, usd("0.00"))


def test_a_multi_date_promise_is_judged_at_each_date() -> None:
    p = two_dates()
    first_paid = [PaymentFact(usd("100.00"), date(2026, 3, 6))]
    assert evaluate_promise(p, first_paid, date(2026, 3, 15), 0).status is PromiseStatus.OPEN
    late_second = [*first_paid, PaymentFact(usd("100.00"), date(2026, 3, 25))]
    result = evaluate_promise(p, late_second, date(2026, 3, 30), 0)
    assert (result.status, result.deciding_date) == (
        PromiseStatus.PARTIALLY_KEPT,
        date(2026, 3, 20),
    )
    assert evaluate_promise(p, [], date(2026, 3, 7), 0).status is PromiseStatus.BROKEN
    both = [*first_paid, PaymentFact(usd("100.00"), date(2026, 3, 20))]
    assert evaluate_promise(p, both, date(2026, 3, 30), 0).status is PromiseStatus.KEPT


def test_payments_after_as_of_are_not_seen() -> None:
    payments = [PaymentFact(usd("200.00"), date(2026, 3, 6))]
    assert (
        evaluate_promise(friday_promise(), payments, date(2026, 3, 5), 0).status
        is PromiseStatus.OPEN
    )


def test_bad_promises_are_refused_with_where() -> None:
    with pytest.raises(InvalidInput, match="part 2: dates must increase"):
        new_promise(
            "X",
            [(FRIDAY, usd("1.00")), (FRIDAY, usd("1.00"))],
            channel="sms",
            made_on=date(2026, 3, 1),
        )
    with pytest.raises(InvalidInput, match="part 1: amount must be positive"):
        new_promise("X", [(FRIDAY, usd("0.00"))], channel="sms", made_on=date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="before the promise was made"):
        new_promise("X", [(FRIDAY, usd("1.00"))], channel="sms", made_on=date(2026, 3, 7))
    with pytest.raises(InvalidInput, match="channel is empty"):
        new_promise("X", [(FRIDAY, usd("1.00"))], channel=" ", made_on=date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="at least one"):
        new_promise("X", [], channel="sms", made_on=date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="a payment in EUR"):
        evaluate_promise(friday_promise(), [PaymentFact(Money.of("1", "EUR"), FRIDAY)], FRIDAY, 0)
    with pytest.raises(InvalidInput, match="grace_days"):
        evaluate_promise(friday_promise(), [], FRIDAY, -1)


# -- reminders of a promise ------------------------------------------------------------------------


def test_a_promise_is_reminded_the_offsets_before_each_date_for_what_is_left_of_it() -> None:
    p = two_dates()  # 100 on 03-06, 100 on 03-20, made 03-02
    days = {
        d: due_promise_reminders(p, [], d, (3, 1))
        for d in (date(2026, 3, day) for day in range(2, 21))
    }
    reminded = {
        d: [(r.part, r.offset_days, r.amount_due) for r in rs] for d, rs in days.items() if rs
    }
    assert reminded == {
        date(2026, 3, 3): [(1, 3, usd("100.00"))],
        date(2026, 3, 5): [(1, 1, usd("100.00"))],
        date(2026, 3, 17): [(2, 3, usd("100.00"))],
        date(2026, 3, 19): [(2, 1, usd("100.00"))],
    }
    (r,) = days[date(2026, 3, 3)]
    assert r.rule_id == "servicing.promise_reminder_before_due" and r.due_date == date(2026, 3, 6)


def test_payments_cover_the_parts_in_date_order_and_a_covered_part_is_not_reminded() -> None:
    p = two_dates()
    paid = [PaymentFact(usd("130.00"), date(2026, 3, 4))]
    assert due_promise_reminders(p, paid, date(2026, 3, 5), (1,)) == []  # part 1 covered
    (second,) = due_promise_reminders(p, paid, date(2026, 3, 19), (1,))
    assert second.part == 2 and second.amount_due == usd("70.00")
    assert part_left(p, paid, date(2026, 3, 19), 1) == usd("0.00")
    # a payment before the promise was made, or after the day asked about, does not count
    early = [
        PaymentFact(usd("100.00"), date(2026, 3, 1)),
        PaymentFact(usd("50.00"), date(2026, 3, 20)),
    ]
    assert part_left(p, early, date(2026, 3, 19), 1) == usd("100.00")
    with pytest.raises(InvalidInput):
        part_left(p, [], FRIDAY, 3)
