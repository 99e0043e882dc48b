"""``amicable simulate``: one strategy on a simulated population, as JSON or a table; bad options
are refused with a message."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from amicable.entrypoints.cli import app


def test_simulate_prints_the_kpis_and_series_of_a_baseline(tmp_path: Path) -> None:
    args = ["simulate", "--accounts", "30", "--days", "3", "--strategy", "aggressive",
            "--seed", "4", "--workspace", str(tmp_path), "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["strategy"] == "aggressive" and data["days"] == 3 and data["seed"] == 4
    assert data["kpis"]["accounts"] == 30
    assert len(data["series"]["recovered_pct"]) == 3
    assert (tmp_path / "aggressive" / "amicable.db").exists()
    table = CliRunner().invoke(app, args[:-1])
    assert table.exit_code == 0, table.stderr
    assert "touches_per_account" in " ".join(table.stdout.split())


def test_simulate_refuses_an_unknown_strategy(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--strategy", "magic", "--workspace", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "magic" in result.stderr


def test_simulate_splits_the_run_into_shards_with_workers(tmp_path: Path) -> None:
    args = ["simulate", "--accounts", "30", "--days", "3", "--strategy", "dunning",
            "--seed", "4", "--workspace", str(tmp_path), "--workers", "2", "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["workers"] == 2 and data["kpis"]["accounts"] == 30
    assert (tmp_path / "dunning" / "shard-1-of-2" / "amicable.db").exists()
    assert (tmp_path / "dunning" / "shard-2-of-2" / "amicable.db").exists()
    refused = CliRunner().invoke(app, [*args[:-3], "--workers", "0"])
    assert refused.exit_code != 0 and "--workers" in refused.stderr
