"""Business-date scenarios of a persisted plan, asserting the whole schedule after each event.

Every scenario starts from the same ledger and agreement::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
    plan PL-000001 agreed 2026-03-01, grace 5 days, one renegotiation, two open misses break it
      1  2026-03-01  100.00   (down payment)
      2  2026-04-01  150.00
      3  2026-05-01  150.00

Payments go through the service layer (posted to the ledger, then applied to the plan); the
schedule is read back from the database after every event.
"""

from __future__ import annotations

from datetime import date

import pytest
from payments_helpers import RULES, count, invoices, open_amounts, plan_offer, usd
from sqlalchemy import select

from amicable.adapters.db.tables_payments import plan_installments
from amicable.bootstrap import App
from amicable.service import payments as svc

Row = tuple[int, str, str, str, str]


@pytest.fixture
def plan_key(app: App) -> str:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    offer = plan_offer(
        (date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "150.00"), (date(2026, 5, 1), "150.00")
    )
    stored = svc.create_plan_from_agreement(
        app.uow(), "C1", offer, agreed_on=date(2026, 3, 1), rules=RULES
    )
    return stored.plan.id


def schedule(app: App, key: str) -> list[Row]:
    """The plan's schedule as stored; the ``plan_installments`` rows mirror it exactly after
    every event (a save writes only the rows that changed)."""
    with app.uow() as uow:
        stored = uow.payments.plan(key)
    plan = stored.plan
    with app.engine.connect() as conn:
        t = plan_installments
        mirror = [
            (int(r.number), _day(r.due_date), int(r.amount_minor), int(r.paid_minor),
             str(r.status), None if r.paid_on is None else _day(r.paid_on))
            for r in conn.execute(select(t).where(t.c.plan_id == stored.id).order_by(t.c.number))
        ]  # fmt: skip
    assert mirror == [
        (i.number, i.due_date, i.amount.minor, i.paid.minor, i.status.value, i.paid_on)
        for i in plan.installments
    ]
    return [(n, d, a, p, str(s)) for n, d, a, p, s in plan.table()]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def status(app: App, key: str) -> str:
    with app.uow() as uow:
        return str(uow.payments.plan(key).plan.status)


def pay(app: App, amount: str, on: date, ref: str) -> svc.RecordedPayment:
    return svc.record_payment(app.uow(), "C1", usd(amount), on, ref)


def test_a_new_plan_has_its_down_payment_due_and_an_rf_reference(app: App, plan_key: str) -> None:
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "0.00", "due"),
        (2, "2026-04-01", "150.00", "0.00", "scheduled"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    with app.uow() as uow:
        reference = uow.payments.plan(plan_key).plan.reference
    assert reference is not None and reference.startswith("RF")


def test_a_plan_paid_on_time_completes_and_settles_the_invoice(app: App, plan_key: str) -> None:
    first = pay(app, "100.00", date(2026, 3, 1), "P1")
    assert [e.reason.rule_id for e in first.plan_events] == ["servicing.on_time"]
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "0.00", "scheduled"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    pay(app, "150.00", date(2026, 4, 1), "P2")
    assert schedule(app, plan_key)[1] == (2, "2026-04-01", "150.00", "150.00", "paid")
    pay(app, "150.00", date(2026, 5, 1), "P3")
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "150.00", "paid"),
        (3, "2026-05-01", "150.00", "150.00", "paid"),
    ]
    assert status(app, plan_key) == "completed"
    assert open_amounts(app) == {"INV-1": "0.00"}


def test_a_payment_late_but_within_grace_is_paid_not_missed(app: App, plan_key: str) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    svc.service_plans(app.uow(), date(2026, 4, 3))
    assert schedule(app, plan_key)[1] == (2, "2026-04-01", "150.00", "0.00", "due")
    late = pay(app, "150.00", date(2026, 4, 4), "P2")
    assert [e.reason.rule_id for e in late.plan_events] == ["servicing.grace"]
    svc.service_plans(app.uow(), date(2026, 4, 10))
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "150.00", "paid"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    assert status(app, plan_key) == "active"


def test_partial_payments_fill_the_oldest_installment(app: App, plan_key: str) -> None:
    pay(app, "60.00", date(2026, 3, 1), "P1")
    assert schedule(app, plan_key)[0] == (1, "2026-03-01", "100.00", "60.00", "partially_paid")
    pay(app, "40.00", date(2026, 3, 2), "P2")
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "0.00", "scheduled"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    assert open_amounts(app) == {"INV-1": "300.00"}


def test_an_overpayment_rolls_forward_and_the_excess_is_a_credit(app: App, plan_key: str) -> None:
    pay(app, "300.00", date(2026, 3, 1), "P1")
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "150.00", "paid"),
        (3, "2026-05-01", "150.00", "50.00", "partially_paid"),
    ]
    last = pay(app, "200.00", date(2026, 3, 2), "P2")
    assert schedule(app, plan_key)[2] == (3, "2026-05-01", "150.00", "150.00", "paid")
    assert status(app, plan_key) == "completed"
    with app.uow() as uow:
        assert uow.payments.plan(plan_key).plan.credit_amount == usd("100.00")
    # The ledger agrees: the invoice is settled and 100.00 is an unallocated credit.
    assert open_amounts(app) == {"INV-1": "0.00"}
    assert last.unallocated == usd("100.00")


#: What the plan still owes (300.00) in three payments, inside the default policy's plan terms.
RENEGOTIATED = [
    (date(2026, 4, 15), usd("100.00")),
    (date(2026, 5, 15), usd("100.00")),
    (date(2026, 6, 15), usd("100.00")),
]


def test_a_missed_installment_is_renegotiated_once(app: App, plan_key: str) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    run = svc.service_plans(app.uow(), date(2026, 4, 7))
    assert schedule(app, plan_key)[1] == (2, "2026-04-01", "150.00", "0.00", "missed")
    assert [(i.kind, i.installment) for i in run.intents] == [
        ("retry_link", 2),
        ("renegotiation_offer", 2),
    ]
    assert run.intents[0].amount_due == usd("150.00")
    events = svc.renegotiate_plan(
        app.uow(), plan_key, RENEGOTIATED, on=date(2026, 4, 7), actor="ana", role="admin"
    )
    assert "renegotiated" in [e.kind.value for e in events]
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-15", "100.00", "0.00", "scheduled"),
        (3, "2026-05-15", "100.00", "0.00", "scheduled"),
        (4, "2026-06-15", "100.00", "0.00", "scheduled"),
    ]
    assert status(app, plan_key) == "active"


def test_a_miss_after_the_renegotiation_breaks_the_plan_and_escalates(
    app: App, plan_key: str
) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    svc.service_plans(app.uow(), date(2026, 4, 7))
    svc.renegotiate_plan(
        app.uow(), plan_key, RENEGOTIATED, on=date(2026, 4, 7), actor="ana", role="admin"
    )
    run = svc.service_plans(app.uow(), date(2026, 4, 21))
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-15", "100.00", "0.00", "missed"),
        (3, "2026-05-15", "100.00", "0.00", "scheduled"),
        (4, "2026-06-15", "100.00", "0.00", "scheduled"),
    ]
    assert status(app, plan_key) == "broken"
    assert run.escalations == 1
    with app.uow() as uow:
        (esc,) = uow.payments.escalations()
    assert (esc.reason, esc.plan_key, esc.raised_on) == ("plan_broken", plan_key, date(2026, 4, 21))
    # A later payment is still applied to the broken plan and to the ledger.
    pay(app, "100.00", date(2026, 4, 25), "P2")
    assert schedule(app, plan_key)[1] == (2, "2026-04-15", "100.00", "100.00", "paid")
    assert status(app, plan_key) == "broken"


def test_a_refund_reopens_the_installment_and_the_invoice(app: App, plan_key: str) -> None:
    pay(app, "250.00", date(2026, 3, 1), "P1")
    assert schedule(app, plan_key)[1] == (2, "2026-04-01", "150.00", "150.00", "paid")
    result = svc.reverse_payment(app.uow(), "P1", on=date(2026, 3, 10), amount=usd("100.00"))
    assert [(n, m.amount_str()) for n, m in result.reopened] == [("INV-1", "100.00")]
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "100.00", "paid"),
        (2, "2026-04-01", "150.00", "50.00", "partially_paid"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    assert open_amounts(app) == {"INV-1": "250.00"}


def test_a_chargeback_takes_back_the_whole_payment_and_the_installment_is_missed(
    app: App, plan_key: str
) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    result = svc.reverse_payment(app.uow(), "P1", on=date(2026, 3, 20), kind="chargeback")
    assert result.amount == usd("100.00")
    assert schedule(app, plan_key) == [
        (1, "2026-03-01", "100.00", "0.00", "missed"),
        (2, "2026-04-01", "150.00", "0.00", "scheduled"),
        (3, "2026-05-01", "150.00", "0.00", "scheduled"),
    ]
    assert open_amounts(app) == {"INV-1": "400.00"}
    with pytest.raises(ValueError, match="at most what is left"):
        svc.reverse_payment(app.uow(), "P1", on=date(2026, 3, 21), amount=usd("1.00"))


def test_recording_the_same_payment_twice_posts_once(app: App, plan_key: str) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    again = pay(app, "100.00", date(2026, 3, 1), "P1")
    assert again.duplicate
    assert count(app, "payments") == 1
    assert schedule(app, plan_key)[0] == (1, "2026-03-01", "100.00", "100.00", "paid")


def test_the_same_reference_with_other_details_is_refused(app: App, plan_key: str) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    with pytest.raises(Exception, match="already recorded with other details"):
        pay(app, "90.00", date(2026, 3, 1), "P1")


def test_reminders_come_out_as_intents_on_their_offset_day(app: App, plan_key: str) -> None:
    pay(app, "100.00", date(2026, 3, 1), "P1")
    run = svc.service_plans(app.uow(), date(2026, 3, 29))
    assert [(i.kind, i.installment, i.offset_days, i.rule_id) for i in run.intents] == [
        ("plan_reminder", 2, 3, "servicing.reminder_before_due")
    ]
    assert run.intents[0].amount_due == usd("150.00")
    assert svc.service_plans(app.uow(), date(2026, 3, 30)).intents == ()
