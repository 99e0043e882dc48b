"""Which statements :class:`~amicable.adapters.db.driver.DriverStatement` runs on the ``sqlite3``
connection, and what it does around them: the statement SQLAlchemy would send, its parameters
in order through the dialect's processors, its rows through the result processors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import sqlite

from amicable.adapters.db.driver import _sqlite_plan

_META = MetaData()
_T = Table(
    "t",
    _META,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(20)),
    Column("on", Date),
    Column("at", DateTime),
)
_DEFAULTED = Table(
    "d",
    _META,
    Column("id", BigInteger, primary_key=True),
    Column("made", DateTime, default=lambda: datetime.now(UTC)),
)
_DIALECT = sqlite.dialect()


def test_a_plain_statement_runs_with_sqlalchemys_parameters_and_processors() -> None:
    stmt = select(_T.c.id, _T.c.on, _T.c.at).where(_T.c.name == bindparam("name"), _T.c.id > 5)
    plan = _sqlite_plan(stmt, _DIALECT, None)
    assert plan
    assert plan.sql == str(stmt.compile(dialect=_DIALECT))
    # the literal 5 is bound by itself; the caller's name goes first, as the SQL has them
    assert plan.args({"name": "x"}) == ["x", 5]
    with pytest.raises(KeyError, match="name"):
        plan.args({})
    (row,) = plan.rows([(7, "2026-03-01", "2026-03-01 10:15:30.123456")])
    # SQLite keeps no zone: the time comes back naive (the repositories mark it UTC)
    at = datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=UTC).replace(tzinfo=None)
    assert (row.id, row.on, row.at) == (7, date(2026, 3, 1), at)


def test_dates_and_times_are_bound_as_sqlalchemy_stores_them() -> None:
    plan = _sqlite_plan(insert(_T), _DIALECT, ["name", "on", "at"])
    assert plan and plan.row is None
    at = datetime(2026, 3, 1, 10, 15, 30, 5, tzinfo=UTC)
    assert plan.args({"name": "n", "on": date(2026, 3, 1), "at": at, "extra": 1}) == [
        "n", "2026-03-01", "2026-03-01 10:15:30.000005",
    ]  # fmt: skip
    assert plan.args({"name": None, "on": None, "at": None}) == [None, None, None]


def test_statements_sqlalchemy_rewrites_at_execution_stay_with_sqlalchemy() -> None:
    expanding = select(_T.c.id).where(_T.c.id.in_(bindparam("ids", expanding=True)))
    assert _sqlite_plan(expanding, _DIALECT, None) is False
    assert _sqlite_plan(select(_T.c.id).where(_T.c.id.in_([1, 2])), _DIALECT, None) is False
    # a Python-side default is computed by SQLAlchemy's execution context
    assert _sqlite_plan(insert(_DEFAULTED), _DIALECT, []) is False
    # labels that are not attribute names of a named tuple
    assert _sqlite_plan(select(_T.c.id.label("_private")), _DIALECT, None) is False
    assert _sqlite_plan(update(_T).values(name="x"), _DIALECT, None)
