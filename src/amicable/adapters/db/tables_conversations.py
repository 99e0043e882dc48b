"""Tables of the negotiation area: conversations, their messages, offers made, agreements,
promises to pay and escalations to the human queue.

Invariants: every row carries ``org_id``; money is ``*_minor`` BIGINT + currency; instants are
aware UTC ``*_at``; dates are ``DATE``. Messages, offers, agreements and promises are append-only;
a conversation row holds the latest state (JSON) with a version bumped on every turn (optimistic
locking); an escalation's ``status`` moves open -> assigned -> closed.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from amicable.adapters.db.tables import metadata

__all__ = [
    "conversation_agreements",
    "conversation_escalations",
    "conversation_messages",
    "conversation_offers",
    "conversation_promises",
    "conversations",
]


def _id() -> Column[int]:
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


def _org() -> Column[int]:
    return Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False)


def _conv() -> Column[int]:
    return Column(
        "conversation_id", BigInteger, ForeignKey("conversations.id"), nullable=False, index=True
    )


def _at(name: str = "at") -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=False)


conversations = Table(
    "conversations",
    metadata,
    _id(),
    _org(),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("lang", String(5), nullable=False),
    Column("state", String(30), nullable=False),
    Column("state_json", Text, nullable=False),
    Column("version", Integer, nullable=False),
    _at("started_at"),
    _at("updated_at"),
)

conversation_messages = Table(
    "conversation_messages",
    metadata,
    _id(),
    _org(),
    _conv(),
    Column("seq", Integer, nullable=False),
    Column("direction", String(3), nullable=False),  # in | out
    Column("text", Text, nullable=True),
    Column("intents_json", Text, nullable=False),
    Column("state", String(30), nullable=False),
    Column("content_ok", Boolean, nullable=False),
    Column("content_json", Text, nullable=False),
    Column("source", String(20), nullable=False),  # debtor | template | model
    _at(),
)

conversation_offers = Table(
    "conversation_offers",
    metadata,
    _id(),
    _org(),
    _conv(),
    Column("seq", Integer, nullable=False),
    Column("offer_json", Text, nullable=False),
    Column("gate_outcome", String(20), nullable=False),
    Column("policy_version", String(100), nullable=False),
    _at(),
)

conversation_agreements = Table(
    "conversation_agreements",
    metadata,
    _id(),
    _org(),
    _conv(),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("offer_json", Text, nullable=False),
    Column("gate_json", Text, nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    _at(),
)

conversation_promises = Table(
    "conversation_promises",
    metadata,
    _id(),
    _org(),
    _conv(),
    Column("agreement_id", BigInteger, ForeignKey("conversation_agreements.id"), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("first_due", Date, nullable=False),
    Column("payments_json", Text, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("confirmed", Boolean, nullable=False),
    Column("failed_payment_rule", Text, nullable=False),
    Column("reminders_json", Text, nullable=False),
    Column("consequence", Text, nullable=False),
    _at(),
)

conversation_escalations = Table(
    "conversation_escalations",
    metadata,
    _id(),
    _org(),
    _conv(),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(20), nullable=False),  # open | assigned | closed
    _at(),
)
