"""The human queue's table: one row per escalation or approval request waiting for a person.

Invariants:
* every row carries ``org_id``; instants are aware UTC ``*_at``.
* ``(org_id, source, source_id)`` is UNIQUE: the escalation (or attempt) a writer raised opens
  exactly one item however often the hook runs. ``source`` names the table ``source_id`` points
  into: ``conversation`` -> ``conversation_escalations.id``; ``plan`` / ``promise`` /
  ``planner`` -> ``escalations.id`` (the payments area's); ``attempt`` -> ``outbox_attempts.id``;
  ``inbound`` -> the inbound log's id (a message on an account that owed nothing).
  ``source_ref`` is the human handle (conversation id, plan or promise key, dedupe key).
* ``kind`` is ``escalation`` or ``approval``; ``status`` moves ``open -> assigned ->`` one of
  ``approved | modified | declined | taken_over | closed`` (a ``taken_over`` item stays with its
  assignee; the decided states are final). ``version`` is bumped by every change (optimistic
  locking: a decision on a stale version is refused).
* ``sla_due_at`` is fixed when the item opens; ``reminded_at`` is set once, by the first
  reminder after it passed.

The migration ``queue_0001`` creates exactly this table.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from amicable.adapters.db.tables import metadata

__all__ = ["queue_items"]

queue_items = Table(
    "queue_items",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_id", BigInteger, nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("reason", String(100), nullable=False),
    Column("summary", Text, nullable=False),
    Column("suggested_action", String(100), nullable=False),
    Column("suggested_why", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("assignee", String(200)),
    Column("decided_by", String(200)),
    Column("decision_json", Text),
    Column("version", Integer, nullable=False),
    Column("sla_due_at", DateTime(timezone=True), nullable=False),
    Column("reminded_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "source", "source_id", name="uq_queue_items_source"),
    Index("ix_queue_items_org_status", "org_id", "status"),
)
