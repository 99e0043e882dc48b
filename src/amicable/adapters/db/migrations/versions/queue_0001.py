"""The human queue's table ``queue_items`` (UNIQUE source + source id per organisation); see
``adapters/db/tables_queue.py``.

Revision ID: queue_0001
Revises: 0001 (its own branch; ``migrate()`` upgrades to all heads). It references only the
ledger's ``organisations`` and ``customers``; ``source_id`` points into the conversations,
payments or runtime tables by convention (no foreign key), so no ``depends_on`` is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "queue_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "queue_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("source_ref", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("suggested_action", sa.String(length=100), nullable=False),
        sa.Column("suggested_why", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_json", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("sla_due_at"),
        _at("reminded_at", nullable=True),
        _at("decided_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_queue_items_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_queue_items_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_items")),
        sa.UniqueConstraint("org_id", "source", "source_id", name="uq_queue_items_source"),
    )
    op.create_index("ix_queue_items_org_status", "queue_items", ["org_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_queue_items_org_status", table_name="queue_items")
    op.drop_table("queue_items")
