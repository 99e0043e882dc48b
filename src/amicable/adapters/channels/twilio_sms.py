"""SMS and WhatsApp through Twilio: sending, inbound webhooks, status callbacks, keywords.

Sending (:class:`TwilioMessagingSender`) is one ``Messages.create`` REST call with a
``StatusCallback``. The callback URL carries ``ref=<dedupe key>`` so a receipt can be matched to
the outbox row even if the process died between Twilio's answer and recording the SID.

Inbound (:func:`parse_twilio_message_webhook`) turns the form fields Twilio posts into an
:class:`~amicable.service.channels.InboundEvent`:

* a message (``Body`` present) → ``message``, or ``opt_out`` / ``opt_in`` / ``help`` when the whole
  body is one of Twilio's standard keywords (or Twilio's Advanced Opt-Out says so in
  ``OptOutType``); event id = ``MessageSid``;
* a status callback (``MessageStatus`` without ``Body``) → ``delivery_status``; event id =
  ``MessageSid:status`` (each status of one message is its own event).

Webhooks must be verified with :func:`~.twilio_common.validate_twilio_request` before parsing;
the HTTP layer answers 403 when it returns False.

Invariants: WhatsApp addresses are returned without the ``whatsapp:`` prefix (the channel says
it); keyword matching ignores case, surrounding blanks and trailing punctuation, and only the
*whole* body counts ("stop calling me at work" is a message, not an opt-out).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from twilio.rest import Client

from amicable.adapters.channels.twilio_common import (
    TwilioSettings,
    create_on_twilio,
    make_twilio_client,
)
from amicable.domain.clock import Clock
from amicable.domain.errors import InvalidInput
from amicable.service.channels import (
    Channel,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    SendResult,
)

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "TwilioMessagingSender",
    "keyword_kind",
    "parse_twilio_message_webhook",
    "with_query",
]

# Twilio's default keyword sets (Messaging "Advanced Opt-Out" defaults).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

_WHATSAPP = "whatsapp:"
_TRAILING = ".!? \t\r\n"  # "Stop!" and "stop. " are still STOP


def keyword_kind(body: str) -> InboundKind | None:
    """The keyword event a whole message body stands for, or None for an ordinary message."""
    word = body.strip().rstrip(_TRAILING).upper()
    if word in OPT_OUT_KEYWORDS:
        return InboundKind.OPT_OUT
    if word in OPT_IN_KEYWORDS:
        return InboundKind.OPT_IN
    if word in HELP_KEYWORDS:
        return InboundKind.HELP
    return None


_OPT_OUT_TYPE = {"STOP": InboundKind.OPT_OUT, "START": InboundKind.OPT_IN, "HELP": InboundKind.HELP}


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string (existing ones kept)."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _strip_whatsapp(address: str) -> tuple[str, bool]:
    if address.lower().startswith(_WHATSAPP):
        return address[len(_WHATSAPP) :], True
    return address, False


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise InvalidInput(f"Twilio webhook: form field {name!r} is missing")
    return value


def parse_twilio_message_webhook(
    params: Mapping[str, str], *, received_at: datetime
) -> InboundEvent:
    """Turn a Twilio messaging webhook (inbound message or status callback) into an event."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not sid:
        raise InvalidInput("Twilio webhook: form field 'MessageSid' is missing")
    sender, from_whatsapp = _strip_whatsapp(params.get("From", ""))
    recipient, to_whatsapp = _strip_whatsapp(params.get("To", ""))
    channel = Channel.WHATSAPP if (from_whatsapp or to_whatsapp) else Channel.SMS
    metadata = {
        name: params[name]
        for name in (
            "AccountSid",
            "MessagingServiceSid",
            "ErrorCode",
            "ErrorMessage",
            "NumMedia",
            "OptOutType",
        )
        if params.get(name)
    }
    if "Body" not in params:
        status = _required(params, "MessageStatus").lower()
        return InboundEvent(
            provider="twilio",
            event_id=f"{sid}:{status}",
            channel=channel,
            kind=InboundKind.DELIVERY_STATUS,
            sender=sender,
            recipient=recipient,
            text="",
            received_at=received_at,
            thread_ref=sid,
            status=status,
            metadata=metadata,
        )
    body = params["Body"]
    if not sender:
        raise InvalidInput("Twilio webhook: form field 'From' is missing")
    opt_out_type = params.get("OptOutType", "").upper()
    kind = _OPT_OUT_TYPE.get(opt_out_type) or keyword_kind(body) or InboundKind.MESSAGE
    return InboundEvent(
        provider="twilio",
        event_id=sid,
        channel=channel,
        kind=kind,
        sender=sender,
        recipient=recipient,
        text=body.strip(),
        received_at=received_at,
        status=params.get("SmsStatus") or params.get("MessageStatus") or "received",
        metadata=metadata,
    )


class TwilioMessagingSender:
    """A :class:`~amicable.service.channels.ChannelSender` for SMS and WhatsApp via Twilio REST."""

    provider = "twilio"

    def __init__(
        self, settings: TwilioSettings, *, clock: Clock, client: Client | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._client = client or make_twilio_client(settings)

    def _addresses(self, message: OutboundMessage) -> tuple[str, str | None]:
        s = self._settings
        if message.channel is Channel.SMS:
            sender = message.sender or s.sms_from
            if sender is None and s.messaging_service_sid is None:
                raise InvalidInput("Twilio settings: sms_from or messaging_service_sid is needed")
            return message.to, sender
        if message.channel is Channel.WHATSAPP:
            sender = message.sender or s.whatsapp_from
            if sender is None:
                raise InvalidInput("Twilio settings: whatsapp_from is needed for WhatsApp")
            to, _ = _strip_whatsapp(message.to)
            plain_sender, _ = _strip_whatsapp(sender)
            return _WHATSAPP + to, _WHATSAPP + plain_sender
        raise InvalidInput(f"the Twilio messaging sender does not send {message.channel.value}")

    def send(self, message: OutboundMessage) -> SendResult:
        to, sender = self._addresses(message)
        s = self._settings
        callback = (
            with_query(s.status_callback_url, ref=message.dedupe_key)
            if s.status_callback_url
            else None
        )
        kwargs: dict[str, object] = {"to": to, "body": message.text}
        if sender is not None:
            kwargs["from_"] = sender
        elif s.messaging_service_sid is not None:
            kwargs["messaging_service_sid"] = s.messaging_service_sid
        if callback is not None:
            kwargs["status_callback"] = callback
        return create_on_twilio(
            self.provider,
            message,
            self._clock.now(),
            "Messages.create",
            lambda: self._client.messages.create(**kwargs),
        )
