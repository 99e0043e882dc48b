"""The outbox's, the inbound log's and the audit chain's statements on the driver's cursor
(``adapters.db.driver``): they store and read back what SQLAlchemy stores and reads, and they
run inside the transaction SQLAlchemy commits (SQLite/PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, select

from amicable.adapters.db import queries as ledger_sql
from amicable.adapters.db import queue_repository as queue_sql
from amicable.adapters.db import repositories_api as audit_sql
from amicable.adapters.db import runtime_repository as runtime_sql
from amicable.adapters.db.driver import BEFORE_DRIVER, DriverStatement
from amicable.adapters.db.tables import ledger_entries
from amicable.adapters.db.tables_events import outcome_events
from amicable.adapters.db.tables_payments import provider_events
from amicable.adapters.db.tables_runtime import inbound_events, outbox_attempts
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service import audit
from amicable.service.ports import EntryRow
from amicable.service.queries import resolve_account
from amicable.service.queue_ports import NewQueueItem
from amicable.service.runtime_ports import NewAttempt
from driver_rows import assert_same_rows_as_sqlalchemy
from sample_accounts import import_sample, owing_account

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)


@pytest.fixture
def owing(database_url: str, tmp_path: Path) -> Iterator[tuple[App, str]]:
    app = bootstrap(database_url, clock=SimulatedClock(NOW))
    import_sample(app, tmp_path, as_of=TODAY)
    ref, _ = owing_account(app, TODAY)
    try:
        yield app, ref
    finally:
        app.close()


def _attempt(customer_id: int, key: str) -> NewAttempt:
    return NewAttempt(
        customer_id=customer_id, channel="email", action="reminder", dedupe_key=key,
        planned_at=NOW, allowed=True, violations=({"rule": "r", "message": "l'été %s"},),
        earliest_allowed_at=NOW + timedelta(hours=2), packs=("us_fdcpa", "house"),
        recipient="a@example.com", subject="Your invoices", text='Pay "now" — 100 %',
        lang="en", debt_ids=("INV-1", "INV-2"), reasons=({"code": "c", "text": "t"},),
        status="planned", currency="USD", balance_minor=12_345, segment="small",
    )  # fmt: skip


def test_an_attempt_written_and_handed_off_on_the_driver_reads_back_as_written(
    owing: tuple[App, str],
) -> None:
    app, ref = owing
    with app.uow() as uow:
        conn = uow.connection
        cid = resolve_account(uow, ref).id
        new = _attempt(cid, f"{ref}:email:reminder:driver")
        attempt_id = uow.runtime.add_attempt(new)
        assert attempt_id is not None
        assert uow.runtime.add_attempt(new) is None  # the same key: already written
        (read,) = uow.runtime.attempts(customer_id=cid)  # through SQLAlchemy
        assert read.id == attempt_id and read.new == new and read.status == "planned"
        assert read.account == ref and read.created_at == NOW
        sent_at = NOW + timedelta(minutes=1)
        uow.runtime.mark_sent(
            attempt_id, provider="fake", provider_message_id="m-1", sent_at=sent_at
        )
        uow.runtime.set_outcome(attempt_id, "success")
        uow.runtime.set_outcome(attempt_id, "failure")  # the first outcome stands
        row = conn.execute(select(outbox_attempts).where(outbox_attempts.c.id == attempt_id)).one()
        assert (row.status, row.provider, row.provider_message_id, row.attempts) == (
            "sent", "fake", "m-1", 1,
        )  # fmt: skip
        assert row.outcome == "success" and row.error is None
        (after,) = uow.runtime.attempts(customer_id=cid)
        assert after.sent_at == sent_at and after.status == "sent"
        uow.runtime.mark_failed(attempt_id, "provider said no")
        failed = conn.execute(
            select(outbox_attempts.c.status, outbox_attempts.c.attempts, outbox_attempts.c.error)
            .where(outbox_attempts.c.id == attempt_id)
        ).one()  # fmt: skip
        assert tuple(failed) == ("failed", 2, "provider said no")
        uow.rollback()


def test_an_inbound_event_claimed_on_the_driver_reads_back_as_sqlalchemy_reads_it(
    owing: tuple[App, str],
) -> None:
    app, ref = owing
    with app.uow() as uow:
        conn = uow.connection
        cid = resolve_account(uow, ref).id
        row_id = uow.runtime.claim_inbound(
            provider="fake", event_id="ev-1", customer_id=cid, channel="sms", kind="message",
            text="je paie 100 € %s", received_at=NOW,
        )  # fmt: skip
        assert row_id is not None
        again = uow.runtime.claim_inbound(
            provider="fake", event_id="ev-1", customer_id=cid, channel="sms", kind="message",
            text="again", received_at=NOW,
        )  # fmt: skip
        assert again is None
        uow.runtime.set_inbound_result(row_id, {"reply": "merci", "n": 1})
        found = uow.runtime.inbound_event("fake", "ev-1")
        (through,) = uow.runtime.inbound(customer_id=cid)  # through SQLAlchemy
        assert found == through
        assert found.received_at == NOW and found.result == {"reply": "merci", "n": 1}
        stored = conn.execute(select(inbound_events).where(inbound_events.c.id == row_id)).one()
        assert stored.text == "je paie 100 € %s"
        uow.rollback()


def test_the_driver_reads_give_the_rows_sqlalchemy_gives(owing: tuple[App, str]) -> None:
    app, ref = owing
    with app.uow() as uow:
        conn, org = uow.connection, uow.org_id
        cid = resolve_account(uow, ref).id
        uow.runtime.add_attempt(_attempt(cid, "known-key"))
        audit.record(uow, "test.driver", ref, {"n": 1})
        uow.audit.flush()  # the chain's head is written
        cases = [
            (runtime_sql._KNOWN_KEY, {"org": org, "key": "known-key"}),
            (audit_sql._HEAD, {"org": org}),
            (ledger_sql._CUSTOMER_BY_EXTERNAL_ID, {"org": org, "ref": ref}),
        ]
        for fast, params in cases:
            assert_same_rows_as_sqlalchemy(conn, fast, params)
        uow.rollback()


def test_a_statement_on_the_driver_runs_in_the_transaction_sqlalchemy_commits(
    owing: tuple[App, str],
) -> None:
    # The first statement of a transaction on the driver begins SQLAlchemy's transaction: run
    # alone on the driver it would be committed at once (SQLite) or never (PostgreSQL).
    app, _ = owing
    with app.uow() as uow:
        org = uow.org_id
    fast = audit_sql._TURN_ADD_EVENT

    def stored(event_id: str) -> bool:
        with app.engine.connect() as conn:
            found = conn.execute(
                select(outcome_events.c.id).where(outcome_events.c.event_id == event_id)
            ).first()
        return found is not None

    for event_id, end in (("drv-rolled-back", "rollback"), ("drv-committed", "commit")):
        with app.engine.connect() as conn:
            assert not conn.in_transaction()
            fast.scalar_one(conn, {
                "org_id": org, "event_id": event_id, "kind": "test.kind", "payload": "{}",
                "created_at": NOW,
            })  # fmt: skip
            assert conn.in_transaction()
            getattr(conn, end)()
        assert stored(event_id) is (end == "commit"), event_id


def test_queue_items_and_provider_events_on_the_driver_read_back_as_sqlalchemy_reads_them(
    owing: tuple[App, str],
) -> None:
    app, ref = owing
    with app.uow() as uow:
        conn, org = uow.connection, uow.org_id
        cid = resolve_account(uow, ref).id
        item = NewQueueItem(
            customer_id=cid, kind="escalation", source="planner", source_id=41,
            source_ref=f"account:{ref}", reason="hardship", summary="l'été 100 %s",
            suggested_action="call", suggested_why="asked", sla_due_at=NOW + timedelta(hours=4),
        )  # fmt: skip
        item_id, opened = uow.queue.open(item)
        assert opened and uow.queue.open(item) == (item_id, False)
        got = uow.queue.get(item_id)
        (listed,) = uow.queue.items()  # through SQLAlchemy
        assert got == listed and got.new == item and got.account == ref
        assert got.created_at == NOW and got.status == "open"
        assert_same_rows_as_sqlalchemy(conn, queue_sql._GET_ITEM, {"org": org, "item": item_id})
        assert uow.queue.get(item_id + 1000) is None
        assert uow.payments.claim_event("fake", "evt-1", "payment.succeeded")
        assert not uow.payments.claim_event("fake", "evt-1", "payment.succeeded")
        uow.payments.set_event_outcome("fake", "evt-1", "applied")
        stored = conn.execute(
            select(provider_events.c.outcome, provider_events.c.received_at).where(
                provider_events.c.event_id == "evt-1"
            )
        ).one()  # fmt: skip
        at = stored.received_at if stored.received_at.tzinfo else stored.received_at.replace(
            tzinfo=UTC
        )  # fmt: skip
        assert stored.outcome == "applied" and at == NOW
        uow.rollback()


def test_a_statement_on_the_driver_first_lets_a_streaming_bulk_write_finish(
    owing: tuple[App, str], db_backend: str
) -> None:
    # PostgreSQL's bulk writes stream a COPY from a thread on the same connection; SQLAlchemy's
    # statements wait for it (its before_cursor_execute event), and so must the driver's: a read
    # would miss the rows, and the audit's pipelined commit refuses a COPY in flight.
    app, ref = owing
    count = DriverStatement(
        select(func.count().label("n")).where(
            ledger_entries.c.org_id == bindparam("org"),
            ledger_entries.c.customer_id == bindparam("customer"),
        )
    )
    with app.uow() as uow:
        conn, org = uow.connection, uow.org_id
        cid = resolve_account(uow, ref).id
        params = {"org": org, "customer": cid}
        before = count.first(conn, params).n
        calls: list[str] = []
        conn.info[BEFORE_DRIVER] = lambda: calls.append("drained")
        count.first(conn, params)
        assert calls == ["drained"]  # the hook runs before the statement
        del conn.info[BEFORE_DRIVER]
        entries = [
            EntryRow(cid, None, None, "adjustment", "test", "USD", -i, TODAY)
            for i in range(1, 4001)
        ]
        uow.ledger.add_entries(entries)
        # on PostgreSQL the COPY's writer is streaming now, and says so to the driver
        assert (BEFORE_DRIVER in conn.info) is (db_backend == "postgres")
        assert count.first(conn, params).n == before + 4000
        audit.record(uow, "test.driver", ref, {"entries": 4000})
        uow.commit()  # the audit's append and the commit, pipelined on PostgreSQL
        assert BEFORE_DRIVER not in conn.info
    with app.uow() as uow:
        assert count.first(uow.connection, params).n == before + 4000
