"""Provider events: the event id claim, the payment row, and what a payment event records about
its account.

Ledger for the account tests::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1, "Red Rock Diner")
    invoice INV-2   50.00 USD  due 2026-01-31   (customer C2, "Blue Lake Cafe")
    plan PL-000001 (C1): 100.00 on 2026-03-01, 300.00 on 2026-04-01
    promises (C1 and C2): 100.00 each on 2026-03-05
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from payments_helpers import RULES, count, invoices, open_amounts, plan_offer, usd
from sqlalchemy import text

from amicable.bootstrap import App
from amicable.service import payments as svc
from amicable.service.ports import PaymentRow


def test_an_event_id_claimed_twice_in_one_transaction_is_refused_and_the_transaction_goes_on(
    app: App,
) -> None:
    with app.uow() as uow:
        assert uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        assert not uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        # the refused claim left the transaction usable (PostgreSQL aborts one on a failed insert)
        assert uow.payments.claim_event("stripe", "evt_2", "checkout.session.completed")
        uow.payments.set_event_outcome("stripe", "evt_1", "posted")
        uow.commit()
    with app.uow() as uow:
        assert not uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        assert uow.payments.claim_event("other", "evt_1", "checkout.session.completed")
    with app.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT provider, event_id, outcome FROM provider_events ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("stripe", "evt_1", "posted"),
                                        ("stripe", "evt_2", "processing")]  # fmt: skip


def test_one_payment_is_stored_exactly_as_a_batch_stores_it_with_the_next_id(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    with app.uow() as uow:
        (customer,) = uow.reports.find_customers("C1")
        row = PaymentRow(customer.id, "P-batch", date(2026, 3, 2), "USD", 12345, "stripe", None)
        (first,) = uow.ledger.add_payments([row])
        second = uow.ledger.add_payment(replace(row, reference="P-one"))
        uow.commit()
    assert second == first + 1
    with app.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, org_id, customer_id, reference, CAST(received_on AS VARCHAR(40)), "
            "currency, amount_minor, method, invoice_number, import_run_id, "
            "CAST(created_at AS VARCHAR(40)) FROM payments ORDER BY id"
        )).all()  # fmt: skip
    assert [r[0] for r in rows] == [first, second]
    a, b = (tuple(r[1:3]) + tuple(r[4:]) for r in rows)
    assert a == b  # every column alike but id and reference


def _paid(event_id: str, account: str, amount: str, on: date) -> svc.ProviderEvent:
    return svc.ProviderEvent(
        provider="simulated", event_id=event_id, event_type="simulated.payment_succeeded",
        type="paid", on=on, payment_reference=f"PAY-{event_id}", amount=usd(amount),
        metadata=(("account", account),),
    )  # fmt: skip


def test_a_payment_event_names_its_account_by_external_id_in_every_record_it_writes(
    app: App,
) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    invoices(app, ("INV-2", "50.00", date(2026, 1, 31)), customer="C2", name="Blue Lake Cafe")
    offer = plan_offer((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "300.00"))
    svc.create_plan_from_agreement(app.uow(), "C1", offer, agreed_on=date(2026, 3, 1), rules=RULES)
    # C1 also promised 100 beside its plan (set up as a conversation would: record_promise
    # refuses a promise beside an active plan); the payment is applied to both.
    with app.uow() as uow:
        (c1,) = [r for r in uow.reports.customer_refs().values() if r.external_id == "C1"]
        svc.set_up_promise(uow, c1.id, "C1", [(date(2026, 3, 5), usd("100.00"))],
                           channel="email", made_on=date(2026, 3, 1))  # fmt: skip
        uow.commit()
    svc.record_promise(app.uow(), "C2", [(date(2026, 3, 5), usd("50.00"))], channel="email",
                       made_on=date(2026, 3, 1))  # fmt: skip
    with app.uow() as uow:
        before = len(uow.audit.records())

    # named by the customer's name, not its id: every record still names the external id
    out = svc.apply_provider_event(app.uow(), _paid("e1", "Red Rock Diner", "100.00",
                                                    date(2026, 3, 2)))  # fmt: skip

    assert out.outcome == "posted"
    assert out.detail["customer"] == "C1"
    assert out.detail["plan"] == "PL-000001"
    assert open_amounts(app) == {"INV-1": "300.00", "INV-2": "50.00"}
    with app.uow() as uow:
        new = uow.audit.records()[before:]
        kept = {sp.promise.id: sp.status for sp in uow.payments.promises()}
    assert [r.kind for r in new] == ["payment.posted", "plan.events", "promise.kept"]
    assert {json.loads(r.payload)["account"] for r in new} == {"C1"}
    assert kept == {"PTP-000001": "kept", "PTP-000002": "open"}  # C2's promise untouched
    with app.engine.connect() as conn:
        events = conn.execute(text("SELECT kind, payload FROM outcome_events ORDER BY id")).all()
    assert [k for k, _ in events][-2:] == ["payment.posted", "promise.kept"]
    assert {json.loads(p)["account"] for _, p in events[-2:]} == {"C1"}

    # the same event again does nothing; a second payment event of C2 names C2
    assert svc.apply_provider_event(app.uow(), _paid("e1", "C1", "100.00",
                                                     date(2026, 3, 2))).outcome == "duplicate"  # fmt: skip
    out = svc.apply_provider_event(app.uow(), _paid("e2", "C2", "30.00", date(2026, 3, 3)))
    assert out.detail["customer"] == "C2"
    with app.uow() as uow:
        last = uow.audit.records()[-1]
    assert (last.kind, json.loads(last.payload)["account"]) == ("payment.posted", "C2")
    assert count(app, "payments") == 2
