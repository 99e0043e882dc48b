"""Ports of daily planning: where a day's plan is stored.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
:meth:`PlanningRepository.replace_day` replaces the organisation's rows of that day atomically
with the unit of work (delete then bulk insert), so re-planning a day never leaves two plans.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

import polars as pl

__all__ = [
    "CUSTOMER_ATTRIBUTES_SCHEMA",
    "LATENESS_SCHEMA",
    "OPEN_POSITIONS_SCHEMA",
    "PLAN_FRAME_COLUMNS",
    "PlanningHolder",
    "PlanningRepository",
]

#: :meth:`PlanningRepository.open_positions`: one row per customer and currency with entries.
OPEN_POSITIONS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.Int64(),
    "currency": pl.String(),
    "balance_minor": pl.Int64(),  # open invoice amounts + unallocated credits
    "oldest_due": pl.Date(),  # of the invoices with a positive open amount (null: none)
    "dispute_open": pl.Boolean(),  # such an invoice has an open dispute
    "open_invoices": pl.Int64(),  # invoices whose open amount is not zero
}

#: :meth:`PlanningRepository.lateness`: one row per customer with settlements.
LATENESS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.Int64(),
    "settlements": pl.Int64(),  # allocations of payments received up to the date
    "on_time": pl.Int64(),  # of which received on or before the invoice's due date
}

#: :meth:`PlanningRepository.customer_attributes`: one row per customer.
CUSTOMER_ATTRIBUTES_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.Int64(),
    "external_id": pl.String(),
    "customer_type": pl.String(),
    "tier": pl.String(),
    "country": pl.String(),
    "region": pl.String(),
    "timezone": pl.String(),
    "tags": pl.String(),  # comma-separated, as stored
    "has_email": pl.Boolean(),
    "has_phone": pl.Boolean(),
    "refused_email": pl.Boolean(),  # the latest consent record of the channel refuses it
    "refused_sms": pl.Boolean(),
    "refused_whatsapp": pl.Boolean(),
}

#: Columns of the frame handed to :meth:`PlanningRepository.replace_day`.
PLAN_FRAME_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "policy_version",
    "currency",
    "balance_minor",
    "segment",
    "segment_rule",
    "policy_action",
    "p_pay",
    "max_discount_pct",
    "installments_min",
    "installments_max",
    "min_installment_minor",
    "approval_always",
    "next_action",
    "channel",
    "earliest_at",
    "not_vectorised",
)


class PlanningRepository(Protocol):
    def replace_day(self, as_of: date, plan: pl.DataFrame) -> int:
        """Store ``plan`` (:data:`PLAN_FRAME_COLUMNS`) as the day's plan; rows written."""
        ...

    def count_day(self, as_of: date) -> int:
        """Rows stored for the day."""
        ...

    def open_positions(self, as_of: date) -> pl.DataFrame:
        """Every customer's open position per currency as of a date (:data:`OPEN_POSITIONS_SCHEMA`)."""
        ...

    def lateness(self, as_of: date) -> pl.DataFrame:
        """Every customer's settlement counts up to a date (:data:`LATENESS_SCHEMA`)."""
        ...

    def customer_attributes(self) -> pl.DataFrame:
        """Every customer's profile, contacts and refusals (:data:`CUSTOMER_ATTRIBUTES_SCHEMA`)."""
        ...


class PlanningHolder(Protocol):
    """A unit of work that exposes the planning repository."""

    @property
    def planning(self) -> PlanningRepository: ...
