"""Daily planning at portfolio scale: 1,000,000 accounts / 3,000,000 invoices through
:func:`amicable.strategy.portfolio.plan_portfolio` (target ≤ 10 s and ≤ 4 GiB).

The data is generated directly as columns (NumPy, seeded): one row per invoice (account index,
open amount in minor units, days past due) and one row per account (currency, customer type,
tier, country, time zone, consents, dispute, broken promises, on-time share). The timed part is
what the daily run does after reading: aggregate the invoices per account, then plan. The baseline
is a plain read of the same rows with Polars from Parquet files this benchmark writes.
"""

from __future__ import annotations

import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ACCOUNTS = 1_000_000
INVOICES_PER_ACCOUNT = 3
AS_OF = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TARGET = "≤ 10 s and ≤ 4 GiB for 1,000,000 accounts / 3,000,000 invoices"

_ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
          "Europe/Paris", "Europe/Berlin", "America/Toronto", None)  # fmt: skip
_COUNTRIES = ("US", "US", "US", "GB", "FR", "DE", "CA", None)  # aligned with the zones
_CURRENCIES = ("USD", "USD", "USD", "GBP", "EUR", "EUR", "CAD", "USD")


def generate(accounts: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accounts, invoices) frames: seeded, ``INVOICES_PER_ACCOUNT`` invoices per account."""
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(_ZONES), accounts)
    accounts_frame = pl.DataFrame(
        {
            "account": pl.Series(np.arange(accounts)).cast(pl.String),
            "currency": np.array(_CURRENCIES)[place],
            "customer_type": np.where(rng.random(accounts) < 0.3, "consumer", "business"),
            "tier": np.where(rng.random(accounts) < 0.05, "enterprise", "smb"),
            "country": pl.Series(_COUNTRIES, dtype=pl.String).gather(place),
            "timezone": pl.Series(_ZONES, dtype=pl.String).gather(place),
            "dispute_open": rng.random(accounts) < 0.03,
            "broken_promises": rng.poisson(0.3, accounts).astype(np.int64),
            "on_time_share": np.where(
                rng.random(accounts) < 0.2, np.nan, rng.integers(0, 101, accounts) / 100
            ),
            "consent_email": rng.random(accounts) < 0.9,
            "consent_sms": rng.random(accounts) < 0.5,
            "consent_whatsapp": rng.random(accounts) < 0.2,
            "consent_call": rng.random(accounts) < 0.4,
            "final_notice_sent": rng.random(accounts) < 0.1,
        }
    ).with_columns(pl.col("on_time_share").fill_nan(None))
    n = accounts * INVOICES_PER_ACCOUNT
    invoices = pl.DataFrame(
        {
            "account_idx": np.repeat(np.arange(accounts), INVOICES_PER_ACCOUNT),
            "open_minor": rng.integers(1, 2_000_000, n),
            # Mostly young debt with a long tail; negative: not due yet.
            "days_past_due": np.minimum(rng.exponential(40.0, n), 500).astype(np.int64) - 15,
        }
    )
    return accounts_frame, invoices


def account_facts(accounts: pl.DataFrame, invoices: pl.DataFrame) -> pl.DataFrame:
    """Per-account facts from open invoices: balance = sum, days past due = the oldest's (0 when
    nothing is overdue yet, as the ledger's facts)."""
    agg = invoices.group_by("account_idx").agg(
        pl.col("open_minor").sum().alias("balance_minor"),
        pl.col("days_past_due").max().clip(lower_bound=0).alias("days_past_due"),
    )
    return (
        accounts.with_row_index("account_idx")
        .with_columns(pl.col("account_idx").cast(pl.Int64))
        .join(agg, on="account_idx", how="inner")
        .drop("account_idx")
    )


def run(scale: float) -> dict[str, Any]:
    from amicable.policy.load import default_policy_text, load_policy
    from amicable.strategy.portfolio import plan_portfolio

    accounts = max(100, int(ACCOUNTS * scale))
    policy = load_policy(default_policy_text())
    acc, inv = generate(accounts)
    with tempfile.TemporaryDirectory() as tmp:
        acc_path, inv_path = Path(tmp) / "accounts.parquet", Path(tmp) / "invoices.parquet"
        acc.write_parquet(acc_path)
        inv.write_parquet(inv_path)
        t0 = time.perf_counter()
        read_acc, read_inv = pl.read_parquet(acc_path), pl.read_parquet(inv_path)
        baseline = time.perf_counter() - t0
    assert read_acc.height == acc.height and read_inv.height == inv.height
    del read_acc, read_inv
    t0 = time.perf_counter()
    facts = account_facts(acc, inv)
    plan = plan_portfolio(facts, policy, as_of=AS_OF, now=NOW)
    seconds = time.perf_counter() - t0
    by_action = dict(plan.group_by("next_action").len().sort("next_action").iter_rows())
    scaled_target = 10.0 * accounts / ACCOUNTS
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "figure": round(seconds, 3),
        "unit": "s per plan",
        "target": TARGET,
        "met": seconds <= max(scaled_target, 0.5) and peak_mib <= 4096,
        "baseline_seconds": round(baseline, 3),
        "baseline": "Polars reading the same accounts and invoices from Parquet",
        "ratio_to_baseline": round(seconds / baseline, 1) if baseline else None,
        "accounts": plan.height,
        "invoices": inv.height,
        "by_action": by_action,
    }
