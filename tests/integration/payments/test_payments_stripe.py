"""Stripe: Checkout Sessions created through the SDK against a local fake, and webhooks verified
with the SDK's signature scheme and applied once per event id.

Ledger and plan for every test::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
    plan PL-000001: 100.00 on 2026-03-01, 300.00 on 2026-04-01
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from payments_helpers import RULES, count, invoices, open_amounts, plan_offer

from amicable.adapters.payments.stripe_provider import StripePaymentLinks, handle_stripe_webhook
from amicable.bootstrap import App
from amicable.domain.errors import PermissionDenied
from amicable.service import payments as svc
from amicable.service.payment_links import ManualPaymentLinks, create_payment_link
from fakes.fake_stripe_server import FakeStripeServer, signed_event

SECRET = "whsec_test_secret"
CREATED = int(datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp())


@pytest.fixture
def plan_key(app: App) -> str:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    offer = plan_offer((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "300.00"))
    return svc.create_plan_from_agreement(
        app.uow(), "C1", offer, agreed_on=date(2026, 3, 1), rules=RULES
    ).plan.id


@pytest.fixture
def fake() -> Iterator[FakeStripeServer]:
    with FakeStripeServer("sk_test_fake") as server:
        yield server


def provider(fake: FakeStripeServer) -> StripePaymentLinks:
    return StripePaymentLinks("sk_test_fake", api_base=fake.url,
                              success_url="https://pay.example/ok",
                              cancel_url="https://pay.example/cancel")  # fmt: skip


def session_completed(
    session_id: str, pi: str, amount: int, meta: dict[str, str]
) -> dict[str, Any]:
    return {"id": session_id, "object": "checkout.session", "payment_intent": pi,
            "payment_status": "paid", "amount_total": amount, "currency": "usd",
            "metadata": meta}  # fmt: skip


def deliver(app: App, event_id: str, kind: str, obj: dict[str, Any], **kw: Any) -> str:
    payload, header = signed_event(event_id, kind, obj, secret=SECRET, created=CREATED, **kw)
    return handle_stripe_webhook(app.uow(), payload, header, SECRET).outcome


def test_a_checkout_session_is_created_for_the_next_installment_with_its_metadata(
    app: App, plan_key: str, fake: FakeStripeServer
) -> None:
    link = create_payment_link(app.uow(), provider(fake), "C1", as_of=date(2026, 3, 1),
                               plan_key=plan_key)  # fmt: skip
    assert (link.provider, link.amount_minor, link.currency, link.installment) == (
        "stripe", 10000, "USD", 1)  # fmt: skip
    assert link.url is not None and link.provider_id.startswith("cs_test_")
    (request,) = fake.requests
    form = request["form"]
    assert form["line_items"]["0"]["price_data"] == {
        "currency": "usd", "unit_amount": "10000",
        "product_data": {"name": f"Installment 1 of plan {plan_key}"},
    }  # fmt: skip
    assert form["metadata"]["plan"] == plan_key
    assert form["metadata"]["account"] == "C1"
    assert form["payment_intent_data"]["metadata"]["installment"] == "1"


def test_a_balance_link_uses_the_debtors_currency_and_balance(
    app: App, plan_key: str, fake: FakeStripeServer
) -> None:
    link = create_payment_link(app.uow(), provider(fake), "C1", as_of=date(2026, 3, 1))
    assert (link.amount_minor, link.currency, link.plan_key) == (40000, "USD", None)


def test_the_manual_provider_works_offline_without_a_url(app: App, plan_key: str) -> None:
    link = create_payment_link(app.uow(), ManualPaymentLinks(), "C1", as_of=date(2026, 3, 1),
                               invoice_number="INV-1")  # fmt: skip
    assert (link.provider, link.url, link.amount_minor) == ("manual", None, 40000)


def test_the_same_webhook_delivered_twice_and_replayed_later_posts_once(
    app: App, plan_key: str, fake: FakeStripeServer
) -> None:
    link = create_payment_link(app.uow(), provider(fake), "C1", as_of=date(2026, 3, 1),
                               plan_key=plan_key)  # fmt: skip
    obj = session_completed(link.provider_id, "pi_test_1", 10000,
                            {"account": "C1", "plan": plan_key, "installment": "1"})  # fmt: skip
    assert deliver(app, "evt_1", "checkout.session.completed", obj) == "posted"
    assert deliver(app, "evt_1", "checkout.session.completed", obj) == "duplicate"
    # Stripe re-signs a redelivery days later: still the same event id, still posted once.
    later = int(time.time()) + 5
    assert deliver(app, "evt_1", "checkout.session.completed", obj, signed_at=later) == "duplicate"
    # The PaymentIntent's own success event is the same money: recognised by its id.
    pi = {"id": "pi_test_1", "object": "payment_intent", "amount_received": 10000,
          "currency": "usd", "metadata": {"account": "C1", "plan": plan_key}}  # fmt: skip
    assert deliver(app, "evt_2", "payment_intent.succeeded", pi) == "duplicate_payment"
    assert count(app, "payments") == 1
    assert open_amounts(app) == {"INV-1": "300.00"}
    with app.uow() as uow:
        plan = uow.payments.plan(plan_key).plan
        assert uow.payments.link("stripe", link.provider_id).status == "paid"  # type: ignore[union-attr]
    assert [str(r[4]) for r in plan.table()] == ["paid", "scheduled"]


def test_a_bad_signature_is_refused_and_nothing_is_posted(app: App, plan_key: str) -> None:
    obj = session_completed("cs_x", "pi_x", 10000, {"account": "C1"})
    payload, header = signed_event("evt_bad", "checkout.session.completed", obj,
                                   secret="whsec_someone_else", created=CREATED)  # fmt: skip
    with pytest.raises(PermissionDenied, match="signature"):
        handle_stripe_webhook(app.uow(), payload, header, SECRET)
    with pytest.raises(PermissionDenied):
        handle_stripe_webhook(app.uow(), payload, None, SECRET)
    assert count(app, "payments") == 0
    assert count(app, "provider_events") == 0


def test_a_tampered_payload_is_refused(app: App, plan_key: str) -> None:
    obj = session_completed("cs_x", "pi_x", 10000, {"account": "C1"})
    payload, header = signed_event("evt_t", "checkout.session.completed", obj, secret=SECRET,
                                   created=CREATED)  # fmt: skip
    with pytest.raises(PermissionDenied):
        handle_stripe_webhook(app.uow(), payload.replace(b"10000", b"99999"), header, SECRET)


def test_a_failed_payment_marks_the_link_and_posts_nothing(
    app: App, plan_key: str, fake: FakeStripeServer
) -> None:
    pi = {"id": "pi_f", "object": "payment_intent", "currency": "usd",
          "metadata": {"account": "C1"}}  # fmt: skip
    assert deliver(app, "evt_f", "payment_intent.payment_failed", pi) == "failed"
    assert count(app, "payments") == 0


def test_refunds_reverse_once_each_and_a_dispute_takes_back_the_rest(
    app: App, plan_key: str
) -> None:
    pi = {"id": "pi_r", "object": "payment_intent", "amount_received": 25000, "currency": "usd",
          "metadata": {"account": "C1", "plan": plan_key}}  # fmt: skip
    assert deliver(app, "evt_p", "payment_intent.succeeded", pi) == "posted"
    charge = {"id": "ch_r", "object": "charge", "payment_intent": "pi_r", "currency": "usd",
              "amount_refunded": 5000}  # fmt: skip
    assert deliver(app, "evt_r1", "charge.refunded", charge) == "reversed"
    assert deliver(app, "evt_r1", "charge.refunded", charge) == "duplicate"
    # A second partial refund: Stripe reports the cumulative total (80.00 = 50.00 + 30.00).
    assert (
        deliver(app, "evt_r2", "charge.refunded", {**charge, "amount_refunded": 8000}) == "reversed"
    )
    assert open_amounts(app) == {"INV-1": "230.00"}
    dispute = {"id": "dp_1", "object": "dispute", "charge": "ch_r", "payment_intent": "pi_r",
               "amount": 17000, "currency": "usd"}  # fmt: skip
    assert deliver(app, "evt_d", "charge.dispute.created", dispute) == "reversed"
    assert deliver(app, "evt_d2", "charge.dispute.created", dispute) == "duplicate_reversal"
    assert open_amounts(app) == {"INV-1": "400.00"}
    with app.uow() as uow:
        plan = uow.payments.plan(plan_key).plan
    assert [(r[3], str(r[4])) for r in plan.table()] == [("0.00", "due"), ("0.00", "scheduled")]


def test_two_concurrent_deliveries_of_one_event_post_once(app: App, plan_key: str) -> None:
    import threading

    obj = session_completed("cs_c", "pi_c", 10000, {"account": "C1", "plan": plan_key})
    payload, header = signed_event("evt_c", "checkout.session.completed", obj, secret=SECRET,
                                   created=CREATED)  # fmt: skip
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver_once() -> None:
        barrier.wait()
        outcomes.append(handle_stripe_webhook(app.uow(), payload, header, SECRET).outcome)

    threads = [threading.Thread(target=deliver_once) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate", "posted"]
    assert count(app, "payments") == 1
    assert open_amounts(app) == {"INV-1": "300.00"}
