"""Ports of daily planning: where a day's plan is stored.

Invariants every adapter must keep: every call is scoped to the unit of work's organisation;
:meth:`PlanningRepository.replace_day` replaces the organisation's rows of that day atomically
with the unit of work (delete then bulk insert), so re-planning a day never leaves two plans.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

import polars as pl

__all__ = ["PLAN_FRAME_COLUMNS", "PlanningHolder", "PlanningRepository"]

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


class PlanningHolder(Protocol):
    """A unit of work that exposes the planning repository."""

    @property
    def planning(self) -> PlanningRepository: ...
