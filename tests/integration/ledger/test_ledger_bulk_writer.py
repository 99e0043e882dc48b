"""Bulk writes: on PostgreSQL the COPYs run in a background thread; a statement issued after them
sees their rows, a failed COPY stops the commit (nothing written) and leaves the connection usable;
on SQLite the same calls write synchronously. Either way the caller sees one behaviour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db.bulk import Bulk
from amicable.adapters.db.tables import customers
from amicable.bootstrap import App

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
COLS = ("id", "org_id", "external_id", "name", "customer_type", "language", "created_at")


def _rows(bulk: Bulk, ids: list[int], prefix: str) -> list[tuple[object, ...]]:
    now = bulk.stamp(customers.c.created_at, AT)
    return [(i, 1, f"{prefix}{k}", f"Name {k}", "business", "en", now) for k, i in enumerate(ids)]


def test_a_statement_after_bulk_writes_sees_every_row(app: App) -> None:
    with app.engine.connect() as conn:
        bulk = Bulk(conn)
        ids = bulk.ids(customers, 5000)
        bulk.insert(customers, COLS, _rows(bulk, ids[:2500], "A"))
        cols = [list(c) for c in zip(*_rows(bulk, ids[2500:], "B"), strict=True)]
        bulk.insert_columns(customers, COLS, cols)
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 5000
        conn.commit()
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 5000


def test_a_failed_bulk_write_stops_the_commit_and_writes_nothing(app: App) -> None:
    with app.engine.connect() as conn:
        bulk = Bulk(conn)
        ids = bulk.ids(customers, 3000)
        bulk.insert(customers, COLS, _rows(bulk, ids, "A"))
        with pytest.raises(IntegrityError) as failure:
            # the same external ids again: the unique key refuses them (on PostgreSQL the COPY
            # fails in the writer thread and is raised at the latest by the commit)
            bulk.insert(customers, COLS, _rows(bulk, bulk.ids(customers, 3000), "A"))
            conn.commit()
        assert "uq_customers_org_external_id" in str(failure.value) or "UNIQUE" in str(
            failure.value
        )
        conn.rollback()
        # the connection is usable again, and nothing of the failed transaction remains
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 0
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 0


def test_ids_come_in_order_and_never_twice(app: App) -> None:
    with app.engine.connect() as conn:
        bulk = Bulk(conn)
        got = []
        for k, n in enumerate((1, 7, 5000, 3, 20000)):
            block = bulk.ids(customers, n)
            bulk.insert(customers, COLS, _rows(bulk, block, f"P{k}-"))
            got.append(block)
        flat = [i for block in got for i in block]
        assert [len(b) for b in got] == [1, 7, 5000, 3, 20000]
        assert flat == sorted(flat) and len(set(flat)) == len(flat)
        conn.rollback()
