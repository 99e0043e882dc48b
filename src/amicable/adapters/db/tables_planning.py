"""The daily plan table: one row per account per planning day, written in bulk by ``amicable plan``.

Invariants:
* every row carries ``org_id``; ``(org_id, as_of, customer_id)`` is UNIQUE — re-planning a day
  replaces that day's rows (the repository deletes them first, in the same transaction).
* money is ``balance_minor`` + ``currency`` and ``min_installment_minor`` (in the same currency:
  a negotiating segment always covers the account currency); ``p_pay`` is a probability (a
  ranking figure, never money); ``earliest_at`` and ``created_at`` are aware UTC; ``as_of`` a DATE.
* ``not_vectorised`` names the per-account rules the bulk planner does not apply
  (``strategy/portfolio.py``): the runtime applies them before any contact.

The migration ``planning_0001`` creates exactly this table.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from amicable.adapters.db.tables import metadata

__all__ = ["PLAN_ROW_COLUMNS", "daily_plans"]

daily_plans = Table(
    "daily_plans",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("segment", String(200)),
    Column("segment_rule", String(100)),
    Column("policy_action", String(20), nullable=False),
    Column("p_pay", Float, nullable=False),
    Column("max_discount_pct", String(20)),
    Column("installments_min", Integer),
    Column("installments_max", Integer),
    Column("min_installment_minor", BigInteger),
    Column("approval_always", Boolean, nullable=False),
    Column("next_action", String(20), nullable=False),
    Column("channel", String(20)),
    Column("earliest_at", DateTime(timezone=True)),
    Column("not_vectorised", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "as_of", "customer_id", name="uq_daily_plans_day_customer"),
)

#: The columns a plan row carries, in the order the bulk writer sends them (no id).
PLAN_ROW_COLUMNS: tuple[str, ...] = tuple(c.name for c in daily_plans.columns if c.name != "id")
