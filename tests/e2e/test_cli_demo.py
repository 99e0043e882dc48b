"""``amicable demo`` runs on a fresh workspace, offline, and refuses to clobber other folders."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from amicable.entrypoints.cli import app


def test_the_demo_builds_a_workspace_and_reports_aging_dso_and_offers(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    args = ["demo", "--accounts", "60", "--seed", "3", "--workspace", str(workspace)]
    result = CliRunner().invoke(app, [*args, "--as-of", "2026-11-02"])
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())  # Rich wraps to the terminal width
    assert "imported 60 customers" in out
    assert "Aging as of 2026-11-02" in out and "DSO" in out
    assert "overdue accounts under the policy in force" in out
    assert (workspace / "amicable.db").exists()
    assert (workspace / "sample" / "invoices.csv").exists()
    # Running it again starts afresh in the same workspace.
    again = CliRunner().invoke(app, [*args, "--as-of", "2026-11-02"])
    assert again.exit_code == 0, again.stderr
    assert again.stdout.count("imported 60 customers") == 1


def test_the_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "ledger.xlsx").write_text("not a demo")
    result = CliRunner().invoke(app, ["demo", "--workspace", str(precious)])
    assert result.exit_code == 2
    assert (precious / "ledger.xlsx").exists()
