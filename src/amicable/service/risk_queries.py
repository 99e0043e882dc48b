"""Risk-model use cases: train on the organisation's ledger history and store the model, run a
backtest at a split date, and load the stored model as the policy engine's risk port.

Invariants: the history is read as of an explicit date (nothing later is read); training writes
one new model version and commits it, a backtest writes nothing; the backtest answer has exactly
the keys ``n``, ``auc``, ``brier``, ``calibration``, ``baseline_auc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from amicable.domain.errors import InvalidInput
from amicable.service.strategy_ports import StoredRiskModel, StrategyUnitOfWork
from amicable.strategy.risk import ModelRiskEstimator, RiskModel, backtest, train

__all__ = ["TrainResult", "load_risk_estimator", "run_backtest", "train_risk_model"]


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What ``amicable risk train`` reports."""

    stored: StoredRiskModel
    invoices: int
    customers: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.stored.version,
            "kind": self.stored.kind,
            "trained_until": self.stored.trained_until.isoformat(),
            "trained_rows": self.stored.trained_rows,
            "invoices": self.invoices,
            "customers": self.customers,
            "storage": "database table risk_models",
        }


def train_risk_model(uow: StrategyUnitOfWork, *, as_of: date) -> TrainResult:
    """Train on everything known on ``as_of`` and store the model as a new version."""
    with uow:
        history = uow.strategy.history(as_of)
        model = train(history)
        stored = uow.strategy.add_risk_model(
            kind=model.kind,
            trained_until=model.trained_until,
            trained_rows=model.trained_rows,
            model=model.to_bytes(),
            metrics={"invoices": len(history.invoices), "customers": len(history.customers)},
        )
        uow.commit()
    return TrainResult(stored, len(history.invoices), len(history.customers))


def run_backtest(uow: StrategyUnitOfWork, *, split_date: date, as_of: date) -> dict[str, Any]:
    """Train on what was known before ``split_date``, score invoices issued from it (outcomes
    read up to ``as_of``)."""
    if split_date > as_of:
        raise InvalidInput(f"--split-date {split_date} is after the as-of date {as_of}")
    with uow:
        history = uow.strategy.history(as_of)
    return backtest(history, split_date)


def load_risk_estimator(uow: StrategyUnitOfWork) -> ModelRiskEstimator | None:
    """The latest stored model as a risk port, or ``None`` before any training."""
    with uow:
        stored = uow.strategy.latest_risk_model()
    if stored is None:
        return None
    return ModelRiskEstimator(RiskModel.from_bytes(stored.model))
