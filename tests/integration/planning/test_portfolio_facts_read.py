"""The bulk read of ``amicable plan`` (one SQL aggregate per fact family, streamed into Polars)
gives exactly the facts of the per-account read it replaced, on random portfolios.

The oracle, :func:`per_account_read`, is the previous implementation of
``service.planning.portfolio_facts``: the ledger's report queries (``invoice_balances``,
``unallocated``, ``settlements``) and ``ledger.customers`` rows, mapped account by account in
Python with ``payment_profile`` and ``days_past_due`` — the rules of the per-account path. The
portfolios are sample portfolios (random seed) with extra invoices in a second currency (some
settled, some disputed) and payments without an invoice (applied oldest first, the rest left as
an unallocated credit, some in a currency the customer has no invoice in), read at several dates.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import bootstrap
from amicable.domain.accounts import payment_profile
from amicable.domain.ledger import days_past_due
from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.planning import portfolio_facts
from amicable.sim.sample import INVOICE_HEADER, PAYMENT_HEADER, generate_sample

AS_OF = date(2026, 3, 1)
OTHER = {"USD": "EUR", "EUR": "GBP", "GBP": "USD", "CAD": "USD", "MXN": "USD"}


@dataclass
class _Open:
    balances: dict[str, int]
    oldest: date | None = None
    dispute: bool = False


def per_account_read(uow: ApiUnitOfWork, as_of: date) -> pl.DataFrame:
    """The per-account read (the previous ``portfolio_facts``), kept here as the oracle."""
    opened: dict[int, _Open] = defaultdict(lambda: _Open(defaultdict(int)))
    for inv in uow.reports.invoice_balances(as_of):
        if inv.open_minor == 0:
            continue
        acc = opened[inv.customer_id]
        acc.balances[inv.currency] += inv.open_minor
        if inv.open_minor > 0:
            if acc.oldest is None or inv.due_date < acc.oldest:
                acc.oldest = inv.due_date
            acc.dispute = acc.dispute or inv.dispute_status == "open"
    for (cid, code), minor in uow.reports.unallocated(as_of).items():
        opened[cid].balances[code] += minor
    owing: dict[int, tuple[str, int]] = {}
    for cid, acc in opened.items():
        nonzero = {c: m for c, m in acc.balances.items() if m}
        if not nonzero:
            continue
        main = max(nonzero, key=lambda c: (nonzero[c], c))
        if nonzero[main] > 0:
            owing[cid] = (main, nonzero[main])
    refs = uow.reports.customer_refs()
    cols: dict[str, list[Any]] = defaultdict(list)
    ids = sorted(owing)
    stored = uow.ledger.customers([refs[c].external_id for c in ids])
    history = uow.reports.settlements(ids, as_of)
    for cid in ids:
        c = stored[refs[cid].external_id].customer
        code, minor = owing[cid]
        acc = opened[cid]
        refused = {str(r.channel) for r in c.consents if not r.granted}
        share = payment_profile(history.get(cid, [])).on_time_share
        cols["customer_id"].append(cid)
        cols["account"].append(c.external_id)
        cols["balance_minor"].append(minor)
        cols["currency"].append(code)
        cols["days_past_due"].append(0 if acc.oldest is None else days_past_due(acc.oldest, as_of))
        cols["customer_type"].append(c.customer_type)
        cols["tier"].append(c.tier)
        cols["country"].append(c.country)
        cols["region"].append(c.region)
        cols["dispute_open"].append(acc.dispute)
        cols["tags"].append(list(c.tags))
        cols["on_time_share"].append(None if share is None else float(share))
        cols["timezone"].append(c.timezone)
        cols["consent_email"].append(bool(c.emails) and "email" not in refused)
        cols["consent_sms"].append(bool(c.phones) and "sms" not in refused)
        cols["consent_whatsapp"].append(bool(c.phones) and "whatsapp" not in refused)
    schema: dict[str, Any] = {
        "customer_id": pl.Int64, "account": pl.String, "balance_minor": pl.Int64,
        "currency": pl.String, "days_past_due": pl.Int64, "customer_type": pl.String,
        "tier": pl.String, "country": pl.String, "region": pl.String, "dispute_open": pl.Boolean,
        "tags": pl.List(pl.String), "on_time_share": pl.Float64, "timezone": pl.String,
        "consent_email": pl.Boolean, "consent_sms": pl.Boolean, "consent_whatsapp": pl.Boolean,
    }  # fmt: skip
    return pl.DataFrame({k: cols.get(k, []) for k in schema}, schema=schema)


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _extras(folder: Path, rng: random.Random) -> tuple[Path, Path]:
    """Invoices in a second currency and payments without an invoice, for random customers."""
    with (folder / "customers.csv").open(encoding="utf-8") as fh:
        people = [(r["customer_id"], r["name"]) for r in csv.DictReader(fh)]
    with (folder / "invoices.csv").open(encoding="utf-8") as fh:
        currency = {r["customer_id"]: r["currency"] for r in csv.DictReader(fh)}
    invoices, payments = folder / "extra_invoices.csv", folder / "extra_payments.csv"
    with (
        invoices.open("w", newline="", encoding="utf-8") as fi,
        payments.open("w", newline="", encoding="utf-8") as fp,
    ):
        iw, pw = csv.writer(fi, lineterminator="\n"), csv.writer(fp, lineterminator="\n")
        iw.writerow(INVOICE_HEADER)
        pw.writerow(PAYMENT_HEADER)
        for n, (ref, name) in enumerate(people):
            home = currency.get(ref, "USD")
            if rng.random() < 0.35:
                code = OTHER.get(home, "EUR")
                issue = AS_OF - timedelta(days=rng.randint(0, 200))
                amount = rng.randint(1_000, 3_000_000)
                open_minor = rng.choice((0, amount, rng.randint(1, amount)))
                disputed = "yes" if open_minor and rng.random() < 0.3 else "no"
                iw.writerow((ref, name, f"X-{n}", issue.isoformat(),
                             (issue + timedelta(days=rng.choice((0, 15, 30, 60)))).isoformat(),
                             code, _money(amount), _money(open_minor), disputed, ""))  # fmt: skip
            if rng.random() < 0.25:
                code = home if rng.random() < 0.7 else OTHER.get(home, "EUR")
                received = AS_OF - timedelta(days=rng.randint(0, 120))
                pw.writerow((ref, f"XP-{n}", received.isoformat(), code,
                             _money(rng.randint(100, 5_000_000)), "", "wire"))  # fmt: skip
    return invoices, payments


@pytest.mark.parametrize("seed", [3, 29])
def test_the_bulk_read_equals_the_per_account_read_on_a_random_portfolio(
    database_url: str, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    generate_sample(tmp_path, accounts=150, seed=seed, as_of=AS_OF)
    extra_invoices, extra_payments = _extras(tmp_path, rng)
    app = bootstrap(database_url)
    try:
        assert not import_customers(app.uow(), read_customers(tmp_path / "customers.csv")).errors
        for path in (tmp_path / "invoices.csv", extra_invoices):
            assert not import_invoices(app.uow(), read_invoices(path)).errors
        for path in (tmp_path / "payments.csv", extra_payments):
            assert not import_payments(app.uow(), read_payments(path)).errors
        days = [AS_OF, AS_OF - timedelta(days=45), AS_OF - timedelta(days=rng.randint(90, 300))]
        with app.uow() as uow:
            for day in days:
                expected = per_account_read(uow, day)
                got = portfolio_facts(uow, day)
                assert expected.height > 0
                assert_frame_equal(got, expected, check_exact=True)
            # The portfolio exercises what the read must get right.
            assert expected.get_column("dispute_open").any()
            assert expected.get_column("on_time_share").is_null().any()
            assert expected.get_column("consent_sms").not_().any()
            positions = uow.planning.open_positions(AS_OF)
            assert positions.get_column("customer_id").is_duplicated().any()  # two currencies
            assert (positions.get_column("balance_minor") < 0).any()  # a credit
    finally:
        app.close()


def test_an_empty_portfolio_reads_as_an_empty_frame_with_the_columns(database_url: str) -> None:
    app = bootstrap(database_url)
    try:
        with app.uow() as uow:
            got = portfolio_facts(uow, AS_OF)
            assert_frame_equal(got, per_account_read(uow, AS_OF))
            assert got.height == 0
    finally:
        app.close()
