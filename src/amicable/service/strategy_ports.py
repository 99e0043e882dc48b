"""The strategy area's persistence port: the ledger history the risk model learns from, and the
stored risk models.

Invariants: every method is scoped to the unit of work's organisation; a stored model is never
changed, a new training adds a new version; :meth:`StrategyRepository.history` returns nothing
dated after its ``as_of`` (no look-ahead from the database either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from amicable.service.ports import UnitOfWork
from amicable.strategy.history import LedgerHistory

__all__ = ["StoredRiskModel", "StrategyRepository", "StrategyUnitOfWork"]


@dataclass(frozen=True, slots=True)
class StoredRiskModel:
    """One stored risk model version.

    Attributes:
        version: 1, 2, … per organisation.
        kind: ``"model"`` or ``"heuristic"`` (cold start).
        trained_until: the training cutoff (nothing after it was used).
        trained_rows: labelled snapshots it learned from.
        model: serialised bytes (:meth:`amicable.strategy.risk.RiskModel.from_bytes`).
        metrics: what training measured (JSON-able).
        created_at: when it was stored (aware UTC).
    """

    version: int
    kind: str
    trained_until: date
    trained_rows: int
    model: bytes
    metrics: dict[str, Any]
    created_at: datetime


class StrategyRepository(Protocol):
    """What the strategy use cases need from storage."""

    def history(self, as_of: date) -> LedgerHistory: ...

    def add_risk_model(
        self,
        *,
        kind: str,
        trained_until: date,
        trained_rows: int,
        model: bytes,
        metrics: dict[str, Any],
    ) -> StoredRiskModel: ...

    def latest_risk_model(self) -> StoredRiskModel | None: ...


class StrategyUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also exposes the strategy repository."""

    @property
    def strategy(self) -> StrategyRepository: ...
