"""Registers the API foundation tables (security, audit, write-back) on the shared metadata."""

from amicable.adapters.db.tables_audit import audit_heads, audit_records
from amicable.adapters.db.tables_events import (
    outcome_events,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from amicable.adapters.db.tables_security import api_tokens, users

__all__ = [
    "api_tokens",
    "audit_heads",
    "audit_records",
    "outcome_events",
    "users",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
]
