"""Channel events from providers: inbound messages routed to the right account, delivery receipts
applied to the outbox, and the use cases behind the voice loop (what to say when a call is
answered, one speech turn of the negotiation).

* :func:`route_inbound` — an inbound message (SMS, WhatsApp, email) to
  :func:`amicable.service.runtime.receive_inbound` on the account it belongs to. The account is
  found by, in order: the same event seen before; the thread it answers (an attempt whose provider
  id is the event's ``thread_ref``, e.g. the email Message-ID); the sender's address among the
  customers' contacts (several customers sharing it: the one last contacted at that address).
  Idempotent by ``(provider, event_id)`` (receive_inbound's log).
* :func:`apply_receipt` — a delivery receipt or call status to its outbox attempt (found by the
  dedupe key the callback URL carries, else by the provider id). Statuses only move forward
  (:data:`MESSAGE_STATUS_RANK`, :data:`CALL_STATUS_RANK`): a late or repeated receipt changes
  nothing, ``delivered`` never goes back to ``sent``. A message that failed marks the attempt
  ``failed``; a placed call stays ``sent`` whatever its outcome (a call that rang out still counts
  for the call-frequency caps) and becomes ``delivered`` when someone — or a machine that took the
  limited-content voicemail — answered; the call outcome is recorded (``call_outcome``).
* :func:`call_answered` — what to do when a placed call is answered: converse (the attempt's
  opening words) with a person whose artificial-voice consent is still active, leave the
  limited-content voicemail on a machine (voicemail attempts only), else hang up.
* :func:`call_turn` — one ``SpeechResult`` as a turn of the same negotiation engine
  (``receive_inbound(channel="call")``), idempotent by ``CallSid:turn:N``.
* :func:`receive_channel_event` — either of the two by the event's kind: the handler for
  ``ImapPoller.poll`` and the inbound-email webhook (replies and bounces alike).
* :func:`verify_signed_body` — the ``Amicable-Signature`` HMAC scheme (the one outbound webhooks
  use, :func:`amicable.service.writeback.sign`) for the inbound-email webhook.

Invariants: the clock is never read (instants come from the events or a ``now`` parameter);
nothing here logs personal data (addresses, texts).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from amicable.domain.clock import ensure_utc
from amicable.domain.errors import InvalidInput
from amicable.service.channel_events_ports import ChannelEventsUnitOfWork
from amicable.service.channels import CallOutcome, Channel, InboundEvent, InboundKind
from amicable.service.contact_context import contact_context
from amicable.service.conversations import PaymentLinks
from amicable.service.runtime import receive_inbound
from amicable.service.runtime_ports import Attempt
from amicable.service.writeback import sign

__all__ = [
    "CALL_STATUS_RANK",
    "MESSAGE_STATUS_RANK",
    "SIGNATURE_TOLERANCE",
    "CallAnswer",
    "CallTurn",
    "InboundRouting",
    "ReceiptResult",
    "apply_receipt",
    "call_answered",
    "call_turn",
    "receive_channel_event",
    "route_inbound",
    "verify_signed_body",
]

log = logging.getLogger(__name__)

#: Twilio message statuses in the order they can happen; a receipt is applied only when it ranks
#: above the status already stored (final statuses share a rank: the first one wins; ``read``
#: (WhatsApp) comes after ``delivered``). ``delayed`` / ``bounced`` are email delivery reports.
MESSAGE_STATUS_RANK: Final = {
    "accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delayed": 3,
    "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "bounced": 4, "read": 5,
}  # fmt: skip
#: Twilio call statuses in order (final ones share a rank).
CALL_STATUS_RANK: Final = {
    "queued": 0, "initiated": 1, "ringing": 2, "answered": 3, "in-progress": 3, "completed": 4,
    "busy": 4, "no-answer": 4, "failed": 4, "canceled": 4,
}  # fmt: skip
_MESSAGE_FAILED: Final = frozenset({"undelivered", "failed", "canceled", "bounced"})
_MESSAGE_DELIVERED: Final = frozenset({"delivered", "read"})
_TELEPHONE: Final = frozenset({"call", "voicemail"})
#: A signed inbound-email delivery older (or newer) than this is refused (replay protection).
SIGNATURE_TOLERANCE: Final = timedelta(minutes=5)
_MACHINE_END: Final = frozenset({"machine_end_beep", "machine_end_silence", "machine_end_other"})


# -- routing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundRouting:
    """What :func:`route_inbound` did.

    Attributes:
        event_id: the provider's event id.
        routed: False when no account could be found for the sender (nothing recorded).
        reason: why it was not routed (``unknown_sender``, ``ambiguous_sender``, ``empty``).
        result: ``receive_inbound``'s JSON when routed (``duplicate``, ``kind``, ``reply`` …).
    """

    event_id: str
    routed: bool
    reason: str | None
    result: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "routed": self.routed,
            "reason": self.reason,
            "result": self.result,
        }


def _external_id(uow: ChannelEventsUnitOfWork, customer_id: int) -> str:
    return uow.reports.customer_refs([customer_id])[customer_id].external_id


def _attempt_by(
    uow: ChannelEventsUnitOfWork, *, key: str | None, provider_id: str | None
) -> Attempt | None:
    attempt_id = uow.channel_events.attempt_id_by_key(key) if key else None
    if attempt_id is None and provider_id:
        attempt_id = uow.channel_events.attempt_id_by_provider_id(provider_id)
    return None if attempt_id is None else uow.runtime.attempt(attempt_id)


def _account_for(uow: ChannelEventsUnitOfWork, event: InboundEvent) -> tuple[str | None, str]:
    known = uow.runtime.inbound_event(event.provider, event.event_id)
    if known is not None:
        return _external_id(uow, known.customer_id), ""
    if event.thread_ref:
        answered = _attempt_by(uow, key=None, provider_id=event.thread_ref)
        if answered is not None:
            return answered.account, ""
    kind = "email" if event.channel is Channel.EMAIL else "phone"
    ids = uow.channel_events.customers_with_contact(kind, event.sender)
    if not ids:
        return None, "unknown_sender"
    if len(ids) == 1:
        return _external_id(uow, ids[0]), ""
    # Several customers share the address: the one we last contacted there, if any.
    sender = event.sender.strip().lower()
    latest: tuple[datetime, int] | None = None
    for cid in ids:
        for a in uow.runtime.attempts(customer_id=cid):
            if a.new.recipient.strip().lower() == sender and a.status in ("sent", "delivered"):
                at = a.sent_at or a.new.planned_at
                if latest is None or at > latest[0]:
                    latest = (at, cid)
    if latest is None:
        return None, "ambiguous_sender"
    return _external_id(uow, latest[1]), ""


def route_inbound(
    uow: ChannelEventsUnitOfWork, event: InboundEvent, *, links: PaymentLinks | None = None
) -> InboundRouting:
    """Hand an inbound message or keyword to ``receive_inbound`` on its account (see the module
    docstring); an unknown or ambiguous sender is not routed (and nothing is recorded)."""
    if event.kind not in (InboundKind.MESSAGE, InboundKind.OPT_OUT, InboundKind.OPT_IN,
                          InboundKind.HELP):  # fmt: skip
        raise InvalidInput(f"event {event.event_id!r} is a {event.kind.value}, not a message")
    if not event.text.strip():
        return InboundRouting(event.event_id, False, "empty", None)
    if event.metadata.get("auto_reply") == "true":
        # An out-of-office or other automatic answer is not the debtor speaking.
        return InboundRouting(event.event_id, False, "auto_reply", None)
    with uow:
        account, reason = _account_for(uow, event)
    if account is None:
        log.info("inbound %s event %s not routed: %s", event.provider, event.event_id, reason)
        return InboundRouting(event.event_id, False, reason, None)
    # A keyword counts as such when the provider acted on it (Twilio's Advanced Opt-Out); else
    # receive_inbound reads the text itself ("yes" may confirm an offer, not opt in).
    acted_on = event.metadata.get("OptOutType") and event.kind is not InboundKind.MESSAGE
    result = receive_inbound(
        uow, account, event.channel.value, event.text, now=event.received_at,
        event_id=event.event_id, provider=event.provider, links=links,
        keyword=event.kind.value if acted_on else None,
    )  # fmt: skip
    return InboundRouting(event.event_id, True, None, result.to_json())


# -- receipts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    """What :func:`apply_receipt` did.

    Attributes:
        event_id: the receipt's event id (``SID:status``).
        attempt_id: the attempt it was about (None: no attempt matches — nothing changed).
        applied: whether the receipt changed the attempt (False for a repeat or a late one).
        status / delivery_status / call_outcome: the attempt afterwards.
    """

    event_id: str
    attempt_id: int | None
    applied: bool
    status: str | None
    delivery_status: str | None
    call_outcome: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "attempt_id": self.attempt_id,
            "applied": self.applied,
            "status": self.status,
            "delivery_status": self.delivery_status,
            "call_outcome": self.call_outcome,
        }


def _failure_reason(event: InboundEvent) -> str:
    code = event.metadata.get("ErrorCode")
    text = event.metadata.get("ErrorMessage")
    parts = [p for p in (code and f"error {code}", text) if p]
    return f"{event.status}: {' '.join(parts)}" if parts else str(event.status)


def apply_receipt(
    uow: ChannelEventsUnitOfWork, event: InboundEvent, *, ref: str | None
) -> ReceiptResult:
    """Apply a delivery receipt or call status to its attempt (see the module docstring).

    ``ref`` is the dedupe key the callback URL carries; without it (or when it matches nothing)
    the attempt is found by the provider id (``event.thread_ref``, the message / call SID).
    """
    if event.kind not in (InboundKind.DELIVERY_STATUS, InboundKind.CALL_RESULT):
        raise InvalidInput(f"event {event.event_id!r} is a {event.kind.value}, not a receipt")
    status = (event.status or "").lower()
    with uow:
        attempt = _attempt_by(uow, key=ref, provider_id=event.thread_ref)
        if attempt is None:
            log.info("receipt %s matches no outbox attempt", event.event_id)
            return ReceiptResult(event.event_id, None, False, None, None, None)
        current = uow.channel_events.delivery(attempt.id)
        assert current is not None  # the attempt was just read in this transaction
        telephone = attempt.channel in _TELEPHONE
        ranks = CALL_STATUS_RANK if telephone else MESSAGE_STATUS_RANK
        if status not in ranks:
            raise InvalidInput(
                f"receipt {event.event_id!r}: unknown {'call' if telephone else 'message'} "
                f"status {status!r} (known: {', '.join(ranks)})"
            )
        unchanged = ReceiptResult(event.event_id, attempt.id, False, current.status,
                                  current.delivery_status, current.call_outcome)  # fmt: skip
        if attempt.status in ("blocked", "needs_approval"):
            log.warning("receipt %s for attempt %s that was never sent", event.event_id, attempt.id)
            return unchanged
        if (
            current.delivery_status is not None
            and ranks.get(current.delivery_status, -1) >= (ranks[status])
        ):
            return unchanged  # a repeat, or a receipt overtaken by a later one
        at = ensure_utc(event.received_at)
        new_status = "sent" if attempt.status == "planned" else attempt.status
        delivered_at = current.delivered_at
        failed_reason = current.failed_reason
        outcome = current.call_outcome
        if telephone:
            if event.outcome is not None:
                outcome = event.outcome.value
                if event.outcome in (CallOutcome.CONVERSATION, CallOutcome.VOICEMAIL):
                    new_status = "delivered"
                    delivered_at = delivered_at or at
        elif status in _MESSAGE_DELIVERED:
            new_status = "delivered"
            delivered_at = delivered_at or at
        elif status in _MESSAGE_FAILED:
            new_status = "failed"
            failed_reason = _failure_reason(event)
        elif new_status == "failed":
            new_status = "sent"  # a hand-off we thought failed did reach the provider
        recovered = attempt.status == "planned"  # crashed between the provider's answer and ours
        uow.channel_events.record_delivery(
            attempt.id, status=new_status, delivery_status=status, delivered_at=delivered_at,
            failed_reason=failed_reason, call_outcome=outcome,
            provider=event.provider if recovered else None,
            provider_message_id=event.thread_ref if recovered else None,
            sent_at=at if recovered else None,
        )  # fmt: skip
        uow.commit()
    return ReceiptResult(event.event_id, attempt.id, True, new_status, status, outcome)


def receive_channel_event(
    uow: ChannelEventsUnitOfWork,
    event: InboundEvent,
    *,
    ref: str | None = None,
    links: PaymentLinks | None = None,
) -> dict[str, Any]:
    """Any inbound event by its kind: a receipt or call result to :func:`apply_receipt`, a message
    or keyword to :func:`route_inbound`; returns that result's JSON. Usable as the handler of
    ``ImapPoller.poll`` (``lambda e: receive_channel_event(make_uow(), e)``)."""
    if event.kind in (InboundKind.DELIVERY_STATUS, InboundKind.CALL_RESULT):
        return apply_receipt(uow, event, ref=ref).to_json()
    return route_inbound(uow, event, links=links).to_json()


# -- voice ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallAnswer:
    """What to do on an answered call.

    Attributes:
        action: ``converse`` (say ``text`` and listen), ``voicemail`` (leave the limited-content
            message) or ``hangup``.
        text: the opening words for ``converse``.
        lang: the attempt's language (``en`` …).
        reason: why the call is hung up (``unknown_call``, ``no_consent``, ``machine`` …).
    """

    action: str
    text: str | None = None
    lang: str = "en"
    reason: str | None = None


def _voice_consent(uow: ChannelEventsUnitOfWork, attempt: Attempt, now: datetime) -> bool:
    """Whether an artificial voice may still speak to this debtor at ``now``: an active prior
    express consent for the telephone, no telephone opt-out, no cease."""
    customer = uow.ledger.customers([attempt.account])[attempt.account].customer
    ctx = contact_context(customer, (), (), (), as_of=now.date())
    debtor = ctx.debtor
    if debtor.cease or debtor.opt_outs & _TELEPHONE:
        return False
    return any(c.channel in _TELEPHONE and c.active_at(now) for c in debtor.consents)


def call_answered(
    uow: ChannelEventsUnitOfWork, ref: str, *, answered_by: str | None, now: datetime
) -> CallAnswer:
    """Decide what an answered call gets (attempt ``ref``; ``answered_by`` from Twilio's AMD).

    A machine whose greeting ended gets the limited-content voicemail only on a ``voicemail``
    attempt; any other machine, a fax or an unknown call is hung up on. A person gets the
    attempt's opening words only while the artificial-voice consent is active (re-checked now:
    it may have been revoked since the call was planned).
    """
    now = ensure_utc(now)
    with uow:
        attempt = _attempt_by(uow, key=ref, provider_id=None)
        if attempt is None or attempt.channel not in _TELEPHONE:
            return CallAnswer("hangup", reason="unknown_call")
        if attempt.status in ("blocked", "needs_approval") or not attempt.new.allowed:
            return CallAnswer("hangup", reason="not_allowed")
        kind = (answered_by or "unknown").lower()
        if kind not in ("human", "unknown"):
            if kind in _MACHINE_END and attempt.channel == "voicemail":
                return CallAnswer("voicemail", lang=attempt.new.lang)
            return CallAnswer("hangup", reason="machine")
        if not _voice_consent(uow, attempt, now):
            log.info("call %s answered without active artificial-voice consent", attempt.id)
            return CallAnswer("hangup", reason="no_consent")
        return CallAnswer("converse", text=attempt.new.text, lang=attempt.new.lang)


@dataclass(frozen=True, slots=True)
class CallTurn:
    """One turn of the voice loop: what to say next, whether the call ends after it, and the
    language of the call (the attempt's)."""

    reply: str | None
    ended: bool
    result: dict[str, Any] | None
    lang: str = "en"


def call_turn(
    uow: ChannelEventsUnitOfWork,
    ref: str,
    event: InboundEvent,
    *,
    links: PaymentLinks | None = None,
) -> CallTurn:
    """The caller's words (``event``, a speech turn) as a turn of the account's ``call``
    conversation; an empty result (nothing said) is not a turn (``reply`` None)."""
    with uow:
        attempt = _attempt_by(uow, key=ref, provider_id=None)
        if attempt is None or attempt.channel not in _TELEPHONE:
            return CallTurn(None, True, None)
        account, lang = attempt.account, attempt.new.lang
    if not event.text.strip():
        return CallTurn(None, False, None, lang)
    result = receive_inbound(
        uow, account, "call", event.text, now=event.received_at, event_id=event.event_id,
        provider=event.provider, links=links,
    ).to_json()  # fmt: skip
    reply = result.get("reply")
    return CallTurn(reply if isinstance(reply, str) and reply.strip() else None,
                    bool(result.get("ended")), result, lang)  # fmt: skip


# -- signatures -------------------------------------------------------------------------------


def verify_signed_body(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: datetime,
    tolerance: timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """Whether ``header`` (``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``) signs
    ``body`` with ``secret`` within ``tolerance`` of ``now``. Constant-time comparison."""
    if not secret or not header:
        return False
    fields: dict[str, str] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, value)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(ensure_utc(now).timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, body, timestamp)
    return hmac.compare_digest(
        expected.encode(), f"t={timestamp},v1={fields.get('v1', '')}".encode()
    )
