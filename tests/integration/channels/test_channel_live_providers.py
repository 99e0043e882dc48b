"""``amicable run --provider live``: the agent loop sends through the real adapters configured
from ``AMICABLE_SMTP_*`` / ``AMICABLE_TWILIO_*`` — email to a real SMTP server (aiosmtpd on
127.0.0.1), SMS and WhatsApp to a FAKE Twilio REST API over HTTP — plans contacts only on the
channels configured, and refuses a configuration that wires nothing or half of a channel.
On SQLite or PostgreSQL (``--db``)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from typer.testing import CliRunner

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.entrypoints.cli import app as cli
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.sim.sample import generate_sample
from fakes.fake_twilio_server import FakeTwilioServer

SID = "AC" + "1" * 32
TOKEN = "live-provider-test-token"


@dataclass
class _Inbox:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer(account_sid=SID, auth_token=TOKEN) as server:
        yield server


@pytest.fixture
def portfolio(app: App, tmp_path: Path) -> App:
    generate_sample(tmp_path, accounts=40, seed=3, as_of=date(2026, 3, 1))
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    return app


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("AMICABLE_SMTP_", "AMICABLE_TWILIO_")):
            monkeypatch.delenv(name)


def _run(database_url: str) -> Any:
    return CliRunner().invoke(
        cli,
        ["--database-url", database_url, "run", "--provider", "live", "--as-of", "2026-03-02",
         "--until", "2026-03-03", "--json"],
    )  # fmt: skip


def _attempts(app: App) -> list[Any]:
    with app.uow() as uow:
        return uow.runtime.attempts()


def test_live_providers_send_email_by_smtp_and_sms_whatsapp_through_twilio(
    portfolio: App,
    database_url: str,
    smtp: tuple[_Inbox, int],
    twilio: FakeTwilioServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    _clear(monkeypatch)
    for name, value in {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none",
        "SMTP_FROM": "Acme Receivables <ar@acme.example>",
        "SMTP_UNSUBSCRIBE_MAILTO": "unsubscribe@acme.example",
        "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "+15005550007",
        "TWILIO_API_BASE_URL": twilio.base_url,
    }.items():  # fmt: skip
        monkeypatch.setenv(f"AMICABLE_{name}", value)
    out = _run(database_url)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    sent = [a for a in _attempts(portfolio) if a.status == "sent"]
    by_channel = {c: [a for a in sent if a.channel == c] for c in ("email", "sms", "whatsapp")}
    assert sum(report["sent"].values()) == len(sent) > 0
    assert len(inbox.messages) == len(by_channel["email"]) > 0
    assert {str(m["To"]) for m in inbox.messages} == {a.new.recipient for a in by_channel["email"]}
    assert all(a.provider == "smtp" for a in by_channel["email"])
    twilio_sent = by_channel["sms"] + by_channel["whatsapp"]
    assert all(a.provider == "twilio" for a in twilio_sent)  # (SMS alone: the next test)
    # one REST call per SMS / WhatsApp attempt, to the attempt's own recipient
    tos = sorted(r.one("To") for r in twilio.requests)
    expected = sorted(
        [a.new.recipient for a in by_channel["sms"]]
        + [f"whatsapp:{a.new.recipient}" for a in by_channel["whatsapp"]]
    )
    assert tos == expected


def test_only_the_channels_configured_are_planned(
    portfolio: App, database_url: str, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear(monkeypatch)
    for name, value in {
        "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_API_BASE_URL": twilio.base_url,
    }.items():  # fmt: skip
        monkeypatch.setenv(f"AMICABLE_{name}", value)
    out = _run(database_url)
    assert out.exit_code == 0, out.output
    attempts = _attempts(portfolio)
    assert attempts and {a.channel for a in attempts} == {"sms"}
    assert len(twilio.requests) == sum(1 for a in attempts if a.status == "sent") > 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no channel is configured"),
        ({"SMTP_HOST": "127.0.0.1"}, "AMICABLE_SMTP_HOST and AMICABLE_SMTP_FROM"),
        ({"TWILIO_ACCOUNT_SID": SID}, "AMICABLE_TWILIO_ACCOUNT_SID and AMICABLE_TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "changeme",
          "TWILIO_SMS_FROM": "+15005550006"}, "placeholder"),
        ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, "AMICABLE_TWILIO_SMS_FROM"),
    ],
)  # fmt: skip
def test_a_live_run_without_a_complete_channel_is_refused_and_sends_nothing(
    portfolio: App,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    message: str,
) -> None:
    _clear(monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(f"AMICABLE_{name}", value)
    out = _run(database_url)
    assert out.exit_code == 2
    assert message in " ".join(out.output.split())
    assert _attempts(portfolio) == []
