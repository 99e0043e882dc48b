"""``amicable demo``: the agent and static dunning simulated side by side on a fresh workspace,
offline; ``--json`` prints exactly ``{"agent": {KPIs}, "baseline": {KPIs}}``; the demo refuses to
clobber other folders. The full-size run (2,000 accounts, 90 days, the agent ahead) is marked
slow; its duration is measured by hand, never asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.entrypoints.cli import app

KPI_NAMES = {
    "recovered_30", "recovered_pct_30", "recovered_60", "recovered_90", "recovered_pct_90",
    "dso_end", "ptp_capture_rate", "ptp_kept_rate", "broken_plans", "touches_per_account",
    "escalations", "compliance_violations", "policy_violations",
}  # fmt: skip


def test_a_small_demo_prints_the_two_kpi_sets_and_writes_the_report(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    args = ["demo", "--accounts", "30", "--days", "3", "--seed", "3", "--workspace", str(workspace)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # nothing else on stdout
    assert set(data) == {"agent", "baseline"}
    for side in data.values():
        assert set(side) >= KPI_NAMES
        assert side["accounts"] == 30
    assert data["agent"]["opening_overdue"] == data["baseline"]["opening_overdue"]
    assert data["agent"]["compliance_violations"] == 0
    assert data["agent"]["policy_violations"] == 0
    html = (workspace / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org", "")
    report = json.loads((workspace / "report.json").read_text(encoding="utf-8"))
    assert set(report["series"]["recovered_pct"]) == {"agent", "baseline"}
    assert (workspace / "agent" / "amicable.db").exists()
    assert (workspace / "dunning" / "amicable.db").exists()
    # The human table on a second run, which starts afresh in the same workspace.
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.stderr
    out = " ".join(again.stdout.split())
    assert "static dunning" in out and "compliance_violations" in out
    assert "explore further" in out


def test_the_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "ledger.xlsx").write_text("not a demo")
    result = CliRunner().invoke(app, ["demo", "--workspace", str(precious)])
    assert result.exit_code == 2
    assert (precious / "ledger.xlsx").exists()


@pytest.mark.slow
def test_the_full_demo_runs_and_the_agent_beats_dunning(tmp_path: Path, db_backend: str) -> None:
    # Its duration is measured by hand and in the closing note, never asserted (timed tests are
    # not how performance is checked here).
    if db_backend != "sqlite":
        pytest.skip("the demo runs on the embedded default (SQLite): once, in the SQLite pass")
    result = CliRunner().invoke(app, ["demo", "--json", "--workspace", str(tmp_path / "d")])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    agent, baseline = data["agent"], data["baseline"]
    assert agent["compliance_violations"] == 0 and agent["policy_violations"] == 0
    for day in (30, 90):
        assert float(agent[f"recovered_{day}"]) > float(baseline[f"recovered_{day}"])
