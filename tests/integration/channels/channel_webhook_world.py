"""Shared set-up of the channel webhook tests: an organisation with two debtors, the HTTP API
(Starlette's ``TestClient``) configured with a Twilio auth token and an inbound-email secret, a
FAKE Twilio REST server, and helpers that sign requests the way the providers do (Twilio's with
the SDK's own ``RequestValidator.compute_signature``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.entrypoints.api import ApiSettings, create_app
from amicable.service.imports import import_customers, import_invoices
from amicable.service.runtime_ports import NewAttempt
from amicable.service.writeback import sign
from fakes.fake_twilio_server import FakeTwilioServer

ACCOUNT_SID = "AC" + "7" * 32
TOKEN = "twilio-webhook-token-0123456789"
EMAIL_SECRET = "inbound-email-secret-0123456789abcdef"
BASE = "http://testserver"
ORG = "default"
OUR_NUMBER = "+12125550199"
DANA_PHONE = "+12125550101"
ERIC_PHONE = "+12125550102"  # stored formatted: "+1 (212) 555-0102"

CUSTOMERS = (
    "customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,"
    "postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags\n"
    "C-DANA,Dana Debtor,consumer,standard,en,US,NY,America/New_York,dana@example.com,"
    "+12125550101,1 Main St,10001,yes,yes,yes,yes,\n"
    "C-ERIC,Eric Example,consumer,standard,en,US,NY,America/New_York,eric@example.com,"
    '"+1 (212) 555-0102",2 Main St,10001,yes,yes,no,,\n'
)
INVOICES = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount\n"
    "C-DANA,Dana Debtor,INV-D1,2026-01-01,2026-01-31,USD,240.00\n"
    "C-ERIC,Eric Example,INV-E1,2026-01-01,2026-01-31,USD,120.00\n"
)


@dataclass
class ChannelWorld:
    """The app, the API client, the fake Twilio server and the clock."""

    app: App
    client: TestClient
    twilio: FakeTwilioServer
    clock: SimulatedClock

    def post_twilio(
        self, url: str, params: Mapping[str, str], *, signature: str | None = "sign"
    ) -> httpx.Response:
        """POST ``params`` to ``url`` (absolute, ``http://testserver/…``) as Twilio does: form
        encoded, signed over the full URL and the form with the auth token (``signature="sign"``),
        or with the given header value (None: no header)."""
        headers = {}
        if signature == "sign":
            signature = RequestValidator(TOKEN).compute_signature(url, dict(params))
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(url, data=dict(params), headers=headers)

    def post_email(
        self, payload: dict[str, Any], *, at: datetime | None = None, secret: str = EMAIL_SECRET
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        stamp = int((at or self.clock.now()).timestamp())
        headers = {"Amicable-Signature": sign(secret, body, stamp),
                   "Content-Type": "application/json"}  # fmt: skip
        return self.client.post(f"{BASE}/v1/webhooks/email/{ORG}", content=body, headers=headers)

    def add_attempt(self, account: str, channel: str, key: str, text: str, **kw: Any) -> int:
        """Write an allowed outbox attempt (as the runtime does before a hand-off)."""
        with self.app.uow() as uow:
            cid = uow.ledger.customers([account])[account].id
            values: dict[str, Any] = {
                "customer_id": cid, "channel": channel, "action": channel, "dedupe_key": key,
                "planned_at": self.clock.now(), "allowed": True, "violations": (),
                "earliest_allowed_at": None, "packs": ("us_federal",), "recipient": DANA_PHONE,
                "subject": None, "text": text, "lang": "en", "debt_ids": ("INV-D1",),
                "reasons": (), "status": "planned", "currency": "USD", "balance_minor": 24000,
                "segment": "test",
            }  # fmt: skip
            values.update(kw)
            attempt_id = uow.runtime.add_attempt(NewAttempt(**values))
            assert attempt_id is not None
            uow.commit()
            return attempt_id

    def mark_sent(self, attempt_id: int, sid: str) -> None:
        with self.app.uow() as uow:
            uow.runtime.mark_sent(attempt_id, provider="twilio", provider_message_id=sid,
                                  sent_at=self.clock.now())  # fmt: skip
            uow.commit()


def settings(**overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "environment": "test", "secret_key": "k" * 40, "rate_limit_per_minute": 1_000_000,
        "rate_limit_burst": 1_000_000, "twilio_auth_token": TOKEN,
        "inbound_email_secret": EMAIL_SECRET, "voicemail_business_name": "Acme Services",
        "voicemail_contact_name": "Sam Carter", "voicemail_callback_phone": "+12125550199",
    }  # fmt: skip
    values.update(overrides)
    return ApiSettings(**values)


@pytest.fixture
def world(app: App, clock: SimulatedClock, tmp_path: Path) -> Iterator[ChannelWorld]:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    app.create_org("rival")
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=clock.now().tzinfo))
    with (
        FakeTwilioServer(account_sid=ACCOUNT_SID, auth_token=TOKEN) as twilio,
        TestClient(create_app(app, settings=settings())) as client,
    ):
        yield ChannelWorld(app, client, twilio, clock)
