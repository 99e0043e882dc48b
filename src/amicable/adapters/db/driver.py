"""Hot statements straight on the driver's cursor, under SQLAlchemy's transaction.

A conversation turn runs about nine statements, a simulated day hundreds of thousands.
SQLAlchemy's execution path around each (an execution context, parameter processing, a result
object and its rows) cost about 65 µs of the server's CPU a statement on PostgreSQL on top of
psycopg's own 75 µs — 6–7 % of a turn's CPU over HTTP — and about 18 µs on SQLite, where the
statement itself often takes 2 µs. :class:`DriverStatement` keeps the statement a SQLAlchemy
Core statement (one definition, the same SQL text SQLAlchemy would send: it is compiled by
SQLAlchemy once per dialect) and runs it on the driver's connection inside the transaction
SQLAlchemy began:

* on PostgreSQL on a psycopg cursor: only statements whose parameters psycopg adapts as
  SQLAlchemy's psycopg dialect does (``str``, ``int``, ``bool``, ``date``, ``datetime``,
  ``Decimal``, ``None``; JSON travels as text in this schema) and whose result columns
  SQLAlchemy does not post-process on PostgreSQL belong here;
* on SQLite on the ``sqlite3`` connection, with the dialect's own bind and result processors
  (taken from the compiled statement), so what is stored and read back is what SQLAlchemy
  stores and reads — SQLite keeps dates and times as text. A statement SQLAlchemy would
  rewrite at execution (expanding ``IN`` lists, Python-side column defaults) runs through
  SQLAlchemy instead.

A statement run when SQLAlchemy's transaction has not begun begins it first (on SQLite with
``BEGIN IMMEDIATE``), as executing through SQLAlchemy would: run on the driver alone, it would
be outside the transaction SQLAlchemy commits (on SQLite, committed at once; on PostgreSQL, in a
transaction of psycopg's that SQLAlchemy never commits). Rows come back as named tuples
(attributes by column label, as on SQLAlchemy's rows).

Statements run here do not fire SQLAlchemy's ``before_cursor_execute`` events: what must happen
before the connection is used behind SQLAlchemy's back is registered under
:data:`BEFORE_DRIVER` and run by :func:`before_driver` first.

``tests/integration/conversations/test_driver_statements.py`` and
``tests/integration/runtime/test_runtime_driver_statements.py`` run the statements both ways and
compare; ``tests/unit/db/test_driver_plan.py`` covers which statements get a SQLite plan.
"""

from __future__ import annotations

import keyword
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

__all__ = ["BEFORE_DRIVER", "DriverStatement", "before_driver"]

_POSTGRESQL: Final = "postgresql"
_SQLITE: Final = "sqlite"
_MISSING: Final = object()


class _SqlitePlan:
    """A statement compiled for SQLite, with what SQLAlchemy would do around it at execution:
    the order of its parameters with their processors and defaults, and its result columns'
    labels and processors."""

    __slots__ = ("binds", "processors", "row", "sql")

    def __init__(
        self,
        sql: str,
        binds: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...],
        row: Any,
        processors: tuple[Callable[[Any], Any] | None, ...] | None,
    ) -> None:
        self.sql = sql
        self.binds = binds
        self.row = row
        self.processors = processors

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for key, process, default in self.binds:
            value = params.get(key, default)
            if value is _MISSING:
                raise KeyError(f"the statement needs the parameter {key!r}: {self.sql}")
            out.append(value if process is None or value is None else process(value))
        return out

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        make = self.row._make
        procs = self.processors
        if procs is None:
            return [make(r) for r in raw]
        return [
            make([v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True)])
            for r in raw
        ]


def _sqlite_plan(stmt: Executable, dialect: Dialect, column_keys: list[str] | None) -> Any:
    """The :class:`_SqlitePlan` of ``stmt``, or ``False`` when SQLAlchemy must run it: it would
    rewrite it at execution (expanding or literal parameters, Python-side column defaults,
    parameters computed by a callable) or its labels are not attribute names."""
    c: Any = stmt.compile(dialect=dialect, column_keys=column_keys)  # type: ignore[attr-defined]
    if (
        not c.positional
        or c.literal_execute_params
        or c.post_compile_params
        or c.insert_prefetch
        or c.update_prefetch
        or c.escaped_bind_names
        or c.schema_translate_map
        or any(b.callable is not None for b in c.binds.values())
    ):
        return False
    processors = c._bind_processors
    binds = []
    for key in c.positiontup:
        bind = c.binds[key]
        default = _MISSING if bind.required else bind.value
        binds.append((key, processors.get(key), default))
    labels = [entry.keyname for entry in c._result_columns or ()]
    if len(set(labels)) != len(labels) or not all(
        label.isidentifier() and not keyword.iskeyword(label) and not label.startswith("_")
        for label in labels
    ):
        return False
    results = tuple(
        entry.type._cached_result_processor(dialect, None) for entry in c._result_columns or ()
    )
    return _SqlitePlan(
        c.string,
        tuple(binds),
        namedtuple("Row", labels) if labels else None,
        results if any(p is not None for p in results) else None,
    )


#: ``Connection.info`` key of what must run before anything runs on the driver's connection
#: behind SQLAlchemy's back: the bulk writer's drain (a ``COPY`` still streaming in its thread
#: finishes first — a read would not see its rows, a pipeline would refuse it). SQLAlchemy's own
#: statements get the same from its ``before_cursor_execute`` event, which the driver bypasses.
BEFORE_DRIVER: Final = "amicable.before_driver"


def before_driver(conn: Connection) -> None:
    """Run what must happen before the driver's connection is used directly (see
    :data:`BEFORE_DRIVER`)."""
    hook = conn.info.get(BEFORE_DRIVER)
    if hook is not None:
        hook()


def _begun(conn: Connection) -> None:
    """Begin SQLAlchemy's transaction if it has not begun (as executing through it would: on
    SQLite the ``begin`` event sends ``BEGIN IMMEDIATE``), so that what runs on the driver is
    inside the transaction SQLAlchemy commits or rolls back."""
    if not conn.in_transaction():
        conn.begin()


class DriverStatement:
    """A Core statement that runs on the driver's cursor (PostgreSQL, SQLite).

    ``column_keys`` names the parameters of an ``INSERT`` or ``UPDATE`` whose columns come
    from the parameters (as ``conn.execute(stmt, params)`` decides per call), so that the
    statement is compiled once for exactly those columns; every call must then pass them.
    """

    __slots__ = ("_column_keys", "_compiled", "_sqlite", "stmt")

    def __init__(self, stmt: Executable, *, column_keys: Sequence[str] | None = None) -> None:
        self.stmt = stmt
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: tuple[str, dict[str, Any]] | None = None
        self._sqlite: Any = None  # a _SqlitePlan, False (through SQLAlchemy) or None (not yet)

    def _sql(self, conn: Connection) -> tuple[str, dict[str, Any]]:
        compiled = self._compiled
        if compiled is None:
            c = self.stmt.compile(dialect=conn.dialect, column_keys=self._column_keys)  # type: ignore[attr-defined]
            # The values SQLAlchemy binds by itself (literals in the statement, as
            # ``param_1``); the caller's parameters are laid over them.
            compiled = self._compiled = (c.string, dict(c.params))
        return compiled

    def _plan(self, conn: Connection) -> _SqlitePlan | None:
        """The SQLite plan when this statement runs on the ``sqlite3`` connection."""
        plan = self._sqlite
        if plan is None:
            plan = self._sqlite = _sqlite_plan(self.stmt, conn.dialect, self._column_keys)
        if plan:
            before_driver(conn)
            _begun(conn)
        return plan or None

    def _run_sqlite(
        self, conn: Connection, plan: _SqlitePlan, params: Sequence[Mapping[str, Any]], many: bool
    ) -> Any:
        """``execute`` (one parameter set) or ``executemany`` on the ``sqlite3`` connection; an
        error is raised as SQLAlchemy raises it (``IntegrityError``, ...)."""
        raw: Any = conn.connection.driver_connection
        args = [plan.args(p) for p in params]
        try:
            return raw.executemany(plan.sql, args) if many else raw.execute(plan.sql, args[0])
        except sqlite3.Error as exc:
            shown = args if many else args[0]
            raise DBAPIError.instance(plan.sql, shown, exc, sqlite3.Error) from exc

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

    def _on_driver(self, conn: Connection) -> str | _SqlitePlan | None:
        """Where this statement runs now: ``"postgresql"``, a SQLite plan, or ``None``
        (through SQLAlchemy)."""
        name = conn.dialect.name
        if name == _POSTGRESQL:
            before_driver(conn)
            _begun(conn)
            return _POSTGRESQL
        if name == _SQLITE:
            return self._plan(conn)
        return None

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row (attributes by column label)."""
        where = self._on_driver(conn)
        if where is None:
            return list(conn.execute(self.stmt, params))
        if where == _POSTGRESQL:
            with self._run(conn, params) as cur:
                return list(cur.fetchall())
        assert isinstance(where, _SqlitePlan)
        return where.rows(self._run_sqlite(conn, where, [params], False).fetchall())

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or ``None``."""
        where = self._on_driver(conn)
        if where is None:
            return conn.execute(self.stmt, params).first()
        if where == _POSTGRESQL:
            with self._run(conn, params) as cur:
                return cur.fetchone()
        assert isinstance(where, _SqlitePlan)
        cur = self._run_sqlite(conn, where, [params], False)
        try:
            row = cur.fetchone()
        finally:
            cur.close()
        return None if row is None else where.rows([row])[0]

    def scalar_one(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The one value of the one row (``RETURNING id``); anything else is an error."""
        where = self._on_driver(conn)
        if where is None:
            return conn.execute(self.stmt, params).scalar_one()
        if where == _POSTGRESQL:
            with self._run(conn, params) as cur:
                rows = cur.fetchall()
        else:
            assert isinstance(where, _SqlitePlan)
            rows = where.rows(self._run_sqlite(conn, where, [params], False).fetchall())
        if len(rows) != 1 or len(rows[0]) != 1:
            raise RuntimeError(f"expected one row of one value, got {len(rows)} rows")
        return rows[0][0]

    def rowcount(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """How many rows an ``UPDATE`` or ``DELETE`` touched."""
        where = self._on_driver(conn)
        if where is None:
            return int(conn.execute(self.stmt, params).rowcount)
        if where == _POSTGRESQL:
            with self._run(conn, params) as cur:
                return int(cur.rowcount)
        assert isinstance(where, _SqlitePlan)
        return int(self._run_sqlite(conn, where, [params], False).rowcount)

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute a statement that returns nothing once per parameter set (an ``INSERT`` of
        several rows): on SQLite with the driver's ``executemany``; elsewhere through
        SQLAlchemy (its own batching)."""
        if not rows:
            return
        plan = self._plan(conn) if conn.dialect.name == _SQLITE else None
        if plan is None or plan.row is not None:
            conn.execute(self.stmt, list(rows))
            return
        self._run_sqlite(conn, plan, rows, True)
