"""Plan servicing while a person has the account's conversation, on SQLite or PostgreSQL
(``--db``): a debtor on a plan who escalated (hardship, a wrong number, …) was told a person would
contact them and that no payment would be asked meanwhile, yet the plan's reminders went on asking
for payment. They are held now (stored ``blocked`` under ``amicable.human_owned``, one a day) and
go out, while still relevant, once a person closes the escalation; a request to change the
arrangement itself ("your arrangement stays as agreed") leaves them going."""

from __future__ import annotations

from datetime import date

from test_runtime_plan_reminders import AMOUNTS, DUES, _agreed, usd

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service import queue
from amicable.service.conversations import handle_inbound
from amicable.service.runtime import HUMAN_OWNED, run_days
from amicable.service.runtime_ports import Attempt


def _on_a_plan(app: App) -> None:
    """C1 on the plan of ``test_runtime_plan_reminders`` (400.00: 100.00 on 03-12, 150.00 on 03-26
    and 150.00 on 04-09; reminders 3 and 1 days before), with 10001 as its identity answer."""
    parts = tuple(Payment(d, usd(a)) for d, a in zip(DUES, AMOUNTS, strict=True))
    offer = Offer(OfferKind.PLAN, usd("400.00"), parts, usd("0.00"), down_payment=parts[0].amount)
    _agreed(app, offer, "PL-1", postal_code="10001")


def _reminders(app: App) -> list[Attempt]:
    with app.uow() as uow:
        found = [a for a in uow.runtime.attempts() if a.new.action == "plan_reminder"]
    return sorted(found, key=lambda a: (a.new.planned_at, a.id))


def _run(app: App, clock: SimulatedClock, start: date, until: date) -> None:
    sender = RecordingOutboxSender(clock=clock)
    report = run_days(app.uow, clock, start=start, until=until, sender=sender)
    assert report.errors == 0


def test_plan_reminders_wait_while_a_person_has_the_conversation_and_resume_after(
    app: App, clock: SimulatedClock
) -> None:
    _on_a_plan(app)
    turn = handle_inbound(
        app.uow(), "C1", "email", "I lost my job and I cannot pay anything", today=date(2026, 3, 2)
    )
    assert turn.escalation is not None and turn.escalation.reason.value == "hardship"
    assert turn.reply is not None and "we will not ask you for payment" in turn.reply
    _run(app, clock, date(2026, 3, 2), date(2026, 3, 10))
    held = _reminders(app)
    # the reminder due 3 days before installment 1 (03-09) and again on 03-10: held, not sent
    assert held and {a.status for a in held} == {"blocked"}
    assert {a.new.planned_at.date() for a in held} == {date(2026, 3, 9), date(2026, 3, 10)}
    for a in held:
        (violation,) = a.new.violations
        assert violation["rule"] == HUMAN_OWNED and "hardship" in violation["message"]
        assert not a.new.allowed and a.new.earliest_allowed_at is None
    # a person works the case and closes it: the plan's reminders go out again
    (item,) = queue.list_items(app.uow(), status="open")
    assert item.new.reason == "hardship"
    queue.approve(app.uow(), item.id, actor="ops", role="admin")
    _run(app, clock, date(2026, 3, 11), date(2026, 3, 11))
    sent = [a for a in _reminders(app) if a.status == "sent"]
    # one reminder of installment 1 (the day-before one; the held 3-day one is superseded)
    assert [(a.sent_at.date() if a.sent_at else None) for a in sent] == [date(2026, 3, 11)]
    assert "installment 1 of your payment plan, 100.00 USD" in sent[0].new.text


def test_a_request_to_change_the_arrangement_leaves_its_reminders_going(
    app: App, clock: SimulatedClock
) -> None:
    _on_a_plan(app)
    today = date(2026, 3, 2)
    for text in ("hi, about my plan", "10001"):
        handle_inbound(app.uow(), "C1", "email", text, today=today)
    turn = handle_inbound(app.uow(), "C1", "email", "I can pay 50 a month", today=today)
    assert turn.escalation is not None
    assert turn.escalation.reason.value == "arrangement_change"
    assert turn.reply is not None and "your arrangement stays as agreed" in turn.reply
    _run(app, clock, date(2026, 3, 2), date(2026, 3, 9))
    sent = [a for a in _reminders(app) if a.status == "sent"]
    assert [(a.sent_at.date() if a.sent_at else None) for a in sent] == [date(2026, 3, 9)]
    held = [a for a in _reminders(app) for v in a.new.violations if v["rule"] == HUMAN_OWNED]
    assert held == []
