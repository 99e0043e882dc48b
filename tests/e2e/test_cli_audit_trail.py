"""What a user does through the CLI leaves a verifiable audit trail: imports and policy versions."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from amicable.entrypoints.cli import app
from amicable.sim.sample import generate_sample


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def test_imports_and_policy_versions_are_recorded_in_a_chain_that_verifies(
    database_url: str, tmp_path: Path
) -> None:
    generate_sample(tmp_path, accounts=12, seed=5, as_of=date(2026, 11, 1))
    for kind in ("customers", "invoices"):
        code, _, err = run(database_url, "import", kind, str(tmp_path / f"{kind}.csv"))
        assert code == 0, err
    # A dry run writes nothing, so it leaves nothing in the trail either.
    code, _, err = run(
        database_url, "import", "payments", str(tmp_path / "payments.csv"), "--dry-run"
    )
    assert code == 0, err
    code, out, err = run(database_url, "accounts", "list", "--json")
    overdue = next(a for a in json.loads(out)["accounts"] if a["balances"])
    run(database_url, "offers", overdue["external_id"], "--as-of", "2026-11-01", "--json")

    code, out, err = run(database_url, "audit", "export", "--format", "json")
    assert code == 0, err
    records = json.loads(out)
    records = records["records"] if isinstance(records, dict) else records
    kinds = [r["kind"] for r in records]
    # the invoices file marks some invoices disputed: one dispute.opened per such account
    with (tmp_path / "invoices.csv").open(encoding="utf-8", newline="") as f:
        disputed = {r["customer_id"] for r in csv.DictReader(f) if r["disputed"] == "yes"}
    assert disputed, "the sample disputes some invoices"
    opened = ["dispute.opened"] * len(disputed)
    assert kinds == ["import.completed", *opened, "import.completed", "policy.applied"]
    assert {r["subject"] for r in records if r["kind"] == "dispute.opened"} == {
        f"account:{c}" for c in disputed
    }
    assert records[-1]["actor"] == "system (packaged default)"

    code, out, err = run(database_url, "audit", "verify", "--json")
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["ok"] is True and verdict["records"] == len(kinds)
