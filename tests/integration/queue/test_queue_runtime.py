"""Final notices and planner escalations from the agent loop land in the queue once; an approved
final notice is sent by the next run (through compliance), a declined one never.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import run_days, run_due
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)


def test_the_loop_queues_final_notices_once_and_an_approved_one_is_sent(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    sender = RecordingOutboxSender(clock=clock)
    run_days(app.uow, clock, start=date(2026, 3, 2), until=date(2026, 3, 15), sender=sender)
    with app.uow() as uow:
        awaiting = uow.runtime.attempts(status="needs_approval")
        planner = [e for e in uow.payments.escalations() if e.reason.startswith("planner:")]
    items = queue.list_items(app.uow(), status="all")
    by_source = {(i.new.source, i.new.source_id): i for i in items}
    assert len(by_source) == len(items)  # one item per source
    assert {i for s, i in by_source if s == "attempt"} == {a.id for a in awaiting}
    assert {i for s, i in by_source if s == "planner"} == {e.id for e in planner}
    assert all(by_source[("attempt", a.id)].new.kind == "approval" for a in awaiting)
    assert awaiting and planner, "the portfolio should produce final notices and escalations"
    first = by_source[("attempt", awaiting[0].id)]
    assert queue.approve(app.uow(), first.id, actor="ana", role="admin").status == "approved"
    with app.uow() as uow:
        released = uow.runtime.attempt(awaiting[0].id)
    assert released is not None and released.status == "planned"
    sent_before = len(sender.records)
    # Monday 2026-03-16, 16:00 UTC: inside contact hours from Europe to the American west coast.
    clock.set(datetime(2026, 3, 16, 16, tzinfo=UTC))
    run_due(app.uow(), clock.now(), sender=sender)
    with app.uow() as uow:
        after = uow.runtime.attempt(awaiting[0].id)
    assert after is not None and after.status == "sent"
    keys = [r.message.dedupe_key for r in sender.records[sent_before:]]
    assert keys.count(awaiting[0].new.dedupe_key) == 1
    if len(awaiting) > 1:
        second = by_source[("attempt", awaiting[1].id)]
        queue.decline(app.uow(), second.id, actor="ana", reason="not now")
        run_due(app.uow(), clock.now(), sender=sender)
        with app.uow() as uow:
            declined = uow.runtime.attempt(awaiting[1].id)
        assert declined is not None and declined.status == "declined"
