"""Analytics reports on a small hand-built book, every expected figure worked out by hand.

The book (USD), window 2026-02-01 .. 2026-03-03 (30 days), as of 2026-03-03::

    C1 I1 100.00 due 2026-01-10 (22 days past due on 02-01)   P1  40.00 on 02-05
    C2 I2 200.00 due 2026-01-25 ( 7 days past due on 02-01)   P2 200.00 on 02-20
    C3 I3  50.00 due 2026-02-10 (current on 02-01)            P3  20.00 on 02-14
    C4 I4  80.00 due 2025-11-20 (73 days past due on 02-01)   nothing paid

Roll rates 02-01 -> 03-03: 1-30 holds I1 100 + I2 200 = 300, of which I1's 60 is still unpaid:
0.2000; current holds I3 50, due by 03-03, 30 unpaid: 0.6000; 61-90 holds I4 80, all unpaid:
1.0000; 31-60 and 91-120 are empty (None).

Recovery from 02-01: overdue I1 + I2 + I4 = 380.00; collected 40 on day 4, 200 on day 19
(I3's 20 was not overdue at the start): 40/380 = 0.1053 from day 4, 240/380 = 0.6316 by day 30.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from amicable.adapters.db.tables import customers
from amicable.adapters.db.tables_conversations import (
    conversation_agreements,
    conversation_promises,
    conversations,
)
from amicable.adapters.db.tables_payments import payment_plans, promises
from amicable.adapters.db.tables_queue import queue_items
from amicable.adapters.db.tables_runtime import inbound_events, outbox_attempts
from amicable.bootstrap import App
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord, PaymentRecord
from amicable.service import analytics
from amicable.service.imports import import_invoices, import_payments

START, END = date(2026, 2, 1), date(2026, 3, 3)


def _at(day: int, hour: int = 9, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _inv(number: str, customer: str, amount: str, due: date, line: int) -> InvoiceRecord:
    return InvoiceRecord(
        line=line, customer_ref=customer, number=number, issue_date=due - timedelta(days=30),
        due_date=due, amount=Money.of(amount, "USD"), open_amount=Money.of(amount, "USD"),
        customer_name=f"Customer {customer}", disputed=False,
    )  # fmt: skip


def _pay(ref: str, customer: str, amount: str, on: date, invoice: str, line: int) -> PaymentRecord:
    return PaymentRecord(line=line, customer_ref=customer, reference=ref, received_on=on,
                         amount=Money.of(amount, "USD"), invoice_number=invoice)  # fmt: skip


@pytest.fixture
def book(app: App) -> dict[str, int]:
    import_invoices(app.uow(), [
        _inv("I1", "C1", "100.00", date(2026, 1, 10), 2),
        _inv("I2", "C2", "200.00", date(2026, 1, 25), 3),
        _inv("I3", "C3", "50.00", date(2026, 2, 10), 4),
        _inv("I4", "C4", "80.00", date(2025, 11, 20), 5),
    ])  # fmt: skip
    import_payments(app.uow(), [
        _pay("P1", "C1", "40.00", date(2026, 2, 5), "I1", 2),
        _pay("P2", "C2", "200.00", date(2026, 2, 20), "I2", 3),
        _pay("P3", "C3", "20.00", date(2026, 2, 14), "I3", 4),
    ])  # fmt: skip
    with app.engine.connect() as conn:
        return {str(x): int(i) for x, i in conn.execute(select(customers.c.external_id,
                                                               customers.c.id))}  # fmt: skip


def _rows(app: App, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    with app.engine.begin() as conn:
        return [
            int(
                conn.execute(insert(table).values(org_id=1, **r).returning(table.c.id)).scalar_one()
            )
            for r in rows
        ]


def test_roll_rates_share_of_each_bucket_still_unpaid_a_bucket_later(
    app: App, book: dict[str, int]
) -> None:
    report = analytics.roll_rates_report(app.uow(), START, END)
    assert report["step_days"] == 30
    assert [p["at"] for p in report["periods"]] == ["2026-02-01"]
    assert report["periods"][0]["later"] == "2026-03-03"
    rolls = {r["from"]: r for r in report["periods"][0]["currencies"]["USD"]}
    assert rolls["current"] == {"from": "current", "to": "1-30", "balance": "50.00",
                                "rolled": "30.00", "rate": "0.6000"}  # fmt: skip
    assert rolls["1-30"] == {"from": "1-30", "to": "31-60", "balance": "300.00",
                             "rolled": "60.00", "rate": "0.2000"}  # fmt: skip
    assert (rolls["61-90"]["balance"], rolls["61-90"]["rate"]) == ("80.00", "1.0000")
    assert rolls["31-60"]["rate"] is None and rolls["91-120"]["rate"] is None
    assert report["overall"]["USD"] == report["periods"][0]["currencies"]["USD"]


def test_a_window_shorter_than_a_bucket_has_no_roll_period(app: App, book: dict[str, int]) -> None:
    report = analytics.roll_rates_report(app.uow(), START, START + timedelta(days=29))
    assert report["periods"] == [] and report["overall"] == {}


def test_recovery_curve_is_the_cumulative_share_of_the_overdue_balance_collected(
    app: App, book: dict[str, int]
) -> None:
    report = analytics.recovery_report(app.uow(), START, END)
    usd = report["currencies"]["USD"]
    assert report["days"] == 30
    assert (usd["overdue"], usd["collected"], usd["share"]) == ("380.00", "240.00", "0.6316")
    assert usd["at"] == {"30": "0.6316"}
    curve = usd["curve"]
    assert len(curve) == 31
    assert curve[3] == [3, "0.00", "0.0000"]
    assert curve[4] == [4, "40.00", "0.1053"]
    assert curve[18] == [18, "40.00", "0.1053"]
    assert curve[19] == [19, "240.00", "0.6316"]


def _promise_rows(app: App, ids: dict[str, int]) -> None:
    def parts(*pairs: tuple[str, int]) -> str:
        return json.dumps([list(p) for p in pairs])

    made = date(2026, 2, 2)
    common = {"channel": "email", "confirmed": True, "made_on": made, "grace_days": 0,
              "status": "open", "rule_id": "promise.pending", "evaluated_on": made,
              "created_at": _at(2), "currency": "USD"}  # fmt: skip
    _rows(app, promises, [
        # C1 promised 40.00 on 02-05 and paid it that day: kept.
        {**common, "customer_id": ids["C1"], "promise_key": "PTP-1",
         "parts": parts(("2026-02-05", 4000))},
        # C4 promised 80.00 on 02-10 and paid nothing: broken.
        {**common, "customer_id": ids["C4"], "promise_key": "PTP-2",
         "parts": parts(("2026-02-10", 8000))},
        # C3 promised 50.00 on 02-15 and paid 20.00 on 02-14: partially kept.
        {**common, "customer_id": ids["C3"], "promise_key": "PTP-3",
         "parts": parts(("2026-02-15", 5000))},
        # Made before the window: not counted.
        {**common, "customer_id": ids["C2"], "promise_key": "PTP-4", "made_on": date(2026, 1, 5),
         "parts": parts(("2026-01-20", 100))},
    ])  # fmt: skip
    conv = {"channel": "sms", "lang": "en", "state": "closed", "state_json": "{}", "version": 1,
            "updated_at": _at(3)}  # fmt: skip
    with_promise, _without = _rows(app, conversations, [
        {**conv, "customer_id": ids["C4"], "started_at": _at(2, 10)},
        {**conv, "customer_id": ids["C1"], "started_at": _at(3, 10)},
    ])  # fmt: skip
    (agreement,) = _rows(app, conversation_agreements, [{
        "conversation_id": with_promise, "customer_id": ids["C4"], "offer_json": "{}",
        "gate_json": "{}", "policy_version": "v1", "total_minor": 8000, "currency": "USD",
        "at": _at(2, 11),
    }])  # fmt: skip
    # C4 promised 80.00 on 02-25 in the conversation and paid nothing: broken.
    _rows(app, conversation_promises, [{
        "conversation_id": with_promise, "agreement_id": agreement, "customer_id": ids["C4"],
        "total_minor": 8000, "currency": "USD", "first_due": date(2026, 2, 25),
        "payments_json": json.dumps([{"due_date": "2026-02-25", "amount": "80.00"}]),
        "channel": "sms", "confirmed": True, "failed_payment_rule": "", "reminders_json": "[]",
        "consequence": "", "at": _at(2, 11),
    }])  # fmt: skip


def test_ptp_capture_and_kept_rates_count_promises_made_in_the_window(
    app: App, book: dict[str, int]
) -> None:
    _promise_rows(app, book)
    report = analytics.ptp_report(app.uow(), START, END, END)
    assert (report["conversations"], report["conversations_with_promise"]) == (2, 1)
    assert report["capture_rate"] == "0.5000"
    assert report["promises"] == 4
    assert report["by_source"] == {"servicing": 3, "conversation": 1}
    assert report["promises_per_conversation"] == "0.5000"
    assert report["by_status"] == {"open": 0, "kept": 1, "partially_kept": 1, "broken": 2}
    assert (report["kept_rate"], report["partially_kept_rate"], report["broken_rate"]) == (
        "0.2500", "0.2500", "0.5000")  # fmt: skip


def test_ptp_judged_before_the_promised_date_is_open(app: App, book: dict[str, int]) -> None:
    _promise_rows(app, book)
    report = analytics.ptp_report(app.uow(), START, END, date(2026, 2, 4))
    # As of 02-04 nothing has been paid since the promises and no deadline has passed.
    assert report["by_status"] == {"open": 4, "kept": 0, "partially_kept": 0, "broken": 0}
    assert report["kept_rate"] is None


def test_broken_plan_rate_over_the_plans_agreed_in_the_window(
    app: App, book: dict[str, int]
) -> None:
    base = {"customer_id": book["C1"], "currency": "USD", "total_minor": 1000, "version": 1,
            "as_of": END, "rules": "{}", "state": "{}", "created_at": _at(2),
            "updated_at": _at(2)}  # fmt: skip
    statuses = [("active", date(2026, 2, 2)), ("broken", date(2026, 2, 3)),
                ("completed", date(2026, 2, 4)), ("broken", date(2026, 3, 3)),
                ("broken", date(2026, 1, 31)), ("cancelled", date(2026, 2, 5))]  # fmt: skip
    _rows(app, payment_plans, [
        {**base, "plan_key": f"PL-{n}", "status": s, "agreed_on": d}
        for n, (s, d) in enumerate(statuses)
    ])  # fmt: skip
    report = analytics.plans_report(app.uow(), START, END)
    assert report["plans"] == 5
    assert report["by_status"] == {"active": 1, "completed": 1, "broken": 2, "cancelled": 1}
    # a cancelled plan counts among all plans, not among the resolved (neither kept nor broken)
    assert (report["broken_rate"], report["broken_rate_of_resolved"]) == ("0.4000", "0.6667")


def _touch_rows(app: App, ids: dict[str, int]) -> None:
    base = {"action": "reminder", "planned_at": _at(1), "allowed": True, "violations_json": "[]",
            "packs": "", "recipient": "x", "text": "hello", "lang": "en", "debt_ids": "[]",
            "reasons_json": "[]", "attempts": 1, "currency": "USD", "balance_minor": 100,
            "segment": "s", "created_at": _at(1), "updated_at": _at(1)}  # fmt: skip
    _rows(app, outbox_attempts, [
        {**base, "customer_id": ids["C1"], "channel": "email", "dedupe_key": "k1",
         "status": "sent", "sent_at": _at(3, 10)},
        {**base, "customer_id": ids["C1"], "channel": "sms", "dedupe_key": "k2",
         "status": "delivered", "sent_at": _at(4, 9)},
        {**base, "customer_id": ids["C2"], "channel": "email", "dedupe_key": "k3",
         "status": "sent", "sent_at": _at(10, 9)},
        {**base, "customer_id": ids["C4"], "channel": "email", "dedupe_key": "k4",
         "status": "failed", "sent_at": None},
        {**base, "customer_id": ids["C3"], "channel": "email", "dedupe_key": "k5",
         "status": "blocked", "sent_at": None},
        {**base, "customer_id": ids["C3"], "channel": "email", "dedupe_key": "k6",
         "status": "sent", "sent_at": _at(4, 9, month=3)},  # the day after the window
    ])  # fmt: skip
    reply = {"provider": "fake", "kind": "message", "text": "ok", "result_json": "{}",
             "created_at": _at(1)}  # fmt: skip
    _rows(app, inbound_events, [
        # C1 answers the e-mail the next day (a reply on that channel, within 7 days).
        {**reply, "event_id": "e1", "customer_id": ids["C1"], "channel": "email",
         "received_at": _at(4, 12)},
        # C2 answers by SMS: its e-mail touch got no reply on the e-mail channel.
        {**reply, "event_id": "e2", "customer_id": ids["C2"], "channel": "sms",
         "received_at": _at(11, 12)},
    ])  # fmt: skip


def test_touches_per_account_count_sent_attempts_only(app: App, book: dict[str, int]) -> None:
    _touch_rows(app, book)
    report = analytics.touches_report(app.uow(), START, END)
    assert (report["touches"], report["accounts"], report["touches_per_account"]) == (
        3, 2, "1.5000")  # fmt: skip
    assert report["channels"] == {
        "email": {"touches": 2, "accounts": 2, "touches_per_account": "1.0000"},
        "sms": {"touches": 1, "accounts": 1, "touches_per_account": "1.0000"},
    }


def test_channel_performance_counts_replies_and_payments_within_n_days(
    app: App, book: dict[str, int]
) -> None:
    _touch_rows(app, book)
    report = analytics.channels_report(app.uow(), START, END, within_days=7)
    # C1 e-mail 02-03: replied 02-04, paid 02-05; C1 SMS 02-04: no SMS reply, paid 02-05;
    # C2 e-mail 02-10: no e-mail reply, paid 02-20 (10 days later, outside 7).
    assert report["channels"] == {
        "email": {"sent": 2, "replied": 1, "reply_rate": "0.5000", "paid": 1,
                  "paid_rate": "0.5000"},
        "sms": {"sent": 1, "replied": 0, "reply_rate": "0.0000", "paid": 1,
                "paid_rate": "1.0000"},
    }  # fmt: skip
    wider = analytics.channels_report(app.uow(), START, END, within_days=10)
    assert wider["channels"]["email"]["paid"] == 2


def test_escalations_and_hours_to_decision(app: App, book: dict[str, int]) -> None:
    base = {"customer_id": book["C1"], "source_ref": "r", "reason": "hardship", "summary": "s",
            "suggested_action": "call", "suggested_why": "w", "version": 1,
            "sla_due_at": _at(20), "updated_at": _at(20)}  # fmt: skip
    items = [("escalation", "conversation", "approved", _at(2, 0), 10),
             ("escalation", "plan", "declined", _at(3, 0), 20),
             ("approval", "attempt", "approved", _at(4, 0), 2),
             ("escalation", "promise", "open", _at(5, 0), None),
             ("escalation", "promise", "approved", _at(28, 0, month=1), 1)]  # fmt: skip
    _rows(app, queue_items, [
        {**base, "kind": k, "source": s, "source_id": n, "status": st, "created_at": at,
         "decided_at": None if h is None else at + timedelta(hours=h)}
        for n, (k, s, st, at, h) in enumerate(items)
    ])  # fmt: skip
    report = analytics.escalations_report(app.uow(), START, END)
    assert (report["items"], report["escalations"], report["approvals"], report["decided"]) == (
        4, 3, 1, 3)  # fmt: skip
    assert report["by_status"] == {"approved": 2, "declined": 1, "open": 1}
    # Hours 2, 10, 20: median 10; p90 at rank 1.8 = 10 + 0.8 × 10 = 18.
    assert report["hours_to_decision"] == {"median": "10.0", "p90": "18.0"}


def test_cei_report_reuses_standard_and_countback_dso(app: App, book: dict[str, int]) -> None:
    report = analytics.cei_report(app.uow(), START, END)
    usd = report["currencies"]["USD"]
    assert report["days"] == 31
    # Ending AR on 03-03: 60 + 0 + 30 + 80 = 170.00. Every invoice was issued 30 days before it
    # fell due, so none in the window: no credit sales, DSO undefined.
    assert usd["ending_ar"] == "170.00"
    assert usd["credit_sales"] == "0.00"
    assert usd["dso"] is None


def test_summary_quotes_the_headline_figures_of_the_main_currency(
    app: App, book: dict[str, int]
) -> None:
    _promise_rows(app, book)
    _touch_rows(app, book)
    summary = analytics.summary_report(app.uow(), START, END, END)
    kpis = summary["kpis"]
    assert kpis["currency"] == "USD"
    assert kpis["recovered_share_30d"] == "0.6316"
    assert kpis["recovered_share_60d"] is None  # the window is 30 days long
    assert (kpis["overdue_at_start"], kpis["recovered"]) == ("380.00", "240.00")
    assert (kpis["ptp_capture_rate"], kpis["ptp_kept_rate"]) == ("0.5000", "0.2500")
    assert kpis["touches_per_account"] == "1.5000"
    assert set(summary["reports"]) == {"recovery", "cei", "ptp", "plans", "touches",
                                       "escalations", "channels", "roll_rates", "aging"}  # fmt: skip
    assert summary["reports"]["aging"]["currencies"]["USD"]["total"] == "170.00"
    data = analytics.html_data(summary)
    assert data["kpis"]["baseline"] == {}
    (series,) = data["series"].values()
    assert series["agent"][19] == [19, pytest.approx(0.6316)]


def test_reports_see_only_their_organisation(app: App, book: dict[str, int]) -> None:
    app.create_org("other")
    import_invoices(app.uow("other"), [_inv("X1", "C1", "999.00", date(2026, 1, 10), 2)])
    import_payments(app.uow("other"), [_pay("XP", "C1", "999.00", date(2026, 2, 2), "X1", 2)])
    mine = analytics.recovery_report(app.uow(), START, END)["currencies"]["USD"]
    assert (mine["overdue"], mine["collected"]) == ("380.00", "240.00")
    theirs = analytics.recovery_report(app.uow("other"), START, END)["currencies"]["USD"]
    assert (theirs["overdue"], theirs["collected"]) == ("999.00", "999.00")
    rolls = analytics.roll_rates_report(app.uow("other"), START, END)["overall"]["USD"]
    assert rolls[1]["balance"] == "999.00" and rolls[1]["rolled"] == "0.00"
