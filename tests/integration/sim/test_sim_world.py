"""A small simulation of the agent (60 accounts × 30 days) on SQLite or PostgreSQL (``--db``):
no compliance or policy violation; every debtor message went through the real inbound path and
landed in a conversation; every simulated payment was posted once to the ledger; the same seed
gives the same figures (the second run on a fresh SQLite file, so the database does not matter);
and a baseline on the same population starts from the same opening balance."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from amicable.adapters.db.tables import payments
from amicable.adapters.db.tables_conversations import conversation_messages
from amicable.adapters.db.tables_payments import provider_events
from amicable.adapters.db.tables_runtime import inbound_events
from amicable.bootstrap import bootstrap
from amicable.sim.world import simulate

AS_OF = date(2026, 3, 1)


def test_a_small_agent_simulation_keeps_its_invariants(database_url: str, tmp_path: Path) -> None:
    result = simulate(tmp_path / "a", accounts=60, days=30, strategy="agent", seed=5, as_of=AS_OF,
                      database_url=database_url)  # fmt: skip
    k = result.kpis
    assert k["compliance_violations"] == 0
    assert k["policy_violations"] == 0
    assert k["touches"] > 0 and k["overdue_accounts"] > 0
    assert k["recovered_30"] is not None and k["recovered_60"] is None
    assert len(result.series["recovered_pct"]) == 30

    app = bootstrap(database_url)
    try:
        with app.engine.connect() as conn:
            messages = conn.execute(
                select(func.count()).select_from(inbound_events).where(
                    inbound_events.c.provider == "simulated", inbound_events.c.kind == "message")
            ).scalar_one()  # fmt: skip
            landed = conn.execute(
                select(func.count())
                .select_from(conversation_messages)
                .where(conversation_messages.c.direction == "in")
            ).scalar_one()
            posted = conn.execute(
                select(func.count()).select_from(provider_events).where(
                    provider_events.c.provider == "simulated", provider_events.c.outcome == "posted")
            ).scalar_one()  # fmt: skip
            ledger = conn.execute(
                select(func.count()).select_from(payments).where(
                    payments.c.reference.like("SIMPAY-%"))
            ).scalar_one()  # fmt: skip
    finally:
        app.close()
    assert messages > 0 and messages == landed
    assert k["conversations"] > 0
    assert posted > 0 and posted == ledger

    again = simulate(tmp_path / "b", accounts=60, days=30, strategy="agent", seed=5, as_of=AS_OF)
    assert again.kpis == k
    assert again.series == result.series


def test_a_baseline_works_the_same_population(tmp_path: Path) -> None:
    agent = simulate(tmp_path, accounts=40, days=10, strategy="agent", seed=2, as_of=AS_OF)
    dunning = simulate(tmp_path, accounts=40, days=10, strategy="dunning", seed=2, as_of=AS_OF)
    team = simulate(tmp_path, accounts=40, days=10, strategy="team", seed=2, as_of=AS_OF)
    assert agent.kpis["opening_overdue"] == dunning.kpis["opening_overdue"]
    assert team.kpis["overdue_accounts"] == agent.kpis["overdue_accounts"]
    assert dunning.kpis["conversations"] == 0  # a no-reply mailbox
    assert team.kpis["policy_violations"] == 0
    assert (tmp_path / "agent" / "amicable.db").exists()
    assert (tmp_path / "dunning" / "amicable.db").exists()


def test_a_run_leaves_its_start_up_objects_out_of_full_collections_and_puts_them_back(
    tmp_path: Path,
) -> None:
    """The run's long-lived objects (modules, the NLU model, the loaded sample) were walked by
    every full collection; they are frozen for the run, and unfrozen after it."""
    import gc

    gc.unfreeze()
    frozen: list[int] = []
    simulate(tmp_path, accounts=10, days=2, strategy="agent", seed=2, as_of=AS_OF,
             progress=lambda _day: frozen.append(gc.get_freeze_count()))  # fmt: skip
    assert len(frozen) == 2 and min(frozen) > 10_000
    assert gc.get_freeze_count() == 0
