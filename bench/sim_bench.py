"""Simulation: 10,000 accounts × 90 days with the agent strategy (DESIGN.md §9: ≤ 60 s).

The figure is the wall time of :func:`amicable.sim.world.simulate` (sample generation, import,
then every simulated day: the agent's loop, the debtors' replies and payments, the observer) in a
temporary directory, split into one shard per core (``workers``, as ``amicable simulate
--workers``): independent worlds over parts of the portfolio, each in its own process with its
own SQLite database. The peak memory reported is this process's plus every shard's (each
shard's own peak, added: an upper bound of what was in use at once). Smaller (smoke) runs scale both the accounts and
the days and are held to the same rate per account-day. The baseline is Polars reading the sample
files the run generated (customers, invoices, payments).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

FULL_ACCOUNTS = 10_000
FULL_DAYS = 90
TARGET_SECONDS = 60.0
TARGET = "<= 60 s for 10,000 accounts x 90 days (agent strategy)"
AS_OF = date(2026, 11, 1)
SEED = 7


def run(scale: float) -> dict[str, Any]:
    from amicable.sim.world import simulate

    accounts = max(10, round(FULL_ACCOUNTS * scale))
    days = max(2, round(FULL_DAYS * scale))
    workers = max(1, min(os.cpu_count() or 1, 2))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = simulate(
            Path(tmp),
            accounts=accounts,
            days=days,
            strategy="agent",
            seed=SEED,
            as_of=AS_OF,
            workers=workers,
        )
        seconds = time.perf_counter() - started
        sample = Path(tmp) / "agent" / "sample"
        started = time.perf_counter()
        rows = sum(
            pl.read_csv(sample / f"{kind}.csv", infer_schema_length=0).height
            for kind in ("customers", "invoices", "payments")
        )
        baseline = time.perf_counter() - started
    target = TARGET_SECONDS * (accounts * days) / (FULL_ACCOUNTS * FULL_DAYS)
    return {
        "figure": round(seconds, 2),
        "unit": "s",
        "target": TARGET,
        "target_seconds": round(target, 3),
        "met": seconds <= target,
        "baseline_seconds": round(baseline, 4),
        "baseline": f"Polars reading the run's sample files ({rows} rows)",
        "ratio_to_baseline": round(seconds / baseline, 1) if baseline else None,
        "accounts": accounts,
        "days": days,
        "account_days_per_second": round(accounts * days / seconds),
        "workers": result.workers,
        "worker_peaks_mib": list(result.worker_peaks_mib),
        "peak_memory_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            + sum(result.worker_peaks_mib),
            1,
        ),
        "kpis": result.kpis,
    }
