"""``amicable risk train`` and ``amicable risk backtest`` end to end on the chosen database:
sample files -> import -> train (stored as a model version) -> backtest JSON contract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amicable.bootstrap import bootstrap
from amicable.entrypoints.cli import app
from amicable.service.risk_queries import load_risk_estimator
from amicable.sim.sample import generate_sample

AS_OF = "2026-03-01"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("risk_sample")
    generate_sample(out, accounts=300, seed=5, as_of=date(2026, 3, 1))
    return out


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def run_json(url: str, *args: str) -> dict[str, object]:
    code, out, err = run(url, *args, "--json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def imported(database_url: str, sample_dir: Path) -> str:
    for kind in ("customers", "invoices", "payments"):
        data = run_json(database_url, "import", kind, str(sample_dir / f"{kind}.csv"))
        assert data["errors"] == [], data
    return database_url


def test_backtest_prints_exactly_the_contract_and_beats_the_baseline(imported: str) -> None:
    data = run_json(imported, "risk", "backtest", "--split-date", "2025-10-15", "--as-of", AS_OF)
    assert list(data) == ["n", "auc", "brier", "calibration", "baseline_auc"]
    assert isinstance(data["n"], int) and data["n"] > 100
    assert isinstance(data["auc"], float) and isinstance(data["baseline_auc"], float)
    assert data["auc"] > data["baseline_auc"]
    assert isinstance(data["calibration"], list) and data["calibration"]


def test_training_stores_a_new_model_version_that_the_risk_port_loads(imported: str) -> None:
    first = run_json(imported, "risk", "train", "--as-of", AS_OF)
    assert first["version"] == 1 and first["kind"] == "model"
    assert first["trained_until"] == "2026-03-02"
    assert first["storage"] == "database table risk_models"
    second = run_json(imported, "risk", "train", "--as-of", AS_OF)
    assert second["version"] == 2
    application = bootstrap(imported)
    try:
        estimator = load_risk_estimator(application.uow())
    finally:
        application.close()
    assert estimator is not None and estimator.model.kind == "model"


def test_an_empty_ledger_trains_the_cold_start_heuristic(database_url: str) -> None:
    data = run_json(database_url, "risk", "train", "--as-of", AS_OF)
    assert (data["kind"], data["trained_rows"]) == ("heuristic", 0)


def test_a_bad_split_date_is_refused_with_exit_code_2(database_url: str) -> None:
    code, _, err = run(database_url, "risk", "backtest", "--split-date", "2025-13-01")
    assert code == 2 and "--split-date" in err
    code, _, err = run(
        database_url, "risk", "backtest", "--split-date", "2026-06-01", "--as-of", AS_OF
    )
    assert code == 2 and "after the as-of date" in err


def test_the_history_read_from_the_database_stops_at_its_as_of_date(imported: str) -> None:
    application = bootstrap(imported)
    try:
        with application.uow() as uow:
            full = uow.strategy.history(date(2026, 3, 1))
            past = uow.strategy.history(date(2025, 12, 31))
    finally:
        application.close()
    assert len(full.invoices) > len(past.invoices) > 0
    assert all(i.issue_date <= date(2025, 12, 31) for i in past.invoices)
    assert all(p.received_on <= date(2025, 12, 31) for i in past.invoices for p in i.payments)
    assert any(i.payments for i in full.invoices)
    full_by_number = {i.number: i for i in full.invoices}
    assert all(i.amount_minor == full_by_number[i.number].amount_minor for i in past.invoices)
