"""The agent loop end to end on the embedded default (recording outbox), on SQLite or PostgreSQL
(``--db``): a 40-account sample portfolio run for 14 simulated days; every attempt carries its
compliance decision, nothing is sent at a blocked instant or above a cap, a second pass on the same
day sends nothing twice; injected replies land in the right conversation and are processed once;
a STOP revokes the channel's consent; a hand-off that failed is retried once, under its key.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.tables_conversations import conversation_messages, conversations
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.compliance import ProposedContact, decide
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable
from amicable.entrypoints.cli import app as cli
from amicable.service import queue
from amicable.service.channels import OutboundMessage, SendResult
from amicable.service.contact_context import contact_context
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import receive_inbound, run_days, run_due
from amicable.service.runtime_ports import Attempt
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)
START = date(2026, 3, 2)
UNTIL = date(2026, 3, 15)


@pytest.fixture
def portfolio(app: App, tmp_path: Path) -> App:
    """A 40-account sample portfolio as of 2026-03-01, imported."""
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    return app


def _attempts(app: App) -> list[Attempt]:
    with app.uow() as uow:
        return uow.runtime.attempts()


def _recheck(app: App, attempt: Attempt, earlier: list[Attempt]) -> bool:
    """``decide`` at the instant the attempt was sent, with only what was sent before it."""
    assert attempt.sent_at is not None
    day = attempt.sent_at.date()
    with app.uow() as uow:
        row = uow.ledger.customers([attempt.account])[attempt.account]
        invoices = [i for i in uow.reports.invoice_balances(day, row.id) if i.open_minor != 0]
    ctx = contact_context(row.customer, invoices, earlier, [], as_of=day)
    proposal = ProposedContact(
        attempt.sent_at, attempt.channel, attempt.new.debt_ids, attempt.new.text,
        not earlier, attempt.new.lang, automated=True,
    )  # fmt: skip
    return decide(ctx, proposal).allowed


def test_fourteen_days_on_a_sample_portfolio_stay_inside_compliance(
    portfolio: App, clock: SimulatedClock
) -> None:
    sender = RecordingOutboxSender(clock=clock)
    report = run_days(portfolio.uow, clock, start=START, until=UNTIL, sender=sender)
    attempts = _attempts(portfolio)
    sent = [a for a in attempts if a.status == "sent"]
    assert report.errors == 0
    assert sum(report.sent.values()) == len(sent) == len(sender.records) > 0
    assert report.blocked == sum(1 for a in attempts if a.status == "blocked") > 0
    # every attempt carries the compliance decision it was checked against
    for a in attempts:
        assert a.new.packs, a
        assert a.new.allowed == (a.status != "blocked")
        if a.status == "blocked":
            assert a.new.violations and all(
                {"rule", "message", "citation"} <= set(v) for v in a.new.violations
            )
    # nothing was sent at a blocked instant: re-decide each send at its own instant
    by_account: dict[str, list[Attempt]] = defaultdict(list)
    for a in sorted(sent, key=lambda a: (a.sent_at, a.id)):
        assert _recheck(portfolio, a, by_account[a.account]), a.to_json(full=True)
        by_account[a.account].append(a)
    # ... nor above the house cap (3 contacts per 7 days) nor twice a day
    for history in by_account.values():
        times = [a.sent_at for a in history if a.sent_at is not None]
        for t in times:
            assert sum(1 for u in times if t <= u < t + timedelta(days=7)) <= 3
        assert len({t.date() for t in times}) == len(times)
    # the recorded messages are the outbox rows, under their dedupe keys
    assert {r.message.dedupe_key for r in sender.records} == {a.new.dedupe_key for a in sent}


def test_running_the_same_day_twice_sends_nothing_twice(
    portfolio: App, clock: SimulatedClock
) -> None:
    sender = RecordingOutboxSender(clock=clock)
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    clock.set(at)
    first = run_due(portfolio.uow(), at, sender=sender)
    before = _attempts(portfolio)
    again = run_due(portfolio.uow(), at, sender=RecordingOutboxSender(clock=clock))
    later = at + timedelta(hours=5)
    clock.set(later)
    third = run_due(portfolio.uow(), later, sender=RecordingOutboxSender(clock=clock))
    assert sum(first.sent.values()) > 0
    assert again.sent == {} and third.sent == {}
    assert again.blocked == 0
    assert [a.id for a in _attempts(portfolio) if a.status == "sent"] == [
        a.id for a in before if a.status == "sent"
    ]


class _FlakySender:
    """Fails transiently the first time, then records (a crash-like gap before the hand-off)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.inner = RecordingOutboxSender(clock=clock)
        self.failed: set[str] = set()

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dedupe_key not in self.failed:
            self.failed.add(message.dedupe_key)
            raise ChannelUnavailable("provider down")
        return self.inner.send(message)


def test_a_hand_off_that_failed_is_retried_once_under_its_own_key(
    portfolio: App, clock: SimulatedClock
) -> None:
    sender = _FlakySender(clock)
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    clock.set(at)
    first = run_due(portfolio.uow(), at, sender=sender)
    planned = [a for a in _attempts(portfolio) if a.status == "planned"]
    assert first.errors == len(planned) > 0 and first.sent == {}
    later = at + timedelta(minutes=30)
    clock.set(later)
    second = run_due(portfolio.uow(), later, sender=sender)
    assert sum(second.sent.values()) == len(planned)
    assert {r.message.dedupe_key for r in sender.inner.records} == {
        a.new.dedupe_key for a in planned
    }
    assert not [a for a in _attempts(portfolio) if a.status == "planned"]


def _contacted(app: App, clock: SimulatedClock) -> Attempt:
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    clock.set(at)
    run_due(app.uow(), at, sender=RecordingOutboxSender(clock=clock))
    return next(a for a in _attempts(app) if a.status == "sent")


def test_an_injected_reply_lands_in_the_accounts_conversation_and_moves_it_on(
    portfolio: App, clock: SimulatedClock
) -> None:
    attempt = _contacted(portfolio, clock)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    result = receive_inbound(
        portfolio.uow(), attempt.account, attempt.channel, "What is this about?",
        now=clock.now(), event_id="ev-1",
    )  # fmt: skip
    assert not result.duplicate and result.kind == "message"
    assert result.result["reply"] and result.result["state"]
    with portfolio.uow() as uow:
        conn = uow.connection
        convs = conn.execute(
            select(conversations.c.id, conversations.c.customer_id, conversations.c.channel)
        ).all()
        assert [(c.customer_id, c.channel) for c in convs] == [
            (attempt.customer_id, attempt.channel)
        ]
        texts = conn.execute(
            select(conversation_messages.c.direction, conversation_messages.c.text)
            .order_by(conversation_messages.c.id)
        ).all()  # fmt: skip
    assert ("in", "What is this about?") in [(t.direction, t.text) for t in texts]
    assert any(t.direction == "out" and t.text for t in texts)


def test_an_inbound_event_id_is_processed_once(portfolio: App, clock: SimulatedClock) -> None:
    attempt = _contacted(portfolio, clock)
    args = (attempt.account, attempt.channel, "I can pay next week")
    first = receive_inbound(portfolio.uow(), *args, now=clock.now(), event_id="ev-7")
    again = receive_inbound(portfolio.uow(), *args, now=clock.now(), event_id="ev-7")
    assert not first.duplicate and again.duplicate
    assert again.result == first.result
    with portfolio.uow() as uow:
        n_in = uow.connection.execute(
            select(func.count()).where(conversation_messages.c.direction == "in")
        ).scalar_one()
        assert n_in == 1
        assert len(uow.runtime.inbound()) == 1


def test_stop_revokes_the_channel_and_later_passes_do_not_use_it(
    portfolio: App, clock: SimulatedClock
) -> None:
    attempt = _contacted(portfolio, clock)
    channel = attempt.channel
    result = receive_inbound(portfolio.uow(), attempt.account, channel, "STOP", now=clock.now())
    assert result.kind == "opt_out" and result.result["consent"] == {
        "channel": channel,
        "granted": False,
    }
    with portfolio.uow() as uow:
        row = uow.ledger.customers([attempt.account])[attempt.account]
    assert any(c.channel == channel and not c.granted for c in row.customer.consents)
    ctx = contact_context(row.customer, [], [], [], as_of=clock.now().date())
    monday = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    assert not decide(ctx, ProposedContact(monday, channel)).allowed
    run_days(
        portfolio.uow, clock, start=date(2026, 3, 3), until=date(2026, 3, 12),
        sender=RecordingOutboxSender(clock=clock),
    )  # fmt: skip
    later = [
        a for a in _attempts(portfolio)
        if a.account == attempt.account and a.status == "sent" and a.id != attempt.id
    ]  # fmt: skip
    assert all(a.channel != channel for a in later)


def test_the_cli_runs_the_loop_and_shows_the_outbox(portfolio: App, database_url: str) -> None:
    runner = CliRunner()
    base = ["--database-url", database_url]
    out = runner.invoke(
        cli, [*base, "run", "--as-of", "2026-03-02", "--until", "2026-03-04", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert set(doc) == {"processed", "sent", "blocked", "escalated", "errors"}
    assert sum(doc["sent"].values()) > 0
    listed = json.loads(runner.invoke(cli, [*base, "outbox", "list", "--json"]).stdout)
    blocked = [a for a in listed["attempts"] if a["status"] == "blocked"]
    assert blocked
    shown = runner.invoke(cli, [*base, "outbox", "show", str(blocked[0]["id"]), "--json"])
    detail = json.loads(shown.stdout)
    assert detail["compliance"]["violations"][0].keys() == {"rule", "message", "citation"}
    assert detail["text"] and detail["recipient"]
    sent = next(a for a in listed["attempts"] if a["status"] == "sent")
    reply = runner.invoke(
        cli,
        [*base, "inbound", "--account", sent["account"], "--channel", sent["channel"],
         "--text", "who is this?", "--event-id", "cli-1", "--json"],
    )  # fmt: skip
    assert reply.exit_code == 0, reply.output
    assert json.loads(reply.stdout)["reply"]
    missing = runner.invoke(cli, [*base, "outbox", "show", "99999"])
    assert missing.exit_code == 2


def test_a_payment_after_a_touch_is_a_success_of_its_arm_and_silence_a_failure(
    portfolio: App, clock: SimulatedClock
) -> None:
    from amicable.domain.money import Money
    from amicable.domain.records import PaymentRecord

    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    clock.set(at)
    run_due(portfolio.uow(), at, sender=RecordingOutboxSender(clock=clock))
    sent = [a for a in _attempts(portfolio) if a.status == "sent"]
    assert len(sent) >= 2
    payer, silent = sent[0], sent[1]
    amount = Money.from_minor(payer.new.balance_minor, payer.new.currency)
    record = PaymentRecord(1, payer.account, "PAY-RT-1", date(2026, 3, 4), amount)
    import_payments(portfolio.uow(), [record])
    clock.set(at + timedelta(days=3))
    run_due(portfolio.uow(), clock.now(), sender=RecordingOutboxSender(clock=clock))
    by_id = {a.id: a for a in _attempts(portfolio)}
    assert by_id[payer.id].outcome == "success"
    assert by_id[silent.id].outcome is None  # its window is still open
    clock.set(at + timedelta(days=15))
    run_due(portfolio.uow(), clock.now(), sender=RecordingOutboxSender(clock=clock))
    assert {a.id: a for a in _attempts(portfolio)}[silent.id].outcome == "failure"


def test_an_escalated_account_goes_to_the_human_queue_once_and_is_not_chased(
    portfolio: App, clock: SimulatedClock
) -> None:
    report = run_days(
        portfolio.uow, clock, start=START, until=date(2026, 3, 6),
        sender=RecordingOutboxSender(clock=clock),
    )  # fmt: skip
    with portfolio.uow() as uow:
        queue = [e for e in uow.payments.escalations() if e.reason.startswith("planner:")]
        refs = uow.reports.customer_refs()
    assert report.escalated >= len(queue) > 0
    escalated = {refs[e.customer_id].external_id for e in queue}
    assert len(queue) == len(escalated)  # once per account
    assert not [a for a in _attempts(portfolio) if a.account in escalated and a.status == "sent"]


def test_shards_split_one_pass_exactly_and_together_do_what_one_pass_does(
    portfolio: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    """``run_due(shard=(k, n))`` for every k does the same work as one unsharded pass: each
    account in exactly one shard, nothing twice, nothing missed."""
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    clock.set(at)
    sender = RecordingOutboxSender(clock=clock)
    reports = [run_due(portfolio.uow(), at, sender=sender, shard=(k, 3)) for k in range(3)]
    sharded = {(a.account, a.channel, a.new.action, a.status) for a in _attempts(portfolio)}
    assert sum(r.processed for r in reports) > 0
    assert all(r.processed > 0 for r in reports)
    keys = [r.message.dedupe_key for r in sender.records]
    assert len(keys) == len(set(keys)) > 0

    # the same portfolio, one unsharded pass, in a fresh database
    from amicable.bootstrap import bootstrap

    other = bootstrap(f"sqlite:///{tmp_path / 'one.db'}", clock=clock)
    other.init()
    generate_sample(tmp_path / "s", accounts=40, seed=3, as_of=AS_OF)
    import_customers(other.uow(), read_customers(tmp_path / "s" / "customers.csv"))
    import_invoices(other.uow(), read_invoices(tmp_path / "s" / "invoices.csv"))
    import_payments(other.uow(), read_payments(tmp_path / "s" / "payments.csv"))
    whole = run_due(other.uow(), at, sender=RecordingOutboxSender(clock=clock))
    with other.uow() as uow:
        single = {(a.account, a.channel, a.new.action, a.status) for a in uow.runtime.attempts()}
    other.close()
    assert whole.processed == sum(r.processed for r in reports)
    assert sharded == single


def test_a_shard_must_name_one_of_n(portfolio: App, clock: SimulatedClock) -> None:
    from amicable.domain.errors import InvalidInput

    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="shard"):
        run_due(portfolio.uow(), at, sender=RecordingOutboxSender(clock=clock), shard=(3, 3))


@pytest.mark.parametrize("decision", ["approve", "take_over"])
def test_a_policy_escalation_a_person_decided_resumes_chasing_and_a_take_over_does_not(
    portfolio: App, clock: SimulatedClock, decision: str
) -> None:
    # Issue #9: the account used to be escalated again on the next pass, so it was never chased.
    run_days(
        portfolio.uow, clock, start=START, until=START, sender=RecordingOutboxSender(clock=clock)
    )
    with portfolio.uow() as uow:
        refs = uow.reports.customer_refs()
    items = [
        i for i in queue.list_items(portfolio.uow()) if i.new.reason == "planner:policy_escalate"
    ]
    assert items
    item = items[0]
    if decision == "approve":
        queue.approve(portfolio.uow(), item.id, actor="reviewer", role="admin")
    else:
        queue.take_over(portfolio.uow(), item.id, actor="reviewer")
    run_days(
        portfolio.uow, clock, start=START + timedelta(days=1), until=START + timedelta(days=4),
        sender=RecordingOutboxSender(clock=clock),
    )  # fmt: skip
    with portfolio.uow() as uow:
        escalations = [
            (e.reason, e.status)
            for e in uow.payments.escalations()
            if e.customer_id == item.new.customer_id
        ]
    ref = refs[item.new.customer_id].external_id
    chased = [a for a in _attempts(portfolio) if a.account == ref]
    if decision == "take_over":  # the person has it: the agent stays out
        assert escalations == [("planner:policy_escalate", "open")]
        assert chased == []
        return
    # decided and handed back: not escalated again, chased with no offer
    assert escalations == [("planner:policy_escalate", "closed")]
    assert any(a.status in ("sent", "needs_approval") for a in chased), chased
    assert all(a.new.action != "plan_offer" for a in chased)
    assert all(any(r["code"] == "escalation_released" for r in a.new.reasons) for a in chased)


def test_a_final_notice_awaiting_approval_does_not_silence_the_account(
    portfolio: App, clock: SimulatedClock
) -> None:
    # Issue #9: an account at the final-notice age got nothing at all until a person approved the
    # notice (one to two weeks when the queue was behind); now it is reminded meanwhile.
    sender = RecordingOutboxSender(clock=clock)
    run_days(portfolio.uow, clock, start=START, until=START, sender=sender)
    first = _attempts(portfolio)
    awaiting = {a.account for a in first if a.status == "needs_approval"}
    assert awaiting, "the portfolio should have accounts at the final-notice age"
    assert all(a.new.action == "final_notice" for a in first if a.status == "needs_approval")
    meanwhile = [a for a in first if a.account in awaiting and a.status == "sent"]
    assert {a.account for a in meanwhile} == awaiting
    assert all(a.new.action != "final_notice" for a in meanwhile)
    assert all(any(r["code"] == "final_notice_pending" for r in a.new.reasons) for a in meanwhile)
    # the same day again: nothing twice
    run_due(portfolio.uow(), clock.now(), sender=sender)
    assert len(_attempts(portfolio)) == len(first)
    # a person approves one notice: the next pass sends it, and no reminder beside it
    ref = sorted(awaiting)[0]
    item = next(
        i
        for i in queue.list_items(portfolio.uow())
        if i.new.reason == "final_notice" and i.new.source_ref.startswith(f"{ref}:")
    )
    queue.approve(portfolio.uow(), item.id, actor="reviewer", role="admin")
    run_days(
        portfolio.uow, clock, start=START + timedelta(days=1), until=START + timedelta(days=1),
        sender=sender,
    )  # fmt: skip
    later = [a for a in _attempts(portfolio) if a.account == ref]
    assert [a.new.action for a in later if a.status == "sent"][-1] == "final_notice"
    assert len([a for a in later if a.status == "sent"]) == 2


def test_the_largest_overdue_debts_are_worked_first_and_reach_the_human_queue_first(
    portfolio: App, clock: SimulatedClock
) -> None:
    # Issue #9: high balances were worked (and put to people) in account-number order.
    at = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # one pass, inside contact hours everywhere
    clock.set(at)
    run_due(portfolio.uow(), at, sender=RecordingOutboxSender(clock=clock))
    with portfolio.uow() as uow:
        overdue: dict[int, int] = defaultdict(int)
        for inv in uow.reports.invoice_balances(START):
            if inv.open_minor > 0 and inv.due_date < START:
                overdue[inv.customer_id] += inv.open_minor
        attempts = uow.runtime.attempts()
    items = sorted(queue.list_items(portfolio.uow(), status="all"), key=lambda i: i.id)
    assert {i.new.reason for i in items} >= {"planner:policy_escalate", "final_notice"}
    amounts = [overdue[i.new.customer_id] for i in items]  # in the order they were opened
    assert amounts == sorted(amounts, reverse=True)
    worked = [overdue[a.new.customer_id] for a in sorted(attempts, key=lambda a: a.id)]
    assert len(worked) > len(items)
    assert worked == sorted(worked, reverse=True)


def test_an_approved_final_notice_goes_out_alone_on_its_pass(
    portfolio: App, clock: SimulatedClock
) -> None:
    # The pass that hands off an approved final notice used to plan the account from what it had
    # read before the hand-off, so a reminder went out beside the notice once the cadence allowed.
    at = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    clock.set(at)
    sender = RecordingOutboxSender(clock=clock)
    run_due(portfolio.uow(), at, sender=sender)
    items = [i for i in queue.list_items(portfolio.uow()) if i.new.reason == "final_notice"]
    assert items
    for item in items:
        queue.approve(portfolio.uow(), item.id, actor="reviewer", role="admin")
    later = at + timedelta(days=11)  # Friday 2026-03-13: past the mid and late cadences
    clock.set(later)
    run_due(portfolio.uow(), later, sender=sender)
    attempts = _attempts(portfolio)
    for item in items:
        ref = item.new.source_ref.split(":")[0]
        sent = [a for a in attempts if a.account == ref and a.sent_at == later]
        assert [a.new.action for a in sent] == ["final_notice"], ref
