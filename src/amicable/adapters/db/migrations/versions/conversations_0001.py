"""Negotiation conversations: conversations, messages, offers made, agreements, promises to pay
and escalations (tables in ``adapters/db/tables_conversations.py``).

Revision ID: conversations_0001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "conversations_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _org(table: str) -> list[Any]:
    return [
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")
        ),
    ]


def _conv(table: str) -> list[Any]:
    return [
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f(f"fk_{table}_conversation_id_conversations"),
        ),
    ]


def _customer(table: str) -> list[Any]:
    return [
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f(f"fk_{table}_customer_id_customers")
        ),
    ]


def _at(name: str = "at") -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "conversations",
        _id(),
        *_org("conversations"),
        *_customer("conversations"),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("state_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("started_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        op.f("ix_conversations_customer_id"), "conversations", ["customer_id"], unique=False
    )
    op.create_table(
        "conversation_messages",
        _id(),
        *_org("conversation_messages"),
        *_conv("conversation_messages"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("intents_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("content_ok", sa.Boolean(), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_table(
        "conversation_offers",
        _id(),
        *_org("conversation_offers"),
        *_conv("conversation_offers"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("offer_json", sa.Text(), nullable=False),
        sa.Column("gate_outcome", sa.String(length=20), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_offers")),
    )
    op.create_table(
        "conversation_agreements",
        _id(),
        *_org("conversation_agreements"),
        *_conv("conversation_agreements"),
        *_customer("conversation_agreements"),
        sa.Column("offer_json", sa.Text(), nullable=False),
        sa.Column("gate_json", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_agreements")),
    )
    op.create_table(
        "conversation_promises",
        _id(),
        *_org("conversation_promises"),
        *_conv("conversation_promises"),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["conversation_agreements.id"],
            name=op.f("fk_conversation_promises_agreement_id_conversation_agreements"),
        ),
        *_customer("conversation_promises"),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=False),
        sa.Column("payments_json", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("failed_payment_rule", sa.Text(), nullable=False),
        sa.Column("reminders_json", sa.Text(), nullable=False),
        sa.Column("consequence", sa.Text(), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_promises")),
    )
    op.create_table(
        "conversation_escalations",
        _id(),
        *_org("conversation_escalations"),
        *_conv("conversation_escalations"),
        *_customer("conversation_escalations"),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_escalations")),
    )
    for table in (
        "conversation_messages",
        "conversation_offers",
        "conversation_agreements",
        "conversation_promises",
        "conversation_escalations",
    ):
        op.create_index(
            op.f(f"ix_{table}_conversation_id"), table, ["conversation_id"], unique=False
        )


def downgrade() -> None:
    for table in (
        "conversation_escalations",
        "conversation_promises",
        "conversation_agreements",
        "conversation_offers",
        "conversation_messages",
        "conversations",
    ):
        op.drop_table(table)
