"""Provider events: the event id claim."""

from __future__ import annotations

from sqlalchemy import text

from amicable.bootstrap import App


def test_an_event_id_claimed_twice_in_one_transaction_is_refused_and_the_transaction_goes_on(
    app: App,
) -> None:
    with app.uow() as uow:
        assert uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        assert not uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        # the refused claim left the transaction usable (PostgreSQL aborts one on a failed insert)
        assert uow.payments.claim_event("stripe", "evt_2", "checkout.session.completed")
        uow.payments.set_event_outcome("stripe", "evt_1", "posted")
        uow.commit()
    with app.uow() as uow:
        assert not uow.payments.claim_event("stripe", "evt_1", "checkout.session.completed")
        assert uow.payments.claim_event("other", "evt_1", "checkout.session.completed")
    with app.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT provider, event_id, outcome FROM provider_events ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("stripe", "evt_1", "posted"),
                                        ("stripe", "evt_2", "processing")]  # fmt: skip
