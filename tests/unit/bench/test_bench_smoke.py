"""Smoke runs of every registered benchmark at a tiny scale, exactly as a person runs one:
``python -m bench NAME --scale 0.001 --json`` from the repository root. Each must finish without
error and report its figure, target, peak memory, the machine, the plain-read (baseline) time and
the ratio to it. The benchmarks themselves (scale 1) never run in the test suite.

``planning`` has its own smoke test (``test_plan_bench_smoke.py``); the benchmarks that need
PostgreSQL are skipped when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))  # ``bench`` is a top-level package of the repository

from bench.registry import BENCHMARKS  # noqa: E402

NEEDS_POSTGRES = {"import_postgres", "http_turns"}
OWN_SMOKE_TEST = {"planning"}
SMOKED = sorted(set(BENCHMARKS) - OWN_SMOKE_TEST)


def _postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _run(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doc = json.loads(done.stdout)
    assert isinstance(doc, dict)
    return doc


def test_every_registered_benchmark_has_a_smoke_test() -> None:
    assert set(SMOKED) | OWN_SMOKE_TEST == set(BENCHMARKS)


@pytest.mark.parametrize("name", SMOKED)
def test_the_benchmark_runs_at_small_scale_and_reports_its_figures(
    name: str, db_backend: str
) -> None:
    # Each benchmark is smoked once per suite run: those on PostgreSQL in the --db postgres pass
    # (where the server must answer), the others in the SQLite pass.
    wanted = "postgres" if name in NEEDS_POSTGRES else "sqlite"
    if db_backend != wanted:
        pytest.skip(f"smoked in the --db {wanted} pass")
    assert name not in NEEDS_POSTGRES or _postgres_up(), "no PostgreSQL server on 127.0.0.1:5432"
    doc = _run(name, "--scale", "0.001")
    assert doc["machine"]["cpus"] >= 1 and doc["machine"]["python"]
    (result,) = doc["results"]
    assert "error" not in result, result
    assert result["name"] == name
    assert isinstance(result["figure"], int | float) and result["figure"] > 0
    assert result["unit"] and result["target"] == BENCHMARKS[name].target
    assert isinstance(result["met"], bool)
    assert result["peak_memory_mib"] > 0
    assert result["baseline_seconds"] > 0 and result["baseline"]
    assert result["ratio_to_baseline"] > 0
    assert len(result["load_average"]) == 3


def test_the_text_output_names_the_machine_and_each_benchmark_with_its_ratio() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "nlu_parse", "--scale", "0.001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, line = done.stdout.splitlines()[:2]
    assert first.startswith("machine ") and "load average" in first
    assert line.startswith("nlu_parse") and "plain read" in line and "ratio" in line


def test_the_audit_chain_diagnostic_runs_and_its_chain_verifies(db_backend: str) -> None:
    """``python -m bench.audit_chain_bench`` (not a §9 target: the chain's throughput behind
    ``http_turns``), briefly, in the --db postgres pass."""
    if db_backend != "postgres":
        pytest.skip("smoked in the --db postgres pass")
    assert _postgres_up(), "no PostgreSQL server on 127.0.0.1:5432"
    done = subprocess.run(
        [sys.executable, "-m", "bench.audit_chain_bench", "--threads", "3", "--seconds", "0.5"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["commits"] > 0 and result["commits_per_second"] > 0
    assert result["verify_ok"] is True and len(result["load_average"]) == 3


def test_the_turn_cpu_diagnostic_runs(db_backend: str) -> None:
    """``python -m bench.turn_cpu_bench`` (not a §9 target: the service's share of a turn's CPU
    behind ``http_turns``), on a few conversations, in the --db postgres pass."""
    if db_backend != "postgres":
        pytest.skip("smoked in the --db postgres pass")
    assert _postgres_up(), "no PostgreSQL server on 127.0.0.1:5432"
    done = subprocess.run(
        [sys.executable, "-m", "bench.turn_cpu_bench", "--conversations", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["conversations"] == 2 and result["turns"] == 2 * 5
    assert result["opening_cpu_ms"] > 0 and result["turn_cpu_ms"] > 0
    assert result["statements_per_turn"] >= 5 and len(result["load_average"]) == 3
    # on PostgreSQL most of a turn's statements run on the driver's cursor
    assert result["driver_statements_per_turn"] >= 5
