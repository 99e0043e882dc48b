"""Two workers at once, on SQLite and PostgreSQL: audit appends never fork the chain, and two
webhook deliverers never post the same event twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service import audit, writeback


def in_two_threads(work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


def test_two_writers_appending_to_one_chain_keep_it_intact(app: App) -> None:
    def append(worker: int) -> None:
        for i in range(15):
            with app.uow() as uow:
                audit.record(uow, "note.added", f"account:W{worker}", {"i": i})
                uow.commit()

    in_two_threads(append)
    result = audit.verify(app.uow())
    assert result.ok, result.problems
    assert result.records == 30 and result.head_seq == 30


def test_two_deliverers_post_each_event_once(app: App, clock: SimulatedClock) -> None:
    writeback.subscribe(app.uow(), "https://erp.example/hooks")
    with app.uow() as uow:
        ids = [writeback.emit(uow, "note.added", {"n": i}).event_id for i in range(12)]
        uow.commit()
    posted: list[str] = []
    lock = threading.Lock()

    class SlowReceiver:  # a fake receiver that takes a little while to answer
        def post(
            self, url: str, body: bytes, headers: Mapping[str, str]
        ) -> tuple[int | None, str | None]:
            time.sleep(0.01)
            with lock:
                posted.append(headers["Amicable-Event-Id"])
            return 200, None

    in_two_threads(lambda _n: writeback.deliver_pending(app.uow(), clock.now(), SlowReceiver()))
    assert Counter(posted) == Counter(ids)
    with app.uow() as uow:
        assert all(d.status == "delivered" for d in uow.events.deliveries())


def test_a_transactions_records_are_chained_in_order_at_commit_and_dropped_on_rollback(
    app: App,
) -> None:
    with app.uow() as uow:
        audit.record(uow, "note.added", "account:A", {"i": 1})
        audit.record(uow, "note.added", "account:A", {"i": 2})
        # The transaction sees its own records before it commits.
        assert [r.payload for r in uow.audit.records()] == ['{"i":1}', '{"i":2}']
        audit.record(uow, "note.added", "account:A", {"i": 3})
        uow.commit()
    with app.uow() as uow:
        audit.record(uow, "note.added", "account:B", {"i": 4})
        uow.rollback()
        audit.record(uow, "note.added", "account:B", {"i": 5})
    with app.uow() as uow:  # left without a commit: rolled back
        rows = uow.audit.records()
    assert [(r.seq, r.payload) for r in rows] == [(1, '{"i":1}'), (2, '{"i":2}'), (3, '{"i":3}')]
    result = audit.verify(app.uow())
    assert result.ok and result.head_seq == 3
