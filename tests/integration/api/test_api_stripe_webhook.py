"""The public Stripe webhook over HTTP: the signature is the authentication (no bearer token), a
bad or missing one is a logged 400 that changes nothing, the same event twice is 200 and posted
once, and the endpoint is rate-limited like every public one."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from amicable.entrypoints.api import create_app
from conftest import STRIPE_SECRET, ApiWorld, fast_settings
from fakes.fake_stripe_server import signed_event

CREATED = int(datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp())
INVOICES = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount\n"
    "C1,Red Rock Diner,INV-1,2026-01-01,2026-01-31,USD,400.00\n"
)
URL = "/v1/webhooks/stripe/acme"


def ledger(world: ApiWorld) -> None:
    files = {"file": ("inv.csv", INVOICES.encode(), "text/csv")}
    r = world.client.post("/v1/imports/invoices", files=files, headers=world.headers())
    assert r.status_code == 200 and r.json()["written"], r.text


def succeeded(pi: str, amount: int, account: str = "C1") -> dict[str, Any]:
    return {"id": pi, "object": "payment_intent", "amount_received": amount, "currency": "usd",
            "metadata": {"account": account}}  # fmt: skip


def deliver(
    client: TestClient, event_id: str, obj: dict[str, Any], *, url: str = URL,
    secret: str = STRIPE_SECRET, kind: str = "payment_intent.succeeded",
) -> Any:  # fmt: skip
    payload, header = signed_event(event_id, kind, obj, secret=secret, created=CREATED)
    return client.post(url, content=payload, headers={"Stripe-Signature": header})


def payments_of(world: ApiWorld, org: str = "acme") -> list[tuple[str, str]]:
    r = world.client.get(
        "/v1/accounts/C1", params={"as_of": "2026-03-31"}, headers=world.headers(org=org)
    )
    return [(p["reference"], p["amount"]) for p in r.json()["payments"]]


def test_a_signed_event_posts_the_payment_and_the_same_event_twice_posts_once(
    world: ApiWorld,
) -> None:
    ledger(world)
    first = deliver(world.client, "evt_1", succeeded("pi_1", 10000))
    assert first.status_code == 200, first.text
    assert first.json() == {"event_id": "evt_1", "outcome": "posted"}
    again = deliver(world.client, "evt_1", succeeded("pi_1", 10000))
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert payments_of(world) == [("pi_1", "100.00")]


def test_a_bad_or_missing_signature_is_a_logged_400_and_changes_nothing(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    ledger(world)
    with caplog.at_level(logging.WARNING):
        wrong = deliver(world.client, "evt_x", succeeded("pi_x", 10000), secret="whsec_other")
        payload, header = signed_event("evt_y", "payment_intent.succeeded",
                                       succeeded("pi_y", 10000), secret=STRIPE_SECRET,
                                       created=CREATED)  # fmt: skip
        tampered = world.client.post(URL, content=payload.replace(b"10000", b"99999"),
                                     headers={"Stripe-Signature": header})  # fmt: skip
        missing = world.client.post(URL, content=payload)
    for r in (wrong, tampered, missing):
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert "does not verify" in wrong.json()["detail"]
    assert "missing" in missing.json()["detail"]
    assert sum("stripe webhook refused" in rec.getMessage() for rec in caplog.records) == 3
    assert payments_of(world) == []


def test_no_bearer_token_is_needed_but_a_bearer_token_is_no_substitute_for_a_signature(
    world: ApiWorld,
) -> None:
    ledger(world)
    payload, _ = signed_event("evt_2", "payment_intent.succeeded", succeeded("pi_2", 500),
                              secret=STRIPE_SECRET, created=CREATED)  # fmt: skip
    r = world.client.post(URL, content=payload, headers=world.headers("admin"))
    assert r.status_code == 400
    assert payments_of(world) == []


def test_an_event_goes_to_the_organisation_in_the_path_only(world: ApiWorld) -> None:
    ledger(world)
    files = {"file": ("inv.csv", INVOICES.encode(), "text/csv")}
    world.client.post("/v1/imports/invoices", files=files, headers=world.headers(org="rival"))
    r = deliver(world.client, "evt_3", succeeded("pi_3", 2500), url="/v1/webhooks/stripe/rival")
    assert r.status_code == 200 and r.json()["outcome"] == "posted"
    assert payments_of(world, "rival") == [("pi_3", "25.00")]
    assert payments_of(world) == []
    unknown = deliver(
        world.client, "evt_4", succeeded("pi_4", 100), url="/v1/webhooks/stripe/nobody"
    )
    assert unknown.status_code == 404


def test_a_server_without_a_stripe_secret_refuses_every_event(world: ApiWorld) -> None:
    ledger(world)
    api = create_app(world.app, settings=fast_settings(stripe_webhook_secret=""),
                     transport=world.transport)  # fmt: skip
    with TestClient(api) as client:
        r = deliver(client, "evt_5", succeeded("pi_5", 100))
    assert r.status_code == 400 and "not configured" in r.json()["detail"]
    assert payments_of(world) == []


def test_the_webhook_is_rate_limited_like_other_public_endpoints(world: ApiWorld) -> None:
    ledger(world)
    settings = fast_settings(rate_limit_burst=2, rate_limit_per_minute=1)
    api = create_app(world.app, settings=settings, transport=world.transport)
    with TestClient(api) as client:
        codes = [deliver(client, f"evt_r{i}", succeeded(f"pi_r{i}", 100)).status_code
                 for i in range(4)]  # fmt: skip
        limited = deliver(client, "evt_r9", succeeded("pi_r9", 100))
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert sorted(payments_of(world)) == [("pi_r0", "1.00"), ("pi_r1", "1.00")]


def sign_raw(payload: bytes, secret: str = STRIPE_SECRET) -> str:
    """A Stripe-Signature header over arbitrary bytes (a signed document that is not an event)."""
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@pytest.mark.parametrize(
    "document",
    [
        {"id": "evt_n1", "type": "payment_intent.succeeded", "created": CREATED},
        {"id": "evt_n2", "type": "payment_intent.succeeded", "created": CREATED, "data": {}},
        {"id": "evt_n3", "type": "charge.refunded", "created": CREATED, "data": {"object": []}},
        {"id": "evt_n4", "type": "payment_intent.succeeded", "created": CREATED,
         "data": {"object": {"amount_received": 100, "currency": "usd"}}},
        {"id": "evt_n5", "type": "payment_intent.succeeded", "created": CREATED,
         "data": {"object": {"id": "pi_n5", "amount_received": 100, "currency": "usd",
                             "metadata": ["not", "a", "map"]}}},
        {"type": "payment_intent.succeeded", "data": {"object": {"id": "pi_n6"}}},
        ["an", "array"],
    ],
)  # fmt: skip
def test_a_signed_document_that_is_not_a_whole_event_is_a_400_not_a_500(
    world: ApiWorld, document: object
) -> None:
    ledger(world)
    payload = json.dumps(document).encode()
    r = world.client.post(URL, content=payload, headers={"Stripe-Signature": sign_raw(payload)})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "stripe event" in r.json()["detail"] or "not a JSON event" in r.json()["detail"]
    assert payments_of(world) == []


def test_each_organisation_verifies_with_its_own_stripe_secret(world: ApiWorld) -> None:
    ledger(world)
    files = {"file": ("inv.csv", INVOICES.encode(), "text/csv")}
    world.client.post("/v1/imports/invoices", files=files, headers=world.headers(org="rival"))
    rival_secret = "whsec_rival_" + "r" * 32
    settings = fast_settings(stripe_webhook_secrets={"rival": rival_secret})
    api = create_app(world.app, settings=settings, transport=world.transport)
    rival_url = "/v1/webhooks/stripe/rival"
    with TestClient(api) as client:
        # rival's endpoint: its own secret verifies, the server-wide one no longer does
        wrong = deliver(client, "evt_o1", succeeded("pi_o1", 700), url=rival_url)
        right = deliver(client, "evt_o2", succeeded("pi_o2", 700), url=rival_url,
                        secret=rival_secret)  # fmt: skip
        # acme has no secret of its own: the server-wide one, and not rival's
        acme = deliver(client, "evt_o3", succeeded("pi_o3", 300))
        crossed = deliver(client, "evt_o4", succeeded("pi_o4", 300), secret=rival_secret)
    assert wrong.status_code == 400 and "does not verify" in wrong.json()["detail"]
    assert right.status_code == 200 and right.json()["outcome"] == "posted"
    assert acme.status_code == 200 and crossed.status_code == 400
    assert payments_of(world, "rival") == [("pi_o2", "7.00")]
    assert payments_of(world) == [("pi_o3", "3.00")]


def test_a_placeholder_organisation_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="organisation 'acme'"):
        fast_settings(environment="production", secret_key="k" * 40,
                      stripe_webhook_secrets={"acme": "changeme"})  # fmt: skip
