"""Alembic environment: always run programmatically with a connection handed over by
:func:`amicable.adapters.db.engine.migrate` (no ``alembic.ini``, no URL read from files)."""

from __future__ import annotations

from alembic import context

from amicable.adapters.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable when misused from the alembic CLI
    raise RuntimeError("run migrations through amicable.adapters.db.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table_schema=None,
)
with context.begin_transaction():
    context.run_migrations()
