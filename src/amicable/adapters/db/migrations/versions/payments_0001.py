"""The payments area's tables: plans and installments, plan events, escalations, promises,
payment links, provider webhook events, payment reversals, bank statement imports and entries,
the unmatched queue's ranked candidates and ISO 11649 creditor references.

Revision ID: payments_0001
Revises: 0001 (its own branch; ``migrate()`` upgrades to all heads)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "creditor_references",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_creditor_references_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creditor_references")),
        sa.UniqueConstraint("org_id", "reference", name="uq_creditor_references_org_reference"),
        sa.UniqueConstraint(
            "org_id", "target_kind", "target_key", name="uq_creditor_references_org_target_kind"
        ),
    )
    op.create_table(
        "provider_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_provider_events_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_events")),
        sa.UniqueConstraint(
            "org_id", "provider", "event_id", name="uq_provider_events_org_provider"
        ),
    )
    op.create_table(
        "statement_imports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_statement_imports_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
    )
    op.create_index(
        "ix_statement_imports_org_checksum",
        "statement_imports",
        ["org_id", "checksum"],
        unique=False,
    )
    op.create_table(
        "payment_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=True),
        sa.Column("installment", sa.Integer(), nullable=True),
        sa.Column("invoice_number", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payment_links_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_payment_links_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint(
            "org_id", "provider", "provider_id", name="uq_payment_links_org_provider_id"
        ),
    )
    op.create_table(
        "payment_plans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payment_plans_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_payment_plans_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
        sa.UniqueConstraint("org_id", "plan_key", name="uq_payment_plans_org_plan_key"),
    )
    op.create_index(
        "ix_payment_plans_org_customer", "payment_plans", ["org_id", "customer_id"], unique=False
    )
    op.create_table(
        "promises",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("promise_key", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_promises_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_promises_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
        sa.UniqueConstraint("org_id", "promise_key", name="uq_promises_org_promise_key"),
    )
    op.create_index("ix_promises_org_customer", "promises", ["org_id", "customer_id"], unique=False)
    op.create_table(
        "escalations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=True),
        sa.Column("promise_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_escalations_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_escalations_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plans.id"], name=op.f("fk_escalations_plan_id_payment_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index(
        "ix_escalations_org_customer", "escalations", ["org_id", "customer_id"], unique=False
    )
    op.create_table(
        "payment_reversals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("reversal_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reversed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_payment_reversals_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_reversals_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("org_id", "reversal_key", name="uq_payment_reversals_org_reversal_key"),
    )
    op.create_index(
        "ix_payment_reversals_org_payment",
        "payment_reversals",
        ["org_id", "payment_id"],
        unique=False,
    )
    op.create_table(
        "plan_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("event_on", sa.Date(), nullable=False),
        sa.Column("installment", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("parameter", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_plan_events_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plans.id"], name=op.f("fk_plan_events_plan_id_payment_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_events")),
    )
    op.create_index("ix_plan_events_org_plan", "plan_events", ["org_id", "plan_id"], unique=False)
    op.create_table(
        "plan_installments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_plan_installments_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["payment_plans.id"],
            name=op.f("fk_plan_installments_plan_id_payment_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_installments")),
        sa.UniqueConstraint("plan_id", "number", name="uq_plan_installments_plan_number"),
    )
    op.create_index(
        "ix_plan_installments_org_due", "plan_installments", ["org_id", "due_date"], unique=False
    )
    op.create_table(
        "statement_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("payer_name", sa.Text(), nullable=False),
        sa.Column("payer_iban", sa.String(length=64), nullable=False),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("structured_reference", sa.String(length=64), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["statement_imports.id"],
            name=op.f("fk_statement_entries_import_id_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_statement_entries_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_statement_entries_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_entries")),
        sa.UniqueConstraint("org_id", "entry_id", name="uq_statement_entries_org_entry_id"),
    )
    op.create_table(
        "unmatched_candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("statement_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("score", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_unmatched_candidates_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_entry_id"],
            ["statement_entries.id"],
            name=op.f("fk_unmatched_candidates_statement_entry_id_statement_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmatched_candidates")),
    )
    op.create_index(
        "ix_unmatched_candidates_org_entry",
        "unmatched_candidates",
        ["org_id", "statement_entry_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("unmatched_candidates")
    op.drop_table("statement_entries")
    op.drop_table("plan_installments")
    op.drop_table("plan_events")
    op.drop_table("payment_reversals")
    op.drop_table("escalations")
    op.drop_table("promises")
    op.drop_table("payment_plans")
    op.drop_table("payment_links")
    op.drop_table("statement_imports")
    op.drop_table("provider_events")
    op.drop_table("creditor_references")
