"""The bulk write path keeps awkward text intact on both backends (COPY escaping, NULLs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ledger_helpers import inv

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord
from amicable.service.imports import import_invoices, prefetched


def test_tabs_backslashes_newlines_and_missing_values_survive_the_bulk_insert(app: App) -> None:
    base = inv("X\\1\tb")
    odd = InvoiceRecord(
        line=2, customer_ref="C\\7", number="X\\1\tb", issue_date=base.issue_date,
        due_date=base.due_date, amount=Money.of("1.00", "USD"), open_amount=Money.of("1.00", "USD"),
        customer_name="Line\nbreak \\N café", description=None,
    )  # fmt: skip
    assert import_invoices(app.uow(), [odd]).imported == 1
    with app.uow() as uow:
        stored = uow.ledger.invoices(["X\\1\tb"])["X\\1\tb"]
        customer = uow.ledger.customers(["C\\7"])["C\\7"].customer
    assert (stored.description, stored.customer_external_id) == (None, "C\\7")
    assert customer.name == "Line\nbreak \\N café"
    assert import_invoices(app.uow(), [odd]).unchanged == 1


def test_reading_ahead_in_a_thread_yields_every_record_in_order() -> None:
    assert list(prefetched(range(25_003), chunk_size=1000, depth=2)) == list(range(25_003))


def test_an_error_while_reading_ahead_reaches_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("file vanished")

    with pytest.raises(ValueError, match="vanished"):
        list(prefetched(broken(), chunk_size=1))
