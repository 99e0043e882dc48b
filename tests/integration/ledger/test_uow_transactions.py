"""The unit of work's transactions after a commit or a rollback: what is committed stays, what
follows a commit is one transaction again (rolled back unless committed), and on SQLite the next
transaction takes the write lock (``BEGIN IMMEDIATE``) with its first statement - not at the
commit, so a unit of work closed right after committing never begins one only to roll it back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from amicable.adapters.db.tables import customers
from amicable.bootstrap import App
from amicable.service.ports import NewCustomer


def _count(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(customers)).scalar_one())


def test_work_after_a_commit_is_rolled_back_unless_committed_again(app: App) -> None:
    with app.uow() as uow:
        uow.ledger.add_customers([NewCustomer("C1", "One")])
        uow.commit()
        uow.ledger.add_customers([NewCustomer("C2", "Two")])
    assert _count(app) == 1
    with app.uow() as uow:
        uow.ledger.add_customers([NewCustomer("C3", "Three")])
        uow.rollback()
        uow.ledger.add_customers([NewCustomer("C4", "Four")])
        uow.commit()
        uow.ledger.add_customers([NewCustomer("C5", "Five")])
        uow.commit()
    with app.uow() as uow:
        assert sorted(uow.ledger.customer_ids(["C1", "C2", "C3", "C4", "C5"])) == ["C1", "C4", "C5"]


def test_on_sqlite_the_next_transaction_begins_with_its_first_statement(
    app: App, db_backend: str
) -> None:
    # Every statement the driver runs, as SQLite's trace reports it (the BEGIN and the hot
    # statements run on the driver, unseen by SQLAlchemy's events).
    seen: list[str] = []
    traced: list[Any] = []

    def log(statement: str) -> None:
        seen.append(statement.split()[0].upper())

    def trace(dbapi_connection: Any, *_args: Any) -> None:
        if db_backend == "sqlite":
            dbapi_connection.set_trace_callback(log)
            traced.append(dbapi_connection)

    app.ensure_schema()
    event.listen(app.engine, "checkout", trace)
    try:
        with app.uow() as uow:
            uow.ledger.add_customers([NewCustomer("C1", "One")])
            uow.commit()
            after_commit = len(seen)
            uow.ledger.add_customers([NewCustomer("C2", "Two")])
            uow.commit()
    finally:
        event.remove(app.engine, "checkout", trace)
        for dbapi_connection in traced:
            dbapi_connection.set_trace_callback(None)
    if db_backend == "sqlite":
        assert seen[0] == "BEGIN" and "BEGIN" not in seen[1:after_commit]
        assert seen[after_commit] == "BEGIN"  # then the insert, in its own transaction
        assert seen.count("BEGIN") == 2  # none after the last commit
    assert _count(app) == 2
