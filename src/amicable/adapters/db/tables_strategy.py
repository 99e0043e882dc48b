"""The strategy area's tables: trained risk models (SQLAlchemy Core, on the shared ``metadata``).

Invariants:
* ``risk_models`` holds tenant data and carries ``org_id``; the repository filters on it.
* A row is immutable once written: training stores a new version, the latest version is the one
  in use. ``model`` is the serialised model (joblib bytes written by this installation only —
  the format is pickle-based, so never load a blob from elsewhere); ``metrics`` is JSON text.
* ``trained_until`` (DATE) is the cutoff: nothing after it was used for training.

The migration ``strategy_0001`` creates exactly this table.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from amicable.adapters.db.tables import metadata

__all__ = ["risk_models"]

risk_models = Table(
    "risk_models",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("trained_until", Date, nullable=False),
    Column("trained_rows", Integer, nullable=False),
    Column("model", LargeBinary, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "version", name="uq_risk_models_org_version"),
)
