"""Engines and schema migrations.

* :func:`create_engine_for` builds an engine for a URL (SQLite: WAL, ``synchronous=NORMAL``,
  foreign keys on, a busy timeout; PostgreSQL: psycopg 3). Nothing connects until first use.
* :func:`migrate` applies the Alembic migrations shipped in this package up to head;
  :func:`schema_state` says whether a database is empty, current or behind.

Invariant: the schema of a database is only ever changed by the migrations (never
``metadata.create_all``), so SQLite and PostgreSQL databases of one revision are identical.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from amicable.domain.errors import InvalidInput

__all__ = [
    "DEFAULT_DATABASE_URL",
    "PoolOptions",
    "create_engine_for",
    "head_revision",
    "migrate",
    "schema_state",
]

DEFAULT_DATABASE_URL = "sqlite:///./amicable.db"


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """The PostgreSQL connection pool of a long-running server process (the API).

    ``size`` connections stay open (above it, up to ``max_overflow`` more are opened and closed
    again when returned); each is replaced after ``recycle_seconds`` instead of being pinged at
    every checkout (one round trip per transaction saved; a connection the server dropped fails
    its transaction, and the pool is then refreshed)."""

    size: int
    max_overflow: int
    recycle_seconds: int


_MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine_for(url: str, *, pool: PoolOptions | None = None) -> Engine:
    """An engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``); lazy.

    On PostgreSQL, ``pool`` sizes the connection pool (a server; see :class:`PoolOptions`);
    without it, SQLAlchemy's default pool (5 + 10 overflow) with a liveness ping per checkout."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise InvalidInput(f"invalid database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is disabled so that BEGIN is emitted by us
        # (BEGIN IMMEDIATE takes the write lock up front: no deadlock between two writers).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if pool is None:
            return create_engine(parsed, pool_pre_ping=True)
        return create_engine(
            parsed,
            pool_size=pool.size,
            max_overflow=pool.max_overflow,
            pool_recycle=pool.recycle_seconds,
            pool_pre_ping=False,
        )
    raise InvalidInput(f"unsupported database {backend!r} in {url!r}: use sqlite or postgresql")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # On the driver's connection: every transaction begins here (a simulated day begins tens
    # of thousands), and SQLAlchemy's execution path cost five times the statement.
    try:
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:  # raised as SQLAlchemy raises it (a locked database, ...)
        raise DBAPIError.instance("BEGIN IMMEDIATE", (), exc, sqlite3.Error) from exc


def _config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revisions() -> frozenset[str]:
    """The newest migration revisions shipped with this version of amicable.

    Areas of the product add their tables in their own migration branches (each starting from
    the revision it builds on), so there may be several heads; a current database is at all of them.
    """
    heads = frozenset(ScriptDirectory.from_config(_config(None)).get_heads())
    if not heads:  # pragma: no cover - the package always ships migrations
        raise InvalidInput("no migrations found")
    return heads


def head_revision() -> str:
    """The head revisions as one comparable string (sorted, comma-separated)."""
    return ",".join(sorted(head_revisions()))


def schema_state(engine: Engine) -> Literal["empty", "current", "behind"]:
    """``empty`` (never migrated), ``current`` (at every head) or ``behind`` (needs ``init``)."""
    with engine.connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    if not current:
        return "empty"
    return "current" if current == head_revisions() else "behind"


def migrate(engine: Engine) -> None:
    """Apply every pending migration (idempotent: a database at its heads is left alone).

    SQLite changes a constraint by rebuilding the table (Alembic's batch mode), and dropping a
    table that others reference fails while foreign keys are enforced. As SQLite's documentation
    prescribes for such changes, enforcement is switched off for the migration's connection (it
    cannot change inside a transaction), every key is checked with ``PRAGMA foreign_key_check``
    before the commit, and a violation rolls the whole migration back.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            command.upgrade(_config(conn), "heads")
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")  # autocommit mode: outside any transaction
        try:
            with conn.begin():
                command.upgrade(_config(conn), "heads")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise InvalidInput(
                        f"migration refused: {len(broken)} row(s) break a foreign key, the first "
                        f"in {table} (rowid {rowid}) referencing {parent}; nothing was changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
