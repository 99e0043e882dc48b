"""Import benchmark: 1,000,000 invoice rows (generic CSV) into SQLite and into PostgreSQL.

The figure is the wall time of the whole import use case (parse, validate, write, commit) into a
fresh database; the baseline is Polars reading the same file, so the ratio survives a noisy machine.
The file is read the way ``amicable import invoices`` reads it: the columnar reader
(``read_invoice_batches``) running ahead in a thread (``prefetched``).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import psycopg

from amicable.adapters.importers import read_invoice_batches
from amicable.bootstrap import bootstrap
from amicable.service.imports import import_invoices, prefetched
from bench.data import count_rows, sample_dir

FULL_ROWS = 1_000_000
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
#: One database per run (the process id): two runs at once (a smoke test while a person
#: benchmarks) never drop each other's database.
PG_BENCH_DB = f"amicable_bench_{os.getpid()}"


def _accounts_for(scale: float) -> int:
    # The sample generator writes about three invoices per account.
    return max(10, round(FULL_ROWS * scale / 3))


def _run(url: str, scale: float, target_seconds: float) -> dict[str, Any]:
    folder = sample_dir(_accounts_for(scale))
    invoices = folder / "invoices.csv"
    rows = count_rows(invoices)

    started = time.perf_counter()
    pl.read_csv(invoices, infer_schema_length=0)
    baseline = time.perf_counter() - started

    app = bootstrap(url)
    try:
        app.init()
        started = time.perf_counter()
        # As the CLI does: the reader (Polars, GIL released) runs ahead in a thread.
        stream = prefetched(read_invoice_batches(invoices))
        result = import_invoices(app.uow(), stream, source=str(invoices))
        seconds = time.perf_counter() - started
    finally:
        app.close()
    if result.errors or result.imported != rows:
        raise RuntimeError(f"import did not take every row: {result.to_json()}")
    # The target is for 1,000,000 rows; smaller (smoke) runs are held to the same rate.
    target = target_seconds * rows / FULL_ROWS
    return {
        "figure": round(seconds, 2),
        "unit": "s",
        "rows": rows,
        "rows_per_second": round(rows / seconds),
        "target_seconds": round(target, 2),
        "met": seconds <= target,
        "baseline_seconds": round(baseline, 3),
        "baseline": "Polars reading the same CSV (all columns as text)",
        "ratio_to_baseline": round(seconds / baseline, 1) if baseline else None,
    }


def run_sqlite(scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return _run(f"sqlite:///{Path(tmp) / 'bench.db'}", scale, 60.0)


def run_postgres(scale: float) -> dict[str, Any]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    try:
        return _run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}", scale, 30.0)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
