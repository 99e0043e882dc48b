"""The authorisation matrix over HTTP: each role × each route's action, and the route table
matches the OpenAPI document (a new route cannot ship untested or without an action)."""

from __future__ import annotations

import pytest
from api_calls import CALLS, seed

from amicable.service.authz import ACTIONS, ROLES, allowed
from conftest import ApiWorld


def test_every_route_declares_an_action_and_is_in_the_call_table(world: ApiWorld) -> None:
    doc = world.client.get("/openapi.json").json()
    declared = {
        (method.upper(), path): op.get("x-amicable-action")
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    # Public: the health check, and provider webhooks (their signature authenticates them).
    public = (
        {("GET", "/v1/health"), ("POST", "/v1/webhooks/stripe/{org}")}
        | {
            ("POST", f"/v1/webhooks/twilio/{{org}}/{hook}")
            for hook in ("sms", "status", "voice/answer", "voice/turn", "voice/status")
        }
        | {("POST", "/v1/webhooks/email/{org}")}
    )
    assert {k for k, action in declared.items() if action is None} == public
    table = {(c.method, c.path): c.action for c in CALLS}
    assert table == {k: a for k, a in declared.items() if k not in public}
    assert set(table.values()) == set(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_matrix_grants(world: ApiWorld, role: str) -> None:
    targets = seed(world, "acme")
    wrong: list[str] = []
    for call in CALLS:
        r = world.client.request(
            call.method, call.url(targets), headers=world.headers(role),
            **call.build(world, targets),
        )  # fmt: skip
        expected_ok = allowed(role, call.action)
        if expected_ok and r.status_code in (401, 403):
            wrong.append(f"{call.method} {call.path}: refused {r.status_code} {r.text[:120]}")
        if expected_ok and r.status_code >= 500:
            wrong.append(f"{call.method} {call.path}: {r.status_code}")
        if not expected_ok and r.status_code != 403:
            wrong.append(f"{call.method} {call.path}: expected 403, got {r.status_code}")
    assert wrong == []


def test_a_denied_request_changes_nothing(world: ApiWorld) -> None:
    targets = seed(world, "acme")
    before = world.client.get("/v1/audit/verify", headers=world.headers()).json()
    for call in CALLS:
        if call.method != "GET" and not allowed("viewer", call.action):
            r = world.client.request(
                call.method, call.url(targets), headers=world.headers("viewer"),
                **call.build(world, targets),
            )  # fmt: skip
            assert r.status_code == 403
    after = world.client.get("/v1/audit/verify", headers=world.headers()).json()
    assert after["records"] == before["records"]


def test_the_matrix_in_docs_api_md_is_the_one_in_force() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## Roles and the authorisation matrix", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(ROLES) + 1 and cells[0].startswith("`"):
            marks = cells[1:]
            documented[cells[0].strip("`")] = frozenset(
                r for r, m in zip(ROLES, marks, strict=True) if m == "✔"
            )
    assert documented == dict(ACTIONS)
