"""SMS and WhatsApp through the real Twilio SDK against the fake REST API over HTTP; webhook
signatures checked with the SDK's own validator; inbound parsing and STOP / START / HELP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from amicable.adapters.channels.twilio_common import TwilioSettings, validate_twilio_request
from amicable.adapters.channels.twilio_sms import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    TwilioMessagingSender,
    keyword_kind,
    parse_twilio_message_webhook,
)
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import Channel, InboundKind, OutboundMessage, SendStatus
from fakes.fake_twilio_server import FakeTwilioServer

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SID = "AC" + "1" * 32
TOKEN = "test-auth-token-0123456789abcdef"
CALLBACK = "https://amicable.example/v1/webhooks/twilio/status"


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer(account_sid=SID, auth_token=TOKEN) as server:
        yield server


def _settings(server: FakeTwilioServer, **overrides: Any) -> TwilioSettings:
    values: dict[str, Any] = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "sms_from": "+15550001111",
        "whatsapp_from": "+15550002222",
        "status_callback_url": CALLBACK,
        "api_base_url": server.base_url,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return TwilioSettings(**values)


def _sms(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": Channel.SMS,
        "to": "+15557654321",
        "text": "Acme: invoice 1042 (60.00 USD) is overdue. Pay: https://pay.acme.example/x",
        "dedupe_key": "acct-7:sms:2026-03-02:1",
    }
    values.update(overrides)
    return OutboundMessage(**values)


def test_an_sms_is_created_through_the_sdk_over_http_with_a_status_callback(
    twilio: FakeTwilioServer,
) -> None:
    sender = TwilioMessagingSender(_settings(twilio), clock=SimulatedClock(NOW))

    result = sender.send(_sms())

    assert result.status is SendStatus.ACCEPTED
    assert result.provider_message_id.startswith("SM") and len(result.provider_message_id) == 34
    assert result.provider_status == "queued"
    assert result.accepted_at == NOW
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.credentials == (SID, TOKEN)
    assert request.user_agent.startswith("twilio-python/")
    assert request.one("To") == "+15557654321"
    assert request.one("From") == "+15550001111"
    assert request.one("Body").startswith("Acme: invoice 1042")
    assert request.one("StatusCallback") == CALLBACK + "?ref=acct-7%3Asms%3A2026-03-02%3A1"


def test_a_whatsapp_message_uses_whatsapp_addresses_on_both_ends(
    twilio: FakeTwilioServer,
) -> None:
    sender = TwilioMessagingSender(_settings(twilio), clock=SimulatedClock(NOW))

    result = sender.send(_sms(channel=Channel.WHATSAPP, to="whatsapp:+15557654321"))

    assert result.channel is Channel.WHATSAPP and result.status is SendStatus.ACCEPTED
    [request] = twilio.requests
    assert request.one("To") == "whatsapp:+15557654321"
    assert request.one("From") == "whatsapp:+15550002222"


def test_a_messaging_service_replaces_the_from_number(twilio: FakeTwilioServer) -> None:
    settings = _settings(twilio, sms_from=None, messaging_service_sid="MG" + "2" * 32)

    TwilioMessagingSender(settings, clock=SimulatedClock(NOW)).send(_sms())

    [request] = twilio.requests
    assert request.one("MessagingServiceSid") == "MG" + "2" * 32
    assert "From" not in request.form


def test_a_number_twilio_refuses_is_a_rejected_result_with_its_error_code(
    twilio: FakeTwilioServer,
) -> None:
    twilio.refuse["+15550000000"] = (400, 21211, "Invalid 'To' Phone Number")
    sender = TwilioMessagingSender(_settings(twilio), clock=SimulatedClock(NOW))

    result = sender.send(_sms(to="+15550000000"))

    assert result.status is SendStatus.REJECTED
    assert result.error_code == "21211"
    assert result.error_message is not None and "Invalid 'To'" in result.error_message


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_rate_limits_raise_channel_unavailable(
    twilio: FakeTwilioServer, status: int
) -> None:
    twilio.force_status = status
    sender = TwilioMessagingSender(_settings(twilio), clock=SimulatedClock(NOW))

    with pytest.raises(ChannelUnavailable, match=f"HTTP {status}"):
        sender.send(_sms())


def test_wrong_credentials_raise_channel_unavailable_not_a_rejection(
    twilio: FakeTwilioServer,
) -> None:
    sender = TwilioMessagingSender(
        _settings(twilio, auth_token="wrong-token"), clock=SimulatedClock(NOW)
    )

    with pytest.raises(ChannelUnavailable, match="HTTP 401"):
        sender.send(_sms())


def test_an_unreachable_api_raises_channel_unavailable(twilio: FakeTwilioServer) -> None:
    settings = _settings(twilio)
    twilio.__exit__(None, None, None)  # nobody listens on that port any more

    with pytest.raises(ChannelUnavailable, match="ConnectionError"):
        TwilioMessagingSender(settings, clock=SimulatedClock(NOW)).send(_sms())


def test_the_messaging_sender_refuses_other_channels(twilio: FakeTwilioServer) -> None:
    sender = TwilioMessagingSender(_settings(twilio), clock=SimulatedClock(NOW))

    with pytest.raises(InvalidInput, match="does not send call"):
        sender.send(_sms(channel=Channel.CALL))
    assert twilio.requests == []


# --- webhook signatures (the SDK's validator) -------------------------------------------------

INBOUND_URL = "https://amicable.example/v1/webhooks/twilio/sms?org=acme"
INBOUND = {
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": SID,
    "From": "+15557654321",
    "To": "+15550001111",
    "Body": "I can pay on Friday",
    "SmsStatus": "received",
    "NumMedia": "0",
}


def test_a_webhook_signed_with_the_auth_token_is_accepted() -> None:
    signature = RequestValidator(TOKEN).compute_signature(INBOUND_URL, INBOUND)

    assert validate_twilio_request(INBOUND_URL, INBOUND, signature, TOKEN)


@pytest.mark.parametrize(
    ("url", "params", "token"),
    [
        (INBOUND_URL, {**INBOUND, "Body": "I will never pay"}, TOKEN),  # tampered body
        (INBOUND_URL.replace("acme", "evil"), INBOUND, TOKEN),  # another URL
        (INBOUND_URL, INBOUND, "another-token"),  # signed by someone else
    ],
)
def test_a_tampered_or_foreign_webhook_is_refused_and_logged(
    url: str, params: dict[str, str], token: str, caplog: pytest.LogCaptureFixture
) -> None:
    signature = RequestValidator(TOKEN).compute_signature(INBOUND_URL, INBOUND)

    assert not validate_twilio_request(url, params, signature, token)
    assert "bad signature" in caplog.text
    assert "never pay" not in caplog.text  # parameters are not logged


@pytest.mark.parametrize("signature", [None, ""])
def test_a_webhook_without_a_signature_is_refused(signature: str | None) -> None:
    assert not validate_twilio_request(INBOUND_URL, INBOUND, signature, TOKEN)


# --- inbound parsing ------------------------------------------------------------------------


def test_an_inbound_sms_becomes_a_message_event_keyed_by_message_sid() -> None:
    event = parse_twilio_message_webhook(INBOUND, received_at=NOW)

    assert event.kind is InboundKind.MESSAGE
    assert event.channel is Channel.SMS
    assert event.event_id == "SM" + "a" * 32
    assert event.sender == "+15557654321" and event.recipient == "+15550001111"
    assert event.text == "I can pay on Friday"
    assert event.status == "received"


def test_an_inbound_whatsapp_message_drops_the_prefix_and_says_whatsapp() -> None:
    params = {**INBOUND, "From": "whatsapp:+15557654321", "To": "whatsapp:+15550002222"}

    event = parse_twilio_message_webhook(params, received_at=NOW)

    assert event.channel is Channel.WHATSAPP
    assert event.sender == "+15557654321" and event.recipient == "+15550002222"


def test_each_status_callback_of_a_message_is_its_own_event() -> None:
    base = {"MessageSid": "SM" + "b" * 32, "AccountSid": SID, "From": "+15550001111", "To": "+1555"}
    sent = parse_twilio_message_webhook({**base, "MessageStatus": "sent"}, received_at=NOW)
    failed = parse_twilio_message_webhook(
        {**base, "MessageStatus": "undelivered", "ErrorCode": "30003"}, received_at=NOW
    )

    assert sent.kind is InboundKind.DELIVERY_STATUS
    assert (sent.event_id, failed.event_id) == (
        "SM" + "b" * 32 + ":sent",
        "SM" + "b" * 32 + ":undelivered",
    )
    assert failed.thread_ref == "SM" + "b" * 32
    assert failed.status == "undelivered" and failed.metadata["ErrorCode"] == "30003"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        *[(word, InboundKind.OPT_OUT) for word in sorted(OPT_OUT_KEYWORDS)],
        *[(word, InboundKind.OPT_IN) for word in sorted(OPT_IN_KEYWORDS)],
        *[(word, InboundKind.HELP) for word in sorted(HELP_KEYWORDS)],
        (" stop. ", InboundKind.OPT_OUT),
        ("Stop!", InboundKind.OPT_OUT),
        ("stop calling me at work", InboundKind.MESSAGE),
        ("yes please, friday", InboundKind.MESSAGE),
    ],
)
def test_standard_keywords_become_explicit_consent_events(body: str, kind: InboundKind) -> None:
    event = parse_twilio_message_webhook({**INBOUND, "Body": body}, received_at=NOW)

    assert event.kind is kind


def test_twilio_advanced_opt_out_type_is_honoured() -> None:
    params = {**INBOUND, "Body": "arrêt", "OptOutType": "STOP"}

    assert parse_twilio_message_webhook(params, received_at=NOW).kind is InboundKind.OPT_OUT


@given(
    word=st.sampled_from(sorted(OPT_OUT_KEYWORDS)),
    case=st.lists(st.booleans(), min_size=11, max_size=11),
    left=st.text(" \t\n", max_size=3),
    right=st.text(" \t\n.!?", max_size=3),
)
def test_opt_out_keywords_match_in_any_case_with_surrounding_blanks(
    word: str, case: list[bool], left: str, right: str
) -> None:
    mixed = "".join(c.lower() if flip else c for c, flip in zip(word, case, strict=False))

    assert keyword_kind(left + mixed + right) is InboundKind.OPT_OUT


@given(st.text(min_size=1, max_size=40))
def test_a_body_with_more_than_a_keyword_is_never_an_opt_in_or_out(text: str) -> None:
    kind = keyword_kind(text)
    if kind is not None:
        assert text.strip().rstrip(".!? \t\r\n").upper() in (
            OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS | HELP_KEYWORDS
        )


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"From": "+1", "Body": "x"}, "MessageSid"),
        ({"MessageSid": "SM1", "From": "+1"}, "MessageStatus"),
        ({"MessageSid": "SM1", "Body": "x"}, "From"),
    ],
)
def test_a_malformed_twilio_webhook_is_refused_naming_the_field(
    params: dict[str, str], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_twilio_message_webhook(params, received_at=NOW)


def test_settings_refuse_a_non_account_sid_and_a_non_http_base_url() -> None:
    with pytest.raises(InvalidInput, match="AC"):
        TwilioSettings(account_sid="SK123", auth_token="t")
    with pytest.raises(InvalidInput, match="api_base_url"):
        TwilioSettings(account_sid=SID, auth_token="t", api_base_url="ftp://x")
    assert TOKEN not in repr(TwilioSettings(account_sid=SID, auth_token=TOKEN))
