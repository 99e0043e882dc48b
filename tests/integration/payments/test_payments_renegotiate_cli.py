"""A person renegotiates a plan (``amicable plans renegotiate``): what it still owes gets a new
schedule through the policy gate within the person's authority and the plan's servicing rules
(``max_renegotiations``), the paid installments stay, and the audit trail names the person. A
refused renegotiation changes nothing. On SQLite or PostgreSQL (``--db``).

Ledger::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
    plan: 100.00 on 2026-03-01 (paid), 300.00 on 2026-04-01
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from payments_helpers import RULES, invoices, plan_offer, usd
from typer.testing import CliRunner

from amicable.bootstrap import App
from amicable.domain.errors import PermissionDenied
from amicable.entrypoints.cli import app as cli
from amicable.service import payments as svc

ON = "2026-03-20"


@pytest.fixture
def plan_key(app: App) -> str:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    offer = plan_offer((date(2026, 3, 1), "100.00"), (date(2026, 4, 1), "300.00"))
    key = svc.create_plan_from_agreement(
        app.uow(), "C1", offer, agreed_on=date(2026, 3, 1), rules=RULES
    ).plan.id
    svc.record_payment(app.uow(), "C1", usd("100.00"), date(2026, 3, 1), "P1")
    return key


def _invoke(database_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--database-url", database_url])
    return result.exit_code, result.stdout, result.stderr


def _schedule(app: App, key: str) -> list[tuple[str, str, str]]:
    with app.uow() as uow:
        plan = uow.payments.plan(key).plan
    return [
        (i.due_date.isoformat(), i.amount.amount_str(), i.status.value) for i in plan.installments
    ]


def test_a_person_renegotiates_the_rest_of_a_plan_once(
    app: App, database_url: str, plan_key: str
) -> None:
    code, out, err = _invoke(
        database_url, "plans", "renegotiate", plan_key, "--pay", "2026-04-01=100.00",
        "--pay", "2026-05-01=100.00", "--pay", "2026-06-01=100.00", "--date", ON, "--as", "ana",
        "--role", "admin", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["renegotiated"] is True
    assert [e["kind"] for e in doc["events"]] == ["renegotiated"]
    assert _schedule(app, plan_key) == [
        ("2026-03-01", "100.00", "paid"),
        ("2026-04-01", "100.00", "scheduled"),
        ("2026-05-01", "100.00", "scheduled"),
        ("2026-06-01", "100.00", "scheduled"),
    ]
    with app.uow() as uow:
        records = [r for r in uow.audit.records() if r.kind == "plan.renegotiated"]
    assert [(r.actor, r.subject) for r in records] == [("ana", f"plan:{plan_key}")]
    assert json.loads(records[0].payload)["schedule"][0] == {
        "due_date": "2026-04-01", "amount": "100.00"
    }  # fmt: skip
    # the servicing rules allow one: a second is refused, recorded, and changes nothing
    code, out, _ = _invoke(
        database_url, "plans", "renegotiate", plan_key, "--pay", "2026-06-01=300.00",
        "--date", ON, "--as", "ana", "--role", "admin", "--json",
    )  # fmt: skip
    assert code == 1
    again = json.loads(out)
    assert again["renegotiated"] is False
    assert [e["kind"] for e in again["events"]] == ["renegotiation_refused"]
    assert again["events"][0]["rule_id"] == "servicing.max_renegotiations"
    assert [s[1] for s in _schedule(app, plan_key)] == ["100.00"] * 4


def test_terms_outside_the_persons_authority_are_refused_and_nothing_changes(
    app: App, database_url: str, plan_key: str
) -> None:
    before = _schedule(app, plan_key)
    # two years out: far beyond any plan the policy allows
    far = ["--pay", "2027-09-01=150.00", "--pay", "2028-03-01=150.00"]
    code, _, err = _invoke(
        database_url, "plans", "renegotiate", plan_key, *far, "--date", ON, "--as", "bo",
    )  # fmt: skip
    assert code == 2 and "the new schedule is refused under the policy" in err
    with pytest.raises(PermissionDenied):
        svc.renegotiate_plan(
            app.uow(), plan_key,
            [(date(2027, 9, 1), usd("150.00")), (date(2028, 3, 1), usd("150.00"))],
            on=date(2026, 3, 20), actor="bo", role="collector",
        )  # fmt: skip
    assert _schedule(app, plan_key) == before
    with app.uow() as uow:
        assert not [r for r in uow.audit.records() if r.kind.startswith("plan.renegotiat")]


def test_a_schedule_that_does_not_add_up_is_refused_with_the_amounts(
    app: App, database_url: str, plan_key: str
) -> None:
    before = _schedule(app, plan_key)
    code, _, err = _invoke(
        database_url, "plans", "renegotiate", plan_key, "--pay", "2026-04-01=100.00",
        "--date", ON, "--role", "admin",
    )  # fmt: skip
    assert code == 2
    assert "300.00" in err and "100.00" in err
    assert _schedule(app, plan_key) == before


def test_a_person_cancels_a_plan_and_its_account_is_owed_as_the_invoices_say(
    app: App, database_url: str, plan_key: str
) -> None:
    code, out, err = _invoke(
        database_url, "plans", "cancel", plan_key, "--reason", "the debtor asked", "--date", ON,
        "--as", "ana", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["cancelled"] is True and doc["plan"]["status"] == "cancelled"
    assert doc["plan"]["outstanding"] == "300.00"
    assert [(e["kind"], e["on"], e["amount"]) for e in doc["events"]] == [
        ("plan_cancelled", ON, "300.00")
    ]
    assert _schedule(app, plan_key)[0] == ("2026-03-01", "100.00", "paid")  # what it received stays
    # the next payment goes to the invoice, not to the cancelled plan, even naming it
    paid = svc.record_payment(app.uow(), "C1", usd("50.00"), date(2026, 3, 21), "P2")
    named = svc.record_payment(
        app.uow(), "C1", usd("25.00"), date(2026, 3, 22), "P3", plan_key=plan_key
    )
    assert (paid.plan_key, named.plan_key) == (None, None)
    assert [(n, m.amount_str()) for n, m in named.allocations] == [("INV-1", "25.00")]
    with app.uow() as uow:
        assert [p.id for p in uow.payments.plan(plan_key).plan.payments] == ["P1"]
    # refused once it is no longer active: exit 2, nothing changes
    code, _, err = _invoke(database_url, "plans", "cancel", plan_key, "--reason", "again")
    assert code == 2 and "only an active plan is cancelled" in err
    code, out, _ = _invoke(database_url, "plans", "list", "--status", "cancelled", "--json")
    assert [p["plan"] for p in json.loads(out)["plans"]] == [plan_key]
