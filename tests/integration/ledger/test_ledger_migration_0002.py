"""Migration ``ledger_0002`` on a database that already holds a ledger: the data survives, the
composite key (org_id, customer_id) -> customers is enforced afterwards, and on SQLite a broken
key found during the table rebuild refuses the whole migration."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db.engine import (
    _config,
    create_engine_for,
    head_revisions,
    migrate,
    schema_state,
)
from amicable.domain.errors import InvalidInput

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def old_engine(db_backend: str, pg_base_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database migrated to every head but ``ledger_0002`` (the schema before it)."""
    if db_backend == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'old.db'}")
        yield from _at_old_heads(engine)
        return
    schema = f"m_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine_for(pg_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_base_url else "?"
    engine = create_engine_for(f"{pg_base_url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield from _at_old_heads(engine)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _at_old_heads(engine: Engine) -> Iterator[Engine]:
    with engine.begin() as conn:
        # ledger_0003 builds on ledger_0002: the ledger branch stays at 0001
        for head in sorted(head_revisions() - {"ledger_0002", "ledger_0003"}):
            command.upgrade(_config(conn), head)
    try:
        yield engine
    finally:
        engine.dispose()


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        run = conn.execute
        run(text("INSERT INTO organisations (id, name, created_at) VALUES (101, 'a', :t), (102, 'b', :t)"),
            {"t": AT})  # fmt: skip
        run(text("INSERT INTO customers (id, org_id, external_id, name, customer_type, language, "
                 "created_at) VALUES (10, 101, 'C-1', 'Acme', 'business', 'en', :t), "
                 "(20, 102, 'C-2', 'Other', 'business', 'en', :t)"), {"t": AT})  # fmt: skip
        run(text("INSERT INTO invoices (id, org_id, customer_id, number, kind, issue_date, "
                 "due_date, currency, amount_minor, dispute_status, created_at) VALUES "
                 "(100, 101, 10, 'INV-1', 'invoice', '2026-01-01', '2026-01-31', 'USD', 12000, "
                 "'none', :t)"), {"t": AT})  # fmt: skip
        run(text("INSERT INTO ledger_entries (org_id, customer_id, invoice_id, kind, reason, "
                 "currency, amount_minor, effective_on, recorded_at) VALUES (101, 10, 100, "
                 "'invoice', 'issued', 'USD', 12000, '2026-01-01', :t)"), {"t": AT})  # fmt: skip
        run(text("INSERT INTO disputes (org_id, invoice_id, status, opened_at) "
                 "VALUES (101, 100, 'open', :t)"), {"t": AT})  # fmt: skip


def _invoice(engine: Engine, org: int, customer: int, number: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO invoices (org_id, customer_id, number, kind, issue_date, due_date, "
                 "currency, amount_minor, dispute_status, created_at) VALUES (:o, :c, :n, "
                 "'invoice', '2026-01-01', '2026-01-31', 'USD', 100, 'none', :t)"),
            {"o": org, "c": customer, "n": number, "t": AT},
        )  # fmt: skip


def test_upgrading_keeps_the_ledger_and_enforces_the_tenant_consistent_key(
    old_engine: Engine,
) -> None:
    _seed(old_engine)
    # Before: a customer of another organisation was accepted on an invoice.
    _invoice(old_engine, 101, 20, "INV-CROSS")
    with old_engine.begin() as conn:
        conn.execute(text("DELETE FROM invoices WHERE number = 'INV-CROSS'"))

    migrate(old_engine)

    assert schema_state(old_engine) == "current"
    with old_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar_one() == 1
        assert (
            conn.execute(text("SELECT sum(amount_minor) FROM ledger_entries")).scalar_one() == 12000
        )
        assert conn.execute(text("SELECT count(*) FROM disputes")).scalar_one() == 1
    _invoice(old_engine, 101, 10, "INV-2")  # the customer's own organisation: accepted
    with pytest.raises(IntegrityError):
        _invoice(old_engine, 101, 20, "INV-3")  # a customer of organisation 102 on organisation 101
    with pytest.raises(IntegrityError):
        _invoice(old_engine, 101, 999, "INV-4")  # no such customer


def test_on_sqlite_a_broken_key_refuses_the_rebuild_and_changes_nothing(tmp_path: Path) -> None:
    # SQLite-only code path (its rebuilds run with foreign keys off), so it runs on SQLite
    # whatever --db says; PostgreSQL validates every key itself when one is added.
    engines = _at_old_heads(create_engine_for(f"sqlite:///{tmp_path / 'old.db'}"))
    old_engine = next(engines)
    _seed(old_engine)
    with old_engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("INSERT INTO disputes (org_id, invoice_id, status, opened_at) "
                    "VALUES (101, 4242, 'open', '2026-03-01')")  # fmt: skip
        raw.execute("PRAGMA foreign_keys=ON")

    with pytest.raises(InvalidInput, match=r"break a foreign key.*disputes"):
        migrate(old_engine)

    assert schema_state(old_engine) == "behind"
    with old_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar_one() == 1
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engines.close()
