"""The observer's compliance re-check: once a debtor has said "leave me alone" (the simulator's
abuse phrasings), every later message breaks the cease rule, whatever the collector understood;
before that instant the same message is allowed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from amicable.sim.collectors import Delivery
from amicable.sim.sample import generate_sample
from amicable.sim.world import _load, _World

AS_OF = date(2026, 3, 2)


def test_a_message_after_a_cease_request_is_a_violation(tmp_path: Path) -> None:
    generate_sample(tmp_path, accounts=10, seed=3, as_of=AS_OF)
    debtors = _load(tmp_path, 3, AS_OF)
    d = next(x for x in debtors.values() if x.consents.get("email") and x.timezone)
    world = SimpleNamespace(collector=SimpleNamespace(automated=True))
    noon = datetime.combine(AS_OF + timedelta(days=1), time(17, 0), tzinfo=UTC)
    m = Delivery(d.persona.ref, "email", noon, "Friendly reminder about invoice 1.")
    before = _World._decide(world, d, m)  # type: ignore[arg-type]
    d.ceased_at = noon - timedelta(hours=1)
    after = _World._decide(world, d, m)  # type: ignore[arg-type]
    d.ceased_at = noon + timedelta(hours=1)  # asked after the message arrived: not counted
    later = _World._decide(world, d, m)  # type: ignore[arg-type]
    assert before.allowed, before.violations
    assert not after.allowed and any("cease" in v.rule for v in after.violations)
    assert later.allowed
