"""The human queue over HTTP: read by every role, decided by collectors and admins, modified
terms only within the token role's authority, every decision in the audit chain."""

from __future__ import annotations

from api_calls import QUEUE_OFFER, seed

from conftest import ApiWorld


def test_a_collector_modifies_within_policy_and_the_item_is_then_final(world: ApiWorld) -> None:
    t = seed(world, "acme")
    viewer = world.headers("viewer")
    listed = world.client.get("/v1/queue", headers=viewer).json()
    assert [i["id"] for i in listed["items"]] == [t.queue_item] and listed["count"] == 1
    shown = world.client.get(f"/v1/queue/{t.queue_item}", headers=viewer).json()
    assert shown["account"]["balances"] == {"USD": "90.00"}
    assert shown["suggested"]["action"] == "review_account"
    r = world.client.post(
        f"/v1/queue/{t.queue_item}/modify", json={"offer": QUEUE_OFFER},
        headers=world.headers("collector"),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "modified" and body["decision"]["gate"]["outcome"] == "ok"
    assert body["decided_by"].startswith("token:")
    again = world.client.post(
        f"/v1/queue/{t.queue_item}/approve", headers=world.headers("collector")
    )
    assert again.status_code == 409
    assert world.client.get("/v1/queue", headers=viewer).json()["count"] == 0
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
