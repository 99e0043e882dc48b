"""procrastinate's connection and schema: the libpq connection string derived from amicable's
SQLAlchemy URL, and procrastinate's tables applied once, idempotently.

The schema goes into the schema the URL selects (its ``options=-csearch_path=…``, else
``public``), next to amicable's own tables. :func:`ensure_job_schema` takes a PostgreSQL
advisory lock, looks for ``procrastinate_jobs`` and applies procrastinate's ``schema.sql`` only
when it is missing, so any number of workers starting together apply it exactly once.

Invariants: a non-PostgreSQL URL is refused with a message pointing at ``amicable run``;
nothing is applied twice.
"""

from __future__ import annotations

from typing import Final

import psycopg
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from amicable.domain.errors import InvalidInput

__all__ = ["SCHEMA_LOCK_KEY", "conninfo_from_url", "ensure_job_schema"]

#: The advisory lock held while procrastinate's schema is checked and applied.
SCHEMA_LOCK_KEY: Final = 0x616D6963  # "amic"


def conninfo_from_url(database_url: str) -> str:
    """The libpq connection URI for the SQLAlchemy ``database_url`` (``postgresql+psycopg://…``
    → ``postgresql://…``, query options such as ``options=-csearch_path=…`` kept)."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise InvalidInput(f"the database URL {database_url!r} is not a valid URL") from None
    if url.get_backend_name() != "postgresql":
        raise InvalidInput(
            f"amicable worker needs PostgreSQL (the job queue is procrastinate, on PostgreSQL); "
            f"the database is {url.get_backend_name()}. On the embedded SQLite default run the "
            "loop in-process with: amicable run"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_job_schema(conninfo: str) -> bool:
    """Apply procrastinate's schema unless it is there already; ``True`` when it was applied
    now. One connection holds a transaction-scoped advisory lock for the check and the apply, so
    workers starting together apply it once."""
    async with await psycopg.AsyncConnection.connect(conninfo) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        cur = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        row = await cur.fetchone()
        if row is not None and row[0]:
            return False
        await conn.execute(SchemaManager.get_schema())
        return True
