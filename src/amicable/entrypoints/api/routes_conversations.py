"""Routes of conversations on the chat channel: start one, post the debtor's message and get the
agent's turn, read the latest conversation with its messages.

Thin: :func:`amicable.service.conversations.start_conversation` and
:func:`~amicable.service.conversations.handle_inbound` decide, persist and commit a turn; the
response is the turn exactly as one line of ``amicable chat --jsonl``:
``{"reply", "state", "intents", "offer", "agreement", "escalation", "ended"}``.

The read of the latest conversation is :func:`amicable.service.conversations.latest_conversation`
(the conversations repository, filtered on the caller's organisation and on a customer resolved
inside it, so another organisation's conversation is never found).

The routes are coroutines that hand their database work to the thread pool in one hop (a plain
``def`` route crossed twice: FastAPI also validates a sync route's return value in a worker
thread); the response is then validated and serialised on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.concurrency import run_in_threadpool

from amicable.entrypoints.api.deps import Uow, guard
from amicable.entrypoints.api.routes_offers import AccountRef, AsOf
from amicable.entrypoints.api.schemas import ConversationStart, MessageCreate
from amicable.service.conversations import (
    handle_inbound,
    start_conversation,
)
from amicable.service.conversations import latest_conversation as read_latest

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
async def start(
    ref: AccountRef, uow: Uow, body: ConversationStart | None = None, as_of: AsOf = None
) -> dict[str, Any]:
    """Open a new chat conversation with the account: the agent's opening turn (a silent turn,
    ``reply`` null, when ``inbound``: the debtor speaks first). ``422`` if nothing is owed."""
    opts = body or ConversationStart()

    def turn() -> dict[str, Any]:
        return start_conversation(
            uow, ref, opts.channel, today=as_of, lang=opts.lang, inbound=opts.inbound
        ).to_json()

    return await run_in_threadpool(turn)


@router.post(
    "/accounts/{ref}/conversations/messages",
    tags=["conversations"],
    **guard("conversations.talk"),
)
async def post_message(
    ref: AccountRef, body: MessageCreate, uow: Uow, as_of: AsOf = None
) -> dict[str, Any]:
    """The debtor's message on the account's newest open chat conversation (a new inbound one
    if there is none): the agent's turn."""

    def turn() -> dict[str, Any]:
        return handle_inbound(uow, ref, CHANNEL, body.text, today=as_of).to_json()

    return await run_in_threadpool(turn)


@router.get("/accounts/{ref}/conversations", tags=["conversations"], **guard("conversations.read"))
async def latest_conversation(
    ref: AccountRef,
    uow: Uow,
    channel: Annotated[Literal["chat", "sms", "email", "whatsapp"] | None, Query()] = None,
) -> dict[str, Any]:
    """The account's latest conversation (of ``channel`` if given) with its messages in order;
    ``"conversation": null`` when there is none."""
    return await run_in_threadpool(read_latest, uow, ref, channel)
