"""The payments and servicing schema: plans, installments, promises, payment links, provider
webhook events, bank statement imports and entries, the unmatched queue, creditor references,
payment reversals and escalations (SQLAlchemy Core, on the shared ledger ``metadata``).

Invariants:
* Every table holds tenant data and carries ``org_id``; repositories filter on it.
* Money is integer minor units (``*_minor``) plus a currency code; dates are ``DATE``; instants
  are aware UTC ``*_at``.
* Idempotency lives in unique keys: a provider event id is processed once per organisation and
  provider (``provider_events``); a bank statement entry id is posted once (``statement_entries``);
  a reversal key (refund or dispute id) reverses once (``payment_reversals``).
* ``payment_plans.state`` is the plan's full immutable state (JSON) and ``version`` its
  optimistic-locking counter; ``plan_installments`` mirrors the schedule for queries and is
  rewritten with every saved version.

The migration ``payments_0001`` creates exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
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

__all__ = [
    "creditor_references",
    "escalations",
    "payment_links",
    "payment_plans",
    "payment_reversals",
    "plan_events",
    "plan_installments",
    "promises",
    "provider_events",
    "statement_entries",
    "statement_imports",
    "unmatched_candidates",
]


def _id() -> Column[int]:
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


def _org() -> Column[int]:
    return Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False)


def _customer() -> Column[int]:
    return Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False)


def _at(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


payment_plans = Table(
    "payment_plans",
    metadata,
    _id(),
    _org(),
    _customer(),
    Column("plan_key", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("reference", String(40)),
    Column("agreed_on", Date, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("rules", Text, nullable=False),
    Column("state", Text, nullable=False),
    # The conversation agreement the plan was set up from (null: set up through the API/CLI).
    Column("agreement_id", BigInteger),
    _at("created_at"),
    _at("updated_at"),
    UniqueConstraint("org_id", "plan_key", name="uq_payment_plans_org_plan_key"),
    Index("ix_payment_plans_org_customer", "org_id", "customer_id"),
)

plan_installments = Table(
    "plan_installments",
    metadata,
    _id(),
    _org(),
    Column("plan_id", BigInteger, ForeignKey("payment_plans.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("paid_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("paid_on", Date),
    UniqueConstraint("plan_id", "number", name="uq_plan_installments_plan_number"),
    Index("ix_plan_installments_org_due", "org_id", "due_date"),
)

plan_events = Table(
    "plan_events",
    metadata,
    _id(),
    _org(),
    Column("plan_id", BigInteger, ForeignKey("payment_plans.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("event_on", Date, nullable=False),
    Column("installment", Integer),
    Column("currency", String(3)),
    Column("amount_minor", BigInteger),
    Column("rule_id", String(100), nullable=False),
    Column("parameter", String(100), nullable=False),
    Column("value", String(200), nullable=False),
    Column("message", Text, nullable=False),
    _at("recorded_at"),
    Index("ix_plan_events_org_plan", "org_id", "plan_id"),
)

escalations = Table(
    "escalations",
    metadata,
    _id(),
    _org(),
    _customer(),
    Column("plan_id", BigInteger, ForeignKey("payment_plans.id")),
    Column("promise_id", BigInteger),
    Column("reason", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    _at("created_at"),
    Index("ix_escalations_org_customer", "org_id", "customer_id"),
)

promises = Table(
    "promises",
    metadata,
    _id(),
    _org(),
    _customer(),
    Column("promise_key", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("parts", Text, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("confirmed", Boolean, nullable=False),
    Column("made_on", Date, nullable=False),
    Column("grace_days", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("evaluated_on", Date, nullable=False),
    # The conversation agreement the promise was made in (null: recorded through the API/CLI).
    Column("agreement_id", BigInteger),
    _at("created_at"),
    UniqueConstraint("org_id", "promise_key", name="uq_promises_org_promise_key"),
    Index("ix_promises_org_customer", "org_id", "customer_id"),
)

payment_links = Table(
    "payment_links",
    metadata,
    _id(),
    _org(),
    _customer(),
    Column("provider", String(20), nullable=False),
    Column("provider_id", String(200), nullable=False),
    Column("url", Text),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("plan_key", String(64)),
    Column("installment", Integer),
    Column("invoice_number", String(200)),
    Column("status", String(20), nullable=False),
    _at("created_at"),
    UniqueConstraint("org_id", "provider", "provider_id", name="uq_payment_links_org_provider_id"),
)

provider_events = Table(
    "provider_events",
    metadata,
    _id(),
    _org(),
    Column("provider", String(20), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("outcome", String(40), nullable=False),
    _at("received_at"),
    UniqueConstraint("org_id", "provider", "event_id", name="uq_provider_events_org_provider"),
)

payment_reversals = Table(
    "payment_reversals",
    metadata,
    _id(),
    _org(),
    Column("payment_id", BigInteger, ForeignKey("payments.id"), nullable=False),
    Column("reversal_key", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reversed_on", Date, nullable=False),
    _at("created_at"),
    UniqueConstraint("org_id", "reversal_key", name="uq_payment_reversals_org_reversal_key"),
    Index("ix_payment_reversals_org_payment", "org_id", "payment_id"),
)

statement_imports = Table(
    "statement_imports",
    metadata,
    _id(),
    _org(),
    Column("checksum", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("format", String(20), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    _at("imported_at"),
    Index("ix_statement_imports_org_checksum", "org_id", "checksum"),
)

statement_entries = Table(
    "statement_entries",
    metadata,
    _id(),
    _org(),
    Column("import_id", BigInteger, ForeignKey("statement_imports.id"), nullable=False),
    Column("entry_id", String(200), nullable=False),
    Column("booking_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("payer_name", Text, nullable=False),
    Column("payer_iban", String(64), nullable=False),
    Column("remittance", Text, nullable=False),
    Column("structured_reference", String(64), nullable=False),
    Column("location", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_id", BigInteger, ForeignKey("payments.id")),
    _at("created_at"),
    UniqueConstraint("org_id", "entry_id", name="uq_statement_entries_org_entry_id"),
)

unmatched_candidates = Table(
    "unmatched_candidates",
    metadata,
    _id(),
    _org(),
    Column("statement_entry_id", BigInteger, ForeignKey("statement_entries.id"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("candidate", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("score", String(10), nullable=False),
    Column("method", String(40), nullable=False),
    Index("ix_unmatched_candidates_org_entry", "org_id", "statement_entry_id"),
)

creditor_references = Table(
    "creditor_references",
    metadata,
    _id(),
    _org(),
    Column("reference", String(40), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_key", String(200), nullable=False),
    _at("created_at"),
    UniqueConstraint("org_id", "reference", name="uq_creditor_references_org_reference"),
    UniqueConstraint(
        "org_id", "target_kind", "target_key", name="uq_creditor_references_org_target_kind"
    ),
)
