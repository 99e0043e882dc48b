"""Approved terms come back to the debtor (SQLite and PostgreSQL): a conversation that escalated
because every offer needs a person's approval proposes terms; ``queue approve`` resumes it and
plans one message with exactly those terms, which the next run hands off through compliance; the
debtor's yes and confirmation record the agreement (gate outcome ``needs_approval``), and the
decision names the terms and the attempt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import Conflict, PermissionDenied
from amicable.domain.money import Money
from amicable.domain.records import PaymentRecord
from amicable.service import queue
from amicable.service.conversations import handle_inbound, latest_conversation, record_consent
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import run_due

TODAY = date(2026, 3, 2)  # a Monday
#: 16:00 UTC: inside contact hours on the US west coast (08:00) and in the east.
AT = datetime(2026, 3, 2, 16, tzinfo=UTC)

CUSTOMERS = """\
customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags
BIG1,Summit Supply LLC,business,smb,en,US,CA,America/Los_Angeles,ap@summit.example,+14155550101,1 Market Street,94105,yes,yes,,,
"""
#: 12,000.00 overdue: the default policy needs a person's approval for any terms above 10,000.
INVOICES = """\
customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,disputed,description
BIG1,Summit Supply LLC,INV-9001,2025-12-01,2026-01-15,USD,12000.00,12000.00,no,PO 1
"""


def _escalated(app: App, clock: SimulatedClock, tmp_path: Path) -> queue.QueueItem:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    assert not import_customers(app.uow(), read_customers(tmp_path / "customers.csv")).errors
    assert not import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv")).errors
    clock.set(AT)
    handle_inbound(app.uow(), "BIG1", "sms", "hi, can we talk about my invoice?", today=TODAY)
    turn = handle_inbound(app.uow(), "BIG1", "sms", "94105", today=TODAY)
    assert turn.escalation is not None and turn.escalation.reason.value == "out_of_policy"
    assert turn.state.proposal is not None
    (item,) = queue.list_items(app.uow())
    assert item.new.reason == "out_of_policy" and "proposed for approval" in item.new.summary
    return item


def _pay(app: App, reference: str, amount: str) -> None:
    payment = PaymentRecord(
        line=2, customer_ref="BIG1", reference=reference, received_on=TODAY,
        amount=Money.of(amount, "USD"), method="wire", invoice_number="INV-9001",
    )  # fmt: skip
    assert not import_payments(app.uow(), [payment]).errors


def _no_terms_went_out(app: App) -> None:
    with app.uow() as uow:
        assert not uow.runtime.attempts(actions=("approved_offer",))


def test_an_approval_puts_the_proposed_terms_to_the_debtor_who_agrees_to_them(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    with app.uow() as uow:
        conv = uow.queue.conversation_of_escalation(item.new.source_id)
        assert conv is not None
        proposal = uow.conversations.state_of(conv)
    assert proposal is not None

    approved = queue.approve(app.uow(), item.id, actor="ana", role="admin")
    assert approved.status == "approved" and approved.decision is not None
    offered = approved.decision["approved_terms"]
    assert offered["conversation"] == conv and offered["attempt"] is not None
    terms = offered["terms"]
    with app.uow() as uow:
        attempt = uow.runtime.attempt(offered["attempt"])
    assert attempt is not None and attempt.status == "planned"
    assert attempt.new.action == "approved_offer" and attempt.channel == "sms"
    first = Decimal(str(terms["installments"][0]["amount"]))
    assert f"${first:,.2f}" in attempt.new.text  # the message states the approved terms

    # the next run re-checks the message with compliance and hands it off, once
    sender = RecordingOutboxSender(clock=clock)
    run_due(app.uow(), AT, sender=sender)
    run_due(app.uow(), AT, sender=sender)
    keys = [r.message.dedupe_key for r in sender.records]
    assert keys.count(attempt.new.dedupe_key) == 1
    with app.uow() as uow:
        sent = uow.runtime.attempt(attempt.id)
    assert sent is not None and sent.status == "sent"

    # the debtor's yes reads the terms back; the confirmation records exactly them
    yes = handle_inbound(app.uow(), "BIG1", "sms", "yes", today=TODAY)
    assert yes.state.state.value == "confirming" and yes.agreement is None
    done = handle_inbound(app.uow(), "BIG1", "sms", "yes I confirm", today=TODAY)
    assert done.agreement is not None
    assert done.agreement.gate.outcome.value == "needs_approval"
    assert done.agreement.offer.total.amount_str() == terms["total"]
    messages = latest_conversation(app.uow(), "BIG1", "sms")["conversation"]["messages"]
    assert any("approved these terms" in (m["text"] or "") for m in messages)


def test_approved_weeks_later_the_terms_move_by_whole_weeks(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    proposed = queue.show_item(app.uow(), item.id)["proposed_terms"]
    # weeks later the proposed payment dates have passed: the same terms, moved by whole weeks
    clock.set(datetime(2026, 4, 20, 16, tzinfo=UTC))
    shown = queue.show_item(app.uow(), item.id)["proposed_terms"]
    approved = queue.approve(app.uow(), item.id, actor="ana", role="admin")
    assert approved.decision is not None
    terms = approved.decision["approved_terms"]["terms"]
    before = [date.fromisoformat(i["due_date"]) for i in proposed["installments"]]
    after = [date.fromisoformat(i["due_date"]) for i in terms["installments"]]
    assert [i["amount"] for i in terms["installments"]] == [
        i["amount"] for i in proposed["installments"]
    ]
    # whole weeks; a date landing on a holiday (Memorial Day, 2026-05-25) moves to the next
    # business day
    shifts = [(a - b).days for a, b in zip(after, before, strict=True)]
    weeks = min(shifts)
    assert weeks % 7 == 0 and all(0 <= s - weeks <= 6 for s in shifts)
    assert date(2026, 5, 25) not in after and date(2026, 5, 26) in after
    assert shown["gate"]["outcome"] == "needs_approval"
    assert min(after) > date(2026, 4, 20) and min(after) - date(2026, 4, 20) <= timedelta(days=7)
    assert {k: v for k, v in shown.items() if k != "gate"} == terms


def test_terms_the_policy_now_refuses_are_not_approved_and_nothing_is_written(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    # the debtor pays part of the balance: the proposed plan no longer covers what is owed
    _pay(app, "PAY-1", "5000.00")
    with pytest.raises(Conflict, match="can no longer be offered"):
        queue.approve(app.uow(), item.id, actor="ana", role="admin")
    (still,) = queue.list_items(app.uow())
    assert still.id == item.id and still.status == "open"
    _no_terms_went_out(app)


def test_the_item_shows_the_proposed_terms_and_only_an_admin_may_approve_them(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    shown = queue.show_item(app.uow(), item.id)["proposed_terms"]
    assert shown is not None and shown["gate"]["outcome"] == "needs_approval"
    assert shown["installments"]
    # terms that need approval are beyond a collector's authority: refused, nothing written
    with pytest.raises(PermissionDenied, match="may not approve"):
        queue.approve(app.uow(), item.id, actor="cole", role="collector")
    (still,) = queue.list_items(app.uow())
    assert still.status == "open"
    _no_terms_went_out(app)


def test_when_the_debtor_has_paid_meanwhile_an_approval_puts_no_terms_to_them(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    _pay(app, "PAY-ALL", "12000.00")
    assert queue.show_item(app.uow(), item.id)["proposed_terms"]["gate"] is None
    done = queue.approve(app.uow(), item.id, actor="ana", role="admin")
    assert done.status == "approved" and done.decision is not None
    assert "approved_terms" not in done.decision
    _no_terms_went_out(app)


def test_terms_approved_after_an_opt_out_of_the_channel_are_never_sent(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    item = _escalated(app, clock, tmp_path)
    with app.uow() as uow:  # the debtor texted STOP meanwhile
        record_consent(uow, "BIG1", "sms", granted=False, at=AT, source="keyword")
        uow.commit()
    done = queue.approve(app.uow(), item.id, actor="ana", role="admin")
    assert done.decision is not None
    with app.uow() as uow:
        attempt = uow.runtime.attempt(done.decision["approved_terms"]["attempt"])
    assert attempt is not None and attempt.status == "blocked"
    sender = RecordingOutboxSender(clock=clock)
    run_due(app.uow(), AT, sender=sender)
    assert attempt.new.dedupe_key not in [r.message.dedupe_key for r in sender.records]
