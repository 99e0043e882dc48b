"""A debtor's message on an account that owes nothing (paid in full) through the real inbound
path, on SQLite/PostgreSQL: recorded and answered, never dropped; a stop honoured; a matter for a
person queued; processed once per event id. Before, the whole inbound was refused ("owes
nothing") and rolled back, so the message was lost (a 10,000-account simulation stopped on it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from amicable.adapters.db.tables_audit import audit_records
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.payments import ProviderEvent, apply_provider_event
from amicable.service.queries import accounts_list
from amicable.service.runtime import receive_inbound
from amicable.sim.sample import generate_sample

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture()
def paid(database_url: str, tmp_path: Path) -> Iterator[tuple[App, str]]:
    """A sample portfolio and one account whose whole balance was just paid."""
    generate_sample(tmp_path, accounts=8, seed=5, as_of=TODAY)
    app = bootstrap(database_url, clock=SimulatedClock(NOW))
    try:
        import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
        import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
        import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
        row = next(r for r in accounts_list(app.uow(), TODAY) if len(r.balances) == 1)
        ref = row.customer.external_id
        (owed,) = row.balances.values()
        apply_provider_event(app.uow(), ProviderEvent(
            provider="simulated", event_id=f"pay-{ref}", event_type="simulated.payment_succeeded",
            type="paid", on=TODAY, payment_reference=f"PAY-{ref}",
            amount=owed,
            metadata=(("account", ref),),
        ))  # fmt: skip
        assert not next(
            r for r in accounts_list(app.uow(), TODAY) if r.customer.external_id == ref
        ).balances
        yield app, ref
    finally:
        app.close()


def _audit_kinds(app: App) -> list[str]:
    with app.uow() as uow:
        return list(uow.connection.execute(select(audit_records.c.kind)).scalars())


def test_a_message_after_paying_in_full_is_recorded_and_answered(paid: tuple[App, str]) -> None:
    app, ref = paid
    result = receive_inbound(app.uow(), ref, "sms", "ok thanks, all paid now", now=NOW,
                             event_id="ev-settled-1", provider="test")  # fmt: skip
    assert not result.duplicate and result.kind == "message"
    out = result.result
    assert out["state"] == "settled" and out["ended"] is True
    assert "nothing owed" in out["reply"] and TODAY.isoformat() in out["reply"]
    assert out["offer"] is None and out["agreement"] is None and out["escalation"] is None
    with app.uow() as uow:
        (kept,) = uow.runtime.inbound()
    assert kept.result == out  # the message and its result are in the inbound log
    again = receive_inbound(app.uow(), ref, "sms", "ok thanks, all paid now", now=NOW,
                            event_id="ev-settled-1", provider="test")  # fmt: skip
    assert again.duplicate and again.result == out
    with app.uow() as uow:
        assert len(uow.runtime.inbound()) == 1


def test_a_cease_after_paying_tags_the_customer_and_gets_no_reply(paid: tuple[App, str]) -> None:
    app, ref = paid
    result = receive_inbound(app.uow(), ref, "sms", "stop contacting me, ever", now=NOW,
                             event_id="ev-settled-2", provider="test")  # fmt: skip
    assert result.result["stopped"] == "cease" and result.result["reply"] is None
    with app.uow() as uow:
        customer = uow.ledger.customers([ref])[ref].customer
    assert "cease" in customer.tags
    assert "contact.stopped" in _audit_kinds(app)
    later = receive_inbound(app.uow(), ref, "sms", "hello?", now=NOW, event_id="ev-settled-3",
                            provider="test")  # fmt: skip
    assert later.result["reply"] is None  # ceased before: recorded, not answered


def test_a_dispute_after_paying_reaches_a_person(paid: tuple[App, str]) -> None:
    app, ref = paid
    text = "I dispute that invoice, the goods never arrived and I want my money back"
    result = receive_inbound(app.uow(), ref, "email", text, now=NOW, event_id="ev-settled-4",
                             provider="test")  # fmt: skip
    escalation = result.result["escalation"]
    assert escalation is not None and escalation["reason"] == "dispute"
    assert "team" in result.result["reply"]
    items = queue.list_items(app.uow())
    (item,) = [i for i in items if i.new.source == "inbound"]
    assert item.new.source_ref == "test:ev-settled-4" and item.new.reason == "dispute"
    assert "dispute.opened" in _audit_kinds(app)


def test_the_reply_is_in_the_accounts_language(paid: tuple[App, str]) -> None:
    app, ref = paid
    with app.uow() as uow:
        stored = uow.ledger.customers([ref])[ref]
        uow.ledger.update_customer(stored.id, replace(stored.customer, language="fr"))
        uow.commit()
    result = receive_inbound(app.uow(), ref, "sms", "bonjour, j'ai tout payé hier", now=NOW,
                             event_id="ev-settled-5", provider="test")  # fmt: skip
    assert "aucun montant dû" in result.result["reply"]
