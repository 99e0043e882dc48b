"""The audit trail: append-only, hash-chained records per organisation.

Invariants:
* ``audit_records`` rows are only ever inserted. Within an organisation ``seq`` runs 1, 2, 3 …
  without gaps; ``prev_hash`` is the ``hash`` of record ``seq - 1`` (64 zeros for the first);
  ``hash`` is the SHA-256 of the canonical JSON of the record's fields (see
  :mod:`amicable.service.audit`).
* ``audit_heads`` holds, per organisation, the ``seq`` and ``hash`` of the newest record, so that a
  deleted *last* record is detected as well as one deleted from the middle.
* ``payload`` is canonical JSON text (sorted keys, no floats).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from amicable.adapters.db.tables import metadata

__all__ = ["audit_heads", "audit_records"]

audit_records = Table(
    "audit_records",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(80), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("org_id", "seq", name="uq_audit_records_org_seq"),
)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("org_id", BigInteger, ForeignKey("organisations.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
