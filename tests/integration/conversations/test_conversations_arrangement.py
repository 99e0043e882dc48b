"""No second arrangement beside one in force (SQLite and PostgreSQL): a debtor on an active plan
(or with an open promise) who writes in again is told how it stands, and asking for other terms
goes to a person — a second plan for the same balance used to be agreed beside the first, so
every payment counted towards both. The agreement's transaction refuses one all the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_conversations_servicing import AT, CUSTOMERS, INVOICES, OPENING, TODAY, _talk

from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.service import conversations, queue
from amicable.service.conversations import arrangement_in_force, handle_inbound
from amicable.service.imports import import_customers, import_invoices
from amicable.service.payments import set_up_promise


def _arrangements(app: App) -> list[tuple[str, str]]:
    with app.uow() as uow:
        plans = [(p.plan.id, p.plan.status.value) for p in uow.payments.plans()]
        promises = [(p.promise.id, p.status) for p in uow.payments.promises()]
    return plans + promises


def test_a_debtor_on_an_active_plan_is_told_it_and_other_terms_go_to_a_person(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    _talk(app, clock, tmp_path, "I can pay 100 a month", "yes", "yes")
    ((plan, status),) = _arrangements(app)
    assert status == "active"
    # the next day, a new conversation on another channel
    replies = [
        handle_inbound(app.uow(), "C1", "email", text, today=TODAY)
        for text in ("hello again, can I get a plan?", OPENING[1])
    ]
    told = replies[-1]
    assert told.offer is None and told.reply is not None and plan in told.reply
    asked = handle_inbound(app.uow(), "C1", "email", "I can pay 200 a month", today=TODAY)
    assert asked.agreement is None and asked.escalation is not None
    assert asked.escalation.reason.value == "arrangement_change"
    confirm = handle_inbound(app.uow(), "C1", "email", "yes", today=TODAY)
    assert confirm.agreement is None
    assert _arrangements(app) == [(plan, "active")]  # still exactly one
    (item,) = queue.list_items(app.uow(), status="open")
    assert item.new.reason == "arrangement_change" and plan in item.new.summary


def test_an_open_promise_is_in_force_too(app: App, clock: SimulatedClock, tmp_path: Path) -> None:
    _talk(app, clock, tmp_path, "I will pay the full balance on March 6", "yes")
    ((key, status),) = _arrangements(app)
    assert key.startswith("PTP-") and status == "open"
    with app.uow() as uow:
        (row,) = uow.payments.promises()
        found = arrangement_in_force(uow, row.customer_id, TODAY)
    assert found is not None and found.kind == "promise" and found.key == key
    assert found.left == row.promise.total
    for text in ("hi", OPENING[1]):
        told = handle_inbound(app.uow(), "C1", "whatsapp", text, today=TODAY)
    assert told.offer is None and told.reply is not None and key in told.reply


def test_an_arrangement_made_while_terms_were_read_back_stops_the_agreement(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    _talk_to_confirmation(app, clock, tmp_path)
    _promise_meanwhile(app)
    before = _arrangements(app)
    turn = handle_inbound(app.uow(), "C1", "sms", "yes", today=TODAY)
    assert turn.agreement is None and turn.escalation is not None
    assert turn.escalation.reason.value == "arrangement_change"
    assert _arrangements(app) == before


def test_the_agreement_transaction_refuses_terms_beside_one_in_force(
    app: App, clock: SimulatedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: were the dialogue ever to agree beside an arrangement (here it is not told
    of it), the turn is refused whole — no agreement, no plan, not even the message."""
    _talk_to_confirmation(app, clock, tmp_path)
    _promise_meanwhile(app)
    before = _arrangements(app)
    with app.uow() as uow:
        (customer,) = uow.ledger.customers(["C1"]).values()
        kept = uow.conversations.latest(customer.id, "sms")
    monkeypatch.setattr(conversations, "arrangement_in_force", lambda *_a, **_k: None)
    with pytest.raises(InvalidInput, match="already has open promise"):
        handle_inbound(app.uow(), "C1", "sms", "yes", today=TODAY)
    assert _arrangements(app) == before
    with app.uow() as uow:
        assert uow.conversations.latest(customer.id, "sms") == kept


def _talk_to_confirmation(app: App, clock: SimulatedClock, tmp_path: Path) -> None:
    """The plan offered, accepted and read back: the next "yes" would agree it."""
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    clock.set(AT)
    for text in (*OPENING, "I can pay 100 a month", "yes"):
        turn = handle_inbound(app.uow(), "C1", "sms", text, today=TODAY)
    assert turn.state.state.value == "confirming"


def _promise_meanwhile(app: App) -> None:
    """A promise a person records while the terms are being read back."""
    with app.uow() as uow:
        (customer,) = uow.ledger.customers(["C1"]).values()
        set_up_promise(
            uow, customer.id, "C1", [(TODAY, Money.of("10.00", "USD"))], channel="sms",
            made_on=TODAY,
        )  # fmt: skip
        uow.commit()
