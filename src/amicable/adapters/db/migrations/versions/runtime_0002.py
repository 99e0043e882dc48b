"""Delivery receipts on outbox attempts: ``delivery_status`` (the provider's latest status word),
``delivered_at``, ``failed_reason`` and ``call_outcome`` (the normalised outcome of a placed
call); see ``adapters/db/tables_runtime.py``.

Revision ID: runtime_0002
Revises: runtime_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "runtime_0002"
down_revision: str | None = "runtime_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_attempts") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failed_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("call_outcome", sa.String(length=20), nullable=True))
    op.create_index(
        "ix_outbox_attempts_org_provider_id",
        "outbox_attempts",
        ["org_id", "provider_message_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_attempts_org_provider_id", table_name="outbox_attempts")
    with op.batch_alter_table("outbox_attempts") as batch:
        batch.drop_column("call_outcome")
        batch.drop_column("failed_reason")
        batch.drop_column("delivered_at")
        batch.drop_column("delivery_status")
