"""The simulated reviewer decides up to its capacity among *open* items each business day: a case
it took over earlier (still listed, owned by a person) does not use up one of today's places."""

from __future__ import annotations

from datetime import UTC, date, datetime

from amicable.bootstrap import bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.ports import NewCustomer
from amicable.sim.collectors import AgentCollector


def test_taken_over_items_do_not_use_up_the_reviewers_daily_capacity(database_url: str) -> None:
    clock = SimulatedClock(datetime(2026, 3, 2, 6, tzinfo=UTC))
    app = bootstrap(database_url, clock=clock)
    try:
        with app.uow() as uow:
            cid = uow.ledger.add_customers([NewCustomer(external_id="C-1", name="Acme")])["C-1"]
            for n in range(6):  # hardship cases: the reviewer takes them over
                queue.open_item(
                    uow, customer_id=cid, source="planner", source_id=n,
                    source_ref=f"planner:{n}", reason="hardship",
                    summary=f"case {n}",
                )  # fmt: skip
            uow.commit()
        reviewer = AgentCollector(app, clock, reviews_per_day=3)
        reviewer._review(date(2026, 3, 2))  # Monday: the three oldest are taken over
        reviewer._review(date(2026, 3, 3))  # Tuesday: the three still open, not Monday's again
        statuses = sorted(item.status for item in queue.list_items(app.uow()))
        assert reviewer.decisions == 6
        assert statuses == ["taken_over"] * 6
    finally:
        app.close()
