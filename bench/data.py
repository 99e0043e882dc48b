"""Benchmark data: sample portfolios generated once per size and cached under ``bench/.data``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from amicable.sim.sample import generate_sample

DATA_DIR = Path(__file__).with_name(".data")
AS_OF = date(2026, 11, 1)


def sample_dir(accounts: int, seed: int = 7) -> Path:
    """A directory holding customers.csv, invoices.csv and payments.csv for ``accounts``."""
    out = DATA_DIR / f"sample-{accounts}-{seed}"
    done = out / ".complete"
    if not done.exists():
        out.mkdir(parents=True, exist_ok=True)
        generate_sample(out, accounts=accounts, seed=seed, as_of=AS_OF)
        done.write_text("ok\n")
    return out


def count_rows(path: Path) -> int:
    """Data rows of a CSV file with one header line."""
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1
