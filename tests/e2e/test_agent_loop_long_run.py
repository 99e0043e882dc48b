"""The agent loop over months on the embedded default, on SQLite or PostgreSQL (``--db``); slow.

* Sixty simulated days on a sample portfolio, debtors answering through the inbound path: every
  contact attempt carries its compliance decision; re-deciding each send at its own instant with
  only what came before allows it; no account gets more than the house cap (3 per 7 days) or two
  contacts a day; every injected reply lands in its own account's conversation on its channel and
  gets an answer.
* Learning: on a population where only SMS makes debtors pay, the planner's share of SMS among
  first contacts rises between the first and the last weeks of the run.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.tables_conversations import conversation_messages, conversations
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.compliance import ProposedContact, decide
from amicable.domain.clock import SimulatedClock
from amicable.domain.money import Money
from amicable.domain.records import PaymentRecord
from amicable.service.contact_context import contact_context
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import receive_inbound, run_days
from amicable.service.runtime_ports import Attempt
from amicable.sim.sample import generate_sample

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 1)
START = date(2026, 3, 2)

REPLIES = (
    "what is this about?",
    "I can pay 100 next Friday",
    "can I pay in installments?",
    "I lost my job last month, I can't pay all of it",
    "I already paid this",
)


def _load(app: App, folder: Path, accounts: int, seed: int) -> None:
    generate_sample(folder, accounts=accounts, seed=seed, as_of=AS_OF)
    import_customers(app.uow(), read_customers(folder / "customers.csv"))
    import_invoices(app.uow(), read_invoices(folder / "invoices.csv"))
    import_payments(app.uow(), read_payments(folder / "payments.csv"))


def _attempts(app: App) -> list[Attempt]:
    with app.uow() as uow:
        return uow.runtime.attempts()


def test_sixty_days_stay_inside_compliance_and_replies_move_their_conversations(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    _load(app, tmp_path, accounts=120, seed=11)
    sender = RecordingOutboxSender(clock=clock)
    answered: set[int] = set()
    injected: list[tuple[str, str, str]] = []  # (account, channel, text)
    day = START
    while day < START + timedelta(days=60):
        run_days(app.uow, clock, start=day, until=day, sender=sender)
        # a quarter of the debtors contacted today answer on the channel they were reached on
        for a in _attempts(app):
            if a.status != "sent" or a.id in answered or a.sent_at is None:
                continue
            answered.add(a.id)
            if a.customer_id % 4 or a.sent_at.date() != day:
                continue
            text = REPLIES[len(injected) % len(REPLIES)]
            clock.set(max(clock.now(), a.sent_at + timedelta(hours=1)))
            result = receive_inbound(
                app.uow(), a.account, a.channel, text, now=clock.now(),
                event_id=f"e2e-{a.id}",
            )  # fmt: skip
            assert result.kind == "message" and result.result["reply"], result
            injected.append((a.account, a.channel, text))
        day += timedelta(days=1)

    attempts = _attempts(app)
    sent = sorted((a for a in attempts if a.status == "sent"), key=lambda a: (a.sent_at, a.id))
    assert len(sent) > 100 and len(injected) > 10
    for a in attempts:  # every attempt carries the decision it was checked against
        assert a.new.packs, a
        assert a.new.allowed == (a.status != "blocked"), a
    history: dict[str, list[Attempt]] = defaultdict(list)
    for a in sent:
        assert a.sent_at is not None
        with app.uow() as uow:
            row = uow.ledger.customers([a.account])[a.account]
            invoices = [
                i for i in uow.reports.invoice_balances(a.sent_at.date(), row.id) if i.open_minor
            ]
        ctx = contact_context(row.customer, invoices, history[a.account], [],
                              as_of=a.sent_at.date())  # fmt: skip
        proposal = ProposedContact(
            a.sent_at, a.channel, a.new.debt_ids, a.new.text, not history[a.account],
            a.new.lang, automated=True,
        )  # fmt: skip
        assert decide(ctx, proposal).allowed, a.to_json(full=True)
        history[a.account].append(a)
    for items in history.values():
        times = [a.sent_at for a in items if a.sent_at is not None]
        assert len({t.date() for t in times}) == len(times)
        for t in times:
            assert sum(1 for u in times if t <= u < t + timedelta(days=7)) <= 3
    # every reply is in its own account's conversation on its channel, answered after it
    with app.uow() as uow:
        refs = {r.id: r.external_id for r in uow.reports.customer_refs().values()}
        convs = {
            c.id: (refs[int(c.customer_id)], str(c.channel))
            for c in uow.connection.execute(
                select(conversations.c.id, conversations.c.customer_id, conversations.c.channel)
            )
        }
        messages = uow.connection.execute(
            select(conversation_messages.c.conversation_id, conversation_messages.c.direction,
                   conversation_messages.c.text).order_by(conversation_messages.c.id)
        ).all()  # fmt: skip
    for account, channel, text in injected:
        mine = [m for m in messages if convs[int(m.conversation_id)] == (account, channel)]
        ins = [i for i, m in enumerate(mine) if m.direction == "in" and m.text == text]
        assert ins, (account, channel, text)
        assert any(m.direction == "out" for m in mine[ins[0] + 1 :]), (account, text)


def test_the_planner_shifts_to_the_channel_that_works(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    """Debtors pay (in full, two days later, most of the time) only after an SMS; email and
    WhatsApp never move them. The planner learns it from the outcomes of its own attempts."""
    _load(app, tmp_path, accounts=300, seed=5)
    rng = random.Random(1)
    sender = RecordingOutboxSender(clock=clock)
    seen: set[int] = set()
    due_payments: dict[date, list[Attempt]] = defaultdict(list)
    first_contact: dict[str, tuple[date, str]] = {}
    day = START
    end = START + timedelta(days=45)
    paid = 0
    while day < end:
        for a in due_payments.pop(day, []):
            paid += 1
            amount = Money.from_minor(a.new.balance_minor, a.new.currency)
            import_payments(app.uow(), [PaymentRecord(1, a.account, f"PAY-{a.id}", day, amount)])
        run_days(app.uow, clock, start=day, until=day, sender=sender)
        for a in _attempts(app):
            if a.status != "sent" or a.id in seen or a.sent_at is None:
                continue
            seen.add(a.id)
            first_contact.setdefault(a.account, (a.sent_at.date(), a.channel))
            if a.channel == "sms" and rng.random() < 0.8:
                due_payments[a.sent_at.date() + timedelta(days=2)].append(a)
        day += timedelta(days=1)

    def sms_share(lo: date, hi: date) -> float:
        firsts = [ch for d, ch in first_contact.values() if lo <= d < hi]
        assert len(firsts) >= 10, (lo, hi, len(firsts))
        return firsts.count("sms") / len(firsts)

    early = sms_share(START, START + timedelta(days=10))
    late = sms_share(end - timedelta(days=20), end)
    assert paid > 0
    assert late > early + 0.15, (early, late)
