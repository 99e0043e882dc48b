"""The voice loop over HTTP (SQLite or PostgreSQL with ``--db``): a call placed through the SDK
against the FAKE Twilio REST server, then Twilio's side played by the test — the answer URL and
status callback the call was created with, signed with the SDK: a person hears the opening words
in ``<Gather input="speech">``, each ``SpeechResult`` is a turn of the same negotiation engine
(channel ``call``) answered with the next ``<Gather>``; answering-machine detection leaves only the
limited-content voicemail (voicemail attempts) or hangs up; no artificial voice without consent;
every call outcome lands on the attempt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

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
from amicable.adapters.channels.twilio_voice import TwilioVoiceCaller
from amicable.compliance import ProposedContact, decide
from amicable.service.channels import Channel, OutboundMessage
from amicable.service.contact_context import contact_context

ANSWER = f"{BASE}/v1/webhooks/twilio/{ORG}/voice/answer"
VOICE_STATUS = f"{BASE}/v1/webhooks/twilio/{ORG}/voice/status"
OPENING = "Hello, this is Acme Services calling for Dana Debtor. Is that you?"


def _place(world: ChannelWorld, account: str, channel: str, key: str, to: str) -> tuple[int, str]:
    """Write the attempt, place the call through the SDK, record the SID: (attempt id, CallSid)."""
    attempt_id = world.add_attempt(account, channel, key, OPENING, recipient=to)
    caller = TwilioVoiceCaller(
        TwilioSettings(account_sid=ACCOUNT_SID, auth_token=TOKEN, voice_from=OUR_NUMBER,
                       voice_answer_url=ANSWER, voice_status_callback_url=VOICE_STATUS,
                       api_base_url=world.twilio.base_url),
        clock=world.clock,
    )  # fmt: skip
    message = OutboundMessage(Channel(channel), to, OPENING, key, thread_ref=f"conv-{key}",
                              metadata={"artificial_voice_consent": "yes"})  # fmt: skip
    result = caller.send(message)
    world.mark_sent(attempt_id, result.provider_message_id)
    return attempt_id, result.provider_message_id


def _call_params(sid: str, to: str, **extra: str) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": OUR_NUMBER, "To": to,
            "Direction": "outbound-api", **extra}  # fmt: skip


def _twiml(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def _gather(root: ET.Element) -> tuple[str, str]:
    """(what is said, the action URL) of a ``<Gather input="speech">`` turn."""
    [gather] = list(root)
    assert gather.tag == "Gather" and gather.attrib["input"] == "speech"
    [say] = list(gather)
    assert say.tag == "Say"
    return say.text or "", gather.attrib["action"]


def _delivery(world: ChannelWorld, attempt_id: int) -> tuple[str, str | None, str | None]:
    with world.app.uow() as uow:
        d = uow.channel_events.delivery(attempt_id)
    assert d is not None
    return d.status, d.delivery_status, d.call_outcome


def test_a_person_talks_with_the_negotiation_engine_turn_by_turn(world: ChannelWorld) -> None:
    attempt_id, sid = _place(world, "C-DANA", "call", "C-DANA:call:call:2026-03-02", DANA_PHONE)
    created = world.twilio.requests[-1]
    answer_url, status_url = created.one("Url"), created.one("StatusCallback")
    assert created.one("MachineDetection") == "DetectMessageEnd"

    ringing = world.post_twilio(status_url, _call_params(sid, DANA_PHONE, CallStatus="ringing"))
    answered = world.post_twilio(answer_url, _call_params(sid, DANA_PHONE, AnsweredBy="human",
                                                           CallStatus="in-progress"))  # fmt: skip

    assert ringing.status_code == answered.status_code == 200, answered.text
    said, action = _gather(_twiml(answered.text))
    assert said == OPENING
    query = parse_qs(urlsplit(action).query)
    assert (query["turn"], query["conversation"]) == (["1"], ["conv-C-DANA:call:call:2026-03-02"])
    assert action.startswith(f"{BASE}/v1/webhooks/twilio/{ORG}/voice/turn?")

    turn1 = world.post_twilio(action, _call_params(sid, DANA_PHONE, SpeechResult="Yes, it's me",
                                                    Confidence="0.93"))  # fmt: skip
    reply1, action2 = _gather(_twiml(turn1.text))
    replay = world.post_twilio(action, _call_params(sid, DANA_PHONE, SpeechResult="Yes, it's me"))
    turn2 = world.post_twilio(
        action2, _call_params(sid, DANA_PHONE, SpeechResult="I can pay fifty dollars on Friday")
    )

    assert reply1.strip() and parse_qs(urlsplit(action2).query)["turn"] == ["2"]
    assert _gather(_twiml(replay.text)) == (reply1, action2)  # a re-posted turn: same answer
    assert turn2.status_code == 200
    with world.app.uow() as uow:
        events = [(e.event_id, e.channel, e.kind) for e in uow.runtime.inbound()]
        cid = uow.ledger.customers(["C-DANA"])["C-DANA"].id
        conversation = uow.conversations.latest_open(cid, "call")
    assert events == [(f"{sid}:turn:1", "call", "message"), (f"{sid}:turn:2", "call", "message")]
    assert conversation is not None  # the same engine, on the call channel

    done = world.post_twilio(status_url, _call_params(sid, DANA_PHONE, CallStatus="completed",
                                                       AnsweredBy="human", CallDuration="95"))  # fmt: skip
    late = world.post_twilio(status_url, _call_params(sid, DANA_PHONE, CallStatus="ringing"))

    assert done.json()["call_outcome"] == "conversation" and late.json()["applied"] is False
    assert _delivery(world, attempt_id) == ("delivered", "completed", "conversation")


def test_silence_is_asked_again_then_the_call_ends_politely(world: ChannelWorld) -> None:
    _, sid = _place(world, "C-DANA", "call", "C-DANA:call:call:2026-03-03", DANA_PHONE)
    answered = world.post_twilio(world.twilio.requests[-1].one("Url"),
                                 _call_params(sid, DANA_PHONE, AnsweredBy="human"))  # fmt: skip
    _, action = _gather(_twiml(answered.text))

    first = world.post_twilio(action, _call_params(sid, DANA_PHONE, SpeechResult=""))
    again, action2 = _gather(_twiml(first.text))
    second = _twiml(world.post_twilio(action2, _call_params(sid, DANA_PHONE)).text)

    assert again == "Sorry, could you say that again?"
    assert [child.tag for child in second] == ["Say", "Hangup"]
    with world.app.uow() as uow:
        assert uow.runtime.inbound() == []  # silence is not a turn


@pytest.mark.parametrize(
    ("channel", "answered_by", "tags", "outcome"),
    [
        ("voicemail", "machine_end_beep", ["Say", "Hangup"], "voicemail"),
        ("call", "machine_end_beep", ["Hangup"], "no_answer"),
        ("voicemail", "machine_start", ["Hangup"], "no_answer"),
        ("voicemail", "fax", ["Hangup"], "not_in_service"),
    ],
)
def test_a_machine_gets_only_the_limited_content_voicemail_or_a_hang_up(
    world: ChannelWorld, channel: str, answered_by: str, tags: list[str], outcome: str
) -> None:
    attempt_id, sid = _place(world, "C-DANA", channel, f"C-DANA:{channel}:x:2026-03-02", DANA_PHONE)
    created = world.twilio.requests[-1]

    r = world.post_twilio(created.one("Url"), _call_params(sid, DANA_PHONE, AnsweredBy=answered_by))
    world.post_twilio(created.one("StatusCallback"), _call_params(
        sid, DANA_PHONE, CallStatus="completed", AnsweredBy=answered_by))  # fmt: skip

    root = _twiml(r.text)
    assert [child.tag for child in root] == tags
    if tags[0] == "Say":
        said = root[0].text or ""
        assert said == ("Hello. This is Sam Carter with Acme Services. "
                        "Please call us back at 1 2 1 2 5 5 5 0 1 9 9. Thank you.")  # fmt: skip
        assert OPENING not in said and "INV" not in said and "240" not in said
    status = "delivered" if outcome == "voicemail" else "sent"
    assert _delivery(world, attempt_id) == (status, "completed", outcome)


def test_no_artificial_voice_without_consent(world: ChannelWorld) -> None:
    # Eric never gave consent to calls: if such a call is answered, the synthetic voice is silent.
    _, sid = _place(world, "C-ERIC", "call", "C-ERIC:call:call:2026-03-02", ERIC_PHONE)

    r = world.post_twilio(world.twilio.requests[-1].one("Url"),
                          _call_params(sid, ERIC_PHONE, AnsweredBy="human"))  # fmt: skip

    assert [child.tag for child in _twiml(r.text)] == ["Hangup"]


@pytest.mark.parametrize(
    ("status", "extra", "outcome"),
    [("busy", {}, "busy"), ("no-answer", {}, "no_answer"),
     ("failed", {"SipResponseCode": "404"}, "not_in_service"), ("canceled", {}, "failed")],
)  # fmt: skip
def test_every_call_outcome_is_recorded_and_the_call_still_counts_as_placed(
    world: ChannelWorld, status: str, extra: dict[str, str], outcome: str
) -> None:
    attempt_id, sid = _place(world, "C-DANA", "call", f"C-DANA:call:{status}", DANA_PHONE)

    r = world.post_twilio(world.twilio.requests[-1].one("StatusCallback"),
                          _call_params(sid, DANA_PHONE, CallStatus=status, **extra))  # fmt: skip

    assert r.json()["applied"] is True
    # Still ``sent``: a placed call counts for the 7-calls-in-7-days cap whatever its outcome.
    assert _delivery(world, attempt_id) == ("sent", status, outcome)


def test_voice_webhooks_need_the_twilio_signature(world: ChannelWorld) -> None:
    _, sid = _place(world, "C-DANA", "call", "C-DANA:call:call:2026-03-04", DANA_PHONE)
    created = world.twilio.requests[-1]

    for url in (created.one("Url"), created.one("StatusCallback")):
        r = world.post_twilio(url, _call_params(sid, DANA_PHONE, AnsweredBy="human"),
                              signature=None)  # fmt: skip
        assert r.status_code == 403


def _violations_of_next_call(world: ChannelWorld) -> set[str]:
    """The rules a further call to Dana an hour from now breaks (third-party collector: Reg F)."""
    at = world.clock.now() + timedelta(hours=1)
    with world.app.uow() as uow:
        row = uow.ledger.customers(["C-DANA"])["C-DANA"]
        invoices = [i for i in uow.reports.invoice_balances(at.date(), row.id) if i.open_minor]
        attempts = uow.runtime.attempts(customer_id=row.id)
    ctx = contact_context(row.customer, invoices, attempts, [], as_of=at.date(),
                          collector_type="third_party")  # fmt: skip
    proposal = ProposedContact(at, "call", ("INV-D1",), None, False, "en", automated=True)
    return {v.rule for v in decide(ctx, proposal).violations}


@pytest.mark.parametrize(("answered_by", "cooldown"), [("human", True), ("machine_start", False)])
def test_a_call_answered_by_a_person_starts_the_conversation_cool_down(
    world: ChannelWorld, answered_by: str, cooldown: bool
) -> None:
    _, sid = _place(world, "C-DANA", "call", f"C-DANA:call:{answered_by}", DANA_PHONE)
    world.post_twilio(world.twilio.requests[-1].one("StatusCallback"), _call_params(
        sid, DANA_PHONE, CallStatus="completed", AnsweredBy=answered_by))  # fmt: skip

    assert ("regf.conversation_cooldown" in _violations_of_next_call(world)) is cooldown


def test_seven_placed_calls_that_rang_out_reach_the_seven_in_seven_cap(world: ChannelWorld) -> None:
    for n in range(7):
        assert "regf.call_frequency" not in _violations_of_next_call(world), n
        _, sid = _place(world, "C-DANA", "call", f"C-DANA:call:ring-{n}", DANA_PHONE)
        world.post_twilio(world.twilio.requests[-1].one("StatusCallback"),
                          _call_params(sid, DANA_PHONE, CallStatus="no-answer"))  # fmt: skip
        world.clock.advance(timedelta(hours=2) if n % 2 == 0 else timedelta(hours=22))

    assert "regf.call_frequency" in _violations_of_next_call(world)
