"""The hand-off journal, and the window a SIGKILL can hit: a worker hands an attempt to the
provider and dies before marking it sent. The next pass (another process: another journal
instance on the same file) hands the still-``planned`` attempt off again under its dedupe key;
the provider answers from its first record, so the debtor gets one message, and the attempt ends
``sent``. Runs on SQLite and PostgreSQL (``--db``): no job engine is needed for this.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.adapters.jobs import HandoffJournalSender, read_journal
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service.channels import OutboundMessage, SendResult
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import run_due
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)
AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after the hand-off runs (not an ``Exception``)."""


class DiesAfterHandOff:
    """Hands the first message to the journal, then the process 'dies'."""

    def __init__(self, journal: HandoffJournalSender) -> None:
        self._journal = journal

    def send(self, message: OutboundMessage) -> SendResult:
        self._journal.send(message)
        raise WorkerKilled(message.dedupe_key)


def test_two_processes_share_the_journal_and_a_key_is_recorded_once(
    tmp_path: Path, clock: SimulatedClock
) -> None:
    path = tmp_path / "handoffs.jsonl"
    one, two = HandoffJournalSender(path, clock=clock), HandoffJournalSender(path, clock=clock)
    message = OutboundMessage(channel="sms", to="+15551234567", text="hello", dedupe_key="k1")
    first = one.send(message)
    clock.advance(timedelta(minutes=5))
    second = two.send(message)
    assert second == first  # the same id and instant: answered from the first record
    other = two.send(OutboundMessage(channel="sms", to="+15551234567", text="hi", dedupe_key="k2"))
    assert other.provider_message_id != first.provider_message_id
    lines = read_journal(path)
    assert [(line["dedupe_key"], line["repeat"]) for line in lines] == [
        ("k1", False),
        ("k1", True),
        ("k2", False),
    ]


def test_a_worker_killed_between_hand_off_and_marking_sent_sends_nothing_twice(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    path = tmp_path / "handoffs.jsonl"

    with pytest.raises(WorkerKilled) as killed:
        run_due(app.uow(), AT, sender=DiesAfterHandOff(HandoffJournalSender(path, clock=clock)))
    key = str(killed.value)
    with app.uow() as uow:
        [left] = [a for a in uow.runtime.attempts() if a.new.dedupe_key == key]
    assert left.status == "planned"  # committed before the hand-off, never marked sent

    # Another process takes over: a new journal instance on the same file.
    run_due(app.uow(), AT, sender=HandoffJournalSender(path, clock=clock))
    with app.uow() as uow:
        attempts = uow.runtime.attempts()
    [done] = [a for a in attempts if a.new.dedupe_key == key]
    assert done.status == "sent" and done.provider == "journal"
    assert not [a for a in attempts if a.status == "planned"]
    lines = read_journal(path)
    firsts = [line["dedupe_key"] for line in lines if not line["repeat"]]
    assert sorted(firsts) == sorted(a.new.dedupe_key for a in attempts if a.status == "sent")
    assert len(firsts) == len(set(firsts))
    assert [line["dedupe_key"] for line in lines if line["repeat"]] == [key]
