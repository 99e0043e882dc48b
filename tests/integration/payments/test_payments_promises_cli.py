"""Promises to pay through the service layer, the payments CLI end to end, and the schema check.

Ledger::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from payments_helpers import RULES, invoices, open_amounts, plan_offer, usd
from sqlalchemy import text
from typer.testing import CliRunner

from amicable.adapters.db import tables_payments
from amicable.adapters.db.tables import metadata
from amicable.bootstrap import App
from amicable.domain.errors import InvalidInput, PermissionDenied
from amicable.domain.money import Money
from amicable.entrypoints.cli import app as cli
from amicable.policy.load import default_policy_text
from amicable.service import payments as svc
from amicable.service.policies import apply_policy


def promise_status(app: App) -> list[tuple[str, str, str]]:
    with app.uow() as uow:
        return [(p.promise.id, p.status, p.rule_id) for p in uow.payments.promises()]


def test_a_promise_paid_by_its_date_is_kept(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    svc.record_promise(app.uow(), "C1", [(date(2026, 3, 6), usd("100.00"))], channel="sms",
                       made_on=date(2026, 3, 2), confirmed=True)  # fmt: skip
    assert promise_status(app) == [("PTP-000001", "open", "promise.pending")]
    svc.record_payment(app.uow(), "C1", usd("100.00"), date(2026, 3, 5), "P1")
    assert promise_status(app) == [("PTP-000001", "kept", "promise.kept")]


def test_a_promise_paid_in_part_is_partially_kept_and_one_unpaid_is_broken(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    svc.record_promise(app.uow(), "C1", [(date(2026, 3, 6), usd("100.00"))], channel="email",
                       made_on=date(2026, 3, 2), grace_days=0)  # fmt: skip
    svc.record_payment(app.uow(), "C1", usd("40.00"), date(2026, 3, 5), "P1")
    run = svc.service_plans(app.uow(), date(2026, 3, 7))
    assert run.promises == (("PTP-000001", "partially_kept"),)
    svc.record_promise(app.uow(), "C1", [(date(2026, 3, 10), usd("50.00"))], channel="call",
                       made_on=date(2026, 3, 7), grace_days=0)  # fmt: skip
    run = svc.service_plans(app.uow(), date(2026, 3, 11))
    assert run.promises == (("PTP-000002", "broken"),)
    assert run.escalations == 1
    assert promise_status(app) == [
        ("PTP-000001", "partially_kept", "promise.missed_date"),
        ("PTP-000002", "broken", "promise.missed_date"),
    ]
    with app.uow() as uow:
        assert [e.reason for e in uow.payments.escalations()] == ["promise_broken"]


def run(args: list[str], database_url: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, [*args, "--database-url", database_url, "--json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_the_cli_records_a_payment_lists_and_shows_plans_and_services_them(
    app: App, database_url: str
) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    offer = plan_offer((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "300.00"))
    key = svc.create_plan_from_agreement(app.uow(), "C1", offer, agreed_on=date(2026, 3, 1),
                                         rules=RULES).plan.id  # fmt: skip
    paid = run(["payments", "record", "C1", "--amount", "100.00", "--date", "2026-03-01",
                "--reference", "CHK-1"], database_url)  # fmt: skip
    assert paid["allocations"] == [{"invoice": "INV-1", "amount": "100.00"}]
    assert (paid["currency"], paid["plan"], paid["duplicate"]) == ("USD", key, False)
    again = run(["payments", "record", "C1", "--amount", "100.00", "--date", "2026-03-01",
                 "--reference", "CHK-1"], database_url)  # fmt: skip
    assert again["duplicate"] is True
    listed = run(["plans", "list"], database_url)
    assert listed == {"plans": [{
        "plan": key, "customer": "C1", "status": "active", "currency": "USD", "total": "400.00",
        "outstanding": "300.00", "credit": "0.00", "reference": listed["plans"][0]["reference"],  # type: ignore[index]
        "agreed_on": "2026-03-01", "as_of": "2026-03-01", "renegotiations_used": 0,
        "version": 2,
    }]}  # fmt: skip
    shown = run(["plans", "show", key], database_url)
    assert shown["installments"] == [
        {"number": 1, "due_date": "2026-03-01", "amount": "100.00", "paid": "100.00",
         "status": "paid"},
        {"number": 2, "due_date": "2026-04-01", "amount": "300.00", "paid": "0.00",
         "status": "scheduled"},
    ]  # fmt: skip
    serviced = run(["plans", "service", "--as-of", "2026-03-29"], database_url)
    assert [i["kind"] for i in serviced["intents"]] == ["plan_reminder"]  # type: ignore[union-attr]
    refund = run(["payments", "refund", "CHK-1", "--date", "2026-03-30", "--amount", "25.00"],
                 database_url)  # fmt: skip
    assert refund["reopened"] == [{"invoice": "INV-1", "amount": "25.00"}]
    assert open_amounts(app) == {"INV-1": "325.00"}


def test_the_cli_lists_promises_by_status_and_refuses_an_unknown_status(
    app: App, database_url: str
) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    svc.record_promise(app.uow(), "C1", [(date(2026, 3, 6), usd("100.00"))], channel="sms",
                       made_on=date(2026, 3, 2))  # fmt: skip
    doc = run(["promises", "list", "--status", "open"], database_url)
    assert [p["promise"] for p in doc["promises"]] == ["PTP-000001"]  # type: ignore[union-attr]
    assert run(["promises", "list", "--status", "kept"], database_url) == {"promises": []}
    bad = CliRunner().invoke(cli, ["promises", "list", "--status", "maybe", "--database-url",
                                   database_url])  # fmt: skip
    assert bad.exit_code == 2


def test_the_payments_tables_match_their_migration(app: App) -> None:
    app.ensure_schema()
    mine = set(tables_payments.__all__)
    with app.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diffs if any(name in repr(d) for name in mine)]
    assert ours == []


def test_the_clearing_order_comes_from_the_policy_in_force(app: App) -> None:
    from amicable.policy.load import default_policy_text

    with app.uow() as uow:
        assert svc.clearing_order_in_force(uow).rule_id == (
            "allocation.fee>interest>principal.oldest_first.kind_first"
        )
        text = default_policy_text().replace(
            "segments:", "fees:\n  clearing_order: [principal, interest, fees]\nsegments:", 1
        )
        uow.policies.add("principal first", text)
        uow.commit()
    with app.uow() as uow:
        assert svc.clearing_order_in_force(uow).rule_id == (
            "allocation.principal>interest>fee.oldest_first.kind_first"
        )
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    paid = svc.record_payment(app.uow(), "C1", usd("10.00"), date(2026, 3, 1), "P1")
    assert paid.rule_id == "allocation.principal>interest>fee.oldest_first.kind_first"


def test_a_person_records_a_promise_with_the_cli_and_it_is_serviced(
    app: App, database_url: str
) -> None:
    """``amicable promises add``: the promise a person took on a call, with the policy's grace,
    written back naming the person; the agent does not chase the account while it is open; it
    breaks after grace and goes to the queue."""
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    apply_policy(app.uow(), default_policy_text())
    doc = run(["promises", "add", "C1", "--pay", "2026-03-06=100.00", "--pay", "2026-03-13=150.00",
               "--pay", "2026-03-20=150.00", "--date", "2026-03-02", "--as", "ana"],
              database_url)  # fmt: skip
    assert doc == {
        "promise": "PTP-000001", "customer": "C1", "status": "open", "rule_id": "promise.pending",
        "currency": "USD", "total": "400.00", "channel": "call", "confirmed": True,
        "made_on": "2026-03-02", "evaluated_on": "2026-03-02", "grace_days": 5,
        "parts": [{"on": "2026-03-06", "amount": "100.00"}, {"on": "2026-03-13", "amount": "150.00"},
                  {"on": "2026-03-20", "amount": "150.00"}],
    }  # fmt: skip
    made = [json.loads(p) for k, p in outcome_events(app) if k == "promise.made"]
    assert [(m["source"], m["actor"], m["promise"]) for m in made] == [
        ("recorded", "ana", "PTP-000001")
    ]
    c1 = doc_customer_id(app, "C1")
    with app.uow() as uow:  # the agent loop leaves the account alone while the promise is open
        assert uow.runtime.suspended(date(2026, 3, 3)) == {c1: "open_promise"}
    # the first part unpaid past grace (5 days): broken, to the queue
    run_ = svc.service_plans(app.uow(), date(2026, 3, 12))
    assert run_.promises == (("PTP-000001", "broken"),) and run_.escalations == 1


def test_a_promise_the_account_cannot_hold_is_refused_and_nothing_is_written(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    one = [(date(2026, 3, 6), usd("100.00"))]
    cases = [
        ([(date(2026, 3, 6), usd("400.01"))], "more than the 400.00 it owes"),
        ([(date(2026, 3, 6), Money.of("10.00", "EUR"))], "owes nothing in EUR"),
        ([], "needs a payment"),
    ]
    for parts, message in cases:
        with pytest.raises(InvalidInput, match=message):
            svc.record_promise(app.uow(), "C1", parts, channel="call", made_on=date(2026, 3, 2))
    with app.uow() as uow:
        assert uow.payments.promises() == []
    first = svc.record_promise(app.uow(), "C1", one, channel="call", made_on=date(2026, 3, 2))
    # the same promise again (a retry) is the one recorded; another is refused
    again = svc.record_promise(app.uow(), "C1", one, channel="call", made_on=date(2026, 3, 2))
    assert again.promise.id == first.promise.id == "PTP-000001"
    with pytest.raises(InvalidInput, match="already has open promise PTP-000001"):
        svc.record_promise(app.uow(), "C1", [(date(2026, 3, 9), usd("50.00"))], channel="call",
                           made_on=date(2026, 3, 2))  # fmt: skip
    # kept, the account may promise again; on an active plan it may not
    svc.record_payment(app.uow(), "C1", usd("100.00"), date(2026, 3, 5), "P1")
    offer = plan_offer((date(2026, 3, 10), "100.00"), (date(2026, 4, 10), "200.00"))
    key = svc.create_plan_from_agreement(app.uow(), "C1", offer, agreed_on=date(2026, 3, 6),
                                         rules=RULES).plan.id  # fmt: skip
    with pytest.raises(InvalidInput, match=f"is on active plan {key}"):
        svc.record_promise(app.uow(), "C1", [(date(2026, 3, 9), usd("50.00"))], channel="call",
                           made_on=date(2026, 3, 6))  # fmt: skip
    with app.uow() as uow:
        assert [p.promise.id for p in uow.payments.promises()] == ["PTP-000001"]


def test_the_cli_says_what_is_wrong_with_a_promised_payment(app: App, database_url: str) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    for pay, message in (("2026-03-06", "write DATE=AMOUNT"),
                         ("06/03/2026=10.00", "is not a date"),
                         ("2026-03-06=ten", "ten")):  # fmt: skip
        result = CliRunner().invoke(
            cli, ["promises", "add", "C1", "--pay", pay, "--database-url", database_url]
        )
        assert result.exit_code != 0 and message in result.output, result.output
    with app.uow() as uow:
        assert uow.payments.promises() == []


def outcome_events(app: App) -> list[tuple[str, str]]:
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, payload FROM outcome_events ORDER BY id")).all()
    return [(str(k), str(p)) for k, p in rows]


def doc_customer_id(app: App, ref: str) -> int:
    with app.uow() as uow:
        (found,) = [r.id for r in uow.reports.customer_refs().values() if r.external_id == ref]
    return found


def test_a_recorded_promise_passes_the_policy_gate_within_the_persons_authority(app: App) -> None:
    """A promise stops the chasing until its dates, so it is terms like any other: the whole
    balance is checked as the offer it is, a part as paying the balance by its last date; a
    collector may not record what the policy refuses, nor what needs an admin's approval."""
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    made = date(2026, 3, 2)
    # a part promised for September defers the rest beyond the policy's pay-in-full window
    with pytest.raises(PermissionDenied, match=r"refused under the policy \(as paying the balance"):
        svc.record_promise(app.uow(), "C1", [(date(2026, 9, 1), usd("100.00"))], channel="call",
                           made_on=made)  # fmt: skip
    # the whole balance in two payments: a plan of one installment after the down payment
    with pytest.raises(PermissionDenied, match="1 installments, at least 2"):
        svc.record_promise(app.uow(), "C1", [(date(2026, 3, 6), usd("100.00")),
                                             (date(2026, 3, 20), usd("300.00"))],
                           channel="call", made_on=made)  # fmt: skip
    with app.uow() as uow:
        assert uow.payments.promises() == []
    # within the policy: recorded
    ok = svc.record_promise(app.uow(), "C1", [(date(2026, 3, 9), usd("400.00"))], channel="call",
                            made_on=made)  # fmt: skip
    assert ok.status == "open" and ok.grace_days == 5
