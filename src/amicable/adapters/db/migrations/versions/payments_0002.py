"""Plans and promises name the conversation agreement they were set up from: a nullable
``agreement_id`` on ``payment_plans`` and ``promises`` (null for those set up through the API or
the CLI); see ``adapters/db/tables_payments.py``.

Revision ID: payments_0002
Revises: payments_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0002"
down_revision: str | None = "payments_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_plans") as batch:
        batch.add_column(sa.Column("agreement_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("promises") as batch:
        batch.add_column(sa.Column("agreement_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("promises") as batch:
        batch.drop_column("agreement_id")
    with op.batch_alter_table("payment_plans") as batch:
        batch.drop_column("agreement_id")
