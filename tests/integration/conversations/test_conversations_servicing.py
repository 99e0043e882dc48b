"""An agreement made in a conversation is serviced from the turn that made it (SQLite and
PostgreSQL): a plan becomes a servicing plan (installments, RF reference, reminders, payments
applied), anything else an open promise to pay (kept when paid, broken and escalated when not);
each is written back once, naming the conversation and the agreement."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.money import Money
from amicable.negotiation.states import DialogueConfig
from amicable.service import queue
from amicable.service.analytics import ptp_report
from amicable.service.conversations import handle_inbound
from amicable.service.imports import import_customers, import_invoices
from amicable.service.payments import record_payment, service_plans
from amicable.service.policies import apply_policy
from amicable.service.runtime import run_days, run_due

TODAY = date(2026, 3, 2)  # a Monday
AT = datetime(2026, 3, 2, 16, tzinfo=UTC)

CUSTOMERS = """\
customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags
C1,Dana Reyes,consumer,,en,US,CA,America/Los_Angeles,dana@example.com,+14155550101,1 Market Street,94105,yes,yes,,,
"""
#: 1,200.00, 46 days past due: the default policy offers plans.
INVOICES = """\
customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,disputed,description
C1,Dana Reyes,INV-1,2025-12-01,2026-01-15,USD,1200.00,1200.00,no,Service
"""
OPENING = ("hi, can we talk about my invoice?", "94105")


def _talk(app: App, clock: SimulatedClock, tmp_path: Path, *lines: str) -> Any:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    assert not import_customers(app.uow(), read_customers(tmp_path / "customers.csv")).errors
    assert not import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv")).errors
    clock.set(AT)
    turn = None
    for text in (*OPENING, *lines):
        turn = handle_inbound(app.uow(), "C1", "sms", text, today=TODAY)
    assert turn is not None and turn.agreement is not None
    return turn


def _events(app: App, kind: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        return [json.loads(e.payload) for e in uow.events.events() if e.kind == kind]


def _pay(app: App, reference: str, amount: str, on: date) -> None:
    """A payment posted through the payments area (applied to the plan and the promises)."""
    record_payment(app.uow(), "C1", Money.of(amount, "USD"), on, reference, method="wire")


def test_a_plan_agreed_in_a_conversation_becomes_a_servicing_plan_written_back_once(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    turn = _talk(app, clock, tmp_path, "I can pay 100 a month", "yes", "yes")
    offer = turn.agreement.offer
    assert offer.kind.value == "plan"
    with app.uow() as uow:
        (stored,) = uow.payments.plans()
        suspended = uow.runtime.suspended(TODAY)
        conv = uow.conversations.latest(stored.customer_id, "sms")
    assert conv is not None
    plan = stored.plan
    assert plan.id.startswith("PL-C") and plan.reference is not None
    assert plan.reference.startswith("RF") and plan.status.value == "active"
    assert [(i.due_date, i.amount) for i in plan.installments] == [
        (p.due_date, p.amount) for p in offer.payments
    ]
    assert stored.agreed_on == TODAY and stored.customer_id in suspended
    # the servicing rules are the policy in force's (its version named)
    assert stored.rules.version.endswith("#1")

    (accepted,) = _events(app, "plan.accepted")  # once, not once per layer
    assert accepted["source"] == "conversation" and accepted["plan"] == plan.id
    assert accepted["conversation"] == conv.id and accepted["reference"] == plan.reference
    assert accepted["offer"]["kind"] == "plan" and accepted["policy_version"]
    assert [i["due_date"] for i in accepted["installments"]] == [
        p.due_date.isoformat() for p in offer.payments
    ]
    (promised,) = _events(app, "promise.made")
    assert promised["source"] == "conversation"

    # servicing follows it up: a reminder three days before the first installment ...
    first = offer.payments[0]
    run = service_plans(app.uow(), first.due_date - timedelta(days=3))
    reminders = [i for i in run.intents if i.kind == "plan_reminder"]
    assert [(r.customer_id, r.installment) for r in reminders] == [(stored.customer_id, 1)]
    # ... and the first payment is applied to it
    _pay(app, "PAY-1", first.amount.amount_str(), first.due_date)
    with app.uow() as uow:
        (after,) = uow.payments.plans()
    assert after.plan.installments[0].status.value == "paid"
    assert after.plan.installments[1].status.value == "scheduled"


def test_a_payment_in_full_agreed_in_a_conversation_is_a_promise_kept_when_paid(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    turn = _talk(app, clock, tmp_path, "I'll pay it all at once", "yes")
    ((due, amount),) = [(p.due_date, p.amount) for p in turn.agreement.offer.payments]
    with app.uow() as uow:
        (stored,) = uow.payments.promises()
        assert not uow.payments.plans()
    key = stored.promise.id
    assert key.startswith("PTP-C") and stored.status == "open"
    assert [(p.on, p.amount) for p in stored.promise.parts] == [(due, amount)]
    assert stored.grace_days == 5  # what the debtor was told: the policy's servicing grace
    assert stored.promise.channel == "sms" and stored.promise.confirmed
    (made,) = _events(app, "promise.made")
    assert made["promise"] == key and made["source"] == "conversation"
    assert made["agreement"] and made["offer"]["kind"] == "full"
    assert not _events(app, "plan.accepted")

    _pay(app, "PAY-1", amount.amount_str(), due)
    with app.uow() as uow:
        (kept,) = uow.payments.promises()
    assert kept.status == "kept"
    (written,) = _events(app, "promise.kept")
    assert written["promise"] == key

    # counted once in the promise-to-pay report, as the conversation's
    with app.uow() as uow:
        report = ptp_report(uow, TODAY, TODAY, due)
    assert report["promises"] == 1
    assert report["by_source"] == {"servicing": 0, "conversation": 1}


def test_an_unpaid_promise_from_a_conversation_breaks_after_its_grace_and_goes_to_a_person(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    turn = _talk(app, clock, tmp_path, "I'll pay it all at once", "yes")
    (due,) = [p.due_date for p in turn.agreement.offer.payments]
    service_plans(app.uow(), due + timedelta(days=5))  # inside grace: still open
    with app.uow() as uow:
        (inside,) = uow.payments.promises()
    assert inside.status == "open"
    run = service_plans(app.uow(), due + timedelta(days=6))
    assert [(k, s) for k, s in run.promises] == [(inside.promise.id, "broken")]
    (broken,) = _events(app, "promise.broken")
    assert broken["promise"] == inside.promise.id
    items = [i for i in queue.list_items(app.uow()) if i.new.reason == "promise_broken"]
    assert len(items) == 1 and items[0].account == "C1"
    # and the agent loop leaves the account to that person
    at = datetime.combine(due + timedelta(days=6), AT.timetz())
    clock.set(at)
    sender = RecordingOutboxSender(clock=clock)
    run_due(app.uow(), at, sender=sender)
    assert not [r for r in sender.records if r.message.account_ref == "C1"]


def test_the_promise_is_reminded_before_its_date_as_the_debtor_was_told_until_it_is_paid(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    """ "We will send reminders 3 days and 1 day before each payment": what the debtor is told
    and what the promise records are the policy's servicing offsets, which bring a reminder of
    what is left, through compliance, as long as the promise is open and unpaid."""
    turn = _talk(app, clock, tmp_path, "I'll pay it all at once", "yes")
    assert "We will send reminders 3 days and 1 day before each payment." in (turn.reply or "")
    ((due, amount),) = [(p.due_date, p.amount) for p in turn.agreement.offer.payments]
    assert turn.promise.reminders == (due - timedelta(days=3), due - timedelta(days=1))
    sender = RecordingOutboxSender(clock=clock)
    run_days(app.uow, clock, start=TODAY + timedelta(days=1), until=due - timedelta(days=2),
             sender=sender)  # fmt: skip
    (first,) = [r for r in sender.records if r.message.dedupe_key.count(":promise_reminder:")]
    assert first.message.account_ref == "C1" and first.message.channel in ("email", "sms")
    assert amount.amount_str() in first.message.text.replace(",", "")
    assert "you agreed to make is due on" in first.message.text
    with app.uow() as uow:
        reminders = [a for a in uow.runtime.attempts() if a.new.action == "promise_reminder"]
    # held by compliance before 8 a.m. in Los Angeles (a blocked record with its decision),
    # then sent at the first allowed slot, once
    (attempt,) = [a for a in reminders if a.status == "sent"]
    assert attempt.new.allowed and {a.status for a in reminders} <= {"sent", "blocked"}
    assert attempt.sent_at is not None and (due - attempt.sent_at.date()).days == 3
    # paid the day before the second reminder: none comes, and the promise is kept
    record_payment(app.uow(), "C1", amount, due - timedelta(days=2), "PAY-1", method="wire")
    later = RecordingOutboxSender(clock=clock)
    run_days(app.uow, clock, start=due - timedelta(days=1), until=due, sender=later)
    assert not [r for r in later.records if r.message.account_ref == "C1"]
    with app.uow() as uow:
        (kept,) = uow.payments.promises()
    assert kept.status == "kept"


def test_a_policy_without_reminders_promises_none_and_sends_none(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    """The debtor is told of reminders only when the policy's servicing sends them: with
    ``reminder_offsets_days: [7]`` the confirmation says 7 days and the promise records that
    day; with ``[]`` it says nothing of reminders, records none, and none goes out."""
    default = resources.files("amicable.policy").joinpath("default_policy.yaml").read_text()
    line = "  reminder_offsets_days: [3, 1]"
    assert line in default
    apply_policy(app.uow(), default.replace(line, "  reminder_offsets_days: [7]"))
    turn = _talk(app, clock, tmp_path, "I'll pay it all at once", "yes")
    ((due, _),) = [(p.due_date, p.amount) for p in turn.agreement.offer.payments]
    assert "We will send a reminder 7 days before each payment." in (turn.reply or "")
    assert turn.promise.reminders == (due - timedelta(days=7),)

    apply_policy(app.uow(), default.replace(line, "  reminder_offsets_days: []"))
    with app.uow() as uow:
        (promise,) = uow.payments.promises()
    record_payment(app.uow(), "C1", promise.promise.total, TODAY, "PAY-1", method="wire")
    # a new debt, a new agreement under the policy without reminders
    (tmp_path / "more.csv").write_text(INVOICES.replace("INV-1", "INV-2"))
    assert not import_invoices(app.uow(), read_invoices(tmp_path / "more.csv")).errors
    turn = None
    for text in (*OPENING, "I'll pay it all at once", "yes"):
        turn = handle_inbound(app.uow(), "C1", "sms", text, today=TODAY)
    assert turn is not None and turn.agreement is not None and turn.promise is not None
    reply = turn.reply or ""
    assert "reminder" not in reply and "If a payment fails" in reply
    assert turn.promise.reminders == ()
    ((due, _),) = [(p.due_date, p.amount) for p in turn.agreement.offer.payments]
    sender = RecordingOutboxSender(clock=clock)
    run_days(app.uow, clock, start=TODAY + timedelta(days=1), until=due, sender=sender)
    assert not [r for r in sender.records if ":promise_reminder:" in r.message.dedupe_key]


def test_a_callers_dialogue_settings_never_override_the_servicing_the_debtor_is_told(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    """``amicable chat --tone`` passes its own dialogue settings: the tone is the caller's, but
    the grace and reminder days the debtor is told stay the policy's servicing, which is what
    services the agreement (the settings' own figures were told before)."""
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    assert not import_customers(app.uow(), read_customers(tmp_path / "customers.csv")).errors
    assert not import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv")).errors
    clock.set(AT)
    own = DialogueConfig(tone="friendly", grace_days=30, reminder_days_before=(10,))
    turn = None
    for text in (*OPENING, "I'll pay it all at once", "yes"):
        turn = handle_inbound(app.uow(), "C1", "sms", text, today=TODAY, config=own)
    assert turn is not None and turn.agreement is not None
    reply = turn.reply or ""
    assert "within 5 days of its due date" in reply and "30 days" not in reply
    assert "reminders 3 days and 1 day before each payment" in reply and "10 days" not in reply
    with app.uow() as uow:
        (promise,) = uow.payments.promises()
    assert promise.grace_days == 5
