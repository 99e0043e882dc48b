"""The channel port: what the service layer hands to a provider, and what comes back.

This module holds the provider-neutral vocabulary of contact channels:

* :class:`OutboundMessage` — one contact attempt, ready for a provider (email, SMS, WhatsApp, call,
  voicemail, chat). Its ``dedupe_key`` is the idempotency key of the attempt: the outbox writes it
  before the hand-off, and adapters derive provider-side identifiers from it (the email Message-ID,
  the Twilio status-callback reference) so a retry after a crash can be recognised.
* :class:`SendResult` — what the provider said when it took the message (its id, when, status).
* :class:`InboundEvent` — anything a provider tells us afterwards: a reply, a delivery receipt, a
  call result, a STOP / START / HELP keyword. ``event_id`` is the provider's own id for the event
  and is the idempotency key of inbound processing.
* :class:`ChannelSender` — the port every adapter implements; :class:`ChannelRouter` dispatches a
  message to the sender configured for its channel and refuses (fails closed) when there is none.

Invariants: every value here is immutable; instants are aware UTC; identifiers and addresses are
non-empty. The module is framework-free: no HTTP client, no provider SDK.

Exceptions: an adapter raises :class:`amicable.domain.errors.ChannelUnavailable` when the provider
could not be reached or answered with a transient error (retry later); a provider that *refuses*
the message (bad number, mailbox unknown) is an expected outcome and comes back as a
:class:`SendResult` with status :attr:`SendStatus.REJECTED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput

__all__ = [
    "CallOutcome",
    "Channel",
    "ChannelRouter",
    "ChannelSender",
    "InboundEvent",
    "InboundKind",
    "OutboundMessage",
    "SendResult",
    "SendStatus",
]


class Channel(StrEnum):
    """A contact channel. The values are the names used on the wire and in the database."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    CALL = "call"
    VOICEMAIL = "voicemail"
    CHAT = "chat"


class SendStatus(StrEnum):
    """What happened when a message was handed to a provider."""

    ACCEPTED = "accepted"  # the provider took it (queued for delivery); receipts may follow
    RECORDED = "recorded"  # recorded instead of sent (the embedded outbox)
    REJECTED = "rejected"  # the provider refused it for good (bad address, unknown number)


class InboundKind(StrEnum):
    """What an inbound event is about."""

    MESSAGE = "message"  # a reply or a new message from the debtor (or a speech turn on a call)
    DELIVERY_STATUS = "delivery_status"  # a receipt for something we sent (delivered, bounced …)
    CALL_RESULT = "call_result"  # the final outcome of a call we placed
    OPT_OUT = "opt_out"  # STOP-type keyword: revoke consent on this channel
    OPT_IN = "opt_in"  # START-type keyword: consent given again on this channel
    HELP = "help"  # HELP-type keyword: the debtor asks who we are and how to stop


class CallOutcome(StrEnum):
    """The outcome of a placed call, as the call-frequency and cool-down rules need it."""

    CONVERSATION = "conversation"  # a person answered
    NO_ANSWER = "no_answer"  # rang out, or a machine answered and no message was left
    VOICEMAIL = "voicemail"  # a machine answered and the limited-content message was left
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"  # the number does not exist / cannot take calls
    FAILED = "failed"  # the call could not be placed (provider error, canceled)


def _non_empty(value: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string, got {value!r}")


def _frozen_mapping(value: Mapping[str, str], what: str) -> Mapping[str, str]:
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidInput(f"{what} keys and values must be strings, got {key!r}: {item!r}")
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One contact attempt, ready to hand to a provider.

    Attributes:
        channel: the channel to use.
        to: the recipient address — an email address, an E.164 phone number (``+15551234567``)
            for SMS / WhatsApp / call / voicemail, or a conversation id for chat.
        sender: our address on that channel (the ``From``); an empty string lets the adapter use
            its configured default.
        text: the plain-text body (for a call: what the agent says first).
        dedupe_key: the idempotency key of this attempt (non-empty, stable across retries).
        subject: email subject; required for email, ignored elsewhere.
        html: optional HTML alternative of ``text`` (email only).
        thread_ref: the thread this continues: the Message-ID being answered (email) or the
            conversation id (call / chat / SMS).
        account_ref: the account this is about (for unsubscribe links and routing).
        metadata: extra string pairs for the adapter (for example ``unsubscribe_url``).
    """

    channel: Channel
    to: str
    text: str
    dedupe_key: str
    sender: str = ""
    subject: str | None = None
    html: str | None = None
    thread_ref: str | None = None
    account_ref: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.channel, Channel):
            try:
                object.__setattr__(self, "channel", Channel(self.channel))
            except ValueError:
                raise InvalidInput(f"unknown channel {self.channel!r}") from None
        _non_empty(self.to, "OutboundMessage.to")
        _non_empty(self.dedupe_key, "OutboundMessage.dedupe_key")
        _non_empty(self.text, "OutboundMessage.text")
        if self.channel is Channel.EMAIL and not (self.subject and self.subject.strip()):
            raise InvalidInput(f"an email needs a subject (dedupe key {self.dedupe_key!r})")
        for name in ("to", "sender", "subject", "thread_ref", "dedupe_key"):
            value = getattr(self, name)
            # A line break in an address or header value would let it inject more headers.
            if value is not None and ("\r" in value or "\n" in value):
                raise InvalidInput(f"OutboundMessage.{name} must be one line, got {value!r}")
        object.__setattr__(self, "metadata", _frozen_mapping(self.metadata, "metadata"))


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said when it was handed a message.

    Attributes:
        provider: the adapter's provider name (``smtp``, ``twilio``, ``outbox`` …).
        provider_message_id: the provider's id (email Message-ID, Twilio SID, outbox id); empty
            only when the provider refused the message before giving it an id.
        accepted_at: when the hand-off happened (aware UTC).
        status: accepted / recorded / rejected.
        channel: the channel used.
        dedupe_key: the message's idempotency key, echoed.
        provider_status: the provider's own status word (``queued``, ``250``, …) when it has one.
        error_code / error_message: why a rejected message was refused.
    """

    provider: str
    provider_message_id: str
    accepted_at: datetime
    status: SendStatus
    channel: Channel
    dedupe_key: str
    provider_status: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted_at", ensure_utc(self.accepted_at))
        if self.status is not SendStatus.REJECTED:
            _non_empty(self.provider_message_id, "SendResult.provider_message_id")


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """Something a provider told us: a message, a receipt, a call result or a keyword.

    Attributes:
        provider: the adapter's provider name (``imap``, ``email_webhook``, ``twilio`` …).
        event_id: the provider's id for this event — the idempotency key of inbound handling
            (the email Message-ID; the Twilio MessageSid, plus the status for receipts).
        channel: the channel it came on.
        kind: message / delivery_status / call_result / opt_out / opt_in / help.
        sender: who it is from (email address or E.164 number, without ``whatsapp:``).
        recipient: our address it was sent to.
        text: the new text (quoted earlier messages stripped); empty for receipts.
        received_at: when we received it (aware UTC).
        thread_ref: the thread it belongs to (In-Reply-To Message-ID, conversation id, or for
            receipts the provider id of the message the receipt is about).
        status: the provider's status word for receipts and calls (``delivered``, ``busy`` …).
        outcome: for call results, the normalised outcome.
        subject: the email subject, when there is one.
        metadata: further provider facts as strings (call duration, AnsweredBy, error code …).
    """

    provider: str
    event_id: str
    channel: Channel
    kind: InboundKind
    sender: str
    recipient: str
    text: str
    received_at: datetime
    thread_ref: str | None = None
    status: str | None = None
    outcome: CallOutcome | None = None
    subject: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _non_empty(self.provider, "InboundEvent.provider")
        _non_empty(self.event_id, "InboundEvent.event_id")
        object.__setattr__(self, "received_at", ensure_utc(self.received_at))
        if self.kind is InboundKind.CALL_RESULT and self.outcome is None:
            raise InvalidInput(f"call result {self.event_id!r} has no outcome")
        object.__setattr__(self, "metadata", _frozen_mapping(self.metadata, "metadata"))


class ChannelSender(Protocol):
    """The port: hand one message to a provider.

    ``send`` returns a :class:`SendResult` (accepted, recorded or rejected) or raises
    :class:`amicable.domain.errors.ChannelUnavailable` when the provider could not be reached or
    failed transiently; the caller retries with the same ``dedupe_key``.
    """

    def send(self, message: OutboundMessage) -> SendResult:
        """Hand ``message`` to the provider."""
        ...


class ChannelRouter:
    """A :class:`ChannelSender` that dispatches on :attr:`OutboundMessage.channel`.

    A channel without a configured sender is refused with :class:`InvalidInput` — never silently
    dropped, never sent some other way.
    """

    def __init__(self, senders: Mapping[Channel, ChannelSender]) -> None:
        self._senders = dict(senders)

    @property
    def channels(self) -> frozenset[Channel]:
        """The channels this router can send on."""
        return frozenset(self._senders)

    def send(self, message: OutboundMessage) -> SendResult:
        sender = self._senders.get(message.channel)
        if sender is None:
            raise InvalidInput(
                f"no sender is configured for channel {message.channel.value!r} "
                f"(dedupe key {message.dedupe_key!r})"
            )
        return sender.send(message)
