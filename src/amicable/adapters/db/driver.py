"""The statements every conversation turn runs, on PostgreSQL straight on the driver's cursor.

A turn runs about nine statements. SQLAlchemy's execution path around each (an execution
context, parameter processing, a result object and its rows) cost about 65 µs of the server's
CPU a statement on top of psycopg's own 75 µs — 6–7 % of a turn's CPU over HTTP.
:class:`DriverStatement` keeps the statement a SQLAlchemy Core statement (one definition, the
same SQL text SQLAlchemy would send: it is compiled by SQLAlchemy once per dialect) and, on
PostgreSQL, runs it on the psycopg connection under the same SQLAlchemy transaction. On every
other dialect (SQLite) it goes through SQLAlchemy unchanged, which also converts SQLite's
stored text back to dates and times.

Only statements whose parameters psycopg adapts as SQLAlchemy's psycopg dialect does (``str``,
``int``, ``bool``, ``date``, ``datetime``, ``Decimal``, ``None``; JSON travels as text in
this schema) and whose result columns SQLAlchemy does not post-process on PostgreSQL belong
here; ``tests/integration/db/test_driver_statements.py`` runs each one both ways and compares.
Statements run here do not fire SQLAlchemy's ``before_cursor_execute`` events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

__all__ = ["DriverStatement"]

_POSTGRESQL: Final = "postgresql"


class DriverStatement:
    """A Core statement that runs on the driver's cursor on PostgreSQL.

    ``column_keys`` names the parameters of an ``INSERT`` or ``UPDATE`` whose columns come
    from the parameters (as ``conn.execute(stmt, params)`` decides per call), so that the
    statement is compiled once for exactly those columns; every call must then pass them.
    """

    __slots__ = ("_column_keys", "_compiled", "stmt")

    def __init__(self, stmt: Executable, *, column_keys: Sequence[str] | None = None) -> None:
        self.stmt = stmt
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: tuple[str, dict[str, Any]] | None = None

    def _sql(self, conn: Connection) -> tuple[str, dict[str, Any]]:
        compiled = self._compiled
        if compiled is None:
            c = self.stmt.compile(dialect=conn.dialect, column_keys=self._column_keys)  # type: ignore[attr-defined]
            # The values SQLAlchemy binds by itself (literals in the statement, as
            # ``param_1``); the caller's parameters are laid over them.
            compiled = self._compiled = (c.string, dict(c.params))
        return compiled

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        sql, defaults = self._sql(conn)
        raw = conn.connection.driver_connection
        cur = raw.cursor(row_factory=namedtuple_row)  # type: ignore[union-attr]
        bound = {**defaults, **params} if defaults else params
        try:
            cur.execute(sql, bound)
        except psycopg.Error as exc:
            # Raised as SQLAlchemy raises it (IntegrityError, DataError, ...): callers and the
            # API's error handlers (a concurrent duplicate is a 409) see the same exception.
            cur.close()
            raise DBAPIError.instance(sql, bound, exc, psycopg.Error) from exc
        return cur

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row (attributes by column label)."""
        if conn.dialect.name != _POSTGRESQL:
            return list(conn.execute(self.stmt, params))
        with self._run(conn, params) as cur:
            return list(cur.fetchall())

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or ``None``."""
        if conn.dialect.name != _POSTGRESQL:
            return conn.execute(self.stmt, params).first()
        with self._run(conn, params) as cur:
            return cur.fetchone()

    def scalar_one(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The one value of the one row (``RETURNING id``); anything else is an error."""
        if conn.dialect.name != _POSTGRESQL:
            return conn.execute(self.stmt, params).scalar_one()
        with self._run(conn, params) as cur:
            rows = cur.fetchall()
        if len(rows) != 1 or len(rows[0]) != 1:
            raise RuntimeError(f"expected one row of one value, got {len(rows)} rows")
        return rows[0][0]

    def rowcount(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """How many rows an ``UPDATE`` or ``DELETE`` touched."""
        if conn.dialect.name != _POSTGRESQL:
            return int(conn.execute(self.stmt, params).rowcount)
        with self._run(conn, params) as cur:
            return int(cur.rowcount)
