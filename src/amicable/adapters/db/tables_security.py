"""Tables of people and machines that may act on an organisation: users and API tokens.

Invariants:
* Both tables are tenant data (``org_id``); a user or token belongs to exactly one organisation.
* A token is stored only as the SHA-256 hex digest of its secret (``token_hash``, unique); the
  secret itself is shown once, at creation, and never written anywhere.
* A password is stored only as an argon2 hash (``password_hash``; NULL for API-only users).
* Revocation sets ``revoked_at``; rows are never deleted (the audit trail refers to them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from amicable.adapters.db.tables import metadata

__all__ = ["api_tokens", "users"]


def _id() -> Column[int]:
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


def _org() -> Column[int]:
    return Column("org_id", BigInteger, ForeignKey("organisations.id"), nullable=False)


def _at(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


users = Table(
    "users",
    metadata,
    _id(),
    _org(),
    Column("email", String(320), nullable=False),
    Column("role", String(40), nullable=False),
    Column("password_hash", String(200)),
    _at("created_at"),
    _at("disabled_at", nullable=True),
    UniqueConstraint("org_id", "email", name="uq_users_org_email"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    _org(),
    Column("role", String(40), nullable=False),
    Column("label", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    _at("created_at"),
    _at("last_used_at", nullable=True),
    _at("revoked_at", nullable=True),
    Index("ix_api_tokens_org", "org_id"),
)
