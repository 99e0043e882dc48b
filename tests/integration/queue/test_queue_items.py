"""The human queue on SQLite and PostgreSQL: escalations from a conversation and from a broken
plan each open one item; approve, decline, modify (in policy / out of policy), assign, take over;
every decision is in the audit chain and the write-back stream; overdue items are reminded once.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.service import audit, queue
from amicable.service import payments as pay
from amicable.service.conversations import handle_inbound, start_conversation
from amicable.service.imports import import_invoices
from amicable.service.queries import show_account
from amicable.service.queue_ports import QueueItem
from amicable.service.runtime import run_due
from amicable.servicing.plans import ServicingRules
from sample_accounts import import_sample, owing_account

TODAY = date(2026, 3, 1)


def hardship(app: App, tmp_path: Path) -> str:
    """A sample account whose debtor, once verified, reports hardship; returns its reference."""
    import_sample(app, tmp_path, as_of=TODAY, payments=False)
    ref, postal = owing_account(app, TODAY)
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    turn = handle_inbound(
        app.uow(), ref, "sms", "I lost my job and can't afford anything", today=TODAY
    )
    assert turn.escalation is not None and turn.escalation.reason.value == "hardship"
    return ref


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def broken_plan(app: App) -> str:
    """Customer C1 owes 400.00; a plan of 100 + 150 + 150 is agreed on 2026-03-01 and nothing is
    paid, so by 2026-04-21 two installments are missed and the plan breaks."""
    record = InvoiceRecord(
        line=2, customer_ref="C1", number="INV-1", issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31), amount=usd("400.00"), open_amount=usd("400.00"),
        customer_name="Red Rock Diner",
    )  # fmt: skip
    assert not import_invoices(app.uow(), [record]).errors
    parts = tuple(
        Payment(d, usd(a))
        for d, a in ((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "150.00"),
                     (date(2026, 5, 1), "150.00"))
    )  # fmt: skip
    offer = Offer(OfferKind.PLAN, usd("400.00"), parts, usd("0.00"), down_payment=parts[0].amount)
    rules = ServicingRules(grace_days=5, max_renegotiations=1, max_open_misses=2, version="t")
    pay.create_plan_from_agreement(app.uow(), "C1", offer, agreed_on=TODAY, rules=rules)
    run = pay.service_plans(app.uow(), date(2026, 4, 21))
    assert run.escalations == 1
    return "C1"


def only_item(app: App) -> QueueItem:
    (item,) = queue.list_items(app.uow())
    return item


def rows(app: App, sql: str) -> list[tuple[object, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def event_payloads(app: App) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(k), json.loads(str(p)))
        for k, p in rows(app, "SELECT kind, payload FROM outcome_events ORDER BY id")
    ]


def event_kinds(app: App) -> list[str]:
    return [str(k) for (k,) in rows(app, "SELECT kind FROM outcome_events ORDER BY id")]


def test_a_hardship_message_opens_one_escalation_with_its_whole_context(
    app: App, tmp_path: Path
) -> None:
    ref = hardship(app, tmp_path)
    item = only_item(app)
    assert (item.account, item.new.kind, item.new.source, item.status) == (
        ref, "escalation", "conversation", "open"
    )  # fmt: skip
    assert item.new.reason == "hardship" and item.new.suggested_action == "review_hardship"
    # Escalations are due within a day (calendar hours).
    assert item.new.sla_due_at == app.clock.now() + timedelta(hours=24)
    # The hook is idempotent by source: opening it again returns the same item.
    with app.uow() as uow:
        again = queue.open_item(
            uow, customer_id=item.new.customer_id, source="conversation",
            source_id=item.new.source_id, source_ref="x", reason="hardship", summary="again",
        )  # fmt: skip
        uow.commit()
    assert again == item.id and len(queue.list_items(app.uow(), status="all")) == 1
    shown = queue.show_item(app.uow(), item.id)
    texts = [m["text"] for m in shown["conversation"]["messages"]]
    assert "I lost my job and can't afford anything" in texts
    assert [m["direction"] for m in shown["conversation"]["messages"]][:2] == ["out", "in"]
    facts = show_account(app.uow(), ref, TODAY).facts
    assert shown["account"]["account"] == ref
    assert shown["account"]["days_past_due"] == facts.max_days_past_due
    assert shown["account"]["balances"]
    assert shown["offers"]["bounds"]["balance"] == shown["account"]["balances"][facts.currency]
    assert "recommended" in shown["offers"] and "ladder" in shown["offers"]
    assert shown["suggested"] == {"action": "review_hardship", "why": item.new.suggested_why}


def test_a_broken_plan_opens_one_item_and_approving_it_closes_the_escalation(app: App) -> None:
    broken_plan(app)
    item = only_item(app)
    assert (item.new.source, item.new.reason, item.new.kind) == (
        "plan",
        "plan_broken",
        "escalation",
    )
    before = rows(app, "SELECT status FROM escalations")
    assert before == [("open",)]
    done = queue.approve(
        app.uow(), item.id, actor="ana", role="admin", note="called, will renegotiate"
    )
    assert (done.status, done.decided_by) == ("approved", "ana")
    assert done.decision == {"decision": "approved", "note": "called, will renegotiate"}
    assert rows(app, "SELECT status FROM escalations") == [("closed",)]
    assert queue.list_items(app.uow()) == []  # nothing waits any more
    assert "escalation.decided" in event_kinds(app)
    with app.uow() as uow:
        verified = audit.verify(uow)
    assert verified.ok
    kinds = [str(k) for (k,) in rows(app, "SELECT kind FROM audit_records ORDER BY seq")]
    assert "queue.approved" in kinds


def test_a_decided_item_cannot_be_decided_again_and_a_decline_needs_a_reason(app: App) -> None:
    broken_plan(app)
    item = only_item(app)
    with pytest.raises(InvalidInput, match="reason"):
        queue.decline(app.uow(), item.id, actor="ana", reason=" ")
    done = queue.decline(app.uow(), item.id, actor="ana", reason="debtor deceased")
    assert done.status == "declined" and done.decision == {
        "decision": "declined", "reason": "debtor deceased"
    }  # fmt: skip
    with pytest.raises(Conflict, match="already declined"):
        queue.approve(app.uow(), item.id, actor="bob", role="admin")
    with pytest.raises(NotFound):
        queue.approve(app.uow(), item.id + 1000, actor="bob", role="admin")


def _full(balance: Money, on: date) -> dict[str, object]:
    return {
        "kind": "full", "total": balance.amount_str(), "currency": balance.code,
        "installments": [{"due_date": on.isoformat(), "amount": balance.amount_str()}],
    }  # fmt: skip


def test_modified_terms_within_policy_are_recorded_as_the_conversation_agreement(
    app: App, tmp_path: Path
) -> None:
    ref = hardship(app, tmp_path)
    item = only_item(app)
    view = show_account(app.uow(), ref, TODAY)
    (balance,) = view.facts.balances.values()
    done = queue.modify(
        app.uow(), item.id, _full(balance, TODAY + timedelta(days=7)), actor="ana",
        role="collector",
    )  # fmt: skip
    assert done.status == "modified" and done.decision is not None
    assert done.decision["gate"]["outcome"] == "ok"
    agreements = rows(app, "SELECT total_minor, currency FROM conversation_agreements")
    assert agreements == [(balance.minor, balance.code)]
    assert rows(app, "SELECT status FROM conversation_escalations") == [("closed",)]
    with app.uow() as uow:
        assert audit.verify(uow).ok
        (promise,) = uow.payments.promises()
    # The terms are serviced: an open promise keyed by the agreement, on the conversation's
    # channel, with the policy's grace, written back naming the person and the item.
    agreement_id = done.decision["agreement_id"]
    key = f"PTP-C{agreement_id:06d}"
    assert done.decision["servicing"] == {"promise": key}
    assert (promise.promise.id, promise.status, promise.grace_days) == (key, "open", 5)
    assert promise.promise.channel == "sms" and promise.promise.total == balance
    (made,) = [p for k, p in event_payloads(app) if k == "promise.made"]
    assert made["source"] == "queue" and made["promise"] == key
    assert (made["queue_item"], made["actor"], made["agreement"]) == (item.id, "ana", agreement_id)
    # and the agent loop does not chase the account while the promise runs
    at = datetime(2026, 3, 2, 17, tzinfo=UTC)
    app.clock.set(at)
    sender = RecordingOutboxSender(clock=app.clock)
    run_due(app.uow(), at, sender=sender)
    assert not [r for r in sender.records if r.message.account_ref == ref]


def test_terms_outside_the_policy_or_the_deciders_authority_are_refused_and_write_nothing(
    app: App, tmp_path: Path
) -> None:
    ref = hardship(app, tmp_path)
    item = only_item(app)
    (balance,) = show_account(app.uow(), ref, TODAY).facts.balances.values()
    tiny = Money.from_minor(max(1, balance.minor // 10), balance.code)
    refused = {
        "kind": "settlement", "total": tiny.amount_str(), "currency": balance.code,
        "installments": [{"due_date": TODAY.isoformat(), "amount": tiny.amount_str()}],
    }  # fmt: skip
    events_before = event_kinds(app)
    for role in ("collector", "admin"):
        with pytest.raises(PermissionDenied, match="refused under the policy"):
            queue.modify(app.uow(), item.id, refused, actor="ana", role=role)
    # A viewer has no authority at all, even for terms the policy accepts.
    with pytest.raises(PermissionDenied, match="may not accept"):
        queue.modify(app.uow(), item.id, _full(balance, TODAY), actor="vic", role="viewer")
    assert only_item(app).status == "open" and only_item(app).version == item.version
    assert rows(app, "SELECT count(*) FROM conversation_agreements") == [(0,)]
    assert event_kinds(app) == events_before


def test_assign_then_take_over_keeps_the_conversation_escalated_and_the_item_with_the_taker(
    app: App, tmp_path: Path
) -> None:
    hardship(app, tmp_path)
    item = only_item(app)
    assigned = queue.assign(app.uow(), item.id, actor="lead", to="ana")
    assert (assigned.status, assigned.assignee) == ("assigned", "ana")
    assert [i.id for i in queue.list_items(app.uow(), assignee="ana")] == [item.id]
    assert queue.list_items(app.uow(), assignee="bob") == []
    taken = queue.take_over(app.uow(), item.id, actor="bob")
    assert (taken.status, taken.assignee) == ("taken_over", "bob")
    # The source escalation stays open (not closed): chasing stays suspended and the
    # conversation stays escalated.
    assert rows(app, "SELECT status FROM conversation_escalations") == [("assigned",)]
    (state,) = rows(app, "SELECT state FROM conversations")
    assert state == ("escalated",)
    with app.uow() as uow:
        assert item.new.customer_id in uow.runtime.suspended(TODAY)
    # A taken-over item is still waiting: its taker can later close it with a decision.
    assert [i.id for i in queue.list_items(app.uow(), assignee="bob")] == [item.id]
    assert queue.approve(app.uow(), item.id, actor="bob", role="admin").status == "approved"


def test_an_item_past_its_sla_is_listed_overdue_and_reminded_once(app: App) -> None:
    broken_plan(app)
    item = only_item(app)
    clock = app.clock
    assert isinstance(clock, SimulatedClock)
    now = clock.now()
    assert queue.list_items(app.uow(), overdue_at=now) == []
    assert queue.remind_overdue(app.uow(), now) == []
    later = now + timedelta(hours=25)
    assert [i.id for i in queue.list_items(app.uow(), overdue_at=later)] == [item.id]
    assert queue.item_json(only_item(app), later)["overdue"] is True
    clock.set(later)
    reminded = queue.remind_overdue(app.uow(), later)
    assert [i.id for i in reminded] == [item.id] and reminded[0].reminded_at == later
    assert queue.remind_overdue(app.uow(), later + timedelta(hours=1)) == []
    assert event_kinds(app).count("note.added") == 1
    with app.uow() as uow:
        assert audit.verify(uow).ok


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        # Friday 15:00 UTC + 4 working hours -> Monday 11:00
        (datetime(2026, 3, 6, 15, tzinfo=UTC), datetime(2026, 3, 9, 11, tzinfo=UTC)),
        # Sunday (2026-03-01) -> Monday 13:00
        (datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 2, 13, tzinfo=UTC)),
        # Tuesday 08:00, before the day starts -> 13:00 the same day
        (datetime(2026, 3, 3, 8, tzinfo=UTC), datetime(2026, 3, 3, 13, tzinfo=UTC)),
        # Tuesday 12:00 -> 16:00 the same day
        (datetime(2026, 3, 3, 12, tzinfo=UTC), datetime(2026, 3, 3, 16, tzinfo=UTC)),
    ],
)
def test_an_approval_is_due_after_four_working_hours(opened: datetime, due: datetime) -> None:
    assert queue.sla_due("approval", opened) == due


def test_working_hours_follow_the_queue_zone() -> None:
    settings = queue.QueueSettings(zone="Europe/Paris")
    # 15:00 UTC is 16:00 in Paris: one hour left on Friday, three on Monday (09:00-12:00 Paris).
    got = queue.sla_due("approval", datetime(2026, 3, 6, 15, tzinfo=UTC), settings)
    assert got == datetime(2026, 3, 9, 11, tzinfo=UTC)


#: The new plan a person sets for C1's 400.00 after its first plan broke (2026-04-21).
PLAN_TERMS = {
    "kind": "plan", "total": "400.00", "currency": "USD", "down_payment": "100.00",
    "installments": [
        {"due_date": "2026-04-24", "amount": "100.00"},
        {"due_date": "2026-05-01", "amount": "150.00"},
        {"due_date": "2026-05-08", "amount": "150.00"},
    ],
}  # fmt: skip


def test_plan_terms_a_person_sets_on_a_broken_plan_become_a_serviced_plan(app: App) -> None:
    """A person renegotiates a broken plan by phone and sets the new plan on the item: it is a
    servicing plan from the decision on (reminded, written back with the person and the item),
    and the agent loop leaves the account to it."""
    broken_plan(app)
    item = only_item(app)
    app.clock.set(datetime(2026, 4, 21, 17, tzinfo=UTC))
    done = queue.modify(app.uow(), item.id, PLAN_TERMS, actor="ana", role="admin")
    assert done.status == "modified" and done.decision is not None
    with app.uow() as uow:
        (plan,) = uow.payments.plans(status="active")
    assert done.decision["servicing"] == {"plan": plan.plan.id}
    assert plan.plan.id == "PL-000002" and plan.agreed_on == date(2026, 4, 21)
    assert [(i.due_date.isoformat(), i.amount.amount_str()) for i in plan.plan.installments] == [
        ("2026-04-24", "100.00"), ("2026-05-01", "150.00"), ("2026-05-08", "150.00"),
    ]  # fmt: skip
    (accepted,) = [
        p for k, p in event_payloads(app) if k == "plan.accepted" and p["plan"] == plan.plan.id
    ]
    assert (accepted["source"], accepted["queue_item"], accepted["actor"]) == (
        "queue", item.id, "ana"
    )  # fmt: skip
    # serviced: the first installment is reminded the day before it falls due ...
    run = pay.service_plans(app.uow(), date(2026, 4, 23))
    assert [(i.plan_key, i.kind) for i in run.intents] == [(plan.plan.id, "plan_reminder")]
    # ... and the agent loop neither chases nor escalates the account while the plan runs
    at = datetime(2026, 4, 22, 17, tzinfo=UTC)
    app.clock.set(at)
    sender = RecordingOutboxSender(clock=app.clock)
    run_due(app.uow(), at, sender=sender)
    with app.uow() as uow:
        assert uow.runtime.attempts(customer_id=plan.customer_id) == []
    assert queue.list_items(app.uow()) == []


def test_terms_beside_an_active_plan_are_refused_and_write_nothing(app: App) -> None:
    broken_plan(app)
    item = only_item(app)
    parts = (Payment(date(2026, 4, 24), usd("200.00")), Payment(date(2026, 5, 24), usd("200.00")))
    offer = Offer(OfferKind.PLAN, usd("400.00"), parts, usd("0.00"), down_payment=parts[0].amount)
    rules = ServicingRules(grace_days=5, max_renegotiations=1, max_open_misses=2, version="t")
    pay.create_plan_from_agreement(app.uow(), "C1", offer, agreed_on=date(2026, 4, 21), rules=rules)
    app.clock.set(datetime(2026, 4, 21, 17, tzinfo=UTC))
    events = event_kinds(app)
    full = {"kind": "full", "total": "400.00", "currency": "USD",
            "installments": [{"due_date": "2026-04-24", "amount": "400.00"}]}  # fmt: skip
    for offered in (PLAN_TERMS, full):  # neither a plan nor a promise runs beside the active plan
        with pytest.raises(InvalidInput, match="is on active plan PL-000002"):
            queue.modify(app.uow(), item.id, offered, actor="ana", role="admin")
    assert only_item(app).status == "open" and only_item(app).version == item.version
    assert event_kinds(app) == events
    with app.uow() as uow:
        assert [p.plan.id for p in uow.payments.plans(status="active")] == ["PL-000002"]
