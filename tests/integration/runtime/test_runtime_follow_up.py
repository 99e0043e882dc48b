"""An account past the follow-up limit (more than 365 days past due) is put to a person once:
when the person closes that escalation (hands the account back), the loop goes on chasing it at
the stage's cadence instead of raising the same escalation again on every pass (it came back each
business day, up to 26 times in 60 simulated days for one account, every time decided again).
A take-over keeps the account with the person. On SQLite or PostgreSQL (``--db``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.imports import import_customers, import_invoices
from amicable.service.runtime import run_days

START = date(2026, 3, 2)  # a Monday
CUSTOMERS = (
    "customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,"
    "postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags\n"
    "C-OLD,Mary Johnson,consumer,standard,en,US,TX,America/Chicago,mary@mail.example,"
    "+15123661318,229 Main St,78799,yes,,,,\n"
)
INVOICES = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,"
    "disputed,description\n"
    "C-OLD,Mary Johnson,INV-OLD,2024-12-01,2025-01-01,USD,500.00,500.00,no,\n"
)


def _escalations(app: App) -> list[tuple[str, str]]:
    with app.uow() as uow:
        return [(e.reason, e.status) for e in uow.payments.escalations()]


def _decide_open(app: App, decision: str) -> str:
    (item,) = queue.list_items(app.uow(), status="open")
    if decision == "approve":
        queue.approve(app.uow(), item.id, actor="reviewer", role="admin")
    else:
        queue.take_over(app.uow(), item.id, actor="reviewer")
    return item.new.reason


def _pass(app: App, clock: SimulatedClock, first: date, last: date) -> None:
    run_days(app.uow, clock, start=first, until=last, sender=RecordingOutboxSender(clock=clock))


@pytest.mark.parametrize("decision", ["approve", "take_over"])
def test_a_follow_up_escalation_a_person_closed_is_not_raised_again(
    app: App, clock: SimulatedClock, tmp_path: Path, decision: str
) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "i.csv").write_text(INVOICES, encoding="utf-8")
    import_customers(app.uow(), read_customers(tmp_path / "c.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "i.csv"))
    # 425 days past due: the policy's late stage escalates; a person hands the account back
    _pass(app, clock, START, START)
    assert _decide_open(app, "approve") == "planner:policy_escalate"
    # handed back, the account is past the follow-up limit: put to a person once more
    _pass(app, clock, START + timedelta(days=1), START + timedelta(days=1))
    assert _decide_open(app, decision) == "planner:follow_up_ended"
    _pass(app, clock, START + timedelta(days=2), START + timedelta(days=10))
    with app.uow() as uow:
        chased = [a for a in uow.runtime.attempts() if a.account == "C-OLD"]
    if decision == "take_over":  # the person has it: the agent stays out
        assert _escalations(app) == [
            ("planner:policy_escalate", "closed"),
            ("planner:follow_up_ended", "open"),
        ]
        assert chased == []
        return
    # closed: not raised again, and the account is chased (no offer: the policy escalates it)
    assert _escalations(app) == [
        ("planner:policy_escalate", "closed"),
        ("planner:follow_up_ended", "closed"),
    ]
    # what waits for a person is the final notice the account is owed, not the escalation again
    # (a final notice blocked outside the debtor's hours is still owed: it used to count as sent)
    assert {i.new.reason for i in queue.list_items(app.uow(), status="open")} <= {"final_notice"}
    sent = [a for a in chased if a.status in ("sent", "needs_approval")]
    assert sent and all(a.new.action != "plan_offer" for a in sent)
