"""The runtime area's tables: the outbox of contact attempts and the inbound-event log.

Invariants:
* every row carries ``org_id``; instants are aware UTC ``*_at``; money is ``*_minor`` + currency.
* ``outbox_attempts`` holds one row per outbound attempt, written (and committed) *before* the
  message is handed to a provider. ``dedupe_key`` is UNIQUE per organisation: the same attempt
  can never be written twice, and a retry after a crash re-sends under the same key (providers
  and the recording outbox are idempotent by it). The compliance decision the attempt was checked
  against is stored with it (``allowed``, ``violations_json``, ``earliest_allowed_at``,
  ``packs``). ``status`` moves ``planned -> sent -> delivered`` or ``planned -> failed``; a
  ``blocked`` row was refused by compliance and is never sent.
* ``outcome`` (``success`` / ``failure``) is set once, when the learning window of the attempt
  has closed; ``balance_minor`` is the account's open balance when the attempt was planned.
* ``delivery_status`` / ``delivered_at`` / ``failed_reason`` / ``call_outcome`` (``runtime_0002``)
  hold what the provider's receipts said; a status only ever moves forward (a late ``sent`` never
  undoes ``delivered``).
* ``inbound_events`` is the idempotency log of inbound processing: ``(org_id, provider,
  event_id)`` is UNIQUE, so an event delivered twice is processed once.

The migrations ``runtime_0001`` and ``runtime_0002`` create exactly these tables.
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

__all__ = ["inbound_events", "outbox_attempts"]

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("action", String(20), nullable=False),
    Column("dedupe_key", String(300), nullable=False),
    Column("planned_at", DateTime(timezone=True), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("violations_json", Text, nullable=False),
    Column("earliest_allowed_at", DateTime(timezone=True)),
    Column("packs", Text, nullable=False),
    Column("recipient", String(500), nullable=False),
    Column("subject", Text),
    Column("text", Text, nullable=False),
    Column("lang", String(5), nullable=False),
    Column("debt_ids", Text, nullable=False),
    Column("reasons_json", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("provider", String(50)),
    Column("provider_message_id", String(300)),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("currency", String(3), nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("segment", String(50), nullable=False),
    Column("outcome", String(20)),
    Column("sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # runtime_0002: what delivery receipts said (see channel_events_repository)
    Column("delivery_status", String(20)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("failed_reason", Text),
    Column("call_outcome", String(20)),
    UniqueConstraint("org_id", "dedupe_key", name="uq_outbox_attempts_org_dedupe"),
    Index("ix_outbox_attempts_org_customer", "org_id", "customer_id"),
    Index("ix_outbox_attempts_org_status", "org_id", "status"),
    Index("ix_outbox_attempts_org_provider_id", "org_id", "provider_message_id"),
)

inbound_events = Table(
    "inbound_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("provider", String(50), nullable=False),
    Column("event_id", String(300), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("result_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "provider", "event_id", name="uq_inbound_events_org_event"),
    Index("ix_inbound_events_org_customer", "org_id", "customer_id"),
)
