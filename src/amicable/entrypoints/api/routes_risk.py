"""Route of the risk model's backtest: the same document as ``amicable risk backtest --json``
(``{"n", "auc", "brier", "calibration", "baseline_auc"}``).

Invariant: nothing is stored — the model is trained in memory on what was known before
``split_date`` and scored on invoices issued from it (outcomes read up to ``as_of``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from amicable.entrypoints.api.deps import AmicableApp, Uow, guard
from amicable.entrypoints.api.routes_offers import AsOf
from amicable.service import risk_queries

__all__ = ["router"]

router = APIRouter()


@router.get("/risk/backtest", tags=["risk"], **guard("risk.backtest"))
def backtest(
    split_date: Annotated[date, Query(description="train before it, test from it")],
    app: AmicableApp,
    uow: Uow,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Backtest the risk model against the days-past-due heuristic on a held-out period."""
    day = as_of if as_of is not None else app.clock.today()
    return risk_queries.run_backtest(uow, split_date=split_date, as_of=day)
