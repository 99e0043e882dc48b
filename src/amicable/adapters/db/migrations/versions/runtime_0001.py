"""The runtime area's tables: ``outbox_attempts`` (one row per outbound contact attempt with its
compliance decision, UNIQUE dedupe key per organisation) and ``inbound_events`` (UNIQUE provider
event id per organisation); see ``adapters/db/tables_runtime.py``.

Revision ID: runtime_0001
Revises: 0001 (its own branch; ``migrate()`` upgrades to all heads)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "runtime_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox_attempts",
        _id(),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        _at("planned_at"),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("violations_json", sa.Text(), nullable=False),
        _at("earliest_allowed_at", nullable=True),
        sa.Column("packs", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("debt_ids", sa.Text(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=True),
        sa.Column("provider_message_id", sa.String(length=300), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("segment", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        _at("sent_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_outbox_attempts_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_outbox_attempts_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
        sa.UniqueConstraint("org_id", "dedupe_key", name="uq_outbox_attempts_org_dedupe"),
    )
    op.create_index("ix_outbox_attempts_org_customer", "outbox_attempts", ["org_id", "customer_id"])
    op.create_index("ix_outbox_attempts_org_status", "outbox_attempts", ["org_id", "status"])
    op.create_table(
        "inbound_events",
        _id(),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _at("received_at"),
        sa.Column("result_json", sa.Text(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_inbound_events_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_inbound_events_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint("org_id", "provider", "event_id", name="uq_inbound_events_org_event"),
    )
    op.create_index("ix_inbound_events_org_customer", "inbound_events", ["org_id", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_events_org_customer", table_name="inbound_events")
    op.drop_table("inbound_events")
    op.drop_index("ix_outbox_attempts_org_status", table_name="outbox_attempts")
    op.drop_index("ix_outbox_attempts_org_customer", table_name="outbox_attempts")
    op.drop_table("outbox_attempts")
