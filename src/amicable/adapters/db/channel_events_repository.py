"""SQL repository of channel events (port in :mod:`amicable.service.channel_events_ports`):
receipts on ``outbox_attempts`` (the ``runtime_0002`` columns) and address routing over
``contacts``.

Invariants: every query is scoped to the unit of work's organisation; instants are read back
aware UTC; phone numbers are compared on their digits (a stored ``+1 (555) 010-0000`` matches
Twilio's ``+15550100000``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from amicable.adapters.db.tables import contacts
from amicable.adapters.db.tables_runtime import outbox_attempts
from amicable.service.channel_events_ports import Delivery

__all__ = ["SqlChannelEventsRepository"]

_NON_DIGITS = re.compile(r"\D")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


class SqlChannelEventsRepository:
    """Receipts on the outbox and address routing of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def attempt_id_by_key(self, dedupe_key: str) -> int | None:
        t = outbox_attempts
        found = self._conn.execute(
            select(t.c.id).where(t.c.org_id == self._org, t.c.dedupe_key == dedupe_key)
        ).scalar()
        return None if found is None else int(found)

    def attempt_id_by_provider_id(self, provider_message_id: str) -> int | None:
        t = outbox_attempts
        found = self._conn.execute(
            select(t.c.id)
            .where(t.c.org_id == self._org, t.c.provider_message_id == provider_message_id)
            .order_by(t.c.id.desc())
            .limit(1)
        ).scalar()
        return None if found is None else int(found)

    def delivery(self, attempt_id: int) -> Delivery | None:
        t = outbox_attempts
        r = self._conn.execute(
            select(t.c.id, t.c.status, t.c.delivery_status, t.c.delivered_at, t.c.failed_reason,
                   t.c.call_outcome)
            .where(t.c.org_id == self._org, t.c.id == attempt_id)
        ).first()  # fmt: skip
        if r is None:
            return None
        return Delivery(int(r.id), str(r.status), r.delivery_status, _utc(r.delivered_at),
                        r.failed_reason, r.call_outcome)  # fmt: skip

    def record_delivery(
        self,
        attempt_id: int,
        *,
        status: str,
        delivery_status: str,
        delivered_at: datetime | None,
        failed_reason: str | None,
        call_outcome: str | None,
        provider: str | None = None,
        provider_message_id: str | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        t = outbox_attempts
        values: dict[str, Any] = {
            "status": status, "delivery_status": delivery_status, "delivered_at": delivered_at,
            "failed_reason": failed_reason, "call_outcome": call_outcome,
            "updated_at": self._now,
        }  # fmt: skip
        if provider is not None:
            values["provider"] = provider
        if provider_message_id is not None:
            values["provider_message_id"] = provider_message_id
        if sent_at is not None:
            values["sent_at"] = sent_at
        self._conn.execute(
            update(t).where(t.c.org_id == self._org, t.c.id == attempt_id).values(**values)
        )

    def customers_with_contact(self, kind: str, value: str) -> list[int]:
        c = contacts
        base = select(c.c.customer_id, c.c.value).where(c.c.org_id == self._org, c.c.kind == kind)
        if kind == "email":
            rows = self._conn.execute(
                base.where(func.lower(c.c.value) == value.strip().lower())
            ).all()
            return sorted({int(r.customer_id) for r in rows})
        digits = _NON_DIGITS.sub("", value)
        if not digits:
            return []
        exact = self._conn.execute(base.where(c.c.value == value.strip())).all()
        if exact:
            return sorted({int(r.customer_id) for r in exact})
        # Stored numbers may be formatted: compare digits (candidates share the last 7 digits).
        tail = digits[-7:]
        rows = self._conn.execute(base.where(c.c.value.like(f"%{tail[-1]}"))).all()
        return sorted(
            {int(r.customer_id) for r in rows if _NON_DIGITS.sub("", str(r.value)) == digits}
        )
