"""Voice through Twilio Programmable Voice: outbound calls, TwiML, call results.

* :class:`TwilioVoiceCaller` places a call (``Calls.create``) with answering-machine detection
  (``DetectMessageEnd``: Twilio waits for the greeting's end, so a voicemail starts after the
  beep) and a status callback. The answer URL carries the conversation id, the dedupe key and the
  purpose (``call`` or ``voicemail``).
* :func:`answer_twiml` decides what to play when Twilio fetches the answer URL: a person gets the
  caller's opening turn; a machine that finished its greeting gets the limited-content voicemail
  (only when one is given); anything else gets a hang-up. Nothing but
  :class:`LimitedContentVoicemail` can be left on a machine.
* :func:`gather_turn_twiml` is one turn of the speech loop: say the agent's reply inside
  ``<Gather input="speech">`` whose action URL names the conversation and the next turn number;
  Twilio posts the caller's words there (:func:`parse_twilio_speech_turn`), the negotiation engine
  answers, and the next turn's TwiML is returned.
* :func:`parse_twilio_call_status` maps ``CallStatus`` / ``AnsweredBy`` to a
  :class:`~amicable.service.channels.CallOutcome` for the call-frequency rules.

Invariants: every call is placed only when the message says artificial-voice consent was
checked (``metadata["artificial_voice_consent"] == "yes"``) — the TwiML speaks with a synthetic
voice, which the TCPA treats as an artificial voice; a voicemail's words come only from
:class:`LimitedContentVoicemail` (business name that does not reveal debt collection, a contact
name, a call-back number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from amicable.adapters.channels.twilio_common import (
    TwilioSettings,
    create_on_twilio,
    make_twilio_client,
)
from amicable.adapters.channels.twilio_sms import with_query
from amicable.domain.clock import Clock
from amicable.domain.errors import InvalidInput
from amicable.service.channels import (
    CallOutcome,
    Channel,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    SendResult,
)

__all__ = [
    "LimitedContentVoicemail",
    "TwilioVoiceCaller",
    "answer_twiml",
    "closing_twiml",
    "gather_turn_twiml",
    "parse_twilio_call_status",
    "parse_twilio_speech_turn",
    "turn_action_url",
]

_MACHINE_END = frozenset({"machine_end_beep", "machine_end_silence", "machine_end_other"})
_FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# SIP answers and Twilio error codes that mean the number itself is not reachable.
_NOT_IN_SERVICE_SIP = frozenset({"404", "410", "484", "604"})
_NOT_IN_SERVICE_ERRORS = frozenset({"13223", "13224", "21211", "21217"})
# Words that would tell a listener the call is about a debt (Reg F §1006.2(j) limited content).
_REVEALING = re.compile(
    r"collect|debt|recover|overdue|owe|owing|arrear|delinquen|bankrupt|payment|past due|credit",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class LimitedContentVoicemail:
    """The only content amicable leaves on an answering machine (Reg F §1006.2(j)).

    Attributes:
        business_name: a name for the caller that does not indicate debt collection.
        contact_name: the person to ask for.
        callback_phone: the number to call back (E.164).
    """

    business_name: str
    contact_name: str
    callback_phone: str

    def __post_init__(self) -> None:
        for name in ("business_name", "contact_name"):
            value = getattr(self, name)
            if not value.strip():
                raise InvalidInput(f"limited-content voicemail: {name} is required")
            if _REVEALING.search(value):
                raise InvalidInput(
                    f"limited-content voicemail: {name} {value!r} reveals debt collection"
                )
        if not re.fullmatch(r"\+[1-9]\d{6,14}", self.callback_phone):
            raise InvalidInput(
                f"limited-content voicemail: callback_phone {self.callback_phone!r} is not E.164"
            )

    def script(self) -> str:
        """The words spoken: a greeting, who to call, the number (digit by digit), thanks."""
        digits = " ".join(self.callback_phone.lstrip("+"))
        return (
            f"Hello. This is {self.contact_name} with {self.business_name}. "
            f"Please call us back at {digits}. Thank you."
        )


def turn_action_url(base_url: str, conversation_id: str, turn: int) -> str:
    """The ``<Gather>`` action URL for turn ``turn`` of ``conversation_id``."""
    if turn < 1:
        raise InvalidInput(f"a call turn number starts at 1, got {turn}")
    return with_query(base_url, conversation=conversation_id, turn=str(turn))


def gather_turn_twiml(
    reply_text: str,
    *,
    action_url: str,
    language: str = "en-US",
    voice: str | None = None,
    timeout_seconds: int = 5,
) -> str:
    """One turn of the speech loop: say ``reply_text`` and listen for the answer.

    ``actionOnEmptyResult`` makes Twilio post to ``action_url`` even when nothing was said, so
    the conversation (not Twilio) decides whether to ask again or end the call.
    """
    if not reply_text.strip():
        raise InvalidInput("a call turn needs something to say")
    response = VoiceResponse()
    gather = response.gather(
        input="speech",
        action=action_url,
        method="POST",
        speech_timeout="auto",
        timeout=timeout_seconds,
        language=language,
        action_on_empty_result=True,
    )
    gather.say(reply_text, voice=voice, language=language)
    return str(response.to_xml())


def closing_twiml(text: str, *, language: str = "en-US", voice: str | None = None) -> str:
    """Say ``text`` and hang up (the end of a conversation)."""
    response = VoiceResponse()
    if text.strip():
        response.say(text, voice=voice, language=language)
    response.hangup()
    return str(response.to_xml())


def answer_twiml(
    answered_by: str | None,
    *,
    human_twiml: str | None,
    voicemail: LimitedContentVoicemail | None,
    language: str = "en-US",
    voice: str | None = None,
) -> str:
    """What to play when the call is answered, by what answering-machine detection said.

    A person (``human``, ``unknown`` or no AMD) gets ``human_twiml`` (or a hang-up when None); a
    machine whose greeting ended gets the limited-content ``voicemail`` (or a hang-up); a machine
    detected before its greeting ended, or a fax, gets a hang-up — a message would be cut.
    """
    kind = (answered_by or "unknown").lower()
    if kind in {"human", "unknown"}:
        return human_twiml if human_twiml is not None else closing_twiml("")
    if kind in _MACHINE_END and voicemail is not None:
        return closing_twiml(voicemail.script(), language=language, voice=voice)
    return closing_twiml("")


def _counterpart(params: Mapping[str, str]) -> tuple[str, str]:
    """``(debtor number, our number)`` — on an outbound call the debtor is ``To``."""
    if params.get("Direction", "outbound-api").startswith("outbound"):
        return params.get("To", ""), params.get("From", "")
    return params.get("From", ""), params.get("To", "")


def _outcome(params: Mapping[str, str], status: str, purpose: Channel) -> CallOutcome:
    if status == "busy":
        return CallOutcome.BUSY
    if status == "no-answer":
        return CallOutcome.NO_ANSWER
    if status == "canceled":
        return CallOutcome.FAILED
    if status == "failed":
        if (
            params.get("SipResponseCode", "") in _NOT_IN_SERVICE_SIP
            or params.get("ErrorCode", "") in _NOT_IN_SERVICE_ERRORS
        ):
            return CallOutcome.NOT_IN_SERVICE
        return CallOutcome.FAILED
    answered_by = params.get("AnsweredBy", "").lower()
    if answered_by == "fax":
        return CallOutcome.NOT_IN_SERVICE
    if answered_by in _MACHINE_END and purpose is Channel.VOICEMAIL:
        return CallOutcome.VOICEMAIL
    if answered_by.startswith("machine"):
        return CallOutcome.NO_ANSWER
    return CallOutcome.CONVERSATION


def parse_twilio_call_status(
    params: Mapping[str, str], *, received_at: datetime, purpose: Channel = Channel.CALL
) -> InboundEvent:
    """Turn a Twilio call status callback into an event.

    Final statuses (completed, busy, no-answer, failed, canceled) give a ``call_result`` with an
    outcome; progress statuses (initiated, ringing, answered / in-progress) a ``delivery_status``.
    ``purpose`` is the ``purpose`` query parameter of the callback URL: a machine counts as a left
    ``voicemail`` only on a voicemail attempt (otherwise we hung up: ``no_answer``). Event id =
    ``CallSid:CallStatus``.
    """
    sid = params.get("CallSid", "")
    if not sid:
        raise InvalidInput("Twilio call webhook: form field 'CallSid' is missing")
    status = params.get("CallStatus", "").lower()
    if not status:
        raise InvalidInput("Twilio call webhook: form field 'CallStatus' is missing")
    debtor, ours = _counterpart(params)
    metadata = {
        name: params[name]
        for name in ("AnsweredBy", "CallDuration", "SipResponseCode", "ErrorCode", "Direction")
        if params.get(name)
    }
    final = status in _FINAL_STATUSES
    return InboundEvent(
        provider="twilio",
        event_id=f"{sid}:{status}",
        channel=purpose,
        kind=InboundKind.CALL_RESULT if final else InboundKind.DELIVERY_STATUS,
        sender=debtor,
        recipient=ours,
        text="",
        received_at=received_at,
        thread_ref=sid,
        status=status,
        outcome=_outcome(params, status, purpose) if final else None,
        metadata=metadata,
    )


def parse_twilio_speech_turn(
    params: Mapping[str, str], *, conversation_id: str, turn: int, received_at: datetime
) -> InboundEvent:
    """Turn a ``<Gather input="speech">`` result into a message of the call's conversation.

    Event id = ``CallSid:turn:N`` (Twilio has no id per utterance; the turn number comes from the
    action URL, so a re-posted result is the same event). Empty ``text`` means nothing was said.
    """
    sid = params.get("CallSid", "")
    if not sid:
        raise InvalidInput("Twilio speech webhook: form field 'CallSid' is missing")
    debtor, ours = _counterpart(params)
    metadata = {"CallSid": sid}
    if params.get("Confidence"):
        metadata["Confidence"] = params["Confidence"]
    return InboundEvent(
        provider="twilio",
        event_id=f"{sid}:turn:{turn}",
        channel=Channel.CALL,
        kind=InboundKind.MESSAGE,
        sender=debtor,
        recipient=ours,
        text=params.get("SpeechResult", "").strip(),
        received_at=received_at,
        thread_ref=conversation_id,
        metadata=metadata,
    )


class TwilioVoiceCaller:
    """A :class:`~amicable.service.channels.ChannelSender` for ``call`` and ``voicemail``."""

    provider = "twilio"

    def __init__(
        self, settings: TwilioSettings, *, clock: Clock, client: Client | None = None
    ) -> None:
        if not (settings.voice_from and settings.voice_answer_url):
            raise InvalidInput("Twilio settings: voice_from and voice_answer_url are needed")
        self._settings = settings
        self._clock = clock
        self._client = client or make_twilio_client(settings)

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel not in {Channel.CALL, Channel.VOICEMAIL}:
            raise InvalidInput(f"the Twilio voice caller does not send {message.channel.value}")
        if message.metadata.get("artificial_voice_consent") != "yes":
            raise InvalidInput(
                "a call speaks with an artificial voice: metadata artificial_voice_consent must "
                f"be 'yes' (dedupe key {message.dedupe_key!r})"
            )
        s = self._settings
        assert s.voice_answer_url is not None  # checked in __init__
        conversation = message.thread_ref or message.dedupe_key
        kwargs: dict[str, object] = {
            "to": message.to,
            "from_": message.sender or s.voice_from,
            "url": with_query(
                s.voice_answer_url,
                conversation=conversation,
                ref=message.dedupe_key,
                purpose=message.channel.value,
            ),
            "method": "POST",
            "machine_detection": "DetectMessageEnd",
        }
        if s.voice_status_callback_url:
            kwargs["status_callback"] = with_query(
                s.voice_status_callback_url, ref=message.dedupe_key, purpose=message.channel.value
            )
            kwargs["status_callback_method"] = "POST"
            kwargs["status_callback_event"] = ["answered", "completed"]
        return create_on_twilio(
            self.provider,
            message,
            self._clock.now(),
            "Calls.create",
            lambda: self._client.calls.create(**kwargs),
        )
