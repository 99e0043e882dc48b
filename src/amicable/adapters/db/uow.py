"""The SQL unit of work: one connection, one transaction, one organisation.

Invariants: the transaction begins on ``__enter__`` and is rolled back on ``__exit__`` unless
:meth:`commit` was called (so an exception, or simply forgetting to commit, writes nothing); the
organisation is resolved by name once, at the start, and every repository is scoped to its id;
audit records staged during the transaction are appended by :meth:`SqlUnitOfWork.commit` right
before the commit (and dropped on rollback).
"""

from __future__ import annotations

from datetime import date, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from amicable.adapters.db.analytics_queries import SqlAnalyticsReader
from amicable.adapters.db.channel_events_repository import SqlChannelEventsRepository
from amicable.adapters.db.conversations_repository import SqlConversationRepository
from amicable.adapters.db.payments_repository import SqlPaymentsRepository
from amicable.adapters.db.planning_repository import SqlPlanningRepository
from amicable.adapters.db.queries import SqlLedgerReader
from amicable.adapters.db.queue_repository import SqlQueueRepository
from amicable.adapters.db.repositories import (
    SqlLedgerRepository,
    SqlOrgRepository,
    SqlPolicyVersionRepository,
)
from amicable.adapters.db.repositories_api import (
    SqlAuditRepository,
    SqlEventRepository,
    SqlSecurityRepository,
)
from amicable.adapters.db.runtime_repository import SqlRuntimeRepository
from amicable.adapters.db.strategy_repository import SqlStrategyRepository
from amicable.domain.clock import Clock
from amicable.domain.errors import InvariantViolation, NotFound

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """``with uow: …; uow.commit()`` — rolls back unless committed."""

    org_id: int
    org_name: str
    ledger: SqlLedgerRepository
    reports: SqlLedgerReader
    policies: SqlPolicyVersionRepository
    conversations: SqlConversationRepository
    strategy: SqlStrategyRepository
    security: SqlSecurityRepository
    audit: SqlAuditRepository
    events: SqlEventRepository
    payments: SqlPaymentsRepository
    runtime: SqlRuntimeRepository
    channel_events: SqlChannelEventsRepository
    queue: SqlQueueRepository
    planning: SqlPlanningRepository
    analytics: SqlAnalyticsReader
    now: datetime
    today: date

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        org: str = "default",
        org_ids: dict[str, int] | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.org_name = org
        # The ids of organisations already found, shared by a process's units of work: an
        # organisation is never renamed or deleted, so its id is read once, not on every
        # request and conversation turn. A name not (yet) found is not remembered.
        self._org_ids = {} if org_ids is None else org_ids
        self._conn: Connection | None = None
        self._depth = 0

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise InvariantViolation("the unit of work is not open")
        return self._conn

    def __enter__(self) -> Self:
        self._depth += 1
        if self._depth > 1:  # re-entered by a use case given an open unit of work
            return self
        self.now = self._clock.now()
        self.today = self.now.date()
        self._conn = self._engine.connect()
        self._conn.begin()
        org_id = self._org_ids.get(self.org_name)
        if org_id is None:
            org_id = SqlOrgRepository(self._conn, self.now).id_of(self.org_name)
            if org_id is None:
                self._close()
                raise NotFound(
                    f"organisation {self.org_name!r} does not exist; "
                    f"create it with: amicable orgs create {self.org_name}"
                )
            self._org_ids[self.org_name] = org_id
        self.org_id = org_id
        self.ledger = SqlLedgerRepository(self._conn, org_id, self.now)
        self.reports = SqlLedgerReader(self._conn, org_id)
        self.policies = SqlPolicyVersionRepository(self._conn, org_id, self.now)
        self.conversations = SqlConversationRepository(self._conn, org_id, self.now)
        self.strategy = SqlStrategyRepository(self._conn, org_id, self.now)
        self.security = SqlSecurityRepository(self._conn, org_id, self.now)
        self.audit = SqlAuditRepository(self._conn, org_id)
        self.events = SqlEventRepository(self._conn, org_id, self.now)
        self.payments = SqlPaymentsRepository(self._conn, org_id, self.now)
        self.runtime = SqlRuntimeRepository(self._conn, org_id, self.now)
        self.channel_events = SqlChannelEventsRepository(self._conn, org_id, self.now)
        self.queue = SqlQueueRepository(self._conn, org_id, self.now)
        self.planning = SqlPlanningRepository(self._conn, org_id, self.now)
        self.analytics = SqlAnalyticsReader(self._conn, org_id)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            if hasattr(self, "audit"):
                self.audit.discard()
            if self._conn.in_transaction():
                self._conn.rollback()
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        conn = self.connection
        # The transaction's audit records go in last: the chain's head stays locked from here
        # to the commit only (on PostgreSQL, records and COMMIT go in one round trip; the
        # SQLAlchemy commit after it only closes SQLAlchemy's transaction).
        if not self.audit.flush_and_commit():
            self.audit.flush()
        if conn.in_transaction():
            conn.commit()
        _begin_next(conn)

    def rollback(self) -> None:
        conn = self.connection
        self.audit.discard()
        if conn.in_transaction():
            conn.rollback()
        _begin_next(conn)


def _begin_next(conn: Connection) -> None:
    """The transaction after a commit or rollback. SQLite: it begins with its first statement
    (SQLAlchemy's autobegin fires the same ``begin`` event, so the same ``BEGIN IMMEDIATE``), so
    a unit of work closed right after its commit - most use cases, every conversation turn - no
    longer takes the database write lock only to roll back. PostgreSQL: begun now, as before
    (psycopg sends nothing until the first statement anyway, and the COPYs on the raw driver
    connection rely on SQLAlchemy knowing the transaction is open)."""
    if conn.dialect.name != "sqlite":
        conn.begin()
