"""Conversations persisted through the service layer on the sample portfolio (SQLite/PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import Conflict
from amicable.service.conversations import handle_inbound, start_conversation
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.queries import accounts_list, show_account
from amicable.sim.sample import generate_sample

TODAY = date(2026, 3, 1)


def test_a_conversation_is_persisted_turn_by_turn_until_an_agreement(
    database_url: str, tmp_path: Path
) -> None:
    generate_sample(tmp_path, accounts=15, seed=3, as_of=TODAY)
    app = bootstrap(database_url, clock=SimulatedClock(datetime(2026, 3, 1, 10, tzinfo=UTC)))
    try:
        import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
        import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
        import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
        rows = [r for r in accounts_list(app.uow(), TODAY) if r.balances]
        ref = rows[0].customer.external_id
        postal = str(show_account(app.uow(), ref, TODAY).customer["postal_code"])
        opening = start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
        assert opening.reply is not None and opening.state.state.value == "verifying"
        turn = handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
        assert turn.state.verified
        for text in ("yes", "yes"):
            turn = handle_inbound(app.uow(), ref, "sms", text, today=TODAY)
        with app.uow() as uow:
            found = uow.conversations.latest_open(turn_customer_id(uow, ref), "sms")
            assert found is not None
            counts = uow.conversations.counts(found[0])
        assert counts["conversation_messages"] == 7  # opening + 3 × (in, out)
        if turn.agreement is not None:
            assert counts["conversation_agreements"] == 1
            assert counts["conversation_promises"] == 1
        else:
            assert turn.escalation is not None
            assert counts["conversation_escalations"] >= 1
    finally:
        app.close()


def turn_customer_id(uow: object, ref: str) -> int:
    from amicable.service.queries import resolve_account

    return resolve_account(uow, ref).id  # type: ignore[arg-type]


def test_a_turn_saved_against_a_stale_version_is_refused_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """Two workers handle messages of the same conversation at once: the second save loses."""
    generate_sample(tmp_path, accounts=15, seed=3, as_of=TODAY)
    app = bootstrap(database_url, clock=SimulatedClock(datetime(2026, 3, 1, 10, tzinfo=UTC)))
    try:
        import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
        import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
        rows = [r for r in accounts_list(app.uow(), TODAY) if r.balances]
        ref = rows[0].customer.external_id
        start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
        # A worker reads the conversation ...
        with app.uow() as uow:
            cid = turn_customer_id(uow, ref)
            found = uow.conversations.latest_open(cid, "sms")
            assert found is not None
            conv_id, version, raw = found
        state = json.loads(raw)
        # ... another saves a turn first ...
        with app.uow() as uow:
            assert uow.conversations.save(conv_id, version, state) == version + 1
            uow.commit()
        # ... so the first worker's save is refused.
        with app.uow() as uow, pytest.raises(Conflict, match="changed concurrently"):
            uow.conversations.save(conv_id, version, state)
        with app.uow() as uow:
            found = uow.conversations.latest_open(cid, "sms")
            assert found is not None and found[1] == version + 1
    finally:
        app.close()
