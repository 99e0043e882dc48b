"""SQL repository of the negotiation area (tables in :mod:`tables_conversations`).

Invariants: every query is scoped to the unit of work's organisation; a conversation's state is
saved with its version bumped, and a save against a stale version is refused (optimistic lock).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, union_all, update

from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.tables_conversations import (
    conversation_agreements,
    conversation_escalations,
    conversation_messages,
    conversation_offers,
    conversation_promises,
    conversations,
)
from amicable.domain.errors import Conflict
from amicable.service.conversations_ports import NewMessage, StoredConversation, StoredMessage

__all__ = ["SqlConversationRepository"]


# The statements of every conversation turn, built once (building them cost more than running
# them on SQLite).
_LATEST_OPEN = (
    select(conversations.c.id, conversations.c.version, conversations.c.state_json)
    .where(conversations.c.org_id == bindparam("org"))
    .where(conversations.c.customer_id == bindparam("customer"))
    .where(conversations.c.channel == bindparam("channel"))
    .order_by(conversations.c.id.desc())
    .limit(1)
)
_SAVE = (
    update(conversations)
    .where(conversations.c.org_id == bindparam("org"))
    .where(conversations.c.id == bindparam("conversation"))
    .where(conversations.c.version == bindparam("old_version"))
)
_STATE_OF = select(
    conversations.c.customer_id,
    conversations.c.channel,
    conversations.c.version,
    conversations.c.state_json,
).where(conversations.c.org_id == bindparam("org"), conversations.c.id == bindparam("conversation"))
_START = insert(conversations)
_ADD_OFFER = insert(conversation_offers)
_ADD_AGREEMENT = insert(conversation_agreements)
_ADD_PROMISE = insert(conversation_promises)
_ADD_ESCALATION = insert(conversation_escalations).returning(conversation_escalations.c.id)


_MESSAGE_VALUES = ("org_id", "conversation_id", "direction", "text", "intents_json", "state",
                   "content_ok", "content_json", "source", "at")  # fmt: skip


def _add_messages(n: int) -> Any:
    """``n`` messages appended after the conversation's last one in one statement: the ``k``-th
    (from 0) gets ``seq`` = the highest stored + ``k`` + 1 (1 for the first ever), computed by
    the insert itself and returned. Its parameters are the columns suffixed ``_k`` (a turn's
    inbound message and its reply were two round trips, and the read of the last ``seq`` before
    that a third). Every branch reads the table as it was before the statement (PostgreSQL's
    snapshot; SQLite evaluates an ``INSERT ... SELECT`` from its own table before inserting)."""
    m = conversation_messages
    conversation = bindparam("conversation_id", type_=m.c.conversation_id.type)
    branches = [
        select(
            *(bindparam(f"{name}_{k}", type_=m.c[name].type) for name in _MESSAGE_VALUES),
            func.coalesce(func.max(m.c.seq), 0) + (k + 1),
        ).where(m.c.conversation_id == conversation)
        for k in range(n)
    ]
    source = branches[0] if n == 1 else union_all(*branches)
    return insert(m).from_select([*_MESSAGE_VALUES, "seq"], source).returning(m.c.seq)


_ADD_MESSAGES = {n: _add_messages(n) for n in (1, 2)}
# What every turn runs, on the driver's cursor (see ``driver``).
_TURN_LATEST_OPEN = DriverStatement(_LATEST_OPEN)
_TURN_SAVE = DriverStatement(_SAVE, column_keys=("state", "state_json", "version", "updated_at"))
_TURN_ADD_MESSAGES = {n: DriverStatement(stmt) for n, stmt in _ADD_MESSAGES.items()}
_TURN_ADD_OFFER = DriverStatement(
    _ADD_OFFER,
    column_keys=("org_id", "conversation_id", "seq", "offer_json", "gate_outcome",
                 "policy_version", "at"),
)  # fmt: skip


class SqlConversationRepository:
    """Conversations of one organisation and everything said and agreed in them."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def latest_open(self, customer_id: int, channel: str) -> tuple[int, int, str] | None:
        """``(id, version, state_json)`` of the customer's newest conversation on ``channel``."""
        row = _TURN_LATEST_OPEN.first(
            self._conn, {"org": self._org, "customer": customer_id, "channel": channel}
        )
        return None if row is None else (int(row.id), int(row.version), str(row.state_json))

    def state_of(self, conversation_id: int) -> tuple[int, str, int, str] | None:
        row = self._conn.execute(
            _STATE_OF, {"org": self._org, "conversation": conversation_id}
        ).first()
        if row is None:
            return None
        return int(row.customer_id), str(row.channel), int(row.version), str(row.state_json)

    def start(self, customer_id: int, channel: str, lang: str, state: dict[str, Any]) -> int:
        result = self._conn.execute(_START, {
            "org_id": self._org, "customer_id": customer_id, "channel": channel, "lang": lang,
            "state": state["state"], "state_json": json.dumps(state), "version": 1,
            "started_at": self._now, "updated_at": self._now,
        })  # fmt: skip
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def save(self, conversation_id: int, version: int, state: dict[str, Any]) -> int:
        touched = _TURN_SAVE.rowcount(
            self._conn,
            {
                "org": self._org,
                "conversation": conversation_id,
                "old_version": version,
                "state": state["state"],
                "state_json": json.dumps(state),
                "version": version + 1,
                "updated_at": self._now,
            },
        )
        if touched != 1:
            raise Conflict(
                f"conversation {conversation_id} changed concurrently (version {version} is "
                "stale); reload it and handle the message again"
            )
        return version + 1

    def add_messages(self, conversation_id: int, messages: Sequence[NewMessage]) -> list[int]:
        if not messages:
            return []
        if len(messages) > max(_TURN_ADD_MESSAGES):
            head = max(_TURN_ADD_MESSAGES)
            first = self.add_messages(conversation_id, messages[:head])
            return first + self.add_messages(conversation_id, messages[head:])
        params: dict[str, Any] = {"conversation_id": conversation_id}
        for k, msg in enumerate(messages):
            params.update({
                f"org_id_{k}": self._org, f"conversation_id_{k}": conversation_id,
                f"direction_{k}": msg.direction, f"text_{k}": msg.text,
                f"intents_json_{k}": json.dumps(list(msg.intents)), f"state_{k}": msg.state,
                f"content_ok_{k}": not msg.content,
                f"content_json_{k}": json.dumps(list(msg.content)), f"source_{k}": msg.source,
                f"at_{k}": self._now,
            })  # fmt: skip
        rows = _TURN_ADD_MESSAGES[len(messages)].all(self._conn, params)
        seqs = sorted(int(r[0]) for r in rows)
        if len(seqs) != len(messages):  # pragma: no cover - an INSERT ... SELECT of n rows
            raise RuntimeError(f"expected {len(messages)} messages stored, got {len(seqs)}")
        return seqs

    def add_offer(
        self, conversation_id: int, seq: int, offer: dict[str, Any], gate: str, policy: str
    ) -> None:
        _TURN_ADD_OFFER.rowcount(self._conn, {
            "org_id": self._org, "conversation_id": conversation_id, "seq": seq,
            "offer_json": json.dumps(offer), "gate_outcome": gate, "policy_version": policy,
            "at": self._now,
        })  # fmt: skip

    def add_agreement(
        self,
        conversation_id: int,
        customer_id: int,
        *,
        offer: dict[str, Any],
        gate: dict[str, Any],
        policy_version: str,
        total_minor: int,
        currency: str,
    ) -> int:
        result = self._conn.execute(_ADD_AGREEMENT, {
            "org_id": self._org, "conversation_id": conversation_id, "customer_id": customer_id,
            "offer_json": json.dumps(offer), "gate_json": json.dumps(gate),
            "policy_version": policy_version, "total_minor": total_minor, "currency": currency,
            "at": self._now,
        })  # fmt: skip
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_promise(self, conversation_id: int, customer_id: int, agreement_id: int,
                    **values: Any) -> None:  # fmt: skip
        self._conn.execute(_ADD_PROMISE, {
            "org_id": self._org, "conversation_id": conversation_id, "customer_id": customer_id,
            "agreement_id": agreement_id, "at": self._now, **values,
        })  # fmt: skip

    def add_escalation(
        self, conversation_id: int, customer_id: int, reason: str, summary: str
    ) -> int:
        return int(self._conn.execute(_ADD_ESCALATION, {
            "org_id": self._org, "conversation_id": conversation_id, "customer_id": customer_id,
            "reason": reason, "summary": summary, "status": "open", "at": self._now,
        }).scalar_one())  # fmt: skip

    def latest(self, customer_id: int, channel: str | None) -> StoredConversation | None:
        query = select(conversations).where(
            conversations.c.org_id == self._org, conversations.c.customer_id == customer_id
        )
        if channel is not None:
            query = query.where(conversations.c.channel == channel)
        row = self._conn.execute(query.order_by(conversations.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        messages = self._conn.execute(
            select(conversation_messages)
            .where(conversation_messages.c.org_id == self._org)
            .where(conversation_messages.c.conversation_id == row.id)
            .order_by(conversation_messages.c.seq)
        )
        return StoredConversation(
            id=int(row.id), channel=row.channel, lang=row.lang, state=row.state,
            started_at=_aware(row.started_at), updated_at=_aware(row.updated_at),
            messages=tuple(
                StoredMessage(
                    seq=int(m.seq), direction=m.direction, text=m.text,
                    intents=tuple(json.loads(m.intents_json)), state=m.state,
                    content_ok=bool(m.content_ok), source=m.source, at=_aware(m.at),
                )
                for m in messages
            ),
        )  # fmt: skip

    def counts(self, conversation_id: int) -> dict[str, int]:
        """Rows per table for one conversation (for reports and tests)."""
        out: dict[str, int] = {}
        for table in (
            conversation_messages,
            conversation_offers,
            conversation_agreements,
            conversation_promises,
            conversation_escalations,
        ):
            out[table.name] = len(
                self._conn.execute(
                    select(table.c.id).where(table.c.conversation_id == conversation_id)
                ).all()
            )
        return out


def _aware(value: datetime) -> datetime:
    # Stored in UTC; SQLite hands instants back without their zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
