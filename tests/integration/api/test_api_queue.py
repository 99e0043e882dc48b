"""The human queue over HTTP: read by every role, decided by collectors and admins, modified
terms only within the token role's authority, every decision in the audit chain."""

from __future__ import annotations

from datetime import date

from api_calls import CSV, QUEUE_OFFER, seed

from amicable.service import queue
from amicable.service.queries import resolve_account
from conftest import ApiWorld


def _item_of_an_account_without_a_plan(world: ApiWorld) -> int:
    """A second account of ``acme`` owing 90.00, with a planner escalation in the queue (the
    seeded account is on an active plan: no terms are set beside it)."""
    csv = CSV.replace("C-API-1", "C-ACME-Q").replace("API-1", "API-Q").replace("100.00", "90.00")
    files = {"file": ("q.csv", csv.encode(), "text/csv")}
    r = world.client.post("/v1/imports/invoices", files=files, headers=world.headers())
    assert r.status_code == 200 and r.json()["written"], r.text
    with world.app.uow("acme") as uow:
        customer_id = resolve_account(uow, "C-ACME-Q").id
        esc = uow.payments.add_escalation(
            customer_id, plan_id=None, promise_id=None, reason="planner:manual_review",
            message="review C-ACME-Q", raised_on=date(2026, 3, 1),
        )  # fmt: skip
        item = queue.open_item(
            uow, customer_id=customer_id, source="planner", source_id=esc,
            source_ref="account:C-ACME-Q", reason="planner:manual_review", summary="review",
        )  # fmt: skip
        uow.commit()
    return item


def test_a_collector_modifies_within_policy_and_the_item_is_then_final(world: ApiWorld) -> None:
    t = seed(world, "acme")
    viewer = world.headers("viewer")
    listed = world.client.get("/v1/queue", headers=viewer).json()
    assert [i["id"] for i in listed["items"]] == [t.queue_item] and listed["count"] == 1
    shown = world.client.get(f"/v1/queue/{t.queue_item}", headers=viewer).json()
    assert shown["account"]["balances"] == {"USD": "90.00"}
    assert shown["suggested"]["action"] == "review_account"
    # the seeded account is on an active plan: terms beside it are refused, nothing changes
    r = world.client.post(
        f"/v1/queue/{t.queue_item}/modify", json={"offer": QUEUE_OFFER},
        headers=world.headers("collector"),
    )  # fmt: skip
    assert r.status_code == 422 and f"is on active plan {t.plan_key}" in r.text, r.text
    item_id = _item_of_an_account_without_a_plan(world)
    r = world.client.post(
        f"/v1/queue/{item_id}/modify", json={"offer": QUEUE_OFFER},
        headers=world.headers("collector"),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "modified" and body["decision"]["gate"]["outcome"] == "ok"
    assert body["decided_by"].startswith("token:")
    (promise,) = world.client.get("/v1/promises", headers=viewer).json()["data"]
    assert body["decision"]["servicing"] == {"promise": promise["promise"]}
    assert (promise["customer"], promise["total"], promise["channel"]) == (
        "C-ACME-Q", "90.00", "person"
    )  # fmt: skip
    again = world.client.post(f"/v1/queue/{item_id}/approve", headers=world.headers("collector"))
    assert again.status_code == 409
    assert world.client.get("/v1/queue", headers=viewer).json()["count"] == 1
    verified = world.client.get("/v1/audit/verify", headers=world.headers()).json()
    assert verified["ok"] is True


def test_terms_beyond_the_callers_authority_are_refused_and_nothing_changes(
    world: ApiWorld,
) -> None:
    t = seed(world, "acme")
    before = world.client.get("/v1/audit/verify", headers=world.headers()).json()["records"]
    settle = {"kind": "settlement", "total": "9.00", "currency": "USD",
              "installments": [{"due_date": "2026-03-02", "amount": "9.00"}]}  # fmt: skip
    for role in ("collector", "admin"):
        r = world.client.post(
            f"/v1/queue/{t.queue_item}/modify", json={"offer": settle},
            headers=world.headers(role),
        )  # fmt: skip
        assert r.status_code == 403 and "refused under the policy" in r.text, r.text
    money_as_number = {**QUEUE_OFFER, "total": 90}
    r = world.client.post(
        f"/v1/queue/{t.queue_item}/modify", json={"offer": money_as_number},
        headers=world.headers("collector"),
    )  # fmt: skip
    assert r.status_code == 422
    item = world.client.get(f"/v1/queue/{t.queue_item}", headers=world.headers()).json()["item"]
    assert item["status"] == "open"
    after = world.client.get("/v1/audit/verify", headers=world.headers()).json()["records"]
    assert after == before


def test_take_over_assigns_the_item_to_the_calling_token(world: ApiWorld) -> None:
    t = seed(world, "acme")
    h = world.headers("collector")
    r = world.client.post(f"/v1/queue/{t.queue_item}/take-over", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "taken_over"
    mine = world.client.get("/v1/queue", params={"mine": "true"}, headers=h).json()
    assert [i["id"] for i in mine["items"]] == [t.queue_item]
    theirs = world.client.get("/v1/queue", params={"mine": "true"}, headers=world.headers()).json()
    assert theirs["count"] == 0
    declined = world.client.post(
        f"/v1/queue/{t.queue_item}/decline", json={"reason": "paid"}, headers=h
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
