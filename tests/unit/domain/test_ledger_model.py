"""The pure ledger model: balances from entries, reversals, oldest-first allocation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amicable.domain.errors import CurrencyMismatch, InvalidInput
from amicable.domain.ledger import (
    LedgerEntry,
    OpenInvoice,
    allocate_oldest_first,
    balance_as_of,
    days_past_due,
    reversing_entry,
)
from amicable.domain.money import Money

AT = datetime(2026, 3, 1, tzinfo=UTC)
DAY0 = date(2026, 1, 1)


def entry(i: int, minor: int, on: date, code: str = "USD", kind: str = "invoice") -> LedgerEntry:
    return LedgerEntry(i, 1, 1, kind, "test", Money.from_minor(minor, code), on, AT)  # type: ignore[arg-type]


entries_st = st.lists(
    st.tuples(st.integers(-(10**9), 10**9), st.integers(0, 400), st.sampled_from(["USD", "JPY"])),
    max_size=40,
)


@given(entries_st, st.integers(-5, 410))
def test_the_balance_as_of_any_date_is_the_sum_of_the_entries_up_to_it(
    raw: list[tuple[int, int, str]], offset: int
) -> None:
    entries = [entry(i, m, DAY0 + timedelta(days=d), c) for i, (m, d, c) in enumerate(raw)]
    as_of = DAY0 + timedelta(days=offset)
    balances = balance_as_of(entries, as_of)
    for code in ("USD", "JPY"):
        expected = sum(m for m, d, c in raw if c == code and d <= offset)
        present = any(c == code and d <= offset for _, d, c in raw)
        assert (code in balances) == present
        if present:
            assert balances[code].minor == expected


def test_currencies_are_never_mixed_in_a_balance() -> None:
    balances = balance_as_of([entry(1, 100, DAY0, "USD"), entry(2, 5, DAY0, "EUR")], DAY0)
    assert balances == {"USD": Money.of("1.00", "USD"), "EUR": Money.of("0.05", "EUR")}


def test_a_reversal_negates_its_entry_and_brings_the_balance_back() -> None:
    original = entry(1, 12345, DAY0)
    reversal = reversing_entry(original, entry_id=2, on=DAY0 + timedelta(days=3), recorded_at=AT,
                               reason="typo")  # fmt: skip
    assert (reversal.kind, reversal.reverses, reversal.amount.minor) == ("reversal", 1, -12345)
    assert balance_as_of([original, reversal], DAY0 + timedelta(days=2))["USD"].minor == 12345
    assert balance_as_of([original, reversal], DAY0 + timedelta(days=3))["USD"].is_zero()


def test_a_reversal_cannot_predate_its_entry_nor_be_reversed_itself() -> None:
    original = entry(1, 100, DAY0)
    with pytest.raises(InvalidInput, match="before the entry"):
        reversing_entry(
            original, entry_id=2, on=DAY0 - timedelta(days=1), recorded_at=AT, reason="x"
        )
    reversal = reversing_entry(original, entry_id=2, on=DAY0, recorded_at=AT, reason="x")
    with pytest.raises(InvalidInput, match="is a reversal"):
        reversing_entry(reversal, entry_id=3, on=DAY0, recorded_at=AT, reason="x")


def test_days_past_due_are_zero_until_the_day_after_the_due_date() -> None:
    assert days_past_due(DAY0, DAY0) == 0
    assert days_past_due(DAY0, DAY0 - timedelta(days=5)) == 0
    assert days_past_due(DAY0, DAY0 + timedelta(days=1)) == 1


@given(
    st.integers(0, 10**7),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 60)), max_size=15),
)
def test_an_allocation_always_sums_exactly_to_the_payment(
    paid: int, opens: list[tuple[int, int]]
) -> None:
    invoices = [OpenInvoice(i, DAY0 + timedelta(days=d), f"N{i:03}", Money.from_minor(m, "USD"))
                for i, (m, d) in enumerate(opens)]  # fmt: skip
    applied, rest = allocate_oldest_first(Money.from_minor(paid, "USD"), invoices)
    assert sum(m.minor for _, m in applied) + rest.minor == paid
    limits = {inv.invoice_id: inv.open_amount.minor for inv in invoices}
    assert all(0 < m.minor <= limits[i] for i, m in applied)
    if rest.is_positive():  # something is left over only when every invoice is fully paid
        assert sum(m.minor for _, m in applied) == sum(limits.values())


def test_allocation_pays_the_oldest_due_invoice_first() -> None:
    newer = OpenInvoice(1, date(2026, 2, 1), "B", Money.of("50.00", "USD"))
    older = OpenInvoice(2, date(2026, 1, 1), "A", Money.of("50.00", "USD"))
    applied, rest = allocate_oldest_first(Money.of("70.00", "USD"), [newer, older])
    assert applied == [(2, Money.of("50.00", "USD")), (1, Money.of("20.00", "USD"))]
    assert rest.is_zero()


def test_allocation_refuses_invoices_in_another_currency_and_negative_payments() -> None:
    eur = OpenInvoice(1, DAY0, "A", Money.of("5.00", "EUR"))
    with pytest.raises(CurrencyMismatch):
        allocate_oldest_first(Money.of("1.00", "USD"), [eur])
    with pytest.raises(InvalidInput):
        allocate_oldest_first(Money.of("-1.00", "USD"), [])
