"""Inbound SMS / WhatsApp and email webhooks, and message status callbacks, over HTTP through the
FastAPI app (on SQLite or PostgreSQL with ``--db``): Twilio signatures computed with the SDK
(missing or bad → 403, logged without personal data, nothing recorded), STOP / START / HELP,
replays answered once, receipts that only move forward, routing by sender and by thread."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from channel_webhook_world import (
    ACCOUNT_SID,
    BASE,
    DANA_PHONE,
    ERIC_PHONE,
    ORG,
    OUR_NUMBER,
    TOKEN,
    ChannelWorld,
)

from amicable.adapters.channels.twilio_common import TwilioSettings
from amicable.adapters.channels.twilio_sms import TwilioMessagingSender
from amicable.service.channels import Channel, OutboundMessage

SMS_URL = f"{BASE}/v1/webhooks/twilio/{ORG}/sms"
STATUS_URL = f"{BASE}/v1/webhooks/twilio/{ORG}/status"


def _sms(sid: str, body: str, sender: str = DANA_PHONE, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": OUR_NUMBER,
            "Body": body, "NumMedia": "0", "SmsStatus": "received", **extra}  # fmt: skip


def _inbound(world: ChannelWorld) -> list[tuple[str, str, str, str]]:
    with world.app.uow() as uow:
        refs = uow.reports.customer_refs()
        return [(e.event_id, refs[e.customer_id].external_id, e.channel, e.kind)
                for e in uow.runtime.inbound()]  # fmt: skip


def _messages(xml: str) -> list[str]:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


def test_an_inbound_sms_is_a_turn_of_the_debtors_conversation_answered_once(
    world: ChannelWorld,
) -> None:
    params = _sms("SM" + "1" * 32, "Hi, I got your message about my invoice")

    first = world.post_twilio(SMS_URL, params)
    again = world.post_twilio(SMS_URL, params)  # Twilio retries: the same MessageSid

    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/xml")
    [reply] = _messages(first.text)
    assert reply.strip()
    assert _messages(again.text) == [reply]
    assert _inbound(world) == [("SM" + "1" * 32, "C-DANA", "sms", "message")]


def test_a_formatted_stored_number_and_whatsapp_are_routed(world: ChannelWorld) -> None:
    r1 = world.post_twilio(SMS_URL, _sms("SM" + "2" * 32, "who is this?", sender=ERIC_PHONE))
    r2 = world.post_twilio(
        SMS_URL,
        _sms(
            "SM" + "3" * 32, "hello", sender=f"whatsapp:{DANA_PHONE}", To=f"whatsapp:{OUR_NUMBER}"
        ),
    )

    assert r1.status_code == r2.status_code == 200
    assert _inbound(world) == [
        ("SM" + "2" * 32, "C-ERIC", "sms", "message"),
        ("SM" + "3" * 32, "C-DANA", "whatsapp", "message"),
    ]


def test_stop_revokes_the_channel_consent_and_twilio_answers_the_keyword(
    world: ChannelWorld,
) -> None:
    r = world.post_twilio(SMS_URL, _sms("SM" + "4" * 32, "Stop!"))
    help_r = world.post_twilio(SMS_URL, _sms("SM" + "5" * 32, "HELP"))

    assert r.status_code == help_r.status_code == 200
    assert _messages(r.text) == [] and _messages(help_r.text) == []  # Twilio replies itself
    assert [k for *_, k in _inbound(world)] == ["opt_out", "help"]
    with world.app.uow() as uow:
        consents = uow.ledger.customers(["C-DANA"])["C-DANA"].customer.consents
    assert [(c.channel, c.granted) for c in consents if c.channel == "sms"] == [("sms", False)]


@pytest.mark.parametrize(
    "signature",
    [None, "", "bm90IGEgc2lnbmF0dXJl", "wrong-token"],
    ids=["none", "empty", "bad", "token"],
)
def test_an_unsigned_or_badly_signed_message_is_refused_and_logged_without_personal_data(
    world: ChannelWorld, caplog: pytest.LogCaptureFixture, signature: str | None
) -> None:
    params = _sms("SM" + "6" * 32, "my card number is 4111")
    if signature == "wrong-token":
        from twilio.request_validator import RequestValidator

        signature = RequestValidator("another-token").compute_signature(SMS_URL, params)
    caplog.set_level(logging.WARNING)

    r = world.post_twilio(SMS_URL, params, signature=signature)

    assert r.status_code == 403, r.text
    assert _inbound(world) == []
    # every field of every record except the numbers the logging module adds itself (a creation
    # time such as 1795372145.411129 would otherwise "contain" the card digits by chance)
    logged = "\n".join(
        rec.getMessage()
        + str({k: v for k, v in rec.__dict__.items() if not isinstance(v, int | float)})
        for rec in caplog.records
    )
    assert "channel webhook refused" in logged
    assert DANA_PHONE not in logged and "4111" not in logged


def test_a_signature_over_another_url_is_refused(world: ChannelWorld) -> None:
    # Signed for the rival organisation's URL, posted to ours: the URL is part of the signature.
    from twilio.request_validator import RequestValidator

    params = _sms("SM" + "7" * 32, "hello")
    signature = RequestValidator(TOKEN).compute_signature(SMS_URL.replace(ORG, "rival"), params)

    assert world.post_twilio(SMS_URL, params, signature=signature).status_code == 403


def test_an_unknown_sender_or_organisation_records_nothing(world: ChannelWorld) -> None:
    unknown = world.post_twilio(SMS_URL, _sms("SM" + "8" * 32, "hi", sender="+13125550000"))
    rival = world.post_twilio(SMS_URL.replace(ORG, "rival"), _sms("SM" + "9" * 32, "hi"))
    nobody = world.post_twilio(SMS_URL.replace(ORG, "nobody"), _sms("SM" + "a" * 32, "hi"))

    assert unknown.status_code == 200 and _messages(unknown.text) == []
    assert rival.status_code == 200 and _messages(rival.text) == []  # Dana is not rival's
    assert nobody.status_code == 404
    assert _inbound(world) == []


def _sent_sms(world: ChannelWorld, key: str, *, record: bool = True) -> tuple[int, str]:
    """Send an SMS through the SDK to the fake Twilio server, as the runtime does; returns the
    attempt id and the message SID."""
    attempt_id = world.add_attempt("C-DANA", "sms", key, "Your invoice INV-D1 is overdue.")
    sender = TwilioMessagingSender(
        TwilioSettings(account_sid=ACCOUNT_SID, auth_token=TOKEN, sms_from=OUR_NUMBER,
                       status_callback_url=STATUS_URL, api_base_url=world.twilio.base_url),
        clock=world.clock,
    )  # fmt: skip
    message = OutboundMessage(Channel.SMS, DANA_PHONE, "Your invoice INV-D1 is overdue.", key)
    result = sender.send(message)
    if record:
        world.mark_sent(attempt_id, result.provider_message_id)
    return attempt_id, result.provider_message_id


def _status(world: ChannelWorld, sid: str, status: str, **extra: str) -> dict[str, object]:
    request = world.twilio.requests[-1]
    callback = request.one("StatusCallback")  # the URL Twilio would post to, with ?ref=
    params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": OUR_NUMBER, "To": DANA_PHONE,
              "MessageStatus": status, "SmsStatus": status, **extra}  # fmt: skip
    r = world.post_twilio(callback, params)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _delivery(world: ChannelWorld, attempt_id: int) -> tuple[str, str | None, bool, str | None]:
    with world.app.uow() as uow:
        d = uow.channel_events.delivery(attempt_id)
    assert d is not None
    return d.status, d.delivery_status, d.delivered_at is not None, d.failed_reason


def test_status_callbacks_move_an_attempt_forward_only(world: ChannelWorld) -> None:
    attempt_id, sid = _sent_sms(world, "C-DANA:sms:reminder:2026-03-02")

    assert _status(world, sid, "queued")["applied"] is True
    assert _status(world, sid, "sent")["applied"] is True
    world.clock.advance(timedelta(minutes=1))
    delivered = _status(world, sid, "delivered")
    late_sent = _status(world, sid, "sent")  # out of order: arrives after delivered
    repeat = _status(world, sid, "delivered")  # a retried callback
    failed_after = _status(world, sid, "failed")

    assert delivered == {"event_id": f"{sid}:delivered", "attempt_id": attempt_id,
                         "applied": True, "status": "delivered", "delivery_status": "delivered",
                         "call_outcome": None}  # fmt: skip
    assert late_sent["applied"] is repeat["applied"] is failed_after["applied"] is False
    assert _delivery(world, attempt_id) == ("delivered", "delivered", True, None)


def test_an_undelivered_message_fails_its_attempt_with_the_reason(world: ChannelWorld) -> None:
    attempt_id, sid = _sent_sms(world, "C-DANA:sms:reminder:2026-03-03")

    _status(world, sid, "sent")
    _status(world, sid, "undelivered", ErrorCode="30003", ErrorMessage="Unreachable handset")

    assert _delivery(world, attempt_id) == (
        "failed",
        "undelivered",
        False,
        "undelivered: error 30003 Unreachable handset",
    )


def test_a_receipt_recovers_an_attempt_whose_hand_off_result_was_never_stored(
    world: ChannelWorld,
) -> None:
    # The process died after Twilio accepted the message and before mark_sent: the callback's
    # ref names the attempt, so the next pass will not send it again.
    attempt_id, sid = _sent_sms(world, "C-DANA:sms:reminder:2026-03-04", record=False)

    _status(world, sid, "sent")

    with world.app.uow() as uow:
        attempt = uow.runtime.attempt(attempt_id)
    assert attempt is not None
    assert (attempt.status, attempt.provider_message_id) == ("sent", sid)
    assert attempt.sent_at is not None


def test_a_status_callback_posted_badly_signed_changes_nothing(world: ChannelWorld) -> None:
    attempt_id, sid = _sent_sms(world, "C-DANA:sms:reminder:2026-03-05")
    callback = world.twilio.requests[-1].one("StatusCallback")

    r = world.post_twilio(callback, {"MessageSid": sid, "MessageStatus": "delivered"},
                          signature="forged")  # fmt: skip

    assert r.status_code == 403
    assert _delivery(world, attempt_id) == ("sent", None, False, None)


EMAIL = {
    "from": "Dana Debtor <dana@example.com>",
    "to": "replies@acme.example",
    "subject": "Re: Invoice INV-D1",
    "text": "I can pay half now and half next month.\n\nOn Mon, Acme wrote:\n> Your invoice",
    "message_id": "<reply-1@mail.example>",
    "in_reply_to": "<amicable.thread-1@acme.example>",
}


def test_a_signed_inbound_email_reply_is_routed_by_its_thread_once(world: ChannelWorld) -> None:
    # Eric's address is not the sender: the reply is routed by the Message-ID it answers.
    attempt_id = world.add_attempt("C-ERIC", "email", "C-ERIC:email:reminder:2026-03-02",
                                   "Invoice INV-E1 is overdue.", recipient="eric@example.com",
                                   subject="Invoice INV-E1")  # fmt: skip
    world.mark_sent(attempt_id, "<amicable.thread-1@acme.example>")

    first = world.post_email(EMAIL)
    again = world.post_email(EMAIL)

    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["routed"] is True and first.json()["result"]["account"] == "C-ERIC"
    assert first.json()["result"]["duplicate"] is False
    assert again.json()["result"]["duplicate"] is True
    assert _inbound(world) == [("<reply-1@mail.example>", "C-ERIC", "email", "message")]


def test_an_inbound_email_without_a_thread_is_routed_by_its_sender(world: ChannelWorld) -> None:
    payload = {**EMAIL, "in_reply_to": None, "message_id": "<reply-2@mail.example>"}
    del payload["in_reply_to"]

    r = world.post_email(payload)

    assert r.status_code == 200 and r.json()["result"]["account"] == "C-DANA"


def test_a_stale_or_forged_email_signature_is_refused(world: ChannelWorld) -> None:
    stale = world.post_email(EMAIL, at=world.clock.now() - timedelta(minutes=10))
    forged = world.post_email(EMAIL, secret="not-the-secret")

    assert stale.status_code == forged.status_code == 403
    assert _inbound(world) == []


def test_a_keyword_twilio_already_acted_on_is_honoured_and_yes_stays_a_reply(
    world: ChannelWorld,
) -> None:
    # A custom opt-out keyword configured at Twilio (Advanced Opt-Out says OptOutType=STOP): the
    # number is already blocked there, so the consent must be revoked here too.
    custom = world.post_twilio(SMS_URL, _sms("SM" + "b" * 32, "PARAR", OptOutType="STOP"))
    # "Yes" without OptOutType answers the conversation (it may confirm an offer).
    yes = world.post_twilio(SMS_URL, _sms("SM" + "c" * 32, "Yes", sender=ERIC_PHONE))

    assert custom.status_code == yes.status_code == 200
    assert _inbound(world) == [
        ("SM" + "b" * 32, "C-DANA", "sms", "opt_out"),
        ("SM" + "c" * 32, "C-ERIC", "sms", "message"),
    ]


def test_each_organisation_verifies_with_its_own_twilio_token(world: ChannelWorld) -> None:
    from channel_webhook_world import settings
    from fastapi.testclient import TestClient
    from twilio.request_validator import RequestValidator

    from amicable.entrypoints.api import create_app

    api = create_app(world.app, settings=settings(twilio_auth_tokens={"rival": "rival-token-123"}))
    params = _sms("SM" + "d" * 32, "hello")
    rival_url = SMS_URL.replace(ORG, "rival")
    with TestClient(api) as client:

        def post(url: str, token: str) -> int:
            signature = RequestValidator(token).compute_signature(url, params)
            return client.post(
                url, data=params, headers={"X-Twilio-Signature": signature}
            ).status_code

        assert post(rival_url, "rival-token-123") == 200
        assert post(rival_url, TOKEN) == 403  # the server-wide token is not rival's
        assert post(SMS_URL, TOKEN) == 200  # default falls back to the server-wide token
        assert post(SMS_URL, "rival-token-123") == 403
