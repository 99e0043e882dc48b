"""The sample portfolio: deterministic, self-consistent, and readable by the parsers."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord, RowError
from amicable.entrypoints.cli import app
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)


def _files(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes()
            for name in ("customers.csv", "invoices.csv", "payments.csv")}  # fmt: skip


def test_the_same_seed_writes_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    generate_sample(tmp_path / "a", accounts=150, seed=11, as_of=AS_OF)
    generate_sample(tmp_path / "b", accounts=150, seed=11, as_of=AS_OF)
    generate_sample(tmp_path / "c", accounts=150, seed=12, as_of=AS_OF)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")["invoices.csv"] != _files(tmp_path / "c")["invoices.csv"]


def test_the_generated_portfolio_parses_with_zero_errors(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path, accounts=400, seed=7, as_of=AS_OF)

    customers = list(read_customers(tmp_path / "customers.csv"))
    invoices = list(read_invoices(tmp_path / "invoices.csv"))
    payments = list(read_payments(tmp_path / "payments.csv"))
    for results in (customers, invoices, payments):
        assert [r for r in results if isinstance(r, RowError)] == []
    assert len(customers) == summary.customers == 400
    assert len(invoices) == summary.invoices and len(payments) == summary.payments
    assert 2.5 <= summary.invoices / summary.customers <= 3.5


def test_the_portfolio_is_mixed_and_consistent(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path, accounts=600, seed=3, as_of=AS_OF)
    customers = [r for r in read_customers(tmp_path / "customers.csv")
                 if isinstance(r, CustomerRecord)]  # fmt: skip
    invoices = [r for r in read_invoices(tmp_path / "invoices.csv") if isinstance(r, InvoiceRecord)]
    payments = [r for r in read_payments(tmp_path / "payments.csv") if isinstance(r, PaymentRecord)]

    assert {c.customer_type for c in customers} == {"business", "consumer"}
    assert {c.country for c in customers} == {"US", "GB", "FR", "ES", "DE", "CA"}
    assert {"CA", "MA", "WA", "NY", "CO"} <= {c.region for c in customers if c.country == "US"}
    assert {c.language for c in customers} == {"en", "fr", "es"}
    assert {i.amount.code for i in invoices} == {"USD", "GBP", "EUR", "CAD"}
    granted = Counter((c.channel, c.granted) for cust in customers for c in cust.consents)
    assert granted[("email", True)] and granted[("email", False)] and granted[("sms", True)]
    assert any(not c.consents for c in customers)
    assert 0 < summary.disputed_invoices == sum(i.disputed for i in invoices)
    assert 0 < summary.open_invoices == sum(not i.open_amount.is_zero() for i in invoices)

    # Open amount = amount - payments, and nothing is dated after as_of.
    by_number = {i.number: i for i in invoices}
    paid: defaultdict[str, Decimal] = defaultdict(Decimal)
    for p in payments:
        assert p.received_on <= AS_OF and p.invoice_number in by_number
        invoice = by_number[p.invoice_number]
        assert p.customer_ref == invoice.customer_ref and p.amount.code == invoice.amount.code
        paid[p.invoice_number] += p.amount.amount
    for invoice in invoices:
        assert invoice.issue_date <= AS_OF
        assert invoice.open_amount.amount == invoice.amount.amount - paid[invoice.number]


def test_payment_history_separates_punctual_from_late_payers(tmp_path: Path) -> None:
    generate_sample(tmp_path, accounts=800, seed=5, as_of=AS_OF)
    with (tmp_path / "profiles.csv").open(encoding="utf-8") as fh:
        profile = dict(row for row in csv.reader(fh))
    # The hidden truth is not in the files the agent imports.
    customers = [c for c in read_customers(tmp_path / "customers.csv")
                 if isinstance(c, CustomerRecord)]  # fmt: skip
    assert not {t for c in customers for t in c.tags} & set(profile.values())
    due = {i.number: i.due_date for i in read_invoices(tmp_path / "invoices.csv")
           if isinstance(i, InvoiceRecord)}  # fmt: skip
    delays: defaultdict[str, list[int]] = defaultdict(list)
    for p in read_payments(tmp_path / "payments.csv"):
        if isinstance(p, PaymentRecord) and p.invoice_number is not None:
            delays[profile[p.customer_ref]].append((p.received_on - due[p.invoice_number]).days)

    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    assert mean(delays["early"]) < mean(delays["punctual"]) < mean(delays["late"])
    assert mean(delays["late"]) < mean(delays["very_late"])


def test_the_sample_command_writes_the_files_and_prints_a_json_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["sample", "--accounts", "25", "--seed", "9", "--out", str(tmp_path), "--as-of",
         "2026-03-01", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["customers"] == 25 and summary["as_of"] == "2026-03-01"
    with (tmp_path / "invoices.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.reader(handle)) == summary["invoices"] + 1


def test_the_sample_command_refuses_a_bad_as_of_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--as-of", "03/01/2026"])
    assert result.exit_code == 2
