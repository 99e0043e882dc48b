"""A debtor's message on an account that owes nothing: recorded, read for what must not be lost,
answered — never dropped.

A debtor may write after paying in full ("thanks, paid", "stop texting me", "I dispute the fee
you took", "my lawyer will call you"). There is no debt to negotiate, so no conversation turn is
taken (:class:`~amicable.service.conversations.NothingOwedError`), but the message is still a
message:

* it is kept where the caller recorded it (the inbound log, with this result);
* a stop said in words is honoured exactly as in a conversation
  (:func:`~amicable.service.conversations.record_stop`: a cease tags the customer, a channel
  opt-out withdraws that channel's consent), so a later invoice is never chased against it;
* a matter a person must see — a legal matter, a dispute, a wrong party, hardship, a request for
  a person — opens one human-queue item (source ``inbound``, the inbound record), a dispute also
  ``dispute.opened``;
* the reply says, in the account's language, that nothing is owed on the day and what happens
  next. It names no amount and no debt, so it discloses nothing to a wrong party. A debtor who
  asked for contact to cease (in this message or before) gets no reply, as in a ceased
  conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from amicable.negotiation.nlu import Understanding
from amicable.negotiation.nlu.types import Parse
from amicable.negotiation.states import EscalationReason
from amicable.service import outcomes
from amicable.service.conversations import embedded_understanding, record_stop
from amicable.service.conversations_ports import ConversationsUnitOfWork
from amicable.service.ports import CustomerRef
from amicable.service.queue import open_item

__all__ = ["HANDED_OVER", "settled_message"]

#: Intents a person sees even when nothing is owed, most pressing first, with the queue reason.
HANDED_OVER: Final[tuple[tuple[str, EscalationReason], ...]] = (
    ("legal", EscalationReason.LEGAL),
    ("dispute_amount", EscalationReason.DISPUTE),
    ("dispute_delivery", EscalationReason.DISPUTE),
    ("wrong_party", EscalationReason.IDENTITY_DOUBT),
    ("hardship", EscalationReason.HARDSHIP),
    ("request_human", EscalationReason.HUMAN_REQUESTED),
)

_REPLIES: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "nothing": "Thank you for your message. Our records show nothing owed on your account "
        "as of {day}.",
        "person": " A member of our team will look at your message.",
        "opt_out": " You will receive no more messages on this channel.",
    },
    "fr": {
        "nothing": "Merci pour votre message. Selon nos registres, votre compte ne présente "
        "aucun montant dû au {day}.",
        "person": " Un membre de notre équipe examinera votre message.",
        "opt_out": " Vous ne recevrez plus de messages sur ce canal.",
    },
    "es": {
        "nothing": "Gracias por su mensaje. Según nuestros registros, su cuenta no tiene ningún "
        "importe pendiente a {day}.",
        "person": " Un miembro de nuestro equipo revisará su mensaje.",
        "opt_out": " No recibirá más mensajes por este canal.",
    },
}


def settled_message(
    uow: ConversationsUnitOfWork,
    ref: CustomerRef,
    channel: str,
    text: str,
    *,
    today: date,
    inbound_id: int,
    inbound_ref: str,
    nlu: Understanding | None = None,
) -> dict[str, Any]:
    """Act on ``text``, received on ``channel`` for account ``ref`` that owes nothing on
    ``today`` (see the module docstring); the caller records the result and commits.

    ``inbound_id`` and ``inbound_ref`` name the caller's inbound record (the queue item's
    source). Returns the inbound result in the turn's shape (``reply``, ``state`` —
    ``settled`` —, ``intents``, ``offer`` and ``agreement`` None, ``escalation``
    ``{"reason", "summary", "item"}`` or None, ``ended`` true) plus ``stopped`` (``cease``,
    ``opt_out`` or None)."""
    account = ref.external_id
    stored = uow.ledger.customers([account])[account]
    lang = stored.customer.language if stored.customer.language in _REPLIES else None
    parse = (nlu or embedded_understanding()).parse(text, lang=lang, today=today)
    words = _REPLIES[parse.lang if parse.lang in _REPLIES else "en"]
    reply = words["nothing"].format(day=today.isoformat())

    ceased_before = "cease" in stored.customer.tags
    stopped = _stop(uow, account, channel, parse, inbound_ref)
    if stopped == "opt_out":
        reply += words["opt_out"]
    escalation = None
    for intent, reason in HANDED_OVER:
        if parse.has(intent):
            summary = f"message after the account was settled ({intent}): {_excerpt(text)}"
            item = open_item(
                uow, customer_id=ref.id, source="inbound", source_id=inbound_id,
                source_ref=inbound_ref, reason=reason.value, summary=summary,
            )  # fmt: skip
            if reason is EscalationReason.DISPUTE:
                outcomes.dispute_opened(uow, account=account, source="inbound", reason=summary)
            escalation = {"reason": reason.value, "summary": summary, "item": item}
            reply += words["person"]
            break
    return {
        "reply": None if ceased_before or stopped == "cease" else reply,
        "state": "settled",
        "intents": list(parse.names),
        "offer": None,
        "agreement": None,
        "escalation": escalation,
        "ended": True,
        "stopped": stopped,
    }


def _stop(
    uow: ConversationsUnitOfWork, account: str, channel: str, parse: Parse, source: str
) -> str | None:
    if parse.has("cease_contact"):
        record_stop(uow, account, cease=True, channel=channel, conversation_id=None,
                    source=f"asked in {source}")  # fmt: skip
        return "cease"
    if parse.has("opt_out_channel"):
        named = parse.entities.channel or channel
        if record_stop(uow, account, cease=False, channel=named, conversation_id=None,
                       source=f"asked in {source}"):  # fmt: skip
            return "opt_out"
    return None


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
