"""Policy versions and offers through the CLI, on the backend chosen by ``--db``.

A ledger is written with one overdue account; then a user validates, applies, lists, shows and
diffs policies, asks for the account's offers and runs the gate on offers of their own.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import CustomerRecord, InvoiceRecord
from amicable.entrypoints.cli import app as cli
from amicable.policy.load import default_policy_text
from amicable.service.imports import import_customers, import_invoices

AS_OF = "2026-11-01"


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ledger(app: App, database_url: str) -> str:
    """Red Rock Diner owes 1,200.00 USD, 45 days past due; Blue Lake owes nothing."""
    import_customers(
        app.uow(),
        [
            CustomerRecord(1, "C1", "Red Rock Diner", "business", country="US", region="CO"),
            CustomerRecord(2, "C2", "Blue Lake", "business", country="US", region="CO"),
        ],
    )
    usd = "USD"
    import_invoices(
        app.uow(),
        [
            InvoiceRecord(
                1,
                "C1",
                "INV-1",
                date(2026, 8, 1),
                date(2026, 9, 17),
                Money.of("1200.00", usd),
                Money.of("1200.00", usd),
            ),
            InvoiceRecord(
                2,
                "C2",
                "INV-2",
                date(2026, 8, 1),
                date(2026, 9, 17),
                Money.of("300.00", usd),
                Money.of("0.00", usd),
            ),
        ],
    )
    return database_url


def test_offers_follow_the_packaged_default_policy_stored_as_version_one(ledger: str) -> None:
    code, out, err = run(ledger, "offers", "Red Rock Diner", "--as-of", AS_OF, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {
        "policy_version", "segment", "action", "bounds", "recommended", "ladder", "reasons",
    }  # fmt: skip
    assert doc["policy_version"] == "2026-11#1"
    assert (doc["segment"], doc["action"]) == ("standard", "negotiate")
    offer = doc["recommended"]
    assert set(offer) == {
        "kind", "total", "currency", "down_payment", "installments", "discount",
        "requires_approval",
    }  # fmt: skip
    payments = [Money.of(p["amount"], "USD") for p in offer["installments"]]
    assert Money.sum(payments, "USD") == Money.of(offer["total"], "USD")
    assert doc["ladder"][0] == offer
    code, out, _ = run(ledger, "policy", "list", "--json")
    assert [v["version"] for v in json.loads(out)["versions"]] == [1]


def test_an_account_that_owes_nothing_gets_no_offer(ledger: str) -> None:
    code, out, _ = run(ledger, "offers", "C2", "--as-of", AS_OF, "--json")
    assert code == 0
    assert json.loads(out)["message"] == "nothing is owed on this account"


def test_the_gate_accepts_an_in_policy_offer_and_refuses_a_discount_above_the_ceiling(
    ledger: str,
) -> None:
    _, out, _ = run(ledger, "offers", "C1", "--as-of", AS_OF, "--json")
    recommended = json.loads(out)["recommended"]
    code, out, err = run(
        ledger, "offers", "check", "C1", "--offer", json.dumps(recommended), "--as-of", AS_OF,
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["outcome"] == "ok"

    greedy = {
        "kind": "settlement", "total": "600.00", "currency": "USD", "down_payment": None,
        "installments": [{"due_date": "2026-11-05", "amount": "600.00"}], "discount": "600.00",
        "requires_approval": False,
    }  # fmt: skip
    code, out, _ = run(
        ledger, "offers", "check", "C1", "--offer", json.dumps(greedy), "--as-of", AS_OF, "--json"
    )
    assert code == 1
    verdict = json.loads(out)
    assert verdict["outcome"] == "refused"
    assert "discount_above_maximum" in {v["code"] for v in verdict["violations"]}


def test_money_as_a_json_number_is_refused_in_an_offer(ledger: str) -> None:
    offer = {
        "kind": "full", "total": 1200.00, "currency": "USD", "down_payment": None,
        "installments": [{"due_date": "2026-11-05", "amount": "1200.00"}], "discount": "0.00",
        "requires_approval": False,
    }  # fmt: skip
    code, _, err = run(
        ledger, "offers", "check", "C1", "--offer", json.dumps(offer), "--as-of", AS_OF, "--json"
    )
    assert code == 2
    assert "total" in err


def test_apply_stores_a_new_version_and_diff_shows_what_changed(
    ledger: str, tmp_path: Path
) -> None:
    stricter = default_policy_text().replace('max_discount_pct: "5"', 'max_discount_pct: "2"')
    assert stricter != default_policy_text()
    path = tmp_path / "stricter.yaml"
    path.write_text(stricter)
    run(ledger, "offers", "C1", "--as-of", AS_OF, "--json")  # stores the default as version 1
    code, out, err = run(ledger, "policy", "apply", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["version"] == 2
    code, out, _ = run(ledger, "policy", "diff", "1", "2", "--json")
    changes = json.loads(out)["changes"]
    # Every currency's standard segment was made stricter, and nothing else changed.
    assert len(changes) == 4
    assert all("terms.settlement.max_discount_pct: '5' -> '2'" in c for c in changes)
    _, out, _ = run(ledger, "offers", "C1", "--as-of", AS_OF, "--json")
    doc = json.loads(out)
    assert doc["policy_version"] == "2026-11#2"
    assert doc["bounds"]["settlement"]["max_discount_pct"]["value"] == "2"
    _, out, _ = run(ledger, "policy", "show", "--version", "1", "--json")
    assert 'max_discount_pct: "5"' in json.loads(out)["yaml"]


def test_an_invalid_policy_is_never_applied(ledger: str, tmp_path: Path) -> None:
    bad = default_policy_text().replace(
        "installments: {min: 2, max: 6}", "installments: {min: 7, max: 6}"
    )
    assert bad != default_policy_text()
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    code, _, err = run(ledger, "policy", "apply", str(path))
    assert code == 1
    assert "installments" in err
    _, out, _ = run(ledger, "policy", "list", "--json")
    assert json.loads(out)["versions"] == []
