"""Payments over HTTP: record (the reference is the idempotency key), refund, plans, promises,
bank-statement reconciliation and the unmatched queue — in the CLI's ``--json`` shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from api_calls import plan_offer

from amicable.service import payments
from amicable.servicing.plans import ServicingRules
from conftest import ApiWorld

INVOICES = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount\n"
    "C1,Red Rock Diner,INV-1,2026-01-01,2026-01-31,USD,100.00\n"
    "C1,Red Rock Diner,INV-2,2026-01-15,2026-02-14,USD,50.00\n"
)


def ledger(world: ApiWorld) -> None:
    files = {"file": ("inv.csv", INVOICES.encode(), "text/csv")}
    r = world.client.post("/v1/imports/invoices", files=files, headers=world.headers("collector"))
    assert r.status_code == 200 and r.json()["written"], r.text


def record(world: ApiWorld, role: str = "collector", **body: Any) -> Any:
    doc = {"reference": "CHK-1", "amount": "60.00", "currency": "USD", "received_on": "2026-03-01"}
    doc.update(body)
    return world.client.post("/v1/accounts/C1/payments", json=doc, headers=world.headers(role))


def open_items(world: ApiWorld) -> dict[str, str]:
    r = world.client.get(
        "/v1/accounts/C1", params={"as_of": "2026-03-31"}, headers=world.headers("viewer")
    )
    return {i["number"]: i["open_amount"] for i in r.json()["open_invoices"]}


def test_a_payment_is_posted_oldest_first_and_recording_it_again_posts_nothing(
    world: ApiWorld,
) -> None:
    ledger(world)
    first = record(world)
    assert first.status_code == 201, first.text
    doc = first.json()
    assert doc["amount"] == "60.00" and doc["duplicate"] is False
    assert doc["allocations"] == [{"invoice": "INV-1", "amount": "60.00"}]
    again = record(world)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert open_items(world) == {"INV-1": "40.00", "INV-2": "50.00"}


def test_the_same_reference_with_other_details_is_a_conflict(world: ApiWorld) -> None:
    ledger(world)
    assert record(world).status_code == 201
    r = record(world, amount="61.00")
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert "never overwritten" in r.json()["detail"]


def test_an_amount_as_a_json_number_or_an_unknown_field_is_refused(world: ApiWorld) -> None:
    ledger(world)
    bad_amounts = [{"amount": a} for a in (60.0, "abc", "1e999", " 1", "1E+2", "NaN", "1" * 16)]
    for body in [*bad_amounts, {"surprise": 1}, {"currency": "ZZZ"}, {"amount": "60.001"}]:
        r = record(world, **body)
        assert r.status_code == 422, (body, r.text)
    assert open_items(world) == {"INV-1": "100.00", "INV-2": "50.00"}


def test_a_refund_reopens_what_the_payment_paid_once_per_key(world: ApiWorld) -> None:
    ledger(world)
    record(world)
    url = "/v1/payments/CHK-1/refunds"
    body = {"amount": "20.00", "on": "2026-03-03", "key": "re_1"}
    r = world.client.post(url, json=body, headers=world.headers("collector"))
    assert r.status_code == 200, r.text
    assert r.json()["reopened"] == [{"invoice": "INV-1", "amount": "20.00"}]
    twice = world.client.post(url, json=body, headers=world.headers("collector"))
    assert twice.json()["duplicate"] is True
    assert open_items(world) == {"INV-1": "60.00", "INV-2": "50.00"}
    too_much = {"amount": "41.00", "on": "2026-03-03"}
    assert world.client.post(url, json=too_much, headers=world.headers()).status_code == 422
    missing = world.client.post("/v1/payments/NOPE/refunds", json={}, headers=world.headers())
    assert missing.status_code == 404


def _plan(world: ApiWorld) -> str:
    """The ledger, and a plan of ``plan_offer()`` for C1 agreed 2026-03-01: its key."""
    ledger(world)
    return payments.create_plan_from_agreement(
        world.app.uow("acme"), "C1", plan_offer(), agreed_on=date(2026, 3, 1),
        rules=ServicingRules(),
    ).plan.id  # fmt: skip


def test_plans_are_listed_and_shown_with_their_schedule(world: ApiWorld) -> None:
    key = _plan(world)
    record(world, amount="45.00", plan=key)
    h = world.headers("viewer")
    listed = world.client.get("/v1/plans", params={"status": "active"}, headers=h).json()
    assert [(p["plan"], p["outstanding"]) for p in listed["data"]] == [(key, "45.00")]
    assert world.client.get("/v1/plans?status=broken", headers=h).json()["count"] == 0
    assert world.client.get("/v1/plans?status=nope", headers=h).status_code == 422
    shown = world.client.get(f"/v1/plans/{key}", headers=h).json()
    assert [i["status"] for i in shown["installments"]] == ["paid", "scheduled"]
    assert shown["payments"][0]["reference"] == "CHK-1"
    assert any(e["kind"] == "installment_paid" for e in shown["events"])
    assert world.client.get("/v1/plans/PL-NOPE", headers=h).status_code == 404


def test_promises_are_listed_by_status(world: ApiWorld) -> None:
    ledger(world)
    h = world.headers("viewer")
    assert world.client.get("/v1/promises", headers=h).json() == {"data": [], "count": 0}
    assert world.client.get("/v1/promises?status=kept", headers=h).status_code == 200
    assert world.client.get("/v1/promises?status=maybe", headers=h).status_code == 422


STATEMENT = (
    "date,amount,currency,payer,remittance,bank_reference\n"
    "2026-03-02,100.00,USD,Red Rock Diner,Invoice INV-1,B-1\n"
    "2026-03-02,13.37,USD,Somebody Else,gift,B-2\n"
)


def reconcile(world: ApiWorld, *, dry_run: bool) -> Any:
    files = {"file": ("statement.csv", STATEMENT.encode(), "text/csv")}
    data = {"dry_run": str(dry_run).lower(), "format": "csv"}
    return world.client.post(
        "/v1/reconciliations", files=files, data=data, headers=world.headers("collector")
    )


def test_a_dry_run_reconciliation_reports_and_posts_nothing(world: ApiWorld) -> None:
    ledger(world)
    r = reconcile(world, dry_run=True)
    assert r.status_code == 200, r.text
    assert r.json() == {"entries": 2, "matched": 1, "posted": {"USD": "100.00"}, "unmatched": 1,
                        "duplicates": 0, "errors": []}  # fmt: skip
    assert open_items(world) == {"INV-1": "100.00", "INV-2": "50.00"}
    queue = world.client.get("/v1/payments/unmatched", headers=world.headers("viewer")).json()
    assert queue["count"] == 0


def test_reconciling_posts_matches_queues_the_rest_and_skips_a_second_upload(
    world: ApiWorld,
) -> None:
    ledger(world)
    assert reconcile(world, dry_run=False).json()["matched"] == 1
    assert open_items(world) == {"INV-2": "50.00"}
    again = reconcile(world, dry_run=False).json()
    assert (again["duplicates"], again["matched"], again["unmatched"]) == (2, 0, 0)
    queue = world.client.get("/v1/payments/unmatched", headers=world.headers("viewer")).json()
    (entry,) = queue["data"]
    assert (entry["amount"], entry["currency"], entry["payer"]) == ("13.37", "USD", "Somebody Else")
    url = f"/v1/payments/unmatched/{entry['entry_id']}/assign"
    posted = world.client.post(url, json={"candidate": "invoice:INV-2"},
                               headers=world.headers("collector"))  # fmt: skip
    assert posted.status_code == 200, posted.text
    assert posted.json()["allocations"] == [{"invoice": "INV-2", "amount": "13.37"}]
    assert open_items(world) == {"INV-2": "36.63"}
    left = world.client.get("/v1/payments/unmatched", headers=world.headers("viewer")).json()
    assert left["count"] == 0
    r = world.client.post(url, json={"candidate": "invoice:INV-2"}, headers=world.headers())
    assert r.status_code == 404


def test_an_unreadable_statement_is_a_422_naming_the_file(world: ApiWorld) -> None:
    files = {"file": ("junk.bin", b"\x00\x01 not a statement", "application/octet-stream")}
    r = world.client.post("/v1/reconciliations", files=files, headers=world.headers())
    assert r.status_code == 422
    assert "junk.bin" in r.json()["detail"]
    bad_format = world.client.post("/v1/reconciliations", files=files, data={"format": "pdf"},
                                   headers=world.headers())  # fmt: skip
    assert bad_format.status_code == 422


def test_a_policy_owner_may_not_record_a_payment(world: ApiWorld) -> None:
    ledger(world)
    assert record(world, role="policy_owner").status_code == 403
    assert record(world, role="viewer").status_code == 403
    assert open_items(world) == {"INV-1": "100.00", "INV-2": "50.00"}


def test_a_collector_records_a_promise_once_and_one_beyond_the_balance_is_refused(
    world: ApiWorld,
) -> None:
    ledger(world)
    body = {"payments": [{"due_date": "2026-03-06", "amount": "100.00"}], "currency": "USD",
            "made_on": "2026-03-02"}  # fmt: skip
    url = "/v1/accounts/C1/promises"
    r = world.client.post(url, json=body, headers=world.headers("collector"))
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["promise"], doc["customer"], doc["status"], doc["channel"]) == (
        "PTP-000001", "C1", "open", "call"
    )  # fmt: skip
    assert doc["parts"] == [{"on": "2026-03-06", "amount": "100.00"}] and not doc["duplicate"]
    again = world.client.post(url, json=body, headers=world.headers("collector"))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["promise"] == "PTP-000001"
    listed = world.client.get("/v1/promises", headers=world.headers("viewer")).json()
    assert [p["promise"] for p in listed["data"]] == ["PTP-000001"]
    # another while it is open, or more than is owed, or as a number: refused, nothing written
    other = {**body, "payments": [{"due_date": "2026-03-09", "amount": "10.00"}]}
    r = world.client.post(url, json=other, headers=world.headers("collector"))
    assert r.status_code == 422 and "already has open promise" in r.text
    world.client.post("/v1/accounts/C1/payments", headers=world.headers("collector"), json={
        "reference": "CHK-9", "amount": "100.00", "currency": "USD", "received_on": "2026-03-05",
    })  # fmt: skip
    payments.service_plans(world.app.uow(), date(2026, 3, 7))
    too_much = {**body, "made_on": "2026-03-07",
                "payments": [{"due_date": "2026-03-20", "amount": "50.01"}]}  # fmt: skip
    r = world.client.post(url, json=too_much, headers=world.headers("collector"))
    assert r.status_code == 422 and "more than the 50.00 it owes" in r.text
    as_number = {**body, "payments": [{"due_date": "2026-03-20", "amount": 5}]}
    assert (
        world.client.post(url, json=as_number, headers=world.headers("collector")).status_code
        == 422
    )
    listed = world.client.get("/v1/promises", headers=world.headers("viewer")).json()
    assert [(p["promise"], p["status"]) for p in listed["data"]] == [("PTP-000001", "kept")]


def test_a_promise_beyond_the_callers_authority_is_refused_and_nothing_changes(
    world: ApiWorld,
) -> None:
    ledger(world)
    far = {"payments": [{"due_date": "2026-09-01", "amount": "10.00"}], "currency": "USD",
           "made_on": "2026-03-02"}  # fmt: skip
    for role in ("collector", "admin"):
        r = world.client.post("/v1/accounts/C1/promises", json=far, headers=world.headers(role))
        assert r.status_code == 403 and "refused under the policy" in r.text, r.text
    assert world.client.get("/v1/promises", headers=world.headers("viewer")).json()["count"] == 0


def test_a_person_renegotiates_a_plan_once_within_their_authority(world: ApiWorld) -> None:
    key = _plan(world)
    url = f"/v1/plans/{key}/renegotiations"
    # the plan covers part of the balance: checked as paying it all by the last date (14 days)
    owed = [("2026-03-13", "30.00"), ("2026-03-18", "30.00"), ("2026-03-23", "30.00")]
    body = {"payments": [{"due_date": d, "amount": a} for d, a in owed], "on": "2026-03-10"}
    # beyond a collector's authority (two years out): 403, nothing written
    far = {"payments": [{"due_date": "2028-03-01", "amount": "90.00"}], "on": "2026-03-10"}
    r = world.client.post(url, json=far, headers=world.headers("collector"))
    assert r.status_code == 403 and "the new schedule is refused" in r.text, r.text
    # not adding up to what the plan owes: 422
    short = {**body, "payments": body["payments"][:1]}
    assert world.client.post(url, json=short, headers=world.headers("collector")).status_code == 422
    assert world.client.post(url, json=body, headers=world.headers("viewer")).status_code == 403
    r = world.client.post(url, json=body, headers=world.headers("collector"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["renegotiated"] is True and doc["plan"]["renegotiations_used"] == 1
    assert [(i["due_date"], i["amount"]) for i in doc["plan"]["installments"]] == owed
    # the servicing rules allow one: the next is refused (recorded), the schedule stays
    again = world.client.post(url, json=body, headers=world.headers("collector")).json()
    assert again["renegotiated"] is False
    assert [e["kind"] for e in again["events"]] == ["renegotiation_refused"]
    assert [(i["due_date"], i["amount"]) for i in again["plan"]["installments"]] == owed
    audit = world.client.get("/v1/audit/export", headers=world.headers()).text
    assert "plan.renegotiated" in audit and "plan.renegotiation_refused" in audit


def test_a_person_cancels_an_active_plan_once(world: ApiWorld) -> None:
    key = _plan(world)
    url = f"/v1/plans/{key}/cancellation"
    body = {"reason": "the debtor pays by bank transfer instead", "on": "2026-03-05"}
    assert world.client.post(url, json=body, headers=world.headers("viewer")).status_code == 403
    assert world.client.post(url, json={"reason": ""}, headers=world.headers()).status_code == 422
    r = world.client.post(url, json=body, headers=world.headers("collector"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["cancelled"] is True and doc["plan"]["status"] == "cancelled"
    assert [(e["kind"], e["on"]) for e in doc["events"]] == [("plan_cancelled", "2026-03-05")]
    # no longer active: refused, nothing written
    again = world.client.post(url, json=body, headers=world.headers("collector"))
    assert again.status_code == 422 and "only an active plan" in again.text, again.text
    listed = world.client.get("/v1/plans", params={"status": "cancelled"}, headers=world.headers())
    assert [p["plan"] for p in listed.json()["data"]] == [key]
    audit = world.client.get("/v1/audit/export", headers=world.headers()).text
    assert audit.count("plan.cancelled") == 1
