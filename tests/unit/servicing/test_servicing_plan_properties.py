"""Property: whatever payments, refunds and chargebacks arrive, a plan loses and invents nothing."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from amicable.domain.money import Money
from amicable.servicing.plans import (
    InstallmentStatus,
    PlanStatus,
    ServicingRules,
    apply_payment,
    new_plan,
    reverse_payment,
)

RULES = ServicingRules(grace_days=3, max_renegotiations=1)
START = date(2026, 1, 1)

events = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(1, 50_000), st.integers(0, 120)),
        st.tuples(st.just("refund"), st.integers(0, 10), st.integers(1, 50_000), st.integers(0, 5)),
        st.tuples(st.just("chargeback"), st.integers(0, 10), st.integers(0, 5)),
    ),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(amounts=st.lists(st.integers(1, 30_000), min_size=1, max_size=6), ops=events)
def test_paid_plus_credit_always_equals_what_was_received_minus_reversed(
    amounts: list[int], ops: list[tuple[object, ...]]
) -> None:
    plan = new_plan(
        "P",
        [
            (START + timedelta(days=30 * (n + 1)), Money.from_minor(a, "USD"))
            for n, a in enumerate(amounts)
        ],
        start=START,
    )
    day = START
    for op in ops:
        if op[0] == "pay":
            day = day + timedelta(days=int(str(op[2])))
            plan = apply_payment(plan, Money.from_minor(int(str(op[1])), "USD"), day, RULES).plan
        elif plan.payments:
            payment = plan.payments[int(str(op[1])) % len(plan.payments)]
            left = payment.amount - payment.reversed
            if left.is_zero():
                continue
            day = day + timedelta(days=int(str(op[-1])))
            amount = (
                Money.from_minor(min(int(str(op[2])), left.minor), "USD")
                if op[0] == "refund"
                else None
            )
            plan = reverse_payment(
                plan, payment.id, day, RULES, amount=amount, reason=str(op[0])
            ).plan
    received = Money.sum((p.amount - p.reversed for p in plan.payments), "USD")
    paid = Money.sum((i.paid for i in plan.installments), "USD")
    assert paid + plan.credit_amount == received
    assert plan.credit_amount == Money.sum((p.credit for p in plan.payments), "USD")
    for inst in plan.installments:
        assert Money.zero("USD") <= inst.paid <= inst.amount
        assert (inst.status is InstallmentStatus.PAID) == (inst.paid == inst.amount)
    for payment in plan.payments:
        posted = Money.sum((amount for _, amount in payment.postings), "USD")
        assert posted + payment.credit == payment.amount - payment.reversed
    if plan.status is PlanStatus.COMPLETED:
        assert plan.outstanding().is_zero()
    if plan.credit_amount.is_positive():
        assert plan.outstanding().is_zero()
