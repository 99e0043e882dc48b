"""Plan servicing through the agent loop, on SQLite or PostgreSQL (``--db``): an account with an
accepted plan, run over simulated days. Reminders go out the policy's offsets before each due date
(a new policy moves them), each attempt carries its compliance decision, a reminder due at a
blocked instant is held and sent at the first allowed slot, a missed installment brings the
overdue reminder and a retry link, paying stops the reminders, and a day run twice sends nothing
twice. The account is never chased by the next-best-action planner while its plan runs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.runtime_repository import SqlRuntimeRepository
from amicable.adapters.db.tables_audit import audit_records
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.domain.records import CustomerRecord, InvoiceRecord
from amicable.policy.load import default_policy_text
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service import payments
from amicable.service.imports import import_customers, import_invoices
from amicable.service.policies import apply_policy
from amicable.service.reminders import format_date
from amicable.service.runtime import run_days, run_due
from amicable.service.runtime_ports import Attempt
from amicable.servicing.plans import ServicingRules

DUES = (date(2026, 3, 12), date(2026, 3, 26), date(2026, 4, 9))  # Thursdays
AMOUNTS = ("100.00", "150.00", "150.00")
PLAN_ACTIONS = ("plan_reminder", "retry_link", "renegotiation_offer")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def _agreed(app: App, offer: Offer, key: str, *, postal_code: str | None = None) -> None:
    """A New York consumer (C1, by email; ``postal_code``, the identity answer, if given) owing
    ``offer``'s total on invoice INV-1, and the plan ``key`` of ``offer`` agreed 2026-03-01."""
    customer = CustomerRecord(
        line=1, external_id="C1", name="Jo Doe", customer_type="consumer", language="en",
        country="US", region="NY", timezone="America/New_York", emails=("jo@example.com",),
        postal_code=postal_code,
    )  # fmt: skip
    assert not import_customers(app.uow(), [customer]).errors
    invoice = InvoiceRecord(
        line=1, customer_ref="C1", number="INV-1", issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31), amount=offer.total, open_amount=offer.total,
    )  # fmt: skip
    assert not import_invoices(app.uow(), [invoice]).errors
    payments.create_plan_from_agreement(
        app.uow(), "C1", offer, agreed_on=date(2026, 3, 1), rules=ServicingRules(), plan_key=key
    )


@pytest.fixture
def planned(app: App) -> App:
    """A New York consumer owing 400.00 USD on a plan agreed 2026-03-01: 100 on 03-12, 150 on
    03-26 and 150 on 04-09. 09:00 UTC is before 8 a.m. in New York (blocked); 14:00 is not."""
    parts = tuple(Payment(d, usd(a)) for d, a in zip(DUES, AMOUNTS, strict=True))
    offer = Offer(OfferKind.PLAN, usd("400.00"), parts, usd("0.00"), down_payment=parts[0].amount)
    _agreed(app, offer, "PL-1")
    return app


def _attempts(app: App) -> list[Attempt]:
    with app.uow() as uow:
        return sorted(uow.runtime.attempts(), key=lambda a: (a.new.planned_at, a.id))


def _sent(app: App, action: str | None = None) -> list[Attempt]:
    return [
        a
        for a in _attempts(app)
        if a.status == "sent" and (action is None or a.new.action == action)
    ]


def _run(app: App, clock: SimulatedClock, start: date, until: date) -> RecordingOutboxSender:
    sender = RecordingOutboxSender(clock=clock)
    report = run_days(app.uow, clock, start=start, until=until, sender=sender)
    assert report.errors == 0
    return sender


def _installment(a: Attempt) -> int:
    return int(a.new.reasons[0]["installment"])


def test_reminders_go_out_the_policys_offsets_before_each_due_date_and_move_with_the_policy(
    planned: App, clock: SimulatedClock
) -> None:
    _run(planned, clock, date(2026, 3, 2), date(2026, 3, 11))
    reminders = _sent(planned, "plan_reminder")
    # the shipped policy: 3 and 1 days before the due date
    assert [(a.sent_at.date(), _installment(a)) for a in reminders if a.sent_at] == [
        (date(2026, 3, 9), 1),
        (date(2026, 3, 11), 1),
    ]
    first = reminders[0]
    assert "installment 1 of your payment plan, 100.00 USD, is due on March 12, 2026" in (
        first.new.text
    )
    assert "http://localhost:8000/pay/C1" in first.new.text and "RF" in first.new.text
    assert first.new.reasons[0]["code"] == "servicing.reminder_before_due"
    # installment 1 is paid on its due date; a new policy reminds 2 days before, never after
    payments.record_payment(planned.uow(), "C1", usd("100.00"), date(2026, 3, 12), "PAY-1")
    text = (
        default_policy_text()
        .replace("reminder_offsets_days: [3, 1]", "reminder_offsets_days: [2]")
        .replace("overdue_reminder_offsets_days: [1]", "overdue_reminder_offsets_days: []")
    )
    apply_policy(planned.uow(), text)
    _run(planned, clock, date(2026, 3, 12), date(2026, 3, 27))
    seen = {a.id for a in reminders}
    later = [a for a in _sent(planned, "plan_reminder") if a.id not in seen]
    assert [(a.sent_at.date(), _installment(a)) for a in later if a.sent_at] == [
        (date(2026, 3, 24), 2)
    ]
    assert format_date(DUES[1], "en") in later[0].new.text
    # the account was never chased by the planner while its plan ran
    assert {a.new.action for a in _attempts(planned)} <= set(PLAN_ACTIONS)


def test_every_plan_attempt_carries_its_decision_and_a_blocked_one_goes_at_the_next_slot(
    planned: App, clock: SimulatedClock
) -> None:
    _run(planned, clock, date(2026, 3, 9), date(2026, 3, 9))
    attempts = _attempts(planned)
    assert attempts
    for a in attempts:
        assert a.new.packs and a.new.allowed == (a.status != "blocked")
        assert a.new.segment == "plan_servicing"
    blocked = [a for a in attempts if a.status == "blocked"]
    (sent,) = [a for a in attempts if a.status == "sent"]
    # 09:00 UTC is 5 a.m. in New York: held with the reason and the earliest allowed instant
    (held,) = blocked
    assert held.new.planned_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert held.new.violations and held.new.earliest_allowed_at is not None
    assert held.new.earliest_allowed_at <= datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    # ... and sent at the next slot, once, under the key of the reminder
    assert sent.sent_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert sent.new.dedupe_key == "C1:plan:PL-1:1:plan_reminder:2026-03-09"
    assert held.new.dedupe_key == f"{sent.new.dedupe_key}:blocked:2026-03-09"


def test_a_reminder_held_all_day_is_sent_the_next_day_while_still_relevant(
    planned: App, clock: SimulatedClock
) -> None:
    # Only the 09:00 slot (always before 8 a.m. in New York): the 03-09 reminder is held ...
    sender = RecordingOutboxSender(clock=clock)
    run_days(planned.uow, clock, start=date(2026, 3, 9), until=date(2026, 3, 9), sender=sender,
             slots=(time(9, 0),))  # fmt: skip
    assert not sender.records and _sent(planned) == []
    # ... and goes out at the first allowed slot of the next day, still as the 03-09 reminder
    _run(planned, clock, date(2026, 3, 10), date(2026, 3, 10))
    (sent,) = _sent(planned)
    assert sent.new.dedupe_key == "C1:plan:PL-1:1:plan_reminder:2026-03-09"
    assert sent.sent_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_a_missed_installment_brings_the_overdue_reminder_then_a_retry_link(
    planned: App, clock: SimulatedClock
) -> None:
    _run(planned, clock, date(2026, 3, 9), date(2026, 3, 19))
    sent = [(a.new.action, a.sent_at.date(), _installment(a)) for a in _sent(planned) if a.sent_at]
    # 3 and 1 days before, then 1 day after the due date (inside the 5 days of grace); after grace
    # the installment is missed: one message, a fresh payment link inviting a new schedule (the
    # policy allows one renegotiation), not a link and an offer side by side
    assert sent == [
        ("plan_reminder", date(2026, 3, 9), 1),
        ("plan_reminder", date(2026, 3, 11), 1),
        ("plan_reminder", date(2026, 3, 13), 1),
        ("retry_link", date(2026, 3, 18), 1),
    ]
    overdue, link = _sent(planned)[2:]
    assert "was due on March 12, 2026" in overdue.new.text
    assert "new link" in link.new.text and "100.00 USD" in link.new.text
    assert "new schedule" in link.new.text
    assert link.new.reasons[0]["code"] == "servicing.grace"  # the rule that decided the miss


def test_paying_stops_the_reminders_of_that_installment(
    planned: App, clock: SimulatedClock
) -> None:
    payments.record_payment(planned.uow(), "C1", usd("100.00"), date(2026, 3, 5), "PAY-EARLY")
    _run(planned, clock, date(2026, 3, 5), date(2026, 3, 24))
    sent = [(a.new.action, _installment(a)) for a in _sent(planned)]
    assert all(n != 1 for _, n in sent)
    assert ("plan_reminder", 2) in sent  # the next installment is still reminded of


def test_running_the_same_day_twice_sends_nothing_twice(
    planned: App, clock: SimulatedClock
) -> None:
    at = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    clock.set(at)
    first = run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock))
    again = run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock))
    later = datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    clock.set(later)
    third = run_due(planned.uow(), later, sender=RecordingOutboxSender(clock=clock))
    assert first.sent == {"email": 1}
    assert again.sent == {} and third.sent == {} and again.blocked == third.blocked == 0
    assert len(_attempts(planned)) == 1


def test_a_newer_reminder_of_an_installment_supersedes_one_still_held(
    planned: App, clock: SimulatedClock
) -> None:
    # 03-09 and 03-11 reminders both held at 09:00 (before 8 a.m. in New York) ...
    run_days(planned.uow, clock, start=date(2026, 3, 9), until=date(2026, 3, 11),
             sender=RecordingOutboxSender(clock=clock), slots=(time(9, 0),))  # fmt: skip
    assert _sent(planned) == []
    # ... at the first allowed slot only the newer goes out: one reminder, not two at once
    at = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
    clock.set(at)
    report = run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock))
    assert report.sent == {"email": 1}
    (sent,) = _sent(planned)
    assert sent.new.dedupe_key == "C1:plan:PL-1:1:plan_reminder:2026-03-11"


def test_with_no_renegotiation_allowed_a_miss_breaks_the_plan_and_its_messages_stop(
    planned: App, clock: SimulatedClock
) -> None:
    text = default_policy_text().replace("max_renegotiations: 1", "max_renegotiations: 0")
    apply_policy(planned.uow(), text)
    _run(planned, clock, date(2026, 3, 9), date(2026, 3, 27))
    sent = [(a.new.action, a.sent_at.date(), _installment(a)) for a in _sent(planned) if a.sent_at]
    # the three reminders of installment 1, then nothing: the miss broke the plan (escalated)
    assert sent == [
        ("plan_reminder", date(2026, 3, 9), 1),
        ("plan_reminder", date(2026, 3, 11), 1),
        ("plan_reminder", date(2026, 3, 13), 1),
    ]
    with planned.uow() as uow:
        assert uow.payments.plan("PL-1").plan.status.value == "broken"
        stored = uow.payments.plan("PL-1")
        events = uow.payments.plan_events(stored.id)
    assert any(kind == "plan_broken" for kind, *_ in events), events


def test_two_plan_messages_of_one_day_are_decided_each_with_the_other_in_the_history(
    app: App, clock: SimulatedClock
) -> None:
    """A weekly plan whose first installment goes unpaid: on 03-18 the missed installment's
    retry link and the next installment's reminder arise in the same pass. The second is decided
    with the first in the account's history, so the house cap (3 contacts in 7 days) holds on
    every day — the second waits (it was sent beside the first before)."""
    dues = (date(2026, 3, 12), date(2026, 3, 19), date(2026, 3, 26))  # weekly, Thursdays
    parts = tuple(Payment(d, usd("100.00")) for d in dues)
    _agreed(app, Offer(OfferKind.PLAN, usd("300.00"), parts, usd("0.00")), "PL-W")
    _run(app, clock, date(2026, 3, 2), date(2026, 3, 18))
    sent = [a.sent_at.date() for a in _sent(app) if a.sent_at is not None]
    assert date(2026, 3, 18) in sent  # one of the two went out that day ...
    assert sent.count(date(2026, 3, 18)) == 1  # ... the other waits for the cap
    for day in sent:
        window = [d for d in sent if 0 <= (day - d).days < 7]
        assert len(window) <= 3, (day, sent)


def test_a_pass_reads_the_plan_messages_of_running_plans_only(
    planned: App, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held plan messages can only still be due while their plan runs: once the plan is
    completed, a pass no longer reads its account's plan attempts (they grow with history)."""
    _run(planned, clock, date(2026, 3, 2), date(2026, 3, 11))
    assert _sent(planned, "plan_reminder")  # the plan's account has plan attempts
    reads: list[frozenset[int] | None] = []
    original = SqlRuntimeRepository.attempts

    def spy(self: SqlRuntimeRepository, **kw: object) -> list[Attempt]:
        if kw.get("actions") is not None:
            ids = kw.get("customer_ids")
            reads.append(None if ids is None else frozenset(ids))  # type: ignore[arg-type]
        return original(self, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlRuntimeRepository, "attempts", spy)
    at = datetime.combine(date(2026, 3, 12), time(14), tzinfo=UTC)
    clock.set(at)
    assert run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock)).errors == 0
    assert len(reads) == 1 and reads[0] is not None and len(reads[0]) == 1  # the plan's account
    payments.record_payment(planned.uow(), "C1", usd("400.00"), date(2026, 3, 12), "PAY-ALL")
    with planned.uow() as uow:
        assert [s.plan.status.value for s in uow.payments.plans()] == ["completed"]
    reads.clear()
    at = datetime.combine(date(2026, 3, 13), time(14), tzinfo=UTC)
    clock.set(at)
    assert run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock)).errors == 0
    assert reads == [frozenset()]


def test_a_cancelled_plan_is_no_longer_serviced_and_its_account_is_chased_again(
    planned: App, clock: SimulatedClock
) -> None:
    """A person cancels the plan before its first reminder: none of its reminders go out (the
    one held before 8 a.m. included), the account is back with the planner, and the
    cancellation is audited naming the person and written back."""
    # 2026-03-09 09:00 UTC: the first reminder is due but blocked (before 8 a.m. in New York)
    at = datetime.combine(date(2026, 3, 9), time(9), tzinfo=UTC)
    clock.set(at)
    assert run_due(planned.uow(), at, sender=RecordingOutboxSender(clock=clock)).errors == 0
    assert [a.status for a in _attempts(planned) if a.new.action == "plan_reminder"] == ["blocked"]
    events = payments.cancel_plan(
        planned.uow(), "PL-1", reason="agreed in error", on=date(2026, 3, 9), actor="ana"
    )
    assert [e.kind.value for e in events] == ["plan_cancelled"]
    with pytest.raises(InvalidInput, match="only an active plan"):  # nothing written twice
        payments.cancel_plan(planned.uow(), "PL-1", reason="again", on=date(2026, 3, 9), actor="x")
    _run(planned, clock, date(2026, 3, 9), date(2026, 3, 31))
    assert _sent(planned, "plan_reminder") == [] and _sent(planned, "retry_link") == []
    chased = [a for a in _sent(planned) if a.new.action not in PLAN_ACTIONS]
    assert chased and chased[0].sent_at is not None
    assert chased[0].new.balance_minor == 40000  # the whole debt, as the invoice says
    with planned.uow() as uow:
        (stored,) = uow.payments.plans()
        assert stored.plan.status.value == "cancelled"
        written = [json.loads(e.payload) for e in uow.events.events() if e.kind == "plan.cancelled"]
        audited = uow.connection.execute(
            select(audit_records.c.actor, audit_records.c.payload).where(
                audit_records.c.kind == "plan.cancelled"
            )
        ).all()
    assert written == [
        {"account": "C1", "plan": "PL-1", "reason": "agreed in error", "on": "2026-03-09",
         "outstanding": {"amount": "400.00", "currency": "USD"}, "actor": "ana"}
    ]  # fmt: skip
    assert [(actor, json.loads(p)["reason"]) for actor, p in audited] == [
        ("ana", "agreed in error")
    ]
