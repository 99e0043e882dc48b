"""``amicable plan`` end to end on the chosen database: sample files -> import -> plan (stored in
``daily_plans``) -> every stored row agrees with the per-account path for its account."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from amicable.adapters.db.tables import customers
from amicable.adapters.db.tables_planning import daily_plans
from amicable.bootstrap import bootstrap
from amicable.entrypoints.cli import app
from amicable.policy.evaluate import evaluate
from amicable.policy.optimise import HeuristicRisk
from amicable.service.policies import policy_facts, policy_in_force
from amicable.service.queries import account_facts
from amicable.sim.sample import generate_sample

AS_OF = "2026-03-01"
AT = "2026-03-02T14:00:00Z"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan_sample")
    generate_sample(out, accounts=120, seed=11, as_of=date(2026, 3, 1))
    return out


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    return result.exit_code, result.stdout, result.stderr


def run_json(url: str, *args: str) -> dict[str, object]:
    code, out, err = run(url, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def imported(database_url: str, sample_dir: Path) -> str:
    for kind in ("customers", "invoices", "payments"):
        data = run_json(database_url, "import", kind, str(sample_dir / f"{kind}.csv"))
        assert data["errors"] == [], data
    return database_url


def _stored(url: str) -> list[dict[str, object]]:
    application = bootstrap(url)
    try:
        with application.engine.connect() as conn:
            stmt = select(daily_plans, customers.c.external_id).join(
                customers, customers.c.id == daily_plans.c.customer_id
            )
            return [dict(r._mapping) for r in conn.execute(stmt)]
    finally:
        application.close()


def test_the_plan_summary_counts_every_owing_account_and_is_stored(imported: str) -> None:
    data = run_json(imported, "plan", "--as-of", AS_OF, "--at", AT)
    assert data["as_of"] == AS_OF and data["now"] == AT
    accounts = data["accounts"]
    assert isinstance(accounts, int) and accounts > 0
    assert sum(data["by_action"].values()) == accounts  # type: ignore[union-attr]
    assert sum(data["by_segment"].values()) == accounts  # type: ignore[union-attr]
    assert "learned_channel_choice" in data["not_vectorised"]  # type: ignore[operator]
    assert len(_stored(imported)) == accounts


def test_planning_the_same_day_again_replaces_its_rows(imported: str) -> None:
    first = run_json(imported, "plan", "--as-of", AS_OF, "--at", AT)
    second = run_json(imported, "plan", "--as-of", AS_OF, "--at", AT)
    assert first["accounts"] == second["accounts"]
    assert len(_stored(imported)) == first["accounts"]


def test_every_stored_row_agrees_with_the_per_account_path(imported: str) -> None:
    run_json(imported, "plan", "--as-of", AS_OF, "--at", AT)
    rows = _stored(imported)
    day = date.fromisoformat(AS_OF)
    application = bootstrap(imported)
    try:
        with application.uow() as uow:
            policy = policy_in_force(uow).policy
        for row in rows:
            ledger = account_facts(application.uow(), str(row["external_id"]), day)
            facts = policy_facts(ledger)
            assert facts is not None, row
            space = evaluate(policy, facts, as_of=day)
            where = f"account {row['external_id']}"
            assert row["segment"] == space.segment, where
            assert row["policy_action"] == space.action.value, where
            assert row["balance_minor"] == facts.balance.minor, where
            assert row["currency"] == facts.currency, where
            expected = HeuristicRisk().probability_of_payment(facts)
            assert abs(Decimal(repr(row["p_pay"])) - expected) < Decimal("1e-9"), where
            if row["earliest_at"] is not None:
                at = row["earliest_at"]
                assert isinstance(at, datetime)
                assert (at if at.tzinfo else at.replace(tzinfo=UTC)) >= datetime(
                    2026, 3, 2, 14, tzinfo=UTC
                ), where
    finally:
        application.close()


def test_a_bad_at_instant_is_refused_with_exit_code_2(database_url: str) -> None:
    code, _out, err = run(database_url, "plan", "--at", "tomorrow", "--json")
    assert code == 2
    assert "--at" in err
