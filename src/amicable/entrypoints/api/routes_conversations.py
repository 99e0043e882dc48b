"""Routes of conversations on the chat channel: start one, post the debtor's message and get the
agent's turn, read the latest conversation with its messages.

Thin: :func:`amicable.service.conversations.start_conversation` and
:func:`~amicable.service.conversations.handle_inbound` decide, persist and commit a turn; the
response is the turn exactly as one line of ``amicable chat --jsonl``:
``{"reply", "state", "intents", "offer", "agreement", "escalation", "ended"}``.

The read of the latest conversation is a small query of this module over the negotiation area's
tables (its repository has no read method yet): always filtered on the caller's organisation and
on a customer resolved inside it, so another organisation's conversation is never found.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from amicable.adapters.db.tables_conversations import conversation_messages, conversations
from amicable.adapters.db.uow import SqlUnitOfWork
from amicable.entrypoints.api.deps import Uow, guard
from amicable.entrypoints.api.routes_offers import AccountRef, AsOf
from amicable.entrypoints.api.schemas import ConversationStart, MessageCreate
from amicable.service.conversations import handle_inbound, start_conversation
from amicable.service.queries import resolve_account

__all__ = ["CHANNEL", "router"]

router = APIRouter()

CHANNEL = "chat"
"""The channel of this API: conversations over other channels go through their providers."""


@router.post(
    "/accounts/{ref}/conversations",
    status_code=status.HTTP_201_CREATED,
    tags=["conversations"],
    **guard("conversations.talk"),
)
def start(
    ref: AccountRef, uow: Uow, body: ConversationStart | None = None, as_of: AsOf = None
) -> dict[str, Any]:
    """Open a new chat conversation with the account: the agent's opening turn (a silent turn,
    ``reply`` null, when ``inbound``: the debtor speaks first). ``422`` if nothing is owed."""
    opts = body or ConversationStart()
    turn = start_conversation(
        uow, ref, opts.channel, today=as_of, lang=opts.lang, inbound=opts.inbound
    )
    return turn.to_json()


@router.post(
    "/accounts/{ref}/conversations/messages",
    tags=["conversations"],
    **guard("conversations.talk"),
)
def post_message(
    ref: AccountRef, body: MessageCreate, uow: Uow, as_of: AsOf = None
) -> dict[str, Any]:
    """The debtor's message on the account's newest open chat conversation (a new inbound one
    if there is none): the agent's turn."""
    return handle_inbound(uow, ref, CHANNEL, body.text, today=as_of).to_json()


def _iso(value: datetime) -> str:
    # Stored in UTC; SQLite hands instants back without their zone.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _latest(uow: SqlUnitOfWork, ref: str, channel: str | None) -> dict[str, Any]:
    customer = resolve_account(uow, ref)
    query = select(conversations).where(
        conversations.c.org_id == uow.org_id, conversations.c.customer_id == customer.id
    )
    if channel is not None:
        query = query.where(conversations.c.channel == channel)
    conn = uow.connection
    row = conn.execute(query.order_by(conversations.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return {"account": customer.external_id, "conversation": None}
    messages = conn.execute(
        select(conversation_messages)
        .where(
            conversation_messages.c.org_id == uow.org_id,
            conversation_messages.c.conversation_id == row["id"],
        )
        .order_by(conversation_messages.c.seq)
    ).mappings()
    return {
        "account": customer.external_id,
        "conversation": {
            "id": row["id"],
            "channel": row["channel"],
            "lang": row["lang"],
            "state": row["state"],
            "started_at": _iso(row["started_at"]),
            "updated_at": _iso(row["updated_at"]),
            "messages": [
                {
                    "seq": m["seq"],
                    "direction": m["direction"],
                    "text": m["text"],
                    "intents": json.loads(m["intents_json"]),
                    "state": m["state"],
                    "content_ok": m["content_ok"],
                    "source": m["source"],
                    "at": _iso(m["at"]),
                }
                for m in messages
            ],
        },
    }


@router.get("/accounts/{ref}/conversations", tags=["conversations"], **guard("conversations.read"))
def latest_conversation(
    ref: AccountRef,
    uow: Uow,
    channel: Annotated[Literal["chat", "sms", "email", "whatsapp"] | None, Query()] = None,
) -> dict[str, Any]:
    """The account's latest conversation (of ``channel`` if given) with its messages in order;
    ``"conversation": null`` when there is none."""
    with uow:
        return _latest(uow, ref, channel)
