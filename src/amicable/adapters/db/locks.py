"""Transaction-scoped locks of one organisation on PostgreSQL: what serialises writers that
count or check before they write (an import into an organisation; the next plan and promise
keys). Each lock is ``(namespace, organisation id)``; it is released by the commit or rollback.
SQLite needs none: ``BEGIN IMMEDIATE`` already serialises every writer."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, text

__all__ = ["IMPORT", "PLAN_KEY", "PROMISE_KEY", "hold"]

#: The namespaces (the lock's first key), four ASCII letters each, clear of other lock users.
IMPORT: Final = 0x414D494D  # "AMIM": one import per organisation at a time
PLAN_KEY: Final = 0x414D504C  # "AMPL": counting the next PL-<n>
PROMISE_KEY: Final = 0x414D5054  # "AMPT": counting the next PTP-<n>

_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), CAST(:org AS integer))")


def hold(conn: Connection, namespace: int, org: int) -> None:
    """Hold ``(namespace, org)`` to the end of the transaction on PostgreSQL (waiting for a
    transaction that holds it); nothing on other dialects."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"ns": namespace, "org": org})
