"""The keys a bulk import fills: an invoice's customer must be of the invoice's organisation, a
customer's organisation must exist, and neither parent goes while a child names it. SQLite keeps
them as foreign keys; PostgreSQL checks them with triggers (``ledger_0003``), rows inserted once
per statement — the same rules either way, and on PostgreSQL the same error, naming the key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db.bulk import Bulk
from amicable.adapters.db.tables import STATEMENT_CHECKED_KEYS, customers, invoices
from amicable.bootstrap import App

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMER_COLS = ("id", "org_id", "external_id", "name", "customer_type", "language", "created_at")
INVOICE_COLS = ("id", "org_id", "customer_id", "number", "kind", "issue_date", "due_date",
                "currency", "amount_minor", "dispute_status", "created_at")  # fmt: skip


def _customers(bulk: Bulk, org: int, n: int, prefix: str) -> list[int]:
    ids = bulk.ids(customers, n)
    now = bulk.stamp(customers.c.created_at, AT)
    rows = [(i, org, f"{prefix}{k}", f"Name {k}", "business", "en", now) for k, i in enumerate(ids)]
    bulk.insert(customers, CUSTOMER_COLS, rows)
    return ids


def _invoices(bulk: Bulk, org: int, owners: Sequence[int], prefix: str) -> None:
    ids = bulk.ids(invoices, len(owners))
    now = bulk.stamp(invoices.c.created_at, AT)
    day = bulk.day(invoices.c.issue_date)
    rows = [
        (i, org, cid, f"{prefix}{k}", "invoice", day(date(2026, 1, 1)), day(date(2026, 2, 1)),
         "USD", 10_000, "none", now)
        for k, (i, cid) in enumerate(zip(ids, owners, strict=True))
    ]  # fmt: skip
    bulk.insert(invoices, INVOICE_COLS, rows)


def _second_org(conn: Connection) -> int:
    conn.execute(
        text("INSERT INTO organisations (id, name, created_at) VALUES (2, 'other', :t)"), {"t": AT}
    )
    return 2


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _names_the_key(failure: pytest.ExceptionInfo[IntegrityError], key: str) -> bool:
    message = str(failure.value)
    return key in message or "FOREIGN KEY constraint failed" in message  # SQLite names none


def test_bulk_invoices_of_a_customer_of_another_organisation_are_refused_and_nothing_is_written(
    app: App,
) -> None:
    with app.engine.connect() as conn:
        other = _second_org(conn)
        conn.commit()
        bulk = Bulk(conn)
        mine = _customers(bulk, 1, 3000, "A")
        _invoices(bulk, 1, mine, "INV-")  # each of its own organisation's customers: fine
        with pytest.raises(IntegrityError) as failure:
            # one chunk whose last invoice names organisation 1's customer under organisation 2
            _invoices(bulk, other, [*_customers(bulk, other, 2999, "B"), mine[0]], "X-")
            conn.commit()
        assert _names_the_key(failure, "fk_invoices_org_id_customers")
        conn.rollback()
        assert (_count(conn, "customers"), _count(conn, "invoices")) == (0, 0)
        # the same chunk with its own customers goes in
        bulk = Bulk(conn)
        mine = _customers(bulk, 1, 10, "A")
        _invoices(bulk, 1, mine, "INV-")
        conn.commit()
        assert _count(conn, "invoices") == 10


def test_bulk_customers_of_an_organisation_that_does_not_exist_are_refused(app: App) -> None:
    with app.engine.connect() as conn:
        with pytest.raises(IntegrityError) as failure:
            _customers(Bulk(conn), 99, 100, "A")
            conn.commit()
        assert _names_the_key(failure, "fk_customers_org_id_organisations")
        conn.rollback()
        assert _count(conn, "customers") == 0


def test_a_parent_named_by_a_child_is_neither_deleted_nor_rekeyed(app: App) -> None:
    with app.engine.connect() as conn:
        other = _second_org(conn)
        bulk = Bulk(conn)
        owner, spare = _customers(bulk, 1, 2, "A")
        _invoices(bulk, 1, [owner], "INV-")
        conn.commit()
        refused = [
            ("DELETE FROM customers WHERE id = :c", "fk_invoices_org_id_customers"),
            ("UPDATE customers SET id = 999 WHERE id = :c", "fk_invoices_org_id_customers"),
            ("UPDATE customers SET org_id = :o WHERE id = :c", "fk_invoices_org_id_customers"),
            ("UPDATE invoices SET customer_id = 999", "fk_invoices_org_id_customers"),
            ("UPDATE invoices SET org_id = :o", "fk_invoices_org_id_customers"),
            ("UPDATE customers SET org_id = 98 WHERE id = :s", "fk_customers_org_id_organisations"),
            ("DELETE FROM organisations WHERE id = 1", "fk_customers_org_id_organisations"),
        ]
        for sql, key in refused:
            with pytest.raises(IntegrityError) as failure:
                conn.execute(text(sql), {"c": owner, "s": spare, "o": other})
            assert _names_the_key(failure, key), sql
            conn.rollback()
        # what leaves the keys alone, or moves a child to a parent that exists, is allowed
        conn.execute(text("UPDATE invoices SET amount_minor = 5, customer_id = :s"), {"s": spare})
        conn.execute(text("UPDATE customers SET name = 'Renamed', org_id = 1"))
        conn.execute(text("DELETE FROM customers WHERE id = :c"), {"c": owner})
        conn.commit()
        assert (_count(conn, "customers"), _count(conn, "invoices")) == (1, 1)


def test_sqlite_declares_the_keys_and_postgresql_checks_them_with_triggers(app: App) -> None:
    app.ensure_schema()
    with app.engine.connect() as conn:
        if app.engine.dialect.name == "sqlite":
            # (table, parent, child columns) of every declared key of the two tables
            declared = {
                (table, str(r[2]), str(r[3]))
                for table in ("invoices", "customers")
                for r in conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})")
            }
            assert {("invoices", "customers", "org_id"), ("invoices", "customers", "customer_id"),
                    ("customers", "organisations", "org_id")} <= declared  # fmt: skip
            return
        constraints = set(
            conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f'")).scalars()
        )
        rows = conn.execute(text("SELECT tgname, tgtype FROM pg_trigger WHERE NOT tgisinternal"))
        triggers = {str(name): int(kind) for name, kind in rows}
    assert not constraints & STATEMENT_CHECKED_KEYS
    for key in STATEMENT_CHECKED_KEYS:
        # tgtype bit 0: a row trigger; the inserted rows' check is a statement trigger
        assert triggers[f"{key}_inserted"] & 1 == 0
        for row_trigger in ("changed", "parent_deleted", "parent_changed"):
            assert triggers[f"{key}_{row_trigger}"] & 1 == 1
