"""The daily plan table ``daily_plans`` (UNIQUE organisation + day + customer); see
``adapters/db/tables_planning.py``.

Revision ID: planning_0001
Revises: 0001 (its own branch; ``migrate()`` upgrades to all heads). It references only the
ledger's ``organisations`` and ``customers``, so no ``depends_on`` is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "planning_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_plans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("segment", sa.String(length=200), nullable=True),
        sa.Column("segment_rule", sa.String(length=100), nullable=True),
        sa.Column("policy_action", sa.String(length=20), nullable=False),
        sa.Column("p_pay", sa.Float(), nullable=False),
        sa.Column("max_discount_pct", sa.String(length=20), nullable=True),
        sa.Column("installments_min", sa.Integer(), nullable=True),
        sa.Column("installments_max", sa.Integer(), nullable=True),
        sa.Column("min_installment_minor", sa.BigInteger(), nullable=True),
        sa.Column("approval_always", sa.Boolean(), nullable=False),
        sa.Column("next_action", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("earliest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_vectorised", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_daily_plans_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_daily_plans_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_plans")),
        sa.UniqueConstraint("org_id", "as_of", "customer_id", name="uq_daily_plans_day_customer"),
    )


def downgrade() -> None:
    op.drop_table("daily_plans")
