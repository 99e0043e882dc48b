"""Builders for ledger integration tests: records as a test would write them in a file."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord, PaymentRecord


def inv(
    number: str,
    *,
    line: int = 2,
    customer: str = "C1",
    amount: str = "100.00",
    open_amount: str | None = None,
    currency: str = "USD",
    issued: date = date(2026, 1, 1),
    due: date = date(2026, 1, 31),
    name: str | None = "Red Rock Diner",
    disputed: bool = False,
) -> InvoiceRecord:
    return InvoiceRecord(
        line=line,
        customer_ref=customer,
        number=number,
        issue_date=issued,
        due_date=due,
        amount=Money.of(amount, currency),
        open_amount=Money.of(open_amount if open_amount is not None else amount, currency),
        customer_name=name,
        disputed=disputed,
    )


def pay(
    reference: str,
    *,
    line: int = 2,
    customer: str = "C1",
    amount: str = "10.00",
    currency: str = "USD",
    received: date = date(2026, 2, 10),
    invoice: str | None = None,
) -> PaymentRecord:
    return PaymentRecord(
        line=line,
        customer_ref=customer,
        reference=reference,
        received_on=received,
        amount=Money.of(amount, currency),
        invoice_number=invoice,
    )


def count(app: App, table: str) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def invoice_balance(app: App, number: str, as_of: date | None = None) -> int:
    """Sum of the invoice's ledger entries (dated on or before ``as_of``), in minor units."""
    sql = (
        "SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e "
        "JOIN invoices i ON i.id = e.invoice_id WHERE i.number = :n"
    )
    params: dict[str, object] = {"n": number}
    if as_of is not None:
        sql += " AND e.effective_on <= :d"
        params["d"] = as_of
    with app.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())
