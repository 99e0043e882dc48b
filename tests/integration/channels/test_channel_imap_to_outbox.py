"""Email replies and bounces polled by IMAP from the FAKE IMAP server, handed to
``receive_channel_event`` (on SQLite or PostgreSQL with ``--db``): a reply lands in the
conversation of the account whose message it answers, a bounce fails the attempt it is about,
an out-of-office is not a turn, and a second poll changes nothing."""

from __future__ import annotations

from channel_webhook_world import ChannelWorld

from amicable.adapters.channels.email import ImapPoller, ImapSettings
from amicable.service.channel_events import receive_channel_event
from amicable.service.channels import InboundEvent
from fakes.fake_imap_server import FakeImapServer

REPLY = b"""\
From: Someone Else <someone@elsewhere.example>
To: replies@acme.example
Subject: Re: Invoice INV-E1
Message-ID: <reply-9@elsewhere.example>
In-Reply-To: <amicable.eric-1@acme.example>
Content-Type: text/plain; charset=utf-8

I will pay the 120.00 next week.

On Mon, 2 Mar 2026, Acme wrote:
> Invoice INV-E1 is overdue.
"""

OUT_OF_OFFICE = b"""\
From: dana@example.com
To: replies@acme.example
Subject: Out of office
Auto-Submitted: auto-replied
Message-ID: <ooo-1@example.com>

I am away until Monday.
"""

BOUNCE = b"""\
From: MAILER-DAEMON@mx.example.com
To: ar@acme.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XX"

--XX
Content-Type: text/plain

The mail system could not deliver your message.
--XX
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; dana@example.com
Action: failed
Status: 5.1.1

--XX
Content-Type: text/rfc822-headers

From: ar@acme.example
To: dana@example.com
Message-ID: <amicable.dana-1@acme.example>
Subject: Invoice INV-D1

--XX--
"""


def test_polled_replies_and_bounces_reach_the_conversation_and_the_outbox(
    world: ChannelWorld,
) -> None:
    eric = world.add_attempt("C-ERIC", "email", "C-ERIC:email:reminder:2026-03-02",
                             "Invoice INV-E1 is overdue.", recipient="eric@example.com",
                             subject="Invoice INV-E1")  # fmt: skip
    world.mark_sent(eric, "<amicable.eric-1@acme.example>")
    dana = world.add_attempt("C-DANA", "email", "C-DANA:email:reminder:2026-03-02",
                             "Invoice INV-D1 is overdue.", recipient="dana@example.com",
                             subject="Invoice INV-D1")  # fmt: skip
    world.mark_sent(dana, "<amicable.dana-1@acme.example>")
    results: list[dict[str, object]] = []

    def handle(event: InboundEvent) -> None:
        results.append(receive_channel_event(world.app.uow(), event))

    with FakeImapServer(password="pw") as server:
        for raw in (REPLY, OUT_OF_OFFICE, BOUNCE):
            server.deliver(raw)
        settings = ImapSettings(host=server.host, port=server.port, username="ar",
                                password="pw", use_ssl=False, timeout_seconds=5.0)  # fmt: skip
        poller = ImapPoller(settings, clock=world.clock)
        first = poller.poll(handle)
        second = poller.poll(handle)

    assert len(first.handled) == 3 and first.failed == () and second.handled == ()
    reply, ooo, bounce = results
    assert reply["routed"] is True
    assert reply["result"]["account"] == "C-ERIC"  # type: ignore[index]  # by the thread
    assert (ooo["routed"], ooo["reason"]) == (False, "auto_reply")
    assert (bounce["attempt_id"], bounce["status"]) == (dana, "failed")
    with world.app.uow() as uow:
        events = [(e.event_id, e.channel) for e in uow.runtime.inbound()]
        bounced = uow.channel_events.delivery(dana)
    assert events == [("<reply-9@elsewhere.example>", "email")]
    assert bounced is not None and bounced.delivery_status == "bounced"
