"""Reads that take a list of accounts hold any number of them (SQLite and PostgreSQL): the
agent loop asks for the accounts with open invoices of a whole portfolio, and PostgreSQL refuses
a statement with more than 65,535 parameters (the list is sent in batches)."""

from __future__ import annotations

from datetime import date

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord
from amicable.service.imports import import_customers, import_invoices, import_payments

#: More ids than PostgreSQL takes parameters in one statement.
MANY = 70_000


def test_settlements_and_customer_refs_of_more_accounts_than_one_statement_holds(
    app: App,
) -> None:
    customer = CustomerRecord(line=1, external_id="C1", name="Jo Doe", customer_type="consumer")
    assert not import_customers(app.uow(), [customer]).errors
    invoice = InvoiceRecord(
        line=1, customer_ref="C1", number="INV-1", issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31), amount=Money.of("100.00", "USD"),
        open_amount=Money.of("100.00", "USD"),
    )  # fmt: skip
    assert not import_invoices(app.uow(), [invoice]).errors
    payment = PaymentRecord(
        line=1, customer_ref="C1", reference="P1", received_on=date(2026, 2, 3),
        amount=Money.of("100.00", "USD"), method="wire", invoice_number="INV-1",
    )  # fmt: skip
    assert not import_payments(app.uow(), [payment]).errors
    with app.uow() as uow:
        cid = uow.reports.find_customers("C1")[0].id
        ids = sorted({*range(cid + 1, cid + 1 + MANY), cid})
        settled = uow.reports.settlements(ids, date(2026, 3, 1))
        refs = uow.reports.customer_refs(ids)
    assert settled == {cid: [(date(2026, 1, 31), date(2026, 2, 3))]}
    assert list(refs) == [cid] and refs[cid].external_id == "C1"


def test_the_payments_of_more_accounts_than_one_statement_holds(app: App) -> None:
    customer = CustomerRecord(line=1, external_id="C1", name="Jo Doe", customer_type="consumer")
    assert not import_customers(app.uow(), [customer]).errors
    payment = PaymentRecord(
        line=1, customer_ref="C1", reference="P1", received_on=date(2026, 2, 3),
        amount=Money.of("100.00", "USD"), method="wire",
    )  # fmt: skip
    assert not import_payments(app.uow(), [payment]).errors
    with app.uow() as uow:
        cid = uow.reports.find_customers("C1")[0].id
        ids = [cid, *range(cid + 1, cid + 1 + MANY)]
        paid = uow.analytics.payments_received(ids, date(2026, 2, 1), date(2026, 2, 28))
    assert paid == [(cid, date(2026, 2, 3), "USD", 10_000)]
