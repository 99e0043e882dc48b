"""Inbound email: IMAP polling against the fake IMAP4rev1 peer, raw parsing, and the webhook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amicable.adapters.channels.email import (
    ImapPoller,
    ImapSettings,
    parse_inbound_email,
    parse_inbound_email_webhook,
    strip_quoted_reply,
)
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import Channel, InboundEvent, InboundKind
from fakes.fake_imap_server import FakeImapServer

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)

REPLY = b"""\
From: Dana Debtor <Dana@Example.com>
To: replies@acme.example
Subject: Re: Invoice 1042 is 30 days overdue
Message-ID: <reply-1@example.com>
In-Reply-To: <amicable.abc@acme.example>
References: <amicable.abc@acme.example>
Date: Wed, 04 Mar 2026 08:55:00 +0000
Content-Type: text/plain; charset=utf-8

I can pay 30.00 now and the rest on Friday.

On Mon, 2 Mar 2026 at 15:30, Acme Receivables <ar@acme.example> wrote:
> Hello Dana,
> Invoice 1042 for 60.00 USD is overdue.
"""

HTML_REPLY = b"""\
From: kim@example.org
To: replies@acme.example
Subject: Re: statement
Message-ID: <reply-2@example.org>
References: <amicable.first@acme.example> <amicable.second@acme.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style></head><body><p>We never received
that invoice.</p><blockquote>Hello Kim, your statement is attached.</blockquote></body></html>
"""

NO_ID = b"""\
From: lee@example.net
To: replies@acme.example
Subject: hello
Content-Type: text/plain

Please call me.
"""

BOUNCE = b"""\
From: MAILER-DAEMON@mx.example.com
To: ar@acme.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-9@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XX"

--XX
Content-Type: text/plain

The mail system could not deliver your message.
--XX
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; gone@example.com
Action: failed
Status: 5.1.1

--XX
Content-Type: text/rfc822-headers

From: ar@acme.example
To: gone@example.com
Message-ID: <amicable.sent-1@acme.example>
Subject: Invoice 1042

--XX--
"""


def _settings(server: FakeImapServer, **overrides: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": "ar",
        "password": 'p"ss w\\rd',
        "use_ssl": False,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return ImapSettings(**values)  # type: ignore[arg-type]


def test_the_poller_hands_on_unseen_replies_and_marks_only_them_seen() -> None:
    with FakeImapServer(password='p"ss w\\rd') as server:
        server.deliver(REPLY)
        server.deliver(b"From: old@example.com\nMessage-ID: <old@x>\n\nalready read\n", "\\Seen")
        server.deliver(HTML_REPLY)
        got: list[InboundEvent] = []

        report = ImapPoller(_settings(server), clock=SimulatedClock(NOW)).poll(got.append)

        assert report.handled == ("<reply-1@example.com>", "<reply-2@example.org>")
        assert report.failed == ()
        assert all("\\Seen" in m.flags for m in server.messages)
        # The poller peeks: the fetch itself must not have marked anything.
        assert any("BODY.PEEK[]" in c for c in server.commands)
        first, second = got
        assert first.channel is Channel.EMAIL and first.kind is InboundKind.MESSAGE
        assert first.provider == "imap"
        assert first.sender == "dana@example.com"
        assert first.recipient == "replies@acme.example"
        assert first.text == "I can pay 30.00 now and the rest on Friday."
        assert first.thread_ref == "<amicable.abc@acme.example>"
        assert first.received_at == NOW
        assert second.text == "We never received\nthat invoice."
        # Without In-Reply-To, the last References entry is the direct parent.
        assert second.thread_ref == "<amicable.second@acme.example>"


def test_a_second_poll_finds_nothing_new() -> None:
    with FakeImapServer(password='p"ss w\\rd') as server:
        server.deliver(REPLY)
        poller = ImapPoller(_settings(server), clock=SimulatedClock(NOW))
        poller.poll(lambda event: None)

        again: list[InboundEvent] = []
        report = poller.poll(again.append)

        assert report.handled == () and again == []


def test_a_message_whose_handler_fails_stays_unseen_and_is_offered_again() -> None:
    with FakeImapServer(password='p"ss w\\rd') as server:
        server.deliver(REPLY)
        server.deliver(HTML_REPLY)

        def flaky(event: InboundEvent) -> None:
            if event.event_id == "<reply-1@example.com>":
                raise RuntimeError("database is down")

        poller = ImapPoller(_settings(server), clock=SimulatedClock(NOW))
        report = poller.poll(flaky)

        assert report.handled == ("<reply-2@example.org>",)
        assert [number for number, _ in report.failed] == ["1"]
        assert "database is down" in report.failed[0][1]
        assert "\\Seen" not in server.messages[0].flags
        retried: list[InboundEvent] = []
        assert poller.poll(retried.append).handled == ("<reply-1@example.com>",)


def test_wrong_credentials_or_an_absent_server_raise_channel_unavailable() -> None:
    with FakeImapServer(password="right") as server:
        with pytest.raises(ChannelUnavailable, match="login refused"):
            ImapPoller(_settings(server, password="wrong"), clock=SimulatedClock(NOW)).poll(
                lambda event: None
            )
        port = server.port
    with pytest.raises(ChannelUnavailable, match="cannot connect"):
        ImapPoller(
            ImapSettings(host="127.0.0.1", port=port, username="ar", password="x", use_ssl=False),
            clock=SimulatedClock(NOW),
        ).poll(lambda event: None)


def test_a_non_ascii_imap_password_is_refused_in_the_settings() -> None:
    with pytest.raises(InvalidInput, match="ASCII"):
        ImapSettings(host="127.0.0.1", port=143, username="ar", password="wörd")


def test_an_unknown_mailbox_raises_channel_unavailable() -> None:
    with FakeImapServer(password="p") as server:
        poller = ImapPoller(
            _settings(server, password="p", mailbox="Replies 2026"), clock=SimulatedClock(NOW)
        )
        with pytest.raises(ChannelUnavailable, match="select"):
            poller.poll(lambda event: None)


def test_a_message_without_a_message_id_gets_a_stable_content_hash_id() -> None:
    first = parse_inbound_email(NO_ID, received_at=NOW)
    second = parse_inbound_email(NO_ID, received_at=NOW)

    assert first.event_id.startswith("sha256:")
    assert first.event_id == second.event_id
    assert first.text == "Please call me."
    assert first.thread_ref is None


def test_a_bounce_is_a_delivery_status_about_the_original_message() -> None:
    event = parse_inbound_email(BOUNCE, received_at=NOW)

    assert event.kind is InboundKind.DELIVERY_STATUS
    assert event.status == "bounced"
    assert event.thread_ref == "<amicable.sent-1@acme.example>"
    assert event.text == ""


def test_an_out_of_office_reply_is_marked_as_automatic() -> None:
    raw = b"Auto-Submitted: auto-replied\nMessage-ID: <ooo@x>\nFrom: a@x.example\n\nI am away.\n"

    event = parse_inbound_email(raw, received_at=NOW)

    assert event.metadata["auto_reply"] == "true"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Yes, I agree.\n\nOn Tue, 3 Mar 2026, Acme <ar@acme.example> wrote:\n> offer",
            "Yes, I agree.",
        ),
        (
            "Yes.\nOn Tue, 3 Mar 2026 at 10:00, Acme Receivables\n<ar@acme.example> wrote:\n> x",
            "Yes.",
        ),
        ("D'accord.\n\nLe mar. 3 mars 2026, Acme a écrit :\n> offre", "D'accord."),
        ("Paid.\n\n-----Original Message-----\nFrom: Acme\nSent: Tuesday", "Paid."),
        ("Paid.\n\nFrom: Acme Receivables <ar@acme.example>\nSent: Tuesday\nTo: me", "Paid."),
        ("Call me.\n-- \nKim Lee\nCFO", "Call me."),
        ("> quoted only first\nnew words", "new words"),
        ("no quote at all\nsecond line", "no quote at all\nsecond line"),
    ],
)
def test_quoted_history_and_signatures_are_stripped_from_replies(text: str, expected: str) -> None:
    assert strip_quoted_reply(text) == expected


def test_the_webhook_payload_becomes_a_message_event_with_header_threading() -> None:
    payload = {
        "from": "Dana Debtor <dana@example.com>",
        "to": "replies@acme.example",
        "subject": "Re: Invoice 1042",
        "text": "Friday works.\n\nOn Mon, Acme wrote:\n> When can you pay?",
        "headers": "Message-ID: <wh-1@example.com>\r\nIn-Reply-To: <amicable.abc@acme.example>\r\n",
    }

    event = parse_inbound_email_webhook(payload, received_at=NOW)

    assert event.provider == "email_webhook"
    assert event.event_id == "<wh-1@example.com>"
    assert event.thread_ref == "<amicable.abc@acme.example>"
    assert event.sender == "dana@example.com"
    assert event.text == "Friday works."
    assert event.subject == "Re: Invoice 1042"


def test_the_webhook_accepts_headers_as_an_object_and_html_only_bodies() -> None:
    payload = {
        "from": "kim@example.org",
        "to": "replies@acme.example",
        "html": "<p>Send me the invoice again.</p>",
        "headers": {"message-id": "wh-2@example.org", "References": "<a@x> <b@x>"},
    }

    event = parse_inbound_email_webhook(payload, received_at=NOW)

    assert event.event_id == "<wh-2@example.org>"
    assert event.thread_ref == "<b@x>"
    assert event.text == "Send me the invoice again."


def test_a_webhook_delivery_without_message_id_is_recognised_when_posted_twice() -> None:
    payload = {"from": "lee@example.net", "to": "replies@acme.example", "text": "hi"}

    first = parse_inbound_email_webhook(payload, received_at=NOW)
    second = parse_inbound_email_webhook(dict(payload), received_at=NOW)

    assert first.event_id == second.event_id and first.event_id.startswith("sha256:")


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"to": "a@x", "text": "t"}, "'from' is required"),
        ({"from": "a@x.example", "text": "t"}, "'to' is required"),
        ({"from": "a@x.example", "to": "b@x"}, "'text' or 'html'"),
        ({"from": "nobody", "to": "b@x", "text": "t"}, "not an address"),
        ({"from": "a@x.example", "to": "b@x", "text": 5}, "'text' must be a string"),
        ({"from": "a@x.example", "to": "b@x", "text": "t", "headers": 3}, "'headers'"),
    ],
)
def test_a_malformed_webhook_payload_is_refused_naming_the_field(
    payload: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_inbound_email_webhook(payload, received_at=NOW)
