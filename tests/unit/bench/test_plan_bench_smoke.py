"""Smoke run of the planning benchmark at a tiny scale, exactly as a person runs it:
``python -m bench planning --scale 0.001 --json`` from the repository root (``bench`` is a
top-level package there, not an installed one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_planning_benchmark_runs_at_small_scale_and_reports_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "planning", "--scale", "0.001", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert "error" not in result, result
    assert result["name"] == "planning"
    assert result["accounts"] == 1000
    assert result["invoices"] == 3000
    assert result["figure"] > 0 and result["baseline_seconds"] > 0
    assert result["peak_memory_mib"] > 0
    assert sum(result["by_action"].values()) == 1000
    assert result["met"] is True
