"""Write-back: the outbox of outcome events, webhook subscriptions, deliveries and attempts.

Invariants:
* ``outcome_events`` is append-only; ``event_id`` (a UUID string, unique) is the idempotency key
  a receiver sees in ``Amicable-Event-Id``; ``payload`` is canonical JSON text.
* ``webhook_deliveries`` has at most one row per (subscription, event): the event is delivered to
  a subscription at most once successfully (``status`` pending → delivered | failed).
* ``webhook_attempts`` logs every HTTP attempt (the delivery log); rows are only inserted.
* A subscription's ``secret`` is kept in clear because it signs deliveries (HMAC needs the key).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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

__all__ = ["outcome_events", "webhook_attempts", "webhook_deliveries", "webhook_subscriptions"]


def _id() -> Column[int]:
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


def _org() -> Column[int]:
    return Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False)


outcome_events = Table(
    "outcome_events",
    metadata,
    _id(),
    _org(),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("kind", String(60), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_outcome_events_org_created", "org_id", "created_at"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    _id(),
    _org(),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("kinds", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _id(),
    _org(),
    Column("subscription_id", BigInteger, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_row_id", BigInteger, ForeignKey("outcome_events.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("subscription_id", "event_row_id", name="uq_webhook_deliveries_sub_event"),
    Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    _id(),
    _org(),
    Column("delivery_id", BigInteger, ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Index("ix_webhook_attempts_delivery", "delivery_id"),
)
