"""Bulk writes below SQLAlchemy's per-row parameter handling: the import hot path.

* :class:`Bulk` allocates ids up front and writes rows with ``executemany`` (SQLite) or ``COPY``
  (PostgreSQL), values formatted exactly as SQLAlchemy's bind processors would store them.
* :class:`CopyWriter` runs the ``COPY`` statements of one transaction in a background thread, in
  order, so PostgreSQL stores one chunk (rows, indexes, key checks) while Python prepares the next.
  Any other statement on the connection first waits for the queued COPYs (a connection event), and
  so do commit and rollback; a failed COPY is raised to the caller at that point.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
import psycopg
from sqlalchemy import Connection, event, func, select, text
from sqlalchemy.exc import DBAPIError

from amicable.adapters.db.driver import BEFORE_DRIVER

__all__ = ["Bulk", "CopyWriter"]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_str(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_iso(value: date) -> str:
    return value.isoformat()


# One formatter per Python type: a dict lookup per field beats a chain of isinstance checks.
_COPY_FORMAT: dict[type, Any] = {
    str: _copy_str,
    int: str,
    type(None): lambda _v: "\\N",
    bool: lambda v: "t" if v else "f",
    date: _copy_iso,
    datetime: _copy_iso,
}


def _copy_field(value: Any) -> str:
    """One field in PostgreSQL's COPY text format (NULL as backslash-N; specials escaped)."""
    return str(_COPY_FORMAT[type(value)](value))


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """One column in COPY text form, the formatter chosen once per column (not per value)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        if any(ch in joined for ch in "\\\t\n\r"):
            return [v.translate(_COPY_ESCAPES) for v in values]
        return values
    if kinds == {int}:
        return list(map(str, values))
    if bool in kinds and int in kinds:  # True == 1: distinct values cannot be told apart
        return [_copy_field(v) for v in values]
    # Dates, instants, flags and NULLs repeat: format each distinct value once.
    formatted = {v: _copy_field(v) for v in set(values)}
    return list(map(formatted.__getitem__, values))


#: Rows per COPY write: small enough to fit the socket's buffers (the server works on one slice
#: while the client formats the next), large enough that the per-column formatting stays vectorised.
_COPY_SLICE = 10_000

#: Most ids taken from a sequence in one round trip. Each request takes at least what it needs
#: and then twice the previous take, up to this: a run of chunks needs a round trip (which waits
#: for the COPYs queued before it) only every few chunks; what is left at commit is a gap in the
#: sequence, which sequences have anyway (a rolled back transaction leaves one too).
_ID_BLOCK = 200_000


#: Below this many rows the Python formatter is as fast as building a frame.
_FRAME_MIN_ROWS = 2_000
_NONE = type(None)
_SPECIALS = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_series(index: int, values: Sequence[Any]) -> pl.Series:
    """One column for Polars to write: integers and text (with NULLs) natively, special characters
    escaped in Rust; anything else (dates, instants, flags) formatted by :func:`_copy_column`."""
    name = f"c{index}"
    kinds = set(map(type, values))
    try:
        if kinds <= {int, _NONE} and int in kinds:
            return pl.Series(name, values, dtype=pl.Int64)
    except (
        OverflowError,
        TypeError,
    ):  # beyond 64 bits: PostgreSQL refuses it, with its own message
        return pl.Series(name, _copy_column(values), dtype=pl.String)
    if kinds <= {str, _NONE}:
        series = pl.Series(name, values, dtype=pl.String)
        if series.str.contains(r"[\\\t\n\r]").any():
            for special, escaped in _SPECIALS:
                series = series.str.replace_all(special, escaped, literal=True)
        return series
    return pl.Series(name, _copy_column(values), dtype=pl.String)


def _copy_parts(
    columns: Sequence[Sequence[Any]],
    slice_rows: int = _COPY_SLICE,
    frame_min_rows: int = _FRAME_MIN_ROWS,
) -> list[bytes]:
    """Columns (of equal length) in COPY text format, in buffers of ``slice_rows`` rows; byte for
    byte what :func:`_copy_text` gives for the same rows. Large inputs are written by Polars (in
    Rust, without the GIL)."""
    n = len(columns[0])
    if n < frame_min_rows:
        return [_copy_text(list(zip(*columns, strict=True))).encode()]
    frame = pl.DataFrame([_copy_series(i, col) for i, col in enumerate(columns)])
    parts = []
    for start in range(0, n, slice_rows):
        buffer = io.BytesIO()
        frame.slice(start, slice_rows).write_csv(
            buffer, include_header=False, separator="\t", quote_style="never",
            null_value="\\N", line_terminator="\n",
        )  # fmt: skip
        parts.append(buffer.getvalue())
    return parts


def _copy_text(rows: Sequence[tuple[Any, ...]]) -> str:
    """Rows in PostgreSQL's COPY text format; equal to formatting each field with _copy_field."""
    columns = [_copy_column(col) for col in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


class CopyWriter:
    """COPY statements executed in order by a background thread on one psycopg connection.

    Lives for one transaction: created by the first queued COPY, ended by :meth:`close` (commit or
    rollback). The caller must not use the connection for anything else until :meth:`drain`
    returned; :class:`Bulk` ensures it with connection events.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._jobs: queue.Queue[tuple[str, list[bytes]] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="copy-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None:  # after a failure the transaction is lost: skip the rest
                    sql, parts = job
                    with self._raw.cursor() as cursor, cursor.copy(sql) as copy:
                        for part in parts:
                            copy.write(part)
            except Exception as exc:  # handed to the caller by drain()
                if isinstance(exc, psycopg.Error) and job is not None:  # as SQLAlchemy raises it
                    self._error = DBAPIError.instance(job[0], None, exc, psycopg.Error)
                else:
                    self._error = exc
            finally:
                self._jobs.task_done()

    def put(self, sql: str, parts: list[bytes]) -> None:
        """Queue one COPY (waits while four are queued); raises an earlier COPY's failure."""
        self._raise()
        self._jobs.put((sql, parts))

    def drain(self) -> None:
        """Wait until every queued COPY ran; raise the first failure, if any."""
        self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Wait for the queue, stop the thread; a failure is dropped (the caller rolls back)."""
        self._jobs.join()
        self._jobs.put(None)
        self._thread.join()
        self._error = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class Bulk:
    """Fast bulk writes for one connection.

    Ids are allocated up front so that child rows (entries) can reference new parents without
    ``RETURNING`` (which SQLite answers one row at a time): on SQLite from ``max(id)`` under the
    write lock that ``BEGIN IMMEDIATE`` took; on PostgreSQL from the table's sequence, which is
    safe under concurrency, taken in growing blocks (``_ID_BLOCK``). Rows are written with
    ``executemany`` on SQLite and with ``COPY`` through a :class:`CopyWriter` on PostgreSQL. Values
    go through the dialect's own bind processors, so what is stored is byte-identical to what
    SQLAlchemy would have stored.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect
        self._postgres = conn.dialect.name == "postgresql"
        self._sequences: dict[str, str] = {}
        self._spare: dict[str, list[int]] = {}
        self._taken: dict[str, int] = {}
        self._writer: CopyWriter | None = None
        self._listening = False  # the connection events, added by the first COPY

    def _before_statement(self, *_args: Any) -> None:
        if self._writer is not None:
            self._writer.drain()

    def _before_commit(self, *_args: Any) -> None:
        # A failed COPY is raised here, so the commit does not happen. SQLAlchemy ends its
        # transaction even so: the database's is rolled back here, leaving the connection usable.
        self._conn.info.pop(BEFORE_DRIVER, None)
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.drain()
            except BaseException:
                raw = self._conn.connection.driver_connection
                assert raw is not None
                raw.rollback()
                raise
            finally:
                writer.close()

    def _before_rollback(self, *_args: Any) -> None:
        # Rolling back discards the COPYs' rows anyway: wait for the thread, raise nothing.
        self._conn.info.pop(BEFORE_DRIVER, None)
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def processor(self, column: Any) -> Any:
        return self._dialect.type_descriptor(column.type).bind_processor(self._dialect)

    def ids(self, table: Any, n: int) -> list[int]:
        if n == 0:
            return []
        if self._postgres:
            spare = self._spare.setdefault(table.name, [])
            if len(spare) < n:
                take = max(n - len(spare), min(2 * self._taken.get(table.name, 0), _ID_BLOCK))
                spare.extend(self._next_values(table, take))
                self._taken[table.name] = take
            got, self._spare[table.name] = spare[:n], spare[n:]
            return got
        top = self._conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(int(top) + 1, int(top) + 1 + n))

    def _next_values(self, table: Any, n: int) -> list[int]:
        if self._writer is None:
            return self._draw(self._conn, table, n)
        # COPYs are queued on this connection: a statement here would wait for all of them and
        # leave the server idle while this side prepares the next chunk. Sequences are not
        # transactional (a value drawn is never drawn again, committed or not), so the values
        # are drawn on a connection of their own.
        with self._conn.engine.connect() as side:
            got = self._draw(side, table, n)
            side.commit()
        return got

    def _draw(self, conn: Connection, table: Any, n: int) -> list[int]:
        # The sequence is resolved once: pg_get_serial_sequence per row costs ~4 µs a row.
        seq = self._sequences.get(table.name)
        if seq is None:
            seq = str(
                conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
                ).scalar_one()
            )
            self._sequences[table.name] = seq
        got = conn.execute(
            text("SELECT array_agg(nextval(CAST(:s AS regclass))) FROM generate_series(1, :n)"),
            {"s": seq, "n": n},
        ).scalar_one()
        return [int(i) for i in got]

    def insert(self, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write ``rows`` (tuples in the order of ``columns``)."""
        if not rows:
            return
        if self._postgres:
            self._copy(table, columns, list(zip(*rows, strict=True)))
            return
        self._execute_many(table, columns, rows)

    def insert_columns(
        self, table: Any, columns: Sequence[str], values: Sequence[Sequence[Any]]
    ) -> None:
        """Write rows given as one sequence per column (all of one length)."""
        if not values or not values[0]:
            return
        if self._postgres:
            self._copy(table, columns, values)
            return
        self._execute_many(table, columns, list(zip(*values, strict=True)))

    def _copy(self, table: Any, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
        # Text buffers of _COPY_SLICE rows: psycopg's per-row adaptation costs more than the COPY
        # itself. The writer thread sends them while the caller goes on.
        parts = _copy_parts(values)
        if self._writer is None:
            raw = self._conn.connection.driver_connection
            assert raw is not None
            if not self._listening:  # a unit of work that never bulk-writes pays nothing
                event.listen(self._conn, "before_cursor_execute", self._before_statement)
                event.listen(self._conn, "commit", self._before_commit)
                event.listen(self._conn, "rollback", self._before_rollback)
                self._listening = True
            self._writer = CopyWriter(raw)
            # ... and what runs on the driver's connection, which bypasses those events.
            self._conn.info[BEFORE_DRIVER] = self._before_statement
        self._writer.put(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", parts)

    def _execute_many(
        self, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self._conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", list(rows)
        )

    def stamp(self, column: Any, value: Any) -> Any:
        """A constant value (the unit of work's instant) in the form the driver expects."""
        proc = self.processor(column)
        return value if proc is None else proc(value)

    def day(self, column: Any) -> Any:
        """A per-row converter for a date column (identity on PostgreSQL).

        SQLite stores a ``Date`` as ``YYYY-MM-DD`` text: ``date.isoformat`` writes exactly that,
        in C, several times faster than the generic processor on a million rows.
        """
        if self._dialect.name == "sqlite":
            return date.isoformat
        proc = self.processor(column)
        return (lambda v: v) if proc is None else proc
