"""Every route of the HTTP API over HTTP, in the shapes documented in ``docs/api.md``."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amicable.bootstrap import App
from amicable.entrypoints.api import create_app, deps
from amicable.entrypoints.api.deps import CurrentPrincipal, RateLimited, Uow, guard
from amicable.policy.load import default_policy_text
from amicable.service.security import Principal
from conftest import ApiWorld, fast_settings

SCENARIO = {
    "collector": {"type": "third_party"},
    "debtor": {
        "type": "consumer",
        "address": {"country": "US", "region": "CO", "postal_code": "80202"},
        "timezone": "America/Denver",
    },
    "debts": [{"id": "D1", "consumer": True}],
    "proposed": {"at": "2026-04-08T15:00:00Z", "channel": "email", "debt_ids": ["D1"]},
}


def upload(world: ApiWorld, kind: str, path: Path, **form: str) -> dict[str, object]:
    with path.open("rb") as fh:
        r = world.client.post(
            f"/v1/imports/{kind}",
            files={"file": (path.name, fh, "text/csv")},
            data=form,
            headers=world.headers("collector"),
        )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def import_sample(world: ApiWorld, sample: Path) -> None:
    for kind in ("customers", "invoices", "payments"):
        result = upload(world, kind, sample / f"{kind}.csv")
        assert result["written"] is True and result["errors"] == [], result


def test_health_answers_without_a_token(world: ApiWorld) -> None:
    r = world.client.get("/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_a_request_without_a_valid_token_is_a_401_problem(world: ApiWorld) -> None:
    for headers in ({}, {"Authorization": "Bearer amk_nope"}, {"Authorization": "Basic x"}):
        r = world.client.get("/v1/org", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/unauthorized")


def test_the_org_route_names_the_tokens_organisation(world: ApiWorld) -> None:
    r = world.client.get("/v1/org", headers=world.headers("viewer"))
    assert r.json()["name"] == "acme"


def test_users_are_created_listed_and_shown_without_their_password(world: ApiWorld) -> None:
    h = world.headers()
    r = world.client.post(
        "/v1/users",
        json={"email": "Ana@Example.org", "role": "collector", "password": "a long passphrase"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == "ana@example.org" and user["has_password"] is True
    assert "password" not in user and "password_hash" not in user
    listed = world.client.get("/v1/users", headers=h).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == user["id"]
    assert world.client.get(f"/v1/users/{user['id']}", headers=h).json() == user
    again = world.client.post(
        "/v1/users", json={"email": "ana@example.org", "role": "viewer"}, headers=h
    )
    assert again.status_code == 409


def test_a_user_with_an_unknown_role_or_field_is_refused_with_the_location(
    world: ApiWorld,
) -> None:
    r = world.client.post(
        "/v1/users", json={"email": "a@b.org", "role": "root", "extra": 1}, headers=world.headers()
    )
    assert r.status_code == 422
    locations = {p["location"] for p in r.json()["problems"]}
    assert {"body.role", "body.extra"} <= locations


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(world: ApiWorld) -> None:
    h = world.headers()
    created = world.client.post("/v1/tokens", json={"role": "viewer", "label": "bi"}, headers=h)
    assert created.status_code == 201
    secret = created.json()["token"]
    token_id = created.json()["id"]
    listed = world.client.get("/v1/tokens", headers=h).json()["data"]
    assert all("token" not in t for t in listed)
    assert any(t["id"] == token_id and t["prefix"] == secret[:10] for t in listed)
    mine = {"Authorization": f"Bearer {secret}"}
    assert world.client.get("/v1/org", headers=mine).status_code == 200
    shown = [t for t in world.client.get("/v1/tokens", headers=h).json()["data"]]
    assert next(t for t in shown if t["id"] == token_id)["last_used_at"] is not None
    revoked = world.client.delete(f"/v1/tokens/{token_id}", headers=h)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert world.client.get("/v1/org", headers=mine).status_code == 401


def test_an_upload_imports_the_sample_and_the_accounts_reports_see_it(
    world: ApiWorld, sample_files: Path
) -> None:
    import_sample(world, sample_files)
    h = world.headers("viewer")
    accounts = world.client.get("/v1/accounts", params={"as_of": "2026-03-01"}, headers=h).json()
    assert accounts["count"] == 12
    first = accounts["data"][0]
    assert all(isinstance(v, str) for v in first["balances"].values())
    ref = first["external_id"]
    shown = world.client.get(f"/v1/accounts/{ref}", params={"as_of": "2026-03-01"}, headers=h)
    assert shown.status_code == 200 and shown.json()["customer"]["external_id"] == ref
    facts = world.client.get(f"/v1/accounts/{ref}/facts", headers=h).json()
    assert facts["external_id"] == ref
    aging = world.client.get("/v1/aging", params={"as_of": "2026-03-01"}, headers=h).json()
    assert aging["currencies"]
    by_customer = world.client.get(
        "/v1/aging", params={"as_of": "2026-03-01", "by_customer": True}, headers=h
    ).json()
    assert len(by_customer["customers"]) >= 1
    dso = world.client.get(
        "/v1/dso", params={"as_of": "2026-03-01", "method": "countback"}, headers=h
    ).json()
    assert dso["method"] == "countback" and dso["currencies"]


def test_a_refused_file_writes_nothing_and_lists_every_bad_row(world: ApiWorld) -> None:
    bad = Path(__file__).parents[2] / "fixtures" / "imports" / "generic_bad_rows.csv"
    result = upload(world, "invoices", bad)
    assert result["written"] is False and result["errors"]
    h = world.headers("viewer")
    assert world.client.get("/v1/accounts", headers=h).json()["count"] == 0
    dry = upload(world, "invoices", bad, dry_run="true", skip_invalid="true")
    assert dry["dry_run"] is True and dry["written"] is False


def test_an_upload_that_is_not_csv_or_xlsx_is_refused(world: ApiWorld) -> None:
    r = world.client.post(
        "/v1/imports/invoices",
        files={"file": ("ledger.pdf", b"%PDF", "application/pdf")},
        headers=world.headers("collector"),
    )
    assert r.status_code == 422 and "csv" in r.json()["detail"]


def test_a_note_is_audited_and_becomes_a_write_back_event(
    world: ApiWorld, sample_files: Path
) -> None:
    import_sample(world, sample_files)
    h = world.headers()
    ref = world.client.get("/v1/accounts", headers=h).json()["data"][0]["external_id"]
    r = world.client.post(
        f"/v1/accounts/{ref}/notes", json={"body": "called, will pay Friday"}, headers=h
    )
    assert r.status_code == 201
    events = world.client.get("/v1/events", headers=h).json()
    assert events["count"] == 1
    assert events["data"][0]["event_id"] == r.json()["event_id"]
    assert events["data"][0]["data"] == {
        "account": ref,
        "body": "called, will pay Friday",
        "author": events["data"][0]["data"]["author"],
    }
    text = world.client.get("/v1/events", params={"format": "csv"}, headers=h).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["kind"] for row in rows] == ["note.added"]
    missing = world.client.post("/v1/accounts/NOPE/notes", json={"body": "x"}, headers=h)
    assert missing.status_code == 404


def test_policy_versions_are_validated_applied_listed_and_shown(world: ApiWorld) -> None:
    h = world.headers("policy_owner")
    text = default_policy_text()
    ok = world.client.post("/v1/policy/validate", json={"yaml": text}, headers=h).json()
    assert ok == {"valid": True, "problems": []}
    bad = world.client.post(
        "/v1/policy/validate", json={"yaml": "version: 1\nsegments: 3\n"}, headers=h
    ).json()
    assert bad["valid"] is False and all(p["path"] for p in bad["problems"])
    refused = world.client.post("/v1/policy/versions", json={"yaml": "segments: 3"}, headers=h)
    assert refused.status_code == 422 and refused.json()["problems"]
    applied = world.client.post("/v1/policy/versions", json={"yaml": text}, headers=h)
    assert applied.status_code == 201 and applied.json()["version"] == 1
    listed = world.client.get("/v1/policy/versions", headers=h).json()
    assert listed["count"] == 1 and "yaml" not in listed["data"][0]
    shown = world.client.get("/v1/policy/versions/1", headers=h).json()
    assert shown["yaml"] == text and shown["label"] == "2026-11"  # the file's own version
    assert world.client.get("/v1/policy/versions/2", headers=h).status_code == 404


def test_the_compliance_dry_run_answers_like_the_cli(world: ApiWorld) -> None:
    h = world.headers("compliance_auditor")
    r = world.client.post("/v1/compliance/check", json=SCENARIO, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"allowed", "violations", "earliest_allowed_at", "packs"}
    assert body["allowed"] is (body["violations"] == [])
    broken = world.client.post("/v1/compliance/check", json={**SCENARIO, "debtr": {}}, headers=h)
    assert broken.status_code == 422 and "debtr" in broken.json()["detail"]


def test_the_audit_trail_is_verified_and_exported_as_json_and_csv(world: ApiWorld) -> None:
    h = world.headers("compliance_auditor")
    world.client.post(
        "/v1/policy/versions", json={"yaml": default_policy_text()}, headers=world.headers()
    )
    verified = world.client.get("/v1/audit/verify", headers=h).json()
    assert (
        verified["ok"] is True and verified["records"] == 6
    )  # five tokens of acme, then the policy
    doc = json.loads(world.client.get("/v1/audit/export", headers=h).text)
    assert doc["organisation"] == "acme"
    assert doc["records"][-1]["kind"] == "policy.applied"
    assert doc["records"][-1]["hash"] == verified["head"]["hash"]
    text = world.client.get(
        "/v1/audit/export",
        params={"format": "csv", "from": "2000-01-01", "to": "2000-01-02"},
        headers=h,
    ).text
    assert text.splitlines() == ["seq,at,kind,subject,actor,payload,prev_hash,hash"]
    backwards = world.client.get(
        "/v1/audit/export", params={"from": "2026-03-02", "to": "2026-03-01"}, headers=h
    )
    assert backwards.status_code == 422


def test_webhooks_are_subscribed_delivered_logged_and_deactivated(
    world: ApiWorld, sample_files: Path
) -> None:
    h = world.headers()
    created = world.client.post(
        "/v1/webhooks",
        json={"url": "https://erp.example/hooks", "kinds": ["note.added"]},
        headers=h,
    )
    assert created.status_code == 201
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in world.client.get(f"/v1/webhooks/{hook['id']}", headers=h).json()
    assert world.client.get("/v1/webhooks", headers=h).json()["count"] == 1
    import_sample(world, sample_files)
    ref = world.client.get("/v1/accounts", headers=h).json()["data"][0]["external_id"]
    world.client.post(f"/v1/accounts/{ref}/notes", json={"body": "hello"}, headers=h)
    report = world.client.post("/v1/webhooks/deliver", headers=h).json()
    assert report == {"enqueued": 1, "attempted": 1, "delivered": 1, "retrying": 0, "failed": 0}
    url, _body, headers = world.transport.posts[0]
    assert url == "https://erp.example/hooks" and headers["Amicable-Signature"].startswith("t=")
    log = world.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=h).json()
    assert log["count"] == 1 and log["data"][0]["status"] == "delivered"
    assert log["data"][0]["log"][0]["status_code"] == 200
    gone = world.client.delete(f"/v1/webhooks/{hook['id']}", headers=h)
    assert gone.status_code == 200 and gone.json()["active"] is False
    bad = world.client.post("/v1/webhooks", json={"url": "ftp://x/y"}, headers=h)
    assert bad.status_code == 422


def test_the_openapi_document_is_served_and_every_operation_is_under_v1(world: ApiWorld) -> None:
    doc = world.client.get("/openapi.json").json()
    assert doc["paths"] and all(p.startswith("/v1/") for p in doc["paths"])


def test_values_the_database_cannot_store_are_a_422_not_a_crash(world: ApiWorld) -> None:
    h = world.headers()
    attempts = [
        ("GET", "/v1/accounts/a%00b", {}),
        ("POST", "/v1/users", {"json": {"email": "a\x00@b.org", "role": "viewer"}}),
        ("POST", "/v1/tokens", {"json": {"role": "viewer", "label": "a\x00"}}),
        ("POST", "/v1/webhooks", {"json": {"url": "https://x.example/\x00"}}),
        ("POST", "/v1/policy/versions", {"json": {"yaml": 'version: "a\x00"'}}),
    ]
    for method, path, kwargs in attempts:
        r = world.client.request(method, path, headers=h, **kwargs)
        assert r.status_code in (404, 422), (path, r.status_code, r.text)
    checked = world.client.post("/v1/policy/validate", json={"yaml": "\x00"}, headers=h)
    assert checked.status_code == 422 and "NUL" in checked.text


def test_request_logs_carry_the_route_template_not_the_account_name(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="amicable.api"):
        world.client.get("/v1/accounts/Red Rock Diner", headers=world.headers("viewer"))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "amicable.api"]
    assert lines[-1]["path"] == "/v1/accounts/{ref}" and lines[-1]["status"] == 404
    assert "Red Rock" not in caplog.text


def test_each_request_is_logged_once_with_method_template_status_and_milliseconds(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="amicable.api"):
        world.client.get("/v1/org", headers=world.headers("viewer"))  # 200, a fixed path
        world.client.get("/v1/org")  # 401 from a dependency
        world.client.get("/v1/accounts/C-404/conversations", headers=world.headers("viewer"))
        world.client.get("/v1/no/such/path")  # 404: no route
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "amicable.api"]
    requests = [line for line in lines if line["event"] == "request"]
    assert [(line["method"], line["path"], line["status"]) for line in requests] == [
        ("GET", "/v1/org", 200),
        ("GET", "/v1/org", 401),
        ("GET", "/v1/accounts/{ref}/conversations", 404),  # NotFound, the error handler
        ("GET", "(no route)", 404),
    ]
    for line in requests:
        assert isinstance(line["ms"], float) and line["ms"] >= 0
        assert line["level"] == "info" and "timestamp" in line


def test_a_guarded_request_takes_one_token_from_the_rate_limit_bucket(world: ApiWorld) -> None:
    api = create_app(world.app, settings=fast_settings(rate_limit_burst=3, rate_limit_per_minute=1),
                     transport=world.transport)  # fmt: skip

    @api.get("/v1/twice", **guard("org.read"))
    async def twice(_limited: RateLimited, _uow: Uow) -> dict[str, str]:
        return {}

    client = TestClient(api)
    h = world.headers("viewer")
    codes = [client.get("/v1/org", headers=h).status_code for _ in range(2)]
    codes.append(client.get("/v1/twice", headers=h).status_code)
    codes.append(client.get("/v1/org", headers=h).status_code)
    assert codes == [200, 200, 200, 429]
    assert client.get("/v1/org").status_code == 429  # the limit comes before authentication


def test_a_request_authenticates_its_token_once_and_the_unit_of_work_is_the_tokens_org(
    world: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard, the unit of work and ``CurrentPrincipal`` share one authentication (the
    principal is kept in the request's scope); without the token cache every request looks its
    token up once, and a route with a unit of work but no guard still refuses a missing or bad
    token."""
    calls: list[str] = []
    real = deps._authenticate

    def counting(app: App, secret: str) -> Principal | None:
        calls.append(secret)
        return real(app, secret)

    monkeypatch.setattr(deps, "_authenticate", counting)
    api = create_app(world.app, settings=fast_settings(token_cache_seconds=0),
                     transport=world.transport)  # fmt: skip

    @api.get("/v1/whoami", **guard("org.read"))
    async def whoami(uow: Uow, who: CurrentPrincipal) -> dict[str, str]:
        return {"uow": uow.org_name, "who": who.org_name, "role": who.role}

    @api.get("/v1/unguarded")
    async def unguarded(uow: Uow) -> dict[str, str]:
        return {"uow": uow.org_name}

    client = TestClient(api)
    for org in ("acme", "rival"):
        r = client.get("/v1/whoami", headers=world.headers("viewer", org))
        assert r.json() == {"uow": org, "who": org, "role": "viewer"}
    assert len(calls) == 2
    assert client.get("/v1/unguarded", headers=world.headers("viewer", "rival")).json() == {
        "uow": "rival"
    }
    assert len(calls) == 3
    assert client.get("/v1/unguarded").status_code == 401
    bad = client.get("/v1/unguarded", headers={"Authorization": "Bearer amk_nope"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/whoami", headers={"Authorization": "Bearer amk_nope"}).status_code == 401


def test_a_bug_is_a_500_problem_that_hides_the_detail_and_logs_it_redacted(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(ref: str) -> None:
        raise RuntimeError(f"could not reach ana@example.org about {ref}")

    world.api.add_api_route("/v1/boom/{ref}", boom)
    client = TestClient(world.api, raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="amicable.api"):
        r = client.get("/v1/boom/Red Rock Diner")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "ana@" not in r.text and "Red Rock" not in r.text
    logged = [json.loads(x.getMessage()) for x in caplog.records if x.name == "amicable.api"]
    error = next(line for line in logged if line["event"] == "unhandled error")
    assert error["path"] == "/v1/boom/{ref}" and "RuntimeError" in error["error"]
    assert "ana@example.org" not in caplog.text


def test_no_request_matches_routes_of_two_routers(world: ApiWorld) -> None:
    # The routers are matched in the order create_app includes them (the conversations first,
    # for speed): that order may decide nothing, so no path of one router may match a route of
    # another with a method in common.
    import re

    from starlette.routing import compile_path

    from amicable.entrypoints.api import app as app_module

    modules = [name for name in dir(app_module) if name.startswith("routes_")]
    routes = [
        (name, route.path, set(getattr(route, "methods", None) or ()))
        for name in modules
        for route in getattr(app_module, name).router.routes
    ]
    assert len({name for name, _, _ in routes}) >= 10 and len(routes) >= 50
    for name, path, methods in routes:
        sample = re.sub(r"\{[^}:]+(:path)?\}", "x1", path)
        others = [
            (n, p)
            for n, p, m in routes
            if n != name and m & methods and compile_path(p)[0].match(sample)
        ]
        assert not others, (name, path, others)
    # and the conversations router is the first of them matched
    included = [r for r in world.api.router.routes if hasattr(r, "original_router")]
    assert included[0].original_router is app_module.routes_conversations.router
