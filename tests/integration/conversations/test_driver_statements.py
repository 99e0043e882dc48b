"""The statements a conversation turn runs on the driver's cursor (``adapters.db.driver``): the
same rows and the same stored values as through SQLAlchemy (SQLite/PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db import conversations_repository as conv_sql
from amicable.adapters.db import queries as ledger_sql
from amicable.adapters.db import repositories as policy_sql
from amicable.adapters.db.tables_conversations import conversation_messages, conversation_offers
from amicable.adapters.db.tables_events import outcome_events
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service.conversations import handle_inbound, start_conversation
from amicable.service.conversations_ports import NewMessage
from amicable.service.queries import resolve_account
from driver_rows import assert_same_rows_as_sqlalchemy
from sample_accounts import import_sample, owing_account

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.fixture
def talked(database_url: str, tmp_path: Path) -> Iterator[tuple[App, str]]:
    """An account with a conversation that went to an offer (and its events)."""
    app = bootstrap(database_url, clock=SimulatedClock(NOW))
    import_sample(app, tmp_path, as_of=TODAY)
    ref, postal = owing_account(app, TODAY)
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    handle_inbound(app.uow(), ref, "sms", "no", today=TODAY)
    try:
        yield app, ref
    finally:
        app.close()


def test_the_turns_reads_give_the_rows_sqlalchemy_gives(talked: tuple[App, str]) -> None:
    app, ref = talked
    with app.uow() as uow:
        conn, org = uow.connection, uow.org_id
        customer = resolve_account(uow, ref).id
        cases = [
            (ledger_sql._TURN_CUSTOMER, {"org": org, "ref": ref}),
            (ledger_sql._TURN_LEDGER, {"org": org, "customer": customer, "as_of": TODAY}),
            (policy_sql._LATEST_POLICY_FAST, {"org": org}),
            (conv_sql._TURN_LATEST_OPEN, {"org": org, "customer": customer, "channel": "sms"}),
        ]
        for fast, params in cases:
            assert_same_rows_as_sqlalchemy(conn, fast, params)
        assert ledger_sql._TURN_CUSTOMER.first(conn, {"org": org, "ref": "NO-SUCH"}) is None


def test_the_turns_writes_store_what_sqlalchemy_reads_back(talked: tuple[App, str]) -> None:
    app, ref = talked
    with app.uow() as uow:
        conn = uow.connection
        found = uow.conversations.latest_open(resolve_account(uow, ref).id, "sms")
        assert found is not None
        conv_id, version, raw = found
        before = conn.execute(
            select(conversation_messages.c.seq)
            .where(conversation_messages.c.conversation_id == conv_id)
            .order_by(conversation_messages.c.seq.desc())
        ).first()
        assert before is not None
        text = 'l\'été "quoted" \u00e9\u00e8 — 100 %s %(x)s ; DROP'
        (seq,) = uow.conversations.add_messages(conv_id, [
            NewMessage("in", text, ("other",), "presenting", ({"rule": "r", "message": "m"},),
                       "debtor"),
        ])  # fmt: skip
        assert seq == before.seq + 1
        row = conn.execute(
            select(conversation_messages).where(
                conversation_messages.c.conversation_id == conv_id,
                conversation_messages.c.seq == seq,
            )
        ).one()
        assert row.text == text and row.direction == "in" and row.source == "debtor"
        assert json.loads(row.intents_json) == ["other"] and row.content_ok is False
        assert json.loads(row.content_json) == [{"rule": "r", "message": "m"}]
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        assert at == uow.now
        uow.conversations.add_offer(conv_id, seq, {"total": "1.00"}, "ok", "v9")
        offer = conn.execute(
            select(conversation_offers).where(
                conversation_offers.c.conversation_id == conv_id,
                conversation_offers.c.seq == seq,
            )
        ).one()
        assert json.loads(offer.offer_json) == {"total": "1.00"}
        assert (offer.gate_outcome, offer.policy_version) == ("ok", "v9")
        state = json.loads(raw)
        assert uow.conversations.save(conv_id, version, state) == version + 1
        new = uow.conversations.latest_open(resolve_account(uow, ref).id, "sms")
        assert new is not None and new[1] == version + 1 and json.loads(new[2]) == state
        added = uow.events.add_event("evt-driver-1", "test.kind", '{"a": 1}')
        stored = conn.execute(
            select(outcome_events).where(outcome_events.c.event_id == "evt-driver-1")
        ).one()
        assert stored.id == added.id and stored.payload == '{"a": 1}'
        uow.rollback()


def test_a_debtor_turn_runs_its_statements_on_the_driver(talked: tuple[App, str]) -> None:
    # SQLAlchemy sees only what is not on the driver's cursor: on PostgreSQL the audit records
    # and the COMMIT go on the driver too; on SQLite the BEGIN does.
    app, ref = talked
    seen: list[str] = []

    def note(_c: object, _cur: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", note)
    try:
        handle_inbound(app.uow(), ref, "sms", "I can pay 100 a month", today=TODAY)
    finally:
        event.remove(app.engine, "before_cursor_execute", note)
    assert len(seen) <= 1, seen


def test_a_database_error_on_the_driver_is_raised_as_sqlalchemy_raises_it(
    talked: tuple[App, str],
) -> None:
    # The API answers a concurrent duplicate (sqlalchemy IntegrityError) with 409 and callers
    # catch it by that name: a duplicate on the driver's cursor must raise the same.
    app, _ = talked
    with app.uow() as uow:
        uow.events.add_event("evt-driver-dup", "test.kind", "{}")
        with pytest.raises(IntegrityError):
            uow.events.add_event("evt-driver-dup", "test.kind", "{}")
        uow.rollback()


def test_a_turns_two_messages_go_in_one_statement_in_order(
    talked: tuple[App, str], db_backend: str
) -> None:
    app, ref = talked
    with app.uow() as uow:
        conn = uow.connection
        customer = resolve_account(uow, ref).id
        fresh = uow.conversations.start(customer, "email", "en", {"state": "greeting"})
        heard = NewMessage("in", "hello", ("greeting",), "greeting", (), "debtor")
        reply = NewMessage(
            "out", "hi", (), "greeting", ({"rule": "r", "message": "m"},), "template"
        )
        seen: list[str] = []
        raw: Any = conn.connection.driver_connection
        if db_backend == "sqlite":  # what the driver runs, as SQLite's trace reports it
            raw.set_trace_callback(seen.append)
        try:
            first = uow.conversations.add_messages(fresh, [heard, reply])
            then = uow.conversations.add_messages(fresh, [reply])
            three = uow.conversations.add_messages(fresh, [heard, reply, heard])
        finally:
            if db_backend == "sqlite":
                raw.set_trace_callback(None)
        assert first == [1, 2] and then == [3] and three == [4, 5, 6]
        if db_backend == "sqlite":
            inserts = [s for s in seen if s.startswith("INSERT INTO conversation_messages")]
            assert len(inserts) == 4, seen  # 2, 1, then 2 + 1
        rows = conn.execute(
            select(conversation_messages)
            .where(conversation_messages.c.conversation_id == fresh)
            .order_by(conversation_messages.c.seq)
        ).all()
        assert [(r.seq, r.direction, r.text, r.source) for r in rows] == [
            (1, "in", "hello", "debtor"), (2, "out", "hi", "template"), (3, "out", "hi", "template"),
            (4, "in", "hello", "debtor"), (5, "out", "hi", "template"), (6, "in", "hello", "debtor"),
        ]  # fmt: skip
        assert json.loads(rows[0].intents_json) == ["greeting"] and rows[0].content_ok is True
        assert json.loads(rows[1].content_json) == [{"rule": "r", "message": "m"}]
        assert rows[1].content_ok is False
        uow.rollback()
