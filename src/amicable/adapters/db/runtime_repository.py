"""SQL repository of the runtime area (tables in :mod:`tables_runtime`): the outbox of contact
attempts and the inbound-event log.

Invariants: every query is scoped to the unit of work's organisation; an attempt whose dedupe key
is already stored is not written again (checked first, and the UNIQUE constraint backs it up);
an inbound event is claimed once per ``(provider, event_id)``; instants are read back aware UTC.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.engine import Row

from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.tables import customers
from amicable.adapters.db.tables_conversations import (
    conversation_escalations,
    conversation_promises,
)
from amicable.adapters.db.tables_payments import escalations, payment_plans, promises
from amicable.adapters.db.tables_runtime import inbound_events, outbox_attempts
from amicable.service.runtime_ports import Attempt, InboundRecord, NewAttempt

#: Ids per ``IN (…)`` list (SQLite's bound-parameter limit is far above; PostgreSQL has none).
_IN_BATCH = 5000

__all__ = ["SqlRuntimeRepository"]

_T = TypeVar("_T")


# The statements of every attempt written and handed off, built once (building them on each call
# cost more than running them on SQLite; a simulated day writes thousands) and run on the
# driver's cursor (see adapters.db.driver), with the columns each sets.
_KNOWN_KEY = DriverStatement(
    select(outbox_attempts.c.id).where(
        outbox_attempts.c.org_id == bindparam("org"),
        outbox_attempts.c.dedupe_key == bindparam("key"),
    )
)
_ADD_ATTEMPT = DriverStatement(
    insert(outbox_attempts).returning(outbox_attempts.c.id),
    column_keys=(
        "org_id", "customer_id", "channel", "action", "dedupe_key", "planned_at", "allowed",
        "violations_json", "earliest_allowed_at", "packs", "recipient", "subject", "text", "lang",
        "debt_ids", "reasons_json", "status", "attempts", "currency", "balance_minor", "segment",
        "created_at", "updated_at",
    ),
)  # fmt: skip
_MARK_SENT = DriverStatement(
    update(outbox_attempts)
    .where(
        outbox_attempts.c.org_id == bindparam("org"), outbox_attempts.c.id == bindparam("attempt")
    )
    .values(status="sent", attempts=outbox_attempts.c.attempts + 1, error=None),
    column_keys=("provider", "provider_message_id", "sent_at", "updated_at"),
)
_MARK_FAILED = DriverStatement(
    update(outbox_attempts)
    .where(
        outbox_attempts.c.org_id == bindparam("org"), outbox_attempts.c.id == bindparam("attempt")
    )
    .values(status="failed", attempts=outbox_attempts.c.attempts + 1),
    column_keys=("error", "updated_at"),
)
_SET_OUTCOME = DriverStatement(
    update(outbox_attempts).where(
        outbox_attempts.c.org_id == bindparam("org"),
        outbox_attempts.c.id == bindparam("attempt"),
        outbox_attempts.c.outcome.is_(None),
    ),
    column_keys=("outcome", "updated_at"),
)

_INBOUND_EVENT = DriverStatement(
    select(inbound_events).where(
        inbound_events.c.org_id == bindparam("org"),
        inbound_events.c.provider == bindparam("provider"),
        inbound_events.c.event_id == bindparam("event"),
    )
)
_CLAIM_INBOUND = DriverStatement(
    insert(inbound_events).returning(inbound_events.c.id),
    column_keys=(
        "org_id", "provider", "event_id", "customer_id", "channel", "kind", "text", "received_at",
        "result_json", "created_at",
    ),
)  # fmt: skip
_INBOUND_RESULT = DriverStatement(
    update(inbound_events).where(
        inbound_events.c.org_id == bindparam("org"), inbound_events.c.id == bindparam("row")
    ),
    column_keys=("result_json",),
)


#: Decoded attempts and inbound events by the exact content of their row (every column read):
#: the loop reads the whole contact history of every due account on every pass, and decoding
#: it (three JSON documents an attempt) was about 10 % of a 90-day simulated run. A row read
#: again unchanged maps to the same immutable record; any change to a column is another key, so
#: nothing is ever stale. Bounded: emptied when full.
_DECODED_MAX = 100_000
_decoded: dict[tuple[Any, ...], Any] = {}


def _memo(r: Row[Any], decode: Callable[[Row[Any]], _T]) -> _T:
    key = tuple(r)
    found = _decoded.get(key)
    if found is None:
        if len(_decoded) >= _DECODED_MAX:
            _decoded.clear()
        found = _decoded[key] = decode(r)
    return found


def _utc(value: datetime | None) -> datetime | None:
    # SQLite keeps no zone; amicable only ever stores UTC.
    if value is None or value.tzinfo is not None:
        return None if value is None else value.astimezone(UTC)
    return value.replace(tzinfo=UTC)


def _utc_required(value: datetime) -> datetime:
    out = _utc(value)
    assert out is not None
    return out


class SqlRuntimeRepository:
    """The outbox and the inbound log of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    # -- outbox -----------------------------------------------------------------------------

    def add_attempt(self, attempt: NewAttempt) -> int | None:
        known = _KNOWN_KEY.first(self._conn, {"org": self._org, "key": attempt.dedupe_key})
        if known is not None:
            return None
        a = attempt
        row = _ADD_ATTEMPT.scalar_one(self._conn, {
            "org_id": self._org, "customer_id": a.customer_id, "channel": a.channel,
            "action": a.action, "dedupe_key": a.dedupe_key, "planned_at": a.planned_at,
            "allowed": a.allowed, "violations_json": json.dumps(list(a.violations)),
            "earliest_allowed_at": a.earliest_allowed_at, "packs": ",".join(a.packs),
            "recipient": a.recipient, "subject": a.subject, "text": a.text, "lang": a.lang,
            "debt_ids": json.dumps(list(a.debt_ids)), "reasons_json": json.dumps(list(a.reasons)),
            "status": a.status, "attempts": 0, "currency": a.currency,
            "balance_minor": a.balance_minor, "segment": a.segment, "created_at": self._now,
            "updated_at": self._now,
        })  # fmt: skip
        return int(row)

    def _select(self) -> Any:
        t = outbox_attempts
        return (
            select(t, customers.c.external_id)
            .join(customers, customers.c.id == t.c.customer_id)
            .where(t.c.org_id == self._org)
        )

    @staticmethod
    def _attempt(r: Row[Any]) -> Attempt:
        new = NewAttempt(
            customer_id=int(r.customer_id), channel=str(r.channel), action=str(r.action),
            dedupe_key=str(r.dedupe_key), planned_at=_utc_required(r.planned_at),
            allowed=bool(r.allowed), violations=tuple(json.loads(r.violations_json)),
            earliest_allowed_at=_utc(r.earliest_allowed_at),
            packs=tuple(p for p in str(r.packs).split(",") if p), recipient=str(r.recipient),
            subject=r.subject, text=str(r.text), lang=str(r.lang),
            debt_ids=tuple(json.loads(r.debt_ids)), reasons=tuple(json.loads(r.reasons_json)),
            status=str(r.status), currency=str(r.currency), balance_minor=int(r.balance_minor),
            segment=str(r.segment),
        )  # fmt: skip
        return Attempt(
            id=int(r.id), account=str(r.external_id), new=new, status=str(r.status),
            provider=r.provider, provider_message_id=r.provider_message_id,
            attempts=int(r.attempts), error=r.error, outcome=r.outcome,
            sent_at=_utc(r.sent_at), created_at=_utc_required(r.created_at),
            call_outcome=r.call_outcome,
        )  # fmt: skip

    def attempt(self, attempt_id: int) -> Attempt | None:
        r = self._conn.execute(self._select().where(outbox_attempts.c.id == attempt_id)).first()
        return None if r is None else self._attempt(r)

    def attempts(
        self,
        *,
        customer_id: int | None = None,
        status: str | None = None,
        customer_ids: Collection[int] | None = None,
        actions: Collection[str] | None = None,
        pending_outcome: bool = False,
    ) -> list[Attempt]:
        t = outbox_attempts
        stmt = self._select()
        if customer_id is not None:
            stmt = stmt.where(t.c.customer_id == customer_id)
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        if actions is not None:
            stmt = stmt.where(t.c.action.in_(sorted(actions)))
        if pending_outcome:
            stmt = stmt.where(
                t.c.status.in_(("sent", "delivered")), t.c.outcome.is_(None),
                t.c.sent_at.is_not(None),
            )  # fmt: skip
        if customer_ids is None:
            rows = list(self._conn.execute(stmt.order_by(t.c.planned_at, t.c.id)))
        else:
            ids = sorted(set(customer_ids))
            rows = []
            for i in range(0, len(ids), _IN_BATCH):
                rows.extend(
                    self._conn.execute(stmt.where(t.c.customer_id.in_(ids[i : i + _IN_BATCH])))
                )
            rows.sort(key=lambda r: (_utc_required(r.planned_at), int(r.id)))
        return [_memo(r, self._attempt) for r in rows]

    def last_sent(self, customer_ids: Collection[int]) -> dict[int, datetime]:
        t = outbox_attempts
        stmt = (
            select(t.c.customer_id, func.max(t.c.sent_at))
            .where(
                t.c.org_id == self._org, t.c.status.in_(("sent", "delivered")),
                t.c.sent_at.is_not(None),
            )
            .group_by(t.c.customer_id)
        )  # fmt: skip
        ids = sorted(set(customer_ids))
        out: dict[int, datetime] = {}
        for i in range(0, len(ids), _IN_BATCH):
            batch = ids[i : i + _IN_BATCH]
            for cid, at in self._conn.execute(stmt.where(t.c.customer_id.in_(batch))):
                out[int(cid)] = _utc_required(at)
        return out

    def outcome_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        t = outbox_attempts
        stmt = (
            select(t.c.segment, t.c.channel, t.c.outcome, func.count())
            .where(t.c.org_id == self._org, t.c.outcome.in_(("success", "failure")))
            .group_by(t.c.segment, t.c.channel, t.c.outcome)
        )
        counts: dict[tuple[str, str], list[int]] = {}
        for segment, channel, outcome, n in self._conn.execute(stmt):
            pair = counts.setdefault((str(segment), str(channel)), [0, 0])
            pair[0 if outcome == "success" else 1] += int(n)
        return {k: (s, f) for k, (s, f) in counts.items()}

    def mark_sent(
        self, attempt_id: int, *, provider: str, provider_message_id: str, sent_at: datetime
    ) -> None:
        _MARK_SENT.rowcount(self._conn, {
            "org": self._org, "attempt": attempt_id, "provider": provider,
            "provider_message_id": provider_message_id, "sent_at": sent_at, "updated_at": self._now,
        })  # fmt: skip

    def mark_failed(self, attempt_id: int, error: str) -> None:
        _MARK_FAILED.rowcount(
            self._conn,
            {"org": self._org, "attempt": attempt_id, "error": error, "updated_at": self._now},
        )

    def set_outcome(self, attempt_id: int, outcome: str) -> None:
        _SET_OUTCOME.rowcount(
            self._conn,
            {"org": self._org, "attempt": attempt_id, "outcome": outcome, "updated_at": self._now},
        )

    # -- inbound ----------------------------------------------------------------------------

    def claim_inbound(
        self,
        *,
        provider: str,
        event_id: str,
        customer_id: int,
        channel: str,
        kind: str,
        text: str,
        received_at: datetime,
    ) -> int | None:
        if self.inbound_event(provider, event_id) is not None:
            return None
        row = _CLAIM_INBOUND.scalar_one(self._conn, {
            "org_id": self._org, "provider": provider, "event_id": event_id,
            "customer_id": customer_id, "channel": channel, "kind": kind, "text": text,
            "received_at": received_at, "result_json": "{}", "created_at": self._now,
        })  # fmt: skip
        return int(row)

    def set_inbound_result(self, row_id: int, result: dict[str, Any]) -> None:
        _INBOUND_RESULT.rowcount(
            self._conn,
            {"org": self._org, "row": row_id, "result_json": json.dumps(result, sort_keys=True)},
        )

    @staticmethod
    def _inbound(r: Row[Any]) -> InboundRecord:
        return InboundRecord(
            id=int(r.id), provider=str(r.provider), event_id=str(r.event_id),
            customer_id=int(r.customer_id), channel=str(r.channel), kind=str(r.kind),
            text=str(r.text), received_at=_utc_required(r.received_at),
            result=json.loads(r.result_json),
        )  # fmt: skip

    def inbound(
        self, *, customer_id: int | None = None, customer_ids: Collection[int] | None = None
    ) -> list[InboundRecord]:
        t = inbound_events
        stmt = select(t).where(t.c.org_id == self._org)
        if customer_id is not None:
            stmt = stmt.where(t.c.customer_id == customer_id)
        if customer_ids is None:
            return [_memo(r, self._inbound) for r in self._conn.execute(stmt.order_by(t.c.id))]
        ids = sorted(set(customer_ids))
        rows: list[Row[Any]] = []
        for i in range(0, len(ids), _IN_BATCH):
            rows.extend(self._conn.execute(stmt.where(t.c.customer_id.in_(ids[i : i + _IN_BATCH]))))
        rows.sort(key=lambda r: int(r.id))
        return [_memo(r, self._inbound) for r in rows]

    def inbound_event(self, provider: str, event_id: str) -> InboundRecord | None:
        r = _INBOUND_EVENT.first(
            self._conn, {"org": self._org, "provider": provider, "event": event_id}
        )
        return None if r is None else self._inbound(r)

    # -- what suspends chasing --------------------------------------------------------------

    def with_people(self, customer_ids: Collection[int]) -> dict[int, str]:
        t = conversation_escalations
        stmt = select(t.c.customer_id, t.c.reason).where(
            t.c.org_id == self._org, t.c.status != "closed", t.c.reason != "arrangement_change"
        )
        ids = sorted(set(customer_ids))
        out: dict[int, str] = {}
        for i in range(0, len(ids), _IN_BATCH):
            for cid, reason in self._conn.execute(
                stmt.where(t.c.customer_id.in_(ids[i : i + _IN_BATCH])).order_by(t.c.id)
            ):
                out[int(cid)] = str(reason)  # the latest one's reason
        return out

    def suspended(self, today: date) -> dict[int, str]:
        out: dict[int, str] = {}
        org = self._org
        for (cid,) in self._conn.execute(
            select(conversation_escalations.c.customer_id).where(
                conversation_escalations.c.org_id == org,
                conversation_escalations.c.status != "closed",
            )
        ):
            out[int(cid)] = "open_escalation"
        for (cid,) in self._conn.execute(
            select(escalations.c.customer_id).where(
                escalations.c.org_id == org, escalations.c.status == "open"
            )
        ):
            out[int(cid)] = "open_escalation"
        for (cid,) in self._conn.execute(
            select(payment_plans.c.customer_id).where(
                payment_plans.c.org_id == org, payment_plans.c.status == "active"
            )
        ):
            out.setdefault(int(cid), "active_plan")
        for (cid,) in self._conn.execute(
            select(promises.c.customer_id).where(
                promises.c.org_id == org, promises.c.status == "open"
            )
        ):
            out.setdefault(int(cid), "open_promise")
        # A promise agreed in a conversation suspends chasing until its last promised date (the
        # servicing area takes it over from there).
        for cid, payments_json in self._conn.execute(
            select(conversation_promises.c.customer_id, conversation_promises.c.payments_json)
            .where(conversation_promises.c.org_id == org)
        ):  # fmt: skip
            dues = [date.fromisoformat(p["due_date"]) for p in json.loads(payments_json)]
            if dues and max(dues) >= today:
                out.setdefault(int(cid), "open_promise")
        return out
