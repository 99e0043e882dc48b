"""The SMTP sender against a real SMTP server (aiosmtpd on 127.0.0.1, random port).

What arrives on the wire is parsed back with the standard library and asserted: envelope,
headers (Message-ID, threading, List-Unsubscribe), and the multipart/alternative parts.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from amicable.adapters.channels.email import (
    SmtpEmailSender,
    SmtpSecurity,
    SmtpSettings,
    build_email,
    stable_message_id,
)
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import Channel, OutboundMessage, SendStatus

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class CapturingHandler:
    """An aiosmtpd handler that keeps what it receives and can refuse chosen recipients."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def smtp_server() -> Iterator[tuple[CapturingHandler, int]]:
    handler = CapturingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(port: int, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "from_address": "Acme Receivables <ar@acme.example>",
        "security": SmtpSecurity.NONE,
        "timeout_seconds": 5.0,
        "unsubscribe_mailto": "unsubscribe@acme.example",
        "unsubscribe_url": "https://pay.acme.example/unsubscribe/{account_ref}",
        "reply_to": "replies@acme.example",
    }
    values.update(overrides)
    return SmtpSettings(**values)


def _message(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "to": "Dana Debtor <dana@example.com>",
        "subject": "Invoice 1042 is 30 days overdue",
        "text": "Hello Dana,\nInvoice 1042 for 60.00 USD is overdue.",
        "html": "<p>Hello Dana,</p><p>Invoice 1042 for <b>60.00 USD</b> is overdue.</p>",
        "dedupe_key": "acct-7:email:2026-03-02:1",
        "account_ref": "ACCT 7",
    }
    values.update(overrides)
    return OutboundMessage(**values)


def test_an_email_arrives_with_text_and_html_alternatives_and_unsubscribe_headers(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    sender = SmtpEmailSender(_settings(port), clock=SimulatedClock(NOW))

    result = sender.send(_message())

    assert result.status is SendStatus.ACCEPTED
    assert result.accepted_at == NOW
    [received] = handler.received
    assert received.envelope_from == "ar@acme.example"
    assert received.recipients == ["dana@example.com"]
    msg = received.message
    assert msg.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and "60.00 USD is overdue" in plain.get_content()
    assert html is not None and "<b>60.00 USD</b>" in html.get_content()
    assert msg["Subject"] == "Invoice 1042 is 30 days overdue"
    assert msg["Reply-To"] == "replies@acme.example"
    assert msg["Message-ID"] == result.provider_message_id
    assert str(msg["List-Unsubscribe"]).strip() == (
        "<mailto:unsubscribe@acme.example?subject=unsubscribe%20ACCT%207>, "
        "<https://pay.acme.example/unsubscribe/ACCT%207>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["In-Reply-To"] is None


def test_the_message_id_is_stable_for_a_dedupe_key_and_differs_between_keys(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    sender = SmtpEmailSender(_settings(port), clock=SimulatedClock(NOW))

    first = sender.send(_message())
    retry = sender.send(_message())
    other = sender.send(_message(dedupe_key="acct-7:email:2026-03-09:2"))

    assert first.provider_message_id == retry.provider_message_id
    assert first.provider_message_id != other.provider_message_id
    assert first.provider_message_id == stable_message_id(
        "acct-7:email:2026-03-02:1", "acme.example"
    )
    assert [r.message["Message-ID"] for r in handler.received] == [
        first.provider_message_id,
        first.provider_message_id,
        other.provider_message_id,
    ]


def test_a_reply_in_a_thread_carries_in_reply_to_and_the_whole_references_chain(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    sender = SmtpEmailSender(_settings(port), clock=SimulatedClock(NOW))

    sender.send(
        _message(
            subject="Re: Invoice 1042",
            thread_ref="<reply-2@example.com>",
            metadata={"references": "<amicable.first@acme.example>"},
        )
    )

    msg = handler.received[0].message
    assert msg["In-Reply-To"] == "<reply-2@example.com>"
    assert msg["References"] == "<amicable.first@acme.example> <reply-2@example.com>"


def test_a_text_only_email_is_a_single_plain_part_and_mailto_only_has_no_one_click(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    sender = SmtpEmailSender(_settings(port, unsubscribe_url=None), clock=SimulatedClock(NOW))

    sender.send(_message(html=None))

    msg = handler.received[0].message
    assert msg.get_content_type() == "text/plain"
    assert str(msg["List-Unsubscribe"]).strip().startswith("<mailto:unsubscribe@acme.example")
    assert msg["List-Unsubscribe-Post"] is None


def test_a_recipient_refused_for_good_is_a_rejected_result_not_an_exception(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    handler.refuse["gone@example.com"] = "550 5.1.1 mailbox unavailable"
    sender = SmtpEmailSender(_settings(port), clock=SimulatedClock(NOW))

    result = sender.send(_message(to="gone@example.com"))

    assert result.status is SendStatus.REJECTED
    assert result.error_code == "550"
    assert result.error_message is not None and "mailbox unavailable" in result.error_message
    assert handler.received == []


def test_a_temporarily_refused_recipient_raises_channel_unavailable_for_a_retry(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    handler.refuse["busy@example.com"] = "451 4.3.0 try again later"
    sender = SmtpEmailSender(_settings(port), clock=SimulatedClock(NOW))

    with pytest.raises(ChannelUnavailable, match="451"):
        sender.send(_message(to="busy@example.com"))


def test_a_server_that_is_not_listening_raises_channel_unavailable() -> None:
    sender = SmtpEmailSender(_settings(_free_port()), clock=SimulatedClock(NOW))

    with pytest.raises(ChannelUnavailable, match=r"127\.0\.0\.1"):
        sender.send(_message())


def test_starttls_is_required_and_a_server_without_it_is_refused(
    smtp_server: tuple[CapturingHandler, int],
) -> None:
    handler, port = smtp_server
    sender = SmtpEmailSender(
        _settings(port, security=SmtpSecurity.STARTTLS), clock=SimulatedClock(NOW)
    )

    with pytest.raises(ChannelUnavailable, match="STARTTLS"):
        sender.send(_message())
    assert handler.received == []


def test_starttls_with_auth_delivers_and_wrong_credentials_are_refused(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins: list[tuple[str, str]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        pair = (auth_data.login.decode(), auth_data.password.decode())
        logins.append(pair)
        return AuthResult(success=pair == ("ar-bot", "s3cret"), handled=False)

    handler = CapturingHandler()
    port = _free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        good = _settings(
            port,
            security=SmtpSecurity.STARTTLS,
            username="ar-bot",
            password="s3cret",
            ssl_context=client_context,
        )
        result = SmtpEmailSender(good, clock=SimulatedClock(NOW)).send(_message())
        assert result.status is SendStatus.ACCEPTED
        assert len(handler.received) == 1

        bad = _settings(
            port,
            security=SmtpSecurity.STARTTLS,
            username="ar-bot",
            password="wrong",
            ssl_context=client_context,
        )
        with pytest.raises(ChannelUnavailable, match="credentials"):
            SmtpEmailSender(bad, clock=SimulatedClock(NOW)).send(_message())
        assert len(handler.received) == 1
        # smtplib tries each offered mechanism (PLAIN, then LOGIN) before giving up.
        assert logins[0] == ("ar-bot", "s3cret")
        assert set(logins[1:]) == {("ar-bot", "wrong")}
    finally:
        controller.stop()


def test_security_may_be_given_as_its_settings_word_and_unknown_words_are_refused() -> None:
    assert _settings(25, security="ssl").security is SmtpSecurity.SSL
    with pytest.raises(InvalidInput, match="unknown security"):
        _settings(25, security="tls-please")


def test_settings_without_any_unsubscribe_target_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unsubscribe"):
        _settings(25, unsubscribe_mailto=None, unsubscribe_url=None)
    with pytest.raises(InvalidInput, match="https"):
        _settings(25, unsubscribe_url="http://pay.acme.example/u")


def test_an_email_without_a_subject_or_a_header_injection_is_refused() -> None:
    with pytest.raises(InvalidInput, match="subject"):
        _message(subject="  ")
    with pytest.raises(InvalidInput, match="one line"):
        _message(subject="Hi\r\nBcc: everyone@example.com")


def test_build_email_refuses_other_channels_and_non_addresses() -> None:
    settings = _settings(25)
    sms = OutboundMessage(channel=Channel.SMS, to="+15551230000", text="hi", dedupe_key="k")
    with pytest.raises(InvalidInput, match="only sends email"):
        build_email(sms, settings, now=NOW)
    with pytest.raises(InvalidInput, match="not an email address"):
        build_email(_message(to="dana"), settings, now=NOW)
