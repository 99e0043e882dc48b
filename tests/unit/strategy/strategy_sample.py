"""Test helper: the sample portfolio (``sim/sample.py``) read through the real importers into a
:class:`~amicable.strategy.history.LedgerHistory` — no database, so unit tests stay fast."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord
from amicable.sim.sample import generate_sample
from amicable.strategy.history import CustomerProfile, InvoiceHistory, LedgerHistory, PaymentEvent

AS_OF = date(2026, 3, 1)


def history_from_files(folder: Path, as_of: date) -> LedgerHistory:
    customers = [
        CustomerProfile(c.external_id, c.customer_type, c.tier, c.country)
        for c in read_customers(folder / "customers.csv")
        if isinstance(c, CustomerRecord)
    ]
    events: dict[str, list[PaymentEvent]] = defaultdict(list)
    for p in read_payments(folder / "payments.csv"):
        assert isinstance(p, PaymentRecord), p
        assert p.invoice_number is not None
        events[p.invoice_number].append(
            PaymentEvent(p.invoice_number, p.received_on, p.amount.minor)
        )
    invoices = []
    for i in read_invoices(folder / "invoices.csv"):
        assert isinstance(i, InvoiceRecord), i
        invoices.append(
            InvoiceHistory(
                number=i.number,
                customer=i.customer_ref,
                issue_date=i.issue_date,
                due_date=i.due_date,
                amount_minor=i.amount.minor,
                currency=i.amount.code,
                payments=tuple(events[i.number]),
                disputed=i.disputed,
            )
        )
    return LedgerHistory(as_of=as_of, customers=customers, invoices=invoices)


@cache
def sample_history(accounts: int = 600, seed: int = 11) -> LedgerHistory:
    with TemporaryDirectory() as tmp:
        generate_sample(Path(tmp), accounts=accounts, seed=seed, as_of=AS_OF)
        return history_from_files(Path(tmp), AS_OF)
