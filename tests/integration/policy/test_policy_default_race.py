"""Two processes storing the packaged default policy at the same moment (workers starting
together): the one that loses the race reads the winner's version instead of failing, and only
one version is stored. On SQLite or PostgreSQL (``--db``)."""

from __future__ import annotations

from typing import Any

import pytest

from amicable.bootstrap import App
from amicable.domain.errors import Conflict
from amicable.service.policies import default_policy_text, policy_in_force


def _blind(uow: Any, reads: int) -> None:
    """Make the first ``reads`` calls of ``latest()`` in this unit of work miss what another
    process stored (as they would have, made an instant before the other committed)."""
    real = uow.policies.latest
    calls = {"n": 0}

    def latest() -> Any:
        calls["n"] += 1
        return None if calls["n"] <= reads else real()

    uow.policies.latest = latest


def test_the_loser_of_the_default_policy_race_reads_the_winners_version(app: App) -> None:
    with app.uow() as winner:
        stored = policy_in_force(winner)
    with app.uow() as loser:
        _blind(loser, reads=2)  # policy_in_force's read and the version number's
        again = policy_in_force(loser)
    assert (again.stored.version, again.stored.checksum) == (
        stored.stored.version,
        stored.stored.checksum,
    )
    with app.uow() as uow:
        assert [v.version for v in uow.policies.list()] == [1]


def test_a_version_stored_concurrently_is_a_conflict_not_a_crash(app: App) -> None:
    with app.uow() as uow:
        policy_in_force(uow)
    with app.uow() as uow:
        _blind(uow, reads=1)
        with pytest.raises(Conflict, match="stored concurrently"):
            uow.policies.add("other", default_policy_text())
        assert uow.policies.latest() is not None  # the transaction is still usable
