"""Payment allocation: order, unapplied remainder, refunds and chargebacks, and the invariants."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.servicing.allocation import (
    AllocationBook,
    AllocationOrder,
    ItemKind,
    OrderingKey,
    ReversalMethod,
    allocate_payment,
    new_book,
    reverse_payment,
)


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def book() -> AllocationBook:
    return new_book(
        "USD",
        [
            ("P1", ItemKind.PRINCIPAL, usd("100.00"), date(2026, 1, 1)),
            ("P2", ItemKind.PRINCIPAL, usd("200.00"), date(2026, 2, 1)),
            ("I1", ItemKind.INTEREST, usd("5.00"), date(2026, 2, 1)),
            ("F1", ItemKind.FEE, usd("15.00"), date(2026, 3, 1)),
        ],
    )


def opens(b: AllocationBook) -> dict[str, str]:
    return {i.id: i.open.amount_str() for i in b.items}


def test_a_payment_pays_fees_then_interest_then_principal_oldest_first() -> None:
    result = allocate_payment(book(), "pay1", usd("150.00"), date(2026, 3, 5))
    assert [(a.item_id, a.amount.amount_str()) for a in result.allocations] == [
        ("F1", "15.00"),
        ("I1", "5.00"),
        ("P1", "100.00"),
        ("P2", "30.00"),
    ]
    assert opens(result.book) == {"P1": "0.00", "P2": "170.00", "I1": "0.00", "F1": "0.00"}
    assert result.remainder.is_zero()
    assert (
        result.allocations[0].rule_id == "allocation.fee>interest>principal.oldest_first.kind_first"
    )


def test_an_overpayment_leaves_an_unapplied_credit() -> None:
    result = allocate_payment(book(), "pay1", usd("400.00"), date(2026, 3, 5))
    assert result.remainder == usd("80.00")
    assert result.book.payment("pay1").unapplied == usd("80.00")
    assert result.book.total_open().is_zero()


def test_a_configured_order_pays_oldest_first_across_kinds() -> None:
    order = AllocationOrder(
        kinds=(ItemKind.PRINCIPAL, ItemKind.INTEREST, ItemKind.FEE),
        key=OrderingKey.OLDEST_FIRST,
        kind_first=False,
    )
    result = allocate_payment(book(), "pay1", usd("310.00"), date(2026, 3, 5), order)
    assert [a.item_id for a in result.allocations] == ["P1", "P2", "I1", "F1"]
    assert opens(result.book)["F1"] == "10.00"


def test_smallest_first_pays_the_smallest_item_of_a_kind_first() -> None:
    order = AllocationOrder(kinds=(ItemKind.PRINCIPAL,), key=OrderingKey.SMALLEST_FIRST)
    result = allocate_payment(book(), "pay1", usd("100.00"), date(2026, 3, 5), order)
    assert [a.item_id for a in result.allocations] == ["P1"]


def test_a_lifo_refund_gives_back_the_credit_first_then_reopens_the_last_item_paid() -> None:
    paid = allocate_payment(book(), "pay1", usd("330.00"), date(2026, 3, 5)).book
    result = reverse_payment(paid, "pay1", usd("60.00"))
    assert result.remainder == usd("10.00")  # the unapplied credit went back first
    assert [(a.item_id, a.amount.amount_str()) for a in result.allocations] == [("P2", "-50.00")]
    assert opens(result.book) == {"P1": "0.00", "P2": "50.00", "I1": "0.00", "F1": "0.00"}


def test_a_proportional_refund_reopens_each_item_in_proportion_in_minor_units() -> None:
    paid = allocate_payment(book(), "pay1", usd("120.00"), date(2026, 3, 5)).book
    result = reverse_payment(paid, "pay1", usd("10.00"), method=ReversalMethod.PROPORTIONAL)
    # holdings F1 15, I1 5, P1 100: shares 1.25, 0.4166…, 8.333… -> 1.25, 0.42, 8.33
    assert {a.item_id: a.amount.amount_str() for a in result.allocations} == {
        "F1": "-1.25",
        "I1": "-0.42",
        "P1": "-8.33",
    }


def test_a_chargeback_undoes_exactly_what_the_payment_did() -> None:
    first = allocate_payment(book(), "pay1", usd("50.00"), date(2026, 3, 5)).book
    second = allocate_payment(first, "pay2", usd("70.00"), date(2026, 3, 6)).book
    result = reverse_payment(second, "pay2", reason="chargeback")
    assert opens(result.book) == opens(first)
    assert result.allocations[0].rule_id == "reversal.chargeback.lifo"
    assert result.book.payment("pay2").reversed == usd("70.00")


def test_refunding_more_than_is_left_of_a_payment_is_refused() -> None:
    paid = allocate_payment(book(), "pay1", usd("50.00"), date(2026, 3, 5)).book
    once = reverse_payment(paid, "pay1", usd("30.00")).book
    with pytest.raises(InvalidInput, match="exceeds what is left"):
        reverse_payment(once, "pay1", usd("20.01"))


def test_bad_payments_and_items_are_refused_with_where() -> None:
    with pytest.raises(InvalidInput, match="already in the book"):
        b = allocate_payment(book(), "pay1", usd("1.00"), date(2026, 3, 5)).book
        allocate_payment(b, "pay1", usd("1.00"), date(2026, 3, 5))
    with pytest.raises(InvalidInput, match="is in EUR"):
        allocate_payment(book(), "pay1", Money.of("1.00", "EUR"), date(2026, 3, 5))
    with pytest.raises(InvalidInput, match="must be positive"):
        allocate_payment(book(), "pay1", usd("0.00"), date(2026, 3, 5))
    with pytest.raises(InvalidInput, match=r"item 2 \('A'\): duplicate"):
        new_book("USD", [("A", "fee", usd("1.00"), date(2026, 1, 1))] * 2)
    with pytest.raises(InvalidInput, match="unknown item kind 'tax'"):
        new_book("USD", [("A", "tax", usd("1.00"), date(2026, 1, 1))])


# -- the property -------------------------------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(1, 60_000)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 60_000)),
        st.tuples(st.just("chargeback"), st.integers(0, 20)),
    ),
    max_size=25,
)
item_amounts = st.lists(
    st.tuples(st.sampled_from(list(ItemKind)), st.integers(1, 30_000), st.integers(0, 90)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    items=item_amounts,
    ops=operations,
    method=st.sampled_from(list(ReversalMethod)),
    order=st.builds(
        AllocationOrder,
        kinds=st.permutations(list(ItemKind)).map(tuple),
        key=st.sampled_from(list(OrderingKey)),
        kind_first=st.booleans(),
    ),
)
def test_after_any_payments_refunds_and_reversals_open_amounts_equal_amount_minus_allocations(
    items: list[tuple[ItemKind, int, int]],
    ops: list[tuple[object, ...]],
    method: ReversalMethod,
    order: AllocationOrder,
) -> None:
    b = new_book(
        "USD",
        [
            (f"i{n}", kind, Money.from_minor(minor, "USD"), date.fromordinal(738_000 + day))
            for n, (kind, minor, day) in enumerate(items)
        ],
    )
    for op in ops:
        if op[0] == "pay":
            b = allocate_payment(
                b,
                f"p{len(b.payments)}",
                Money.from_minor(int(str(op[1])), "USD"),
                date(2026, 1, 1),
                order,
            ).book
        elif b.payments:
            payment = b.payments[int(str(op[1])) % len(b.payments)]
            left = payment.amount - payment.reversed
            if left.is_zero():
                continue
            if op[0] == "refund":
                amount = Money.from_minor(min(int(str(op[2])), left.minor), "USD")
                b = reverse_payment(b, payment.id, amount, method=method).book
            else:
                b = reverse_payment(b, payment.id, reason="chargeback", method=method).book
    for item in b.items:
        allocated = Money.sum((a.amount for a in b.allocations if a.item_id == item.id), "USD")
        assert item.open == item.amount - allocated
        assert Money.zero("USD") <= item.open <= item.amount
    for payment in b.payments:
        mine = [a for a in b.allocations if a.payment_id == payment.id]
        applied = Money.sum((a.amount for a in mine), "USD")
        positive = [a for a in mine if a.amount.is_positive()]
        assert applied + payment.unapplied == payment.amount - payment.reversed
        assert applied <= payment.amount
        assert Money.sum((a.amount for a in positive), "USD") <= payment.amount
        assert not payment.unapplied.is_negative()
        for item in b.items:
            assert not b.net_allocated(payment.id, item.id).is_negative()
