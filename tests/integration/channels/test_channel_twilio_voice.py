"""Voice: calls created through the SDK against the fake REST API, TwiML asserted as XML,
call results mapped to outcomes for the call-frequency rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from amicable.adapters.channels.twilio_common import TwilioSettings
from amicable.adapters.channels.twilio_voice import (
    LimitedContentVoicemail,
    TwilioVoiceCaller,
    answer_twiml,
    closing_twiml,
    gather_turn_twiml,
    parse_twilio_call_status,
    parse_twilio_speech_turn,
    turn_action_url,
)
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import CallOutcome, Channel, InboundKind, OutboundMessage, SendStatus
from fakes.fake_twilio_server import FakeTwilioServer

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SID = "AC" + "3" * 32
TOKEN = "voice-token-0123456789"
ANSWER = "https://amicable.example/v1/webhooks/twilio/voice/answer"
STATUS = "https://amicable.example/v1/webhooks/twilio/voice/status"
VOICEMAIL = LimitedContentVoicemail(
    business_name="Acme Services", contact_name="Sam Carter", callback_phone="+15550003333"
)


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer(account_sid=SID, auth_token=TOKEN) as server:
        yield server


def _caller(server: FakeTwilioServer) -> TwilioVoiceCaller:
    settings = TwilioSettings(
        account_sid=SID,
        auth_token=TOKEN,
        voice_from="+15550003333",
        voice_answer_url=ANSWER,
        voice_status_callback_url=STATUS,
        api_base_url=server.base_url,
        timeout_seconds=5.0,
    )
    return TwilioVoiceCaller(settings, clock=SimulatedClock(NOW))


def _call(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": Channel.CALL,
        "to": "+15557654321",
        "text": "Hello, this is Acme about your account.",
        "dedupe_key": "acct-7:call:2026-03-02:1",
        "thread_ref": "conv-42",
        "metadata": {"artificial_voice_consent": "yes"},
    }
    values.update(overrides)
    return OutboundMessage(**values)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_call_is_created_with_machine_detection_and_callbacks(twilio: FakeTwilioServer) -> None:
    result = _caller(twilio).send(_call())

    assert result.status is SendStatus.ACCEPTED
    assert result.provider_message_id.startswith("CA")
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert request.one("To") == "+15557654321" and request.one("From") == "+15550003333"
    assert request.one("MachineDetection") == "DetectMessageEnd"
    assert _query(request.one("Url")) == {
        "conversation": ["conv-42"],
        "ref": ["acct-7:call:2026-03-02:1"],
        "purpose": ["call"],
    }
    assert request.one("StatusCallback").startswith(STATUS + "?")
    assert _query(request.one("StatusCallback"))["purpose"] == ["call"]
    assert request.form["StatusCallbackEvent"] == ["answered", "completed"]


def test_a_voicemail_attempt_says_so_in_its_urls(twilio: FakeTwilioServer) -> None:
    _caller(twilio).send(_call(channel=Channel.VOICEMAIL))

    [request] = twilio.requests
    assert _query(request.one("Url"))["purpose"] == ["voicemail"]
    assert _query(request.one("StatusCallback"))["purpose"] == ["voicemail"]


def test_a_call_without_artificial_voice_consent_is_refused_before_any_request(
    twilio: FakeTwilioServer,
) -> None:
    with pytest.raises(InvalidInput, match="artificial_voice_consent"):
        _caller(twilio).send(_call(metadata={}))
    assert twilio.requests == []


def test_an_invalid_number_is_rejected_and_an_outage_is_unavailable(
    twilio: FakeTwilioServer,
) -> None:
    twilio.refuse["+15550000000"] = (400, 21217, "Phone number does not appear to be valid")
    rejected = _caller(twilio).send(_call(to="+15550000000"))
    assert rejected.status is SendStatus.REJECTED and rejected.error_code == "21217"

    twilio.force_status = 503
    with pytest.raises(ChannelUnavailable, match=r"Calls\.create"):
        _caller(twilio).send(_call())


def test_a_gather_turn_says_the_reply_and_listens_for_speech_at_the_turn_url() -> None:
    action = turn_action_url("https://amicable.example/v1/voice/turn", "conv-42", 3)

    xml = gather_turn_twiml("Could you pay 30.00 today?", action_url=action, language="en-US")

    root = ET.fromstring(xml)
    assert root.tag == "Response"
    [gather] = list(root)
    assert gather.tag == "Gather"
    assert gather.attrib["input"] == "speech"
    assert gather.attrib["action"] == action
    assert _query(gather.attrib["action"]) == {"conversation": ["conv-42"], "turn": ["3"]}
    assert gather.attrib["method"] == "POST"
    assert gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    [say] = list(gather)
    assert say.tag == "Say" and say.text == "Could you pay 30.00 today?"


def test_a_person_gets_the_opening_turn_and_a_finished_greeting_gets_the_voicemail() -> None:
    opening = gather_turn_twiml("Hello, this is Acme.", action_url="https://a.example/t")

    assert answer_twiml("human", human_twiml=opening, voicemail=VOICEMAIL) == opening
    assert answer_twiml(None, human_twiml=opening, voicemail=VOICEMAIL) == opening
    root = ET.fromstring(answer_twiml("machine_end_beep", human_twiml=opening, voicemail=VOICEMAIL))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    said = root[0].text or ""
    assert said == (
        "Hello. This is Sam Carter with Acme Services. "
        "Please call us back at 1 5 5 5 0 0 0 3 3 3 3. Thank you."
    )


@pytest.mark.parametrize("answered_by", ["machine_start", "fax", "machine_end_other"])
def test_a_machine_gets_only_a_hang_up_unless_a_limited_message_can_be_left(
    answered_by: str,
) -> None:
    voicemail = VOICEMAIL if answered_by == "machine_end_other" else None
    xml = answer_twiml(answered_by, human_twiml="<Response/>", voicemail=voicemail)

    tags = [child.tag for child in ET.fromstring(xml)]
    assert tags == (["Say", "Hangup"] if voicemail else ["Hangup"])


def test_without_a_voicemail_a_finished_greeting_gets_a_hang_up() -> None:
    xml = answer_twiml("machine_end_beep", human_twiml=None, voicemail=None)

    assert [child.tag for child in ET.fromstring(xml)] == ["Hangup"]


@pytest.mark.parametrize(
    "business_name", ["Acme Debt Recovery", "Collections Dept", "Past Due Services"]
)
def test_a_voicemail_naming_debt_collection_is_refused(business_name: str) -> None:
    with pytest.raises(InvalidInput, match="reveals debt collection"):
        LimitedContentVoicemail(business_name, "Sam Carter", "+15550003333")


def test_a_voicemail_with_a_non_e164_call_back_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"E\.164"):
        LimitedContentVoicemail("Acme Services", "Sam Carter", "555-0003")


def test_closing_twiml_says_goodbye_and_hangs_up() -> None:
    root = ET.fromstring(closing_twiml("Thank you, goodbye."))

    assert [(child.tag, child.text) for child in root] == [
        ("Say", "Thank you, goodbye."),
        ("Hangup", None),
    ]


CALL = {
    "CallSid": "CA" + "c" * 32,
    "From": "+15550003333",
    "To": "+15557654321",
    "Direction": "outbound-api",
}


@pytest.mark.parametrize(
    ("extra", "purpose", "outcome"),
    [
        ({"CallStatus": "completed", "AnsweredBy": "human", "CallDuration": "95"}, Channel.CALL, CallOutcome.CONVERSATION),
        ({"CallStatus": "completed"}, Channel.CALL, CallOutcome.CONVERSATION),
        ({"CallStatus": "completed", "AnsweredBy": "unknown"}, Channel.CALL, CallOutcome.CONVERSATION),
        ({"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, Channel.VOICEMAIL, CallOutcome.VOICEMAIL),
        ({"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, Channel.CALL, CallOutcome.NO_ANSWER),
        ({"CallStatus": "completed", "AnsweredBy": "machine_start"}, Channel.VOICEMAIL, CallOutcome.NO_ANSWER),
        ({"CallStatus": "completed", "AnsweredBy": "fax"}, Channel.CALL, CallOutcome.NOT_IN_SERVICE),
        ({"CallStatus": "busy"}, Channel.CALL, CallOutcome.BUSY),
        ({"CallStatus": "no-answer"}, Channel.CALL, CallOutcome.NO_ANSWER),
        ({"CallStatus": "canceled"}, Channel.CALL, CallOutcome.FAILED),
        ({"CallStatus": "failed", "SipResponseCode": "404"}, Channel.CALL, CallOutcome.NOT_IN_SERVICE),
        ({"CallStatus": "failed", "ErrorCode": "13224"}, Channel.CALL, CallOutcome.NOT_IN_SERVICE),
        ({"CallStatus": "failed", "SipResponseCode": "503"}, Channel.CALL, CallOutcome.FAILED),
    ],
)  # fmt: skip
def test_final_call_statuses_map_to_outcomes_for_the_frequency_rules(
    extra: dict[str, str], purpose: Channel, outcome: CallOutcome
) -> None:
    event = parse_twilio_call_status({**CALL, **extra}, received_at=NOW, purpose=purpose)

    assert event.kind is InboundKind.CALL_RESULT
    assert event.outcome is outcome
    assert event.event_id == f"{CALL['CallSid']}:{extra['CallStatus']}"
    assert event.thread_ref == CALL["CallSid"]
    assert event.sender == "+15557654321"  # the debtor, on an outbound call
    assert event.channel is purpose


@pytest.mark.parametrize("status", ["initiated", "ringing", "in-progress"])
def test_progress_statuses_are_delivery_statuses_without_an_outcome(status: str) -> None:
    event = parse_twilio_call_status({**CALL, "CallStatus": status}, received_at=NOW)

    assert event.kind is InboundKind.DELIVERY_STATUS and event.outcome is None


def test_a_speech_turn_is_a_message_of_the_conversation_keyed_by_call_and_turn() -> None:
    params = {**CALL, "SpeechResult": " I can pay thirty today ", "Confidence": "0.91"}

    event = parse_twilio_speech_turn(params, conversation_id="conv-42", turn=2, received_at=NOW)

    assert event.kind is InboundKind.MESSAGE and event.channel is Channel.CALL
    assert event.event_id == f"{CALL['CallSid']}:turn:2"
    assert event.thread_ref == "conv-42"
    assert event.text == "I can pay thirty today"
    assert event.metadata["Confidence"] == "0.91"


@pytest.mark.parametrize(
    ("params", "problem"),
    [({"CallStatus": "completed"}, "CallSid"), ({"CallSid": "CA1"}, "CallStatus")],
)
def test_a_malformed_call_webhook_is_refused_naming_the_field(
    params: dict[str, str], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_twilio_call_status(params, received_at=NOW)


def test_turn_numbers_start_at_one() -> None:
    with pytest.raises(InvalidInput, match="starts at 1"):
        turn_action_url("https://a.example/t", "conv-42", 0)
