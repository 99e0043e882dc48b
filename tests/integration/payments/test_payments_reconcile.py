"""Bank reconciliation through the persisted ledger: camt.053, camt.054, MT940 and CSV statements.

The ledger every test starts from (EUR)::

    Mueller Bau GmbH   INV-2026-0042  250.00  due 2026-03-01   (RF73INV20260042)
    ACME Widgets Ltd   INV-2026-0043  400.00  due 2026-03-01
    Jane Doe           JD-1           120.00  due 2026-03-04
    Jane Doe           JD-2           120.00  due (per test)

Matching by RF reference, by invoice number in the remittance, by amount + payer + date; an
ambiguous entry is queued, never posted; a statement imported twice posts nothing twice.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from payments_helpers import count, invoices, open_amounts

from amicable.adapters.bank import read_statement
from amicable.bootstrap import App
from amicable.service import payments as svc

BANK = Path(__file__).resolve().parents[2] / "fixtures" / "bank"


def ledger(app: App, jd2_due: date) -> None:
    invoices(app, ("INV-2026-0042", "250.00", date(2026, 3, 1)), customer="MB",
             name="Mueller Bau GmbH", currency="EUR")  # fmt: skip
    invoices(app, ("INV-2026-0043", "400.00", date(2026, 3, 1)), customer="ACME",
             name="ACME Widgets Ltd", currency="EUR")  # fmt: skip
    invoices(app, ("JD-1", "120.00", date(2026, 3, 4)), ("JD-2", "120.00", jd2_due),
             customer="JD", name="Jane Doe", currency="EUR")  # fmt: skip


def test_a_csv_statement_matches_by_reference_and_invoice_number_and_queues_ambiguity(
    app: App,
) -> None:
    ledger(app, jd2_due=date(2026, 3, 4))  # two equal open amounts from one payer
    report = svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    assert report.to_json() == {
        "entries": 4,
        "matched": 2,
        "posted": {"EUR": "650.00"},
        "unmatched": 2,
        "duplicates": 0,
        "errors": [],
    }
    assert {p[1]: p[2] for p in report.postings} == {
        "invoice:INV-2026-0042": "creditor_reference",
        "invoice:INV-2026-0043": "invoice_number",
    }
    assert open_amounts(app) == {
        "INV-2026-0042": "0.00", "INV-2026-0043": "0.00", "JD-1": "120.00", "JD-2": "120.00",
    }  # fmt: skip
    with app.uow() as uow:
        queue = uow.payments.unmatched()
    assert [q.status for q in queue] == ["ambiguous", "ambiguous"]
    assert [c[0] for c in queue[0].candidates][:2] == ["invoice:JD-1", "invoice:JD-2"]


def test_a_statement_imported_twice_posts_nothing_twice(app: App) -> None:
    ledger(app, jd2_due=date(2026, 3, 4))
    svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    again = svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    assert again.to_json() == {
        "entries": 4, "matched": 0, "posted": {}, "unmatched": 0, "duplicates": 4, "errors": [],
    }  # fmt: skip
    assert count(app, "payments") == 2


def test_amount_payer_and_date_match_when_one_invoice_fits(app: App) -> None:
    ledger(app, jd2_due=date(2026, 4, 20))  # JD-2 due far from the booking date
    report = svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    methods = {p[1]: p[2] for p in report.postings}
    assert methods["invoice:JD-1"] == "amount_payer_date"
    # The second 120.00 has only JD-2 left, outside the date window: queued, not posted.
    assert (report.matched, report.unmatched) == (3, 1)
    assert open_amounts(app)["JD-1"] == "0.00"
    assert open_amounts(app)["JD-2"] == "120.00"


def test_an_mt940_statement_matches_and_queues_a_credit_without_payer_evidence(app: App) -> None:
    ledger(app, jd2_due=date(2026, 4, 20))
    report = svc.reconcile(app.uow(), read_statement(BANK / "statement.mt940"))
    assert report.to_json()["posted"] == {"EUR": "650.00"}
    assert {p[1] for p in report.postings} == {"invoice:INV-2026-0042", "invoice:INV-2026-0043"}
    # "Jane Doe monthly rate" has no payer field: amount and date alone are not enough to post.
    with app.uow() as uow:
        (queued,) = uow.payments.unmatched()
    assert (queued.status, queued.candidates[0][0]) == ("unmatched", "invoice:JD-1")


def test_a_camt053_statement_reconciles_each_transaction_of_a_batched_entry(app: App) -> None:
    ledger(app, jd2_due=date(2026, 4, 20))
    report = svc.reconcile(app.uow(), read_statement(BANK / "camt053_v02.xml"))
    assert report.to_json() == {
        "entries": 3, "matched": 3, "posted": {"EUR": "770.00"}, "unmatched": 0,
        "duplicates": 0, "errors": [],
    }  # fmt: skip
    # One 520.00 booking carries two transactions: each is matched on its own evidence.
    assert [(p[1], p[2]) for p in report.postings] == [
        ("invoice:INV-2026-0042", "creditor_reference"),
        ("invoice:INV-2026-0043", "invoice_number"),
        ("invoice:JD-1", "amount_payer_date"),
    ]


def test_a_camt053_v08_credit_without_evidence_waits_in_the_queue_with_candidates(
    app: App,
) -> None:
    ledger(app, jd2_due=date(2026, 4, 20))
    report = svc.reconcile(app.uow(), read_statement(BANK / "camt053_v08.xml"))
    assert (report.matched, report.unmatched) == (1, 1)
    with app.uow() as uow:
        (queued,) = uow.payments.unmatched()
    assert (queued.amount_minor, queued.status) == (5000, "unmatched")
    assert queued.candidates[0][0] == "invoice:JD-2"


def test_a_camt054_notification_matches_by_rf_reference(app: App) -> None:
    ledger(app, jd2_due=date(2026, 4, 20))
    report = svc.reconcile(app.uow(), read_statement(BANK / "camt054_v08.xml"))
    assert report.matched >= 1
    assert {p[1]: p[2] for p in report.postings}["invoice:INV-2026-0043"] == "creditor_reference"
    assert open_amounts(app)["INV-2026-0043"] == "0.00"


def test_a_dry_run_reports_the_matches_and_writes_nothing(app: App) -> None:
    ledger(app, jd2_due=date(2026, 3, 4))
    report = svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"), dry_run=True)
    assert report.matched == 2
    assert count(app, "payments") == 0
    assert count(app, "statement_entries") == 0
    real = svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    assert real.matched == 2  # the dry run left nothing marked as seen


def test_a_plan_installment_is_paid_by_its_rf_reference(app: App, tmp_path: Path) -> None:
    from payments_helpers import RULES, plan_offer

    invoices(app, ("INV-9", "300.00", date(2026, 2, 1)), customer="C1", name="Red Rock Diner")
    plan = svc.create_plan_from_agreement(
        app.uow(), "C1",
        plan_offer((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "200.00")),
        agreed_on=date(2026, 3, 1), rules=RULES,
    ).plan  # fmt: skip
    csv = tmp_path / "plan.csv"
    csv.write_text(
        "date,amount,currency,payer,reference,account\n"
        f"2026-03-02,100.00,USD,Somebody Else,{plan.reference},US-1\n"
    )
    report = svc.reconcile(app.uow(), read_statement(csv))
    assert report.postings[0][1:] == (f"installment:{plan.id}#1", "creditor_reference")
    with app.uow() as uow:
        stored = uow.payments.plan(plan.id).plan
    assert [str(r[4]) for r in stored.table()] == ["paid", "scheduled"]
    assert open_amounts(app)["INV-9"] == "200.00"


@pytest.mark.parametrize("fmt", ["csv"])
def test_the_reconcile_command_prints_exactly_the_documented_json(
    app: App, database_url: str, fmt: str
) -> None:
    from typer.testing import CliRunner

    from amicable.entrypoints.cli import app as cli

    ledger(app, jd2_due=date(2026, 3, 4))
    runner = CliRunner()
    args = ["reconcile", str(BANK / "statement.csv"), "--format", fmt, "--json",
            "--database-url", database_url]  # fmt: skip
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {
        "entries": 4, "matched": 2, "posted": {"EUR": "650.00"}, "unmatched": 2,
        "duplicates": 0, "errors": [],
    }  # fmt: skip
    second = runner.invoke(cli, args)
    assert json.loads(second.stdout)["duplicates"] == 4
    assert json.loads(second.stdout)["posted"] == {}


def test_a_lax_matching_configuration_scores_every_open_item(app: App, tmp_path: Path) -> None:
    from decimal import Decimal

    from amicable.servicing.matching import MatchingConfig

    # "MUELLERBAU" shares no word with "Mueller Bau GmbH" and pays less than is open: left out
    # by the evidence pre-selection, yet a lax threshold of 0.40 would post it — so it is scored.
    invoices(app, ("INV-7", "250.00", date(2026, 3, 1)), customer="MB",
             name="Mueller Bau GmbH", currency="EUR")  # fmt: skip
    csv = tmp_path / "lax.csv"
    csv.write_text("date,amount,currency,payer,account\n2026-03-01,100.00,EUR,MUELLERBAU,DE1\n")
    strict = svc.reconcile(app.uow(), read_statement(csv), dry_run=True)
    assert (strict.matched, strict.unmatched) == (0, 1)
    lax = MatchingConfig(auto_post_threshold=Decimal("0.40"))
    report = svc.reconcile(app.uow(), read_statement(csv), dry_run=True, config=lax)
    assert report.matched == 1


def test_a_person_posts_a_queued_ambiguous_credit_to_the_invoice_they_choose(
    app: App, database_url: str
) -> None:
    from typer.testing import CliRunner

    from amicable.entrypoints.cli import app as cli

    ledger(app, jd2_due=date(2026, 3, 4))
    svc.reconcile(app.uow(), read_statement(BANK / "statement.csv"))
    with app.uow() as uow:
        first, second = uow.payments.unmatched()
    rec = svc.assign_queued_entry(app.uow(), first.entry_id, "invoice:JD-2")
    assert [(n, m.amount_str()) for n, m in rec.allocations] == [("JD-2", "120.00")]
    runner = CliRunner()
    out = runner.invoke(cli, ["payments", "assign", second.entry_id, "invoice:JD-1", "--json",
                              "--database-url", database_url])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["allocations"] == [{"invoice": "JD-1", "amount": "120.00"}]
    assert open_amounts(app)["JD-1"] == open_amounts(app)["JD-2"] == "0.00"
    with app.uow() as uow:
        assert uow.payments.unmatched() == []
    again = runner.invoke(cli, ["payments", "assign", second.entry_id, "invoice:JD-1",
                                "--database-url", database_url])  # fmt: skip
    assert again.exit_code == 2  # no longer in the queue
    # Re-importing the statement still posts nothing twice.
    assert svc.reconcile(app.uow(), read_statement(BANK / "statement.csv")).duplicates == 4
