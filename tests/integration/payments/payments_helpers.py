"""Builders for payments integration tests: a ledger with invoices, plan offers, table reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service.imports import import_invoices
from amicable.servicing.plans import ServicingRules

RULES = ServicingRules(
    grace_days=5,
    reminder_offsets_days=(3,),
    overdue_reminder_offsets_days=(1,),
    max_renegotiations=1,
    max_open_misses=2,
    version="test",
)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def invoices(
    app: App,
    *specs: tuple[str, str, date],
    customer: str = "C1",
    name: str = "Red Rock Diner",
    currency: str = "USD",
) -> None:
    """Import invoices ``(number, amount, due date)`` for one customer, fully open."""
    records = [
        InvoiceRecord(line=n, customer_ref=customer, number=number, issue_date=date(2026, 1, 1),
                      due_date=due, amount=Money.of(amount, currency),
                      open_amount=Money.of(amount, currency),
                      customer_name=name)
        for n, (number, amount, due) in enumerate(specs, start=2)
    ]  # fmt: skip
    result = import_invoices(app.uow(), records)
    assert not result.errors, result.errors


def plan_offer(*payments: tuple[date, str]) -> Offer:
    """A plan offer: the first payment is the down payment."""
    items = tuple(Payment(d, usd(a)) for d, a in payments)
    total = Money.sum((p.amount for p in items), "USD")
    return Offer(OfferKind.PLAN, total, items, usd("0.00"), down_payment=items[0].amount)


def open_amounts(app: App) -> dict[str, str]:
    """Invoice number -> open amount (sum of its ledger entries), as strings."""
    with app.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT i.number, i.currency, COALESCE(SUM(e.amount_minor), 0) FROM invoices i "
            "LEFT JOIN ledger_entries e ON e.invoice_id = i.id GROUP BY i.number, i.currency "
            "ORDER BY i.number"
        ))  # fmt: skip
        return {str(n): Money.from_minor(int(m), str(c)).amount_str() for n, c, m in rows}


def count(app: App, table: str) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
