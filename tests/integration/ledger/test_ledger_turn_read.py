"""The account read of a conversation turn (:func:`queries.account_for_turn`, two statements)
gives exactly what :func:`queries.show_account` gives (ten statements): the same facts, open
invoices, payments (without their allocations, which a turn does not use) and postal code.

Checked on every account of a generated sample at three dates (before the sample's payments,
the sample's date, and later), and on a small book with an unallocated credit, by name and by
an unknown or ambiguous reference.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from ledger_helpers import inv, pay

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.domain.errors import AmbiguousReference, NotFound
from amicable.service import queries
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.sim.sample import generate_sample

TODAY = date(2026, 3, 2)


def _same(app: App, ref: str, as_of: date) -> None:
    view = queries.show_account(app.uow(), ref, as_of)
    turn = queries.account_for_turn(app.uow(), ref, as_of)
    assert turn.facts == view.facts
    assert turn.invoices == view.invoices
    assert turn.payments == tuple(dataclasses.replace(p, allocations=()) for p in view.payments)
    assert turn.postal_code == view.customer["postal_code"]


def test_a_turn_reads_every_sample_account_as_show_account_does(app: App, tmp_path: Path) -> None:
    generate_sample(tmp_path, accounts=40, seed=11, as_of=TODAY)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    refs = [row.customer.external_id for row in queries.accounts_list(app.uow(), TODAY)]
    assert len(refs) == 40
    for as_of in (date(2025, 6, 1), TODAY, date(2026, 9, 1)):
        for ref in refs:
            _same(app, ref, as_of)


@pytest.fixture
def book(app: App) -> App:
    import_invoices(app.uow(), [
        inv("I1", issued=date(2026, 1, 21), due=date(2026, 2, 20)),
        inv("I2", line=3, amount="50.00", issued=date(2026, 2, 13), due=date(2026, 3, 15)),
        inv("I3", line=4, customer="C2", name="Blue Bay", amount="70.00", currency="EUR",
            issued=date(2025, 9, 1), due=date(2025, 10, 1), disputed=True),
        inv("I4", line=5, customer="C3", name="Blue Bay", amount="20.00"),
    ])  # fmt: skip
    import_payments(app.uow(), [
        pay("P1", amount="40.00", invoice="I1", received=date(2026, 2, 25)),
        pay("P2", line=3, customer="C3", amount="30.00", received=date(2026, 2, 26)),
        pay("P3", line=4, amount="7.00", received=date(2026, 2, 26), invoice="I2"),
    ])  # fmt: skip
    return app


def test_a_turn_reads_a_book_with_unallocated_credit_as_show_account_does(book: App) -> None:
    for ref in ("C1", "C2", "C3", "Red Rock Diner"):
        for as_of in (date(2026, 2, 25), date(2026, 3, 1)):
            _same(book, ref, as_of)
    turn = queries.account_for_turn(book.uow(), "Red Rock Diner", date(2026, 3, 1))
    assert turn.facts.external_id == "C1"
    assert [p.reference for p in turn.payments] == ["P3", "P1"]


def test_a_turn_refuses_an_unknown_or_ambiguous_reference_as_show_account_does(
    book: App,
) -> None:
    with pytest.raises(NotFound):
        queries.account_for_turn(book.uow(), "Nobody", TODAY)
    with pytest.raises(AmbiguousReference):
        queries.account_for_turn(book.uow(), "Blue Bay", TODAY)


def test_the_book_has_an_unallocated_credit(book: App) -> None:
    turn = queries.account_for_turn(book.uow(), "C3", date(2026, 3, 1))
    assert turn.invoices == ()  # I4 (20.00) paid by P2 (30.00): 10.00 left unallocated
    assert {c: m.amount_str() for c, m in turn.facts.balances.items()} == {"USD": "-10.00"}
