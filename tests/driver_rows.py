"""A check shared by the driver-statement tests: a :class:`DriverStatement` gives the rows
SQLAlchemy gives for the same statement and parameters, with attribute access by column label."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def assert_same_rows_as_sqlalchemy(conn: Connection, fast: Any, params: dict[str, Any]) -> None:
    """``fast.all`` and ``fast.first`` against ``conn.execute(fast.stmt)``; at least one row."""
    result = conn.execute(fast.stmt, params)
    names = list(result.keys())
    expected = [tuple(r) for r in result]
    assert expected, fast.stmt
    got = fast.all(conn, params)
    assert [tuple(r) for r in got] == expected, fast.stmt
    first = fast.first(conn, params)
    assert first is not None and tuple(first) == expected[0], fast.stmt
    for i, name in enumerate(names):  # as on SQLAlchemy's rows
        assert getattr(first, name) == expected[0][i], name
