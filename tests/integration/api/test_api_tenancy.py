"""Tenant isolation on every route: a token of ``acme`` reading or changing anything of
``rival`` is refused (404: the record does not exist *for this caller*), and nothing of
``rival`` changes whatever ``acme`` does."""

from __future__ import annotations

from typing import Any

from api_calls import CALLS, Targets, seed

from conftest import ApiWorld

# Text only the rival's records contain (its user's email, webhook URL, note).
RIVAL_MARKERS = ("rival.example", "note of rival")


def snapshot(world: ApiWorld, org: str) -> dict[str, Any]:
    with world.app.uow(org) as uow:
        return {
            "users": uow.security.users(),
            "tokens": [(t.id, t.revoked_at) for t in uow.security.tokens()],
            "webhooks": uow.events.subscriptions(),
            "events": uow.events.events(),
            "deliveries": uow.events.deliveries(),
            "audit": uow.audit.records(),
            "policies": uow.policies.list(),
            "customers": uow.reports.customer_refs(),
        }


def test_every_route_refuses_or_hides_another_organisations_records(world: ApiWorld) -> None:
    mine = seed(world, "acme")
    # Policy versions are numbered per organisation: the rival's version 2 has no acme twin.
    theirs = seed(world, "rival", policies=2)
    rival_before = snapshot(world, "rival")
    leaks: list[str] = []
    for call in CALLS:
        # Paths carry the rival's identifiers wherever the route has one.
        uses_ids = "{" in call.path and "{kind}" not in call.path
        targets = theirs if uses_ids else mine
        r = world.client.request(
            call.method, call.url(targets), headers=world.headers("admin", "acme"),
            **call.build(world, targets),
        )  # fmt: skip
        if uses_ids and r.status_code != 404:
            leaks.append(f"{call.method} {call.url(targets)}: {r.status_code} {r.text[:100]}")
        if not uses_ids and r.status_code >= 400:
            leaks.append(f"{call.method} {call.path}: unexpected {r.status_code} {r.text[:100]}")
        shown = [m for m in RIVAL_MARKERS if m in r.text]
        if r.status_code != 404 and theirs.account in r.text:
            shown.append(theirs.account)
        if shown:
            leaks.append(f"{call.method} {call.path}: the response shows rival data {shown}")
    assert leaks == [], "\n".join(leaks)
    assert snapshot(world, "rival") == rival_before


def test_list_routes_show_only_the_callers_organisation(world: ApiWorld) -> None:
    seed(world, "acme")
    theirs: Targets = seed(world, "rival")
    h = world.headers("admin", "acme")
    users = world.client.get("/v1/users", headers=h).json()["data"]
    assert {u["email"] for u in users} == {"someone@acme.example"}
    token_ids = {t["id"] for t in world.client.get("/v1/tokens", headers=h).json()["data"]}
    assert theirs.token_id not in token_ids
    accounts = world.client.get("/v1/accounts", headers=h).json()["data"]
    assert [a["external_id"] for a in accounts] == ["C-ACME"]
    hooks = world.client.get("/v1/webhooks", headers=h).json()["data"]
    assert [w["url"] for w in hooks] == ["https://acme.example/hook"]
    events = world.client.get("/v1/events", headers=h).json()["data"]
    assert events and {e["data"]["account"] for e in events} == {"C-ACME"}
    exported = world.client.get("/v1/audit/export", headers=h).json()
    assert exported["organisation"] == "acme"
    assert all("rival" not in str(r["payload"]) for r in exported["records"])
