"""Property: after any sequence of payments, refunds and chargebacks through the persisted ledger,
every invoice's open amount equals its amount minus what is allocated to it, and no payment has
more allocated than is left of it (nor a negative net allocation to any invoice).

Each hypothesis example runs in a fresh organisation of the same database (tenants share nothing).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from amicable.bootstrap import App
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord
from amicable.service import payments as svc
from amicable.service.imports import import_invoices

_orgs = itertools.count(1)

amounts = st.integers(min_value=1, max_value=50_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), amounts, st.integers(min_value=-1, max_value=2)),
        st.tuples(st.just("refund"), st.integers(min_value=0, max_value=9), amounts),
        st.tuples(st.just("chargeback"), st.integers(min_value=0, max_value=9), st.just(0)),
    ),
    min_size=1,
    max_size=10,
)


def _check(app: App, org: str) -> None:
    with app.engine.connect() as conn:
        org_id = conn.execute(
            text("SELECT id FROM organisations WHERE name = :n"), {"n": org}
        ).scalar_one()
        invoices = conn.execute(text(
            "SELECT i.id, i.amount_minor, "
            " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e WHERE e.invoice_id = i.id),"
            " (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.invoice_id = i.id) "
            "FROM invoices i WHERE i.org_id = :o"), {"o": org_id}).all()  # fmt: skip
        for _, amount, open_minor, allocated in invoices:
            assert open_minor == amount - allocated
            assert 0 <= open_minor <= amount
        payments = conn.execute(text(
            "SELECT p.id, p.amount_minor, "
            " (SELECT COALESCE(SUM(r.amount_minor), 0) FROM payment_reversals r WHERE r.payment_id = p.id),"
            " (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.payment_id = p.id),"
            " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e"
            "   WHERE e.payment_id = p.id AND e.invoice_id IS NULL) "
            "FROM payments p WHERE p.org_id = :o"), {"o": org_id}).all()  # fmt: skip
        for _, amount, reversed_minor, allocated, unallocated in payments:
            left = amount - reversed_minor
            assert 0 <= allocated <= left
            assert allocated + (-unallocated) == left
        negative = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT payment_id, invoice_id, SUM(amount_minor) AS s "
            "FROM allocations WHERE org_id = :o GROUP BY payment_id, invoice_id) x WHERE s < 0"),
            {"o": org_id}).scalar_one()  # fmt: skip
        assert negative == 0


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    invoice_amounts=st.lists(amounts, min_size=1, max_size=3),
    ops=operations,
)
def test_open_amounts_equal_amount_minus_allocations_after_any_sequence(
    app: App, invoice_amounts: list[int], ops: list[tuple[str, int, int]]
) -> None:
    org = f"prop{next(_orgs)}"
    app.create_org(org)
    day = date(2026, 2, 1)
    records = [
        InvoiceRecord(line=n + 2, customer_ref="C1", number=f"I-{n}", issue_date=day,
                      due_date=day + timedelta(days=n), amount=Money.from_minor(m, "USD"),
                      open_amount=Money.from_minor(m, "USD"), customer_name="Prop Co")
        for n, m in enumerate(invoice_amounts)
    ]  # fmt: skip
    assert not import_invoices(app.uow(org), records).errors
    refs: list[str] = []
    for step, (kind, a, b) in enumerate(ops):
        on = day + timedelta(days=step + 1)
        if kind == "pay":
            invoice = f"I-{b}" if 0 <= b < len(invoice_amounts) else None
            ref = f"P{step}"
            svc.record_payment(app.uow(org), "C1", Money.from_minor(a, "USD"), on, ref,
                               invoice_number=invoice)  # fmt: skip
            refs.append(ref)
        elif refs:
            ref = refs[a % len(refs)]
            amount = Money.from_minor(b, "USD") if kind == "refund" else None
            try:
                svc.reverse_payment(app.uow(org), ref, on=on, kind=kind, amount=amount)  # type: ignore[arg-type]
            except (
                InvalidInput
            ) as exc:  # more than is left of the payment: refused, nothing written
                assert "at most what is left" in str(exc)
        _check(app, org)
