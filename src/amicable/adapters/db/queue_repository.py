"""SQL repository of the human queue (``queue_items``), plus the few writes a decision makes on
its source rows (escalation status, an attempt released or declined).

Invariants: every statement filters on the unit of work's organisation; :meth:`open` looks up
the source before inserting, so a hook that runs twice opens one item; :meth:`update` is a
compare-and-set on ``version``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.tables import customers
from amicable.adapters.db.tables_conversations import (
    conversation_escalations,
    conversation_messages,
)
from amicable.adapters.db.tables_payments import escalations
from amicable.adapters.db.tables_queue import queue_items
from amicable.adapters.db.tables_runtime import outbox_attempts
from amicable.service.queue_ports import ConversationLine, NewQueueItem, QueueItem

__all__ = ["SqlQueueRepository"]

_PAYMENTS_SOURCES = ("plan", "promise", "planner")


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _utc_required(value: datetime) -> datetime:
    out = _utc(value)
    assert out is not None
    return out


# Every contact that needs a person and every decision a person takes runs these: built once, on
# the driver's cursor (see adapters.db.driver).
_FIND_ITEM = DriverStatement(
    select(queue_items.c.id).where(
        queue_items.c.org_id == bindparam("org"),
        queue_items.c.source == bindparam("source"),
        queue_items.c.source_id == bindparam("source_id"),
    )
)
_ADD_ITEM = DriverStatement(
    insert(queue_items).returning(queue_items.c.id),
    column_keys=(
        "org_id", "customer_id", "kind", "source", "source_id", "source_ref", "reason", "summary",
        "suggested_action", "suggested_why", "status", "version", "sla_due_at", "created_at",
        "updated_at",
    ),
)  # fmt: skip
#: Queue items with their account's reference.
_ITEMS = select(queue_items, customers.c.external_id).join(
    customers, customers.c.id == queue_items.c.customer_id
)
_GET_ITEM = DriverStatement(
    _ITEMS.where(queue_items.c.org_id == bindparam("org"), queue_items.c.id == bindparam("item"))
)


class SqlQueueRepository:
    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def open(self, item: NewQueueItem) -> tuple[int, bool]:
        found = _FIND_ITEM.first(self._conn, {
            "org": self._org, "source": item.source, "source_id": item.source_id,
        })  # fmt: skip
        if found is not None:
            return int(found.id), False
        new_id = _ADD_ITEM.scalar_one(self._conn, {
            "org_id": self._org, "customer_id": item.customer_id, "kind": item.kind,
            "source": item.source, "source_id": item.source_id,
            "source_ref": item.source_ref[:300], "reason": item.reason[:100],
            "summary": item.summary, "suggested_action": item.suggested_action[:100],
            "suggested_why": item.suggested_why, "status": "open", "version": 1,
            "sla_due_at": item.sla_due_at, "created_at": self._now, "updated_at": self._now,
        })  # fmt: skip
        return int(new_id), True

    @staticmethod
    def _item(r: Row[Any]) -> QueueItem:
        new = NewQueueItem(
            customer_id=int(r.customer_id), kind=str(r.kind), source=str(r.source),
            source_id=int(r.source_id), source_ref=str(r.source_ref), reason=str(r.reason),
            summary=str(r.summary), suggested_action=str(r.suggested_action),
            suggested_why=str(r.suggested_why), sla_due_at=_utc_required(r.sla_due_at),
        )  # fmt: skip
        return QueueItem(
            id=int(r.id), account=str(r.external_id), new=new, status=str(r.status),
            assignee=r.assignee, decided_by=r.decided_by,
            decision=None if r.decision_json is None else json.loads(r.decision_json),
            version=int(r.version), reminded_at=_utc(r.reminded_at),
            decided_at=_utc(r.decided_at), created_at=_utc_required(r.created_at),
            updated_at=_utc_required(r.updated_at),
        )  # fmt: skip

    def _select(self) -> Any:
        return _ITEMS.where(queue_items.c.org_id == self._org)

    def get(self, item_id: int) -> QueueItem | None:
        r = _GET_ITEM.first(self._conn, {"org": self._org, "item": item_id})
        return None if r is None else self._item(r)

    def items(
        self, *, statuses: tuple[str, ...] | None = None, assignee: str | None = None
    ) -> list[QueueItem]:
        stmt = self._select()
        if statuses is not None:
            stmt = stmt.where(queue_items.c.status.in_(statuses))
        if assignee is not None:
            stmt = stmt.where(queue_items.c.assignee == assignee)
        rows = self._conn.execute(stmt.order_by(queue_items.c.sla_due_at, queue_items.c.id))
        return [self._item(r) for r in rows]

    def update(self, item_id: int, version: int, **values: Any) -> bool:
        t = queue_items
        if "decision" in values:
            values["decision_json"] = json.dumps(values.pop("decision"), sort_keys=True)
        done = self._conn.execute(
            update(t)
            .where(t.c.org_id == self._org, t.c.id == item_id, t.c.version == version)
            .values(version=version + 1, updated_at=self._now, **values)
        )
        return done.rowcount == 1

    def set_source_status(self, source: str, source_id: int, status: str) -> None:
        if source == "conversation":
            t = conversation_escalations
        elif source in _PAYMENTS_SOURCES:
            t = escalations
        else:
            return
        self._conn.execute(
            update(t).where(t.c.org_id == self._org, t.c.id == source_id).values(status=status)
        )

    def release_attempt(self, attempt_id: int) -> bool:
        t = outbox_attempts
        done = self._conn.execute(
            update(t)
            .where(t.c.org_id == self._org, t.c.id == attempt_id, t.c.status == "needs_approval")
            .values(status="planned", planned_at=self._now, updated_at=self._now)
        )
        return done.rowcount == 1

    def decline_attempt(self, attempt_id: int) -> bool:
        t = outbox_attempts
        done = self._conn.execute(
            update(t)
            .where(t.c.org_id == self._org, t.c.id == attempt_id, t.c.status == "needs_approval")
            .values(status="declined", updated_at=self._now)
        )
        return done.rowcount == 1

    def conversation_of_escalation(self, escalation_id: int) -> int | None:
        t = conversation_escalations
        found = self._conn.execute(
            select(t.c.conversation_id).where(t.c.org_id == self._org, t.c.id == escalation_id)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def messages(self, conversation_id: int) -> list[ConversationLine]:
        t = conversation_messages
        rows = self._conn.execute(
            select(t.c.seq, t.c.direction, t.c.text, t.c.state, t.c.at)
            .where(t.c.org_id == self._org, t.c.conversation_id == conversation_id)
            .order_by(t.c.seq)
        )
        return [
            ConversationLine(
                int(r.seq), str(r.direction), r.text, str(r.state), _utc_required(r.at)
            )
            for r in rows
        ]
