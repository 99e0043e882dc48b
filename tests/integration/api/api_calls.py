"""One call per route of the API, with the action it needs: the table behind the authorisation
matrix and tenant isolation tests (a test checks it covers every route of the OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amicable.policy.load import default_policy_text
from amicable.service import governance, security, writeback
from conftest import ApiWorld

CSV = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount\n"
    "C-API-1,Api Test Ltd,API-1,2026-01-01,2026-01-31,USD,100.00\n"
)


@dataclass(frozen=True)
class Targets:
    """Identifiers of one organisation's records, to put in paths."""

    user_id: int
    token_id: int
    webhook_id: int
    account: str
    policy_version: int


def seed(world: ApiWorld, org: str, *, policies: int = 1) -> Targets:
    """Give ``org`` a user, a spare token, a webhook, an account with a note, ``policies``
    policy versions (the path targets the newest)."""
    app = world.app
    user = security.create_user(app.uow(org), f"someone@{org}.example", "viewer")
    spare = security.create_token(app.uow(org), "viewer", label="spare").token
    hook = writeback.subscribe(app.uow(org), f"https://{org}.example/hook")
    ref = f"C-{org.upper()}"
    files = {"file": ("seed.csv", CSV.replace("C-API-1", ref).encode(), "text/csv")}
    r = world.client.post("/v1/imports/invoices", files=files, headers=world.headers(org=org))
    assert r.status_code == 200 and r.json()["written"], r.text
    governance.add_note(app.uow(org), ref, f"note of {org}")
    for _ in range(policies):
        version = governance.apply_policy(app.uow(org), default_policy_text()).version
    return Targets(user.id, spare.id, hook.id, ref, version)


@dataclass(frozen=True)
class Call:
    """A request to one route: method, OpenAPI path, the action it needs, its body builder."""

    method: str
    path: str  # OpenAPI path template
    action: str
    build: Callable[[ApiWorld, Targets], dict[str, Any]]

    def url(self, t: Targets) -> str:
        return self.path.format(
            user_id=t.user_id, token_id=t.token_id, webhook_id=t.webhook_id, ref=t.account,
            version=t.policy_version, kind="invoices",
        )  # fmt: skip


def _none(_w: ApiWorld, _t: Targets) -> dict[str, Any]:
    return {}


def _json(body: dict[str, Any]) -> Callable[[ApiWorld, Targets], dict[str, Any]]:
    return lambda _w, _t: {"json": body}


def _upload(_w: ApiWorld, _t: Targets) -> dict[str, Any]:
    return {"files": {"file": ("x.csv", CSV.encode(), "text/csv")}, "data": {"dry_run": "true"}}


SCENARIO = {
    "debts": [{"id": "D1"}],
    "proposed": {"at": "2026-04-08T15:00:00Z", "channel": "email", "debt_ids": ["D1"]},
}

CALLS: tuple[Call, ...] = (
    Call("GET", "/v1/org", "org.read", _none),
    Call("GET", "/v1/users", "users.read", _none),
    Call("POST", "/v1/users", "users.create", _json({"email": "new@x.example", "role": "viewer"})),
    Call("GET", "/v1/users/{user_id}", "users.read", _none),
    Call("GET", "/v1/tokens", "tokens.read", _none),
    Call("POST", "/v1/tokens", "tokens.create", _json({"role": "viewer"})),
    Call("DELETE", "/v1/tokens/{token_id}", "tokens.revoke", _none),
    Call("POST", "/v1/imports/{kind}", "ledger.import", _upload),
    Call("GET", "/v1/accounts", "ledger.read", _none),
    Call("GET", "/v1/accounts/{ref}", "ledger.read", _none),
    Call("GET", "/v1/accounts/{ref}/facts", "ledger.read", _none),
    Call("POST", "/v1/accounts/{ref}/notes", "notes.create", _json({"body": "hi"})),
    Call("GET", "/v1/aging", "ledger.read", _none),
    Call("GET", "/v1/dso", "ledger.read", _none),
    Call("GET", "/v1/policy/versions", "policy.read", _none),
    Call("GET", "/v1/policy/versions/{version}", "policy.read", _none),
    Call("POST", "/v1/policy/validate", "policy.validate", _json({"yaml": "version: x"})),
    Call("POST", "/v1/policy/versions", "policy.apply", _json({"yaml": default_policy_text()})),
    Call("POST", "/v1/compliance/check", "compliance.check", _json(SCENARIO)),
    Call("GET", "/v1/audit/verify", "audit.verify", _none),
    Call("GET", "/v1/audit/export", "audit.export", _none),
    Call("GET", "/v1/events", "events.read", _none),
    Call("GET", "/v1/webhooks", "webhooks.read", _none),
    Call("POST", "/v1/webhooks", "webhooks.manage", _json({"url": "https://h.example/x"})),
    Call("GET", "/v1/webhooks/{webhook_id}", "webhooks.read", _none),
    Call("DELETE", "/v1/webhooks/{webhook_id}", "webhooks.manage", _none),
    Call("GET", "/v1/webhooks/{webhook_id}/deliveries", "webhooks.read", _none),
    Call("POST", "/v1/webhooks/deliver", "webhooks.deliver", _none),
)


def send(world: ApiWorld, call: Call, targets: Targets, headers: dict[str, str]) -> Any:
    return world.client.request(
        call.method, call.url(targets), headers=headers, **call.build(world, targets)
    )
