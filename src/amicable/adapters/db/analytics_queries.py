"""Read-side SQL for the analytics reports (roll rates, recovery, PTP, plans, touches, queue).

Invariants: every statement filters on the organisation; invoice balances are sums of ledger
entries up to a date (never a stored balance), computed per invoice in a subquery and aggregated
by the database; money leaves as integer minor units with its currency. Row-returning methods
serve the reports that must look at items one by one (see :mod:`amicable.service.analytics_ports`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, case, distinct, func, select

from amicable.adapters.db.repositories import batches
from amicable.adapters.db.tables import invoices, ledger_entries, payments
from amicable.adapters.db.tables_conversations import conversation_promises, conversations
from amicable.adapters.db.tables_payments import payment_plans, promises
from amicable.adapters.db.tables_queue import queue_items
from amicable.adapters.db.tables_runtime import inbound_events, outbox_attempts
from amicable.domain.analytics import RollSource
from amicable.domain.money import Money
from amicable.service.analytics_ports import PromiseRow, QueueRow, TouchRow

__all__ = ["SENT_STATUSES", "SqlAnalyticsReader"]

e = ledger_entries
i = invoices
o = outbox_attempts

SENT_STATUSES = ("sent", "delivered")
"""Outbox statuses of an attempt that left for the provider (a touch)."""


class SqlAnalyticsReader:
    """Analytics queries on one organisation's data."""

    def __init__(self, conn: Connection, org_id: int) -> None:
        self._conn = conn
        self._org = org_id

    # -- ledger ---------------------------------------------------------------------------------

    def roll_sources(self, at: date, later: date) -> list[RollSource]:
        open_at = func.sum(case((e.c.effective_on <= at, e.c.amount_minor), else_=0))
        per_invoice = (
            select(i.c.due_date.label("due"), i.c.currency.label("currency"),
                   open_at.label("open_at"), func.sum(e.c.amount_minor).label("open_later"))
            .join(e, e.c.invoice_id == i.c.id)
            .where(i.c.org_id == self._org, e.c.org_id == self._org, e.c.effective_on <= later)
            .group_by(i.c.id, i.c.due_date, i.c.currency)
            .having(open_at > 0)
            .subquery()
        )  # fmt: skip
        p = per_invoice.c
        unpaid = case(
            (p.open_later <= 0, 0), (p.open_later < p.open_at, p.open_later), else_=p.open_at
        )
        stmt = select(p.due, p.currency, func.sum(p.open_at), func.sum(unpaid)).group_by(
            p.due, p.currency
        )
        return [
            RollSource(_date(d), str(c), int(base), int(left))
            for d, c, base, left in self._conn.execute(stmt)
        ]

    def _overdue_invoices(self, start: date) -> Any:
        return (
            select(i.c.id.label("id"), i.c.currency.label("currency"),
                   func.sum(e.c.amount_minor).label("open"))
            .join(e, e.c.invoice_id == i.c.id)
            .where(i.c.org_id == self._org, e.c.org_id == self._org, e.c.effective_on <= start,
                   i.c.due_date < start)
            .group_by(i.c.id, i.c.currency)
            .having(func.sum(e.c.amount_minor) > 0)
            .subquery()
        )  # fmt: skip

    def overdue_at(self, start: date) -> dict[str, int]:
        sub = self._overdue_invoices(start)
        stmt = select(sub.c.currency, func.sum(sub.c.open)).group_by(sub.c.currency)
        return {str(c): int(m) for c, m in self._conn.execute(stmt)}

    def collected_after(self, start: date, end: date) -> list[tuple[date, str, int]]:
        sub = self._overdue_invoices(start)
        stmt = (
            select(e.c.effective_on, e.c.currency, func.sum(e.c.amount_minor))
            .where(e.c.org_id == self._org, e.c.invoice_id.in_(select(sub.c.id)),
                   e.c.kind != "invoice", e.c.effective_on > start, e.c.effective_on <= end)
            .group_by(e.c.effective_on, e.c.currency)
        )  # fmt: skip
        return [(_date(d), str(c), -int(m)) for d, c, m in self._conn.execute(stmt)]

    def payments_received(
        self, customer_ids: list[int], start: date, end: date
    ) -> list[tuple[int, date, str, int]]:
        if not customer_ids:
            return []
        p = payments
        out: list[tuple[int, date, str, int]] = []
        for batch in batches(customer_ids):  # PostgreSQL: at most 65,535 parameters
            stmt = select(p.c.customer_id, p.c.received_on, p.c.currency, p.c.amount_minor).where(
                p.c.org_id == self._org, p.c.customer_id.in_(batch),
                p.c.received_on >= start, p.c.received_on <= end,
            )  # fmt: skip
            out.extend(
                (int(c), _date(d), str(cur), int(m)) for c, d, cur, m in self._conn.execute(stmt)
            )
        return out

    # -- promises and plans -----------------------------------------------------------------------

    def conversation_counts(self, start: datetime, end: datetime) -> tuple[int, int]:
        c = conversations
        window = (c.c.org_id == self._org, c.c.started_at >= start, c.c.started_at < end)
        total = self._conn.execute(select(func.count()).where(*window)).scalar_one()
        with_promise = self._conn.execute(
            select(func.count(distinct(conversation_promises.c.conversation_id)))
            .join(c, c.c.id == conversation_promises.c.conversation_id)
            .where(*window, conversation_promises.c.org_id == self._org)
        ).scalar_one()  # fmt: skip
        return int(total), int(with_promise)

    def promises_made(self, start: date, end: date) -> list[PromiseRow]:
        out: list[PromiseRow] = []
        pr = promises
        for r in self._conn.execute(
            select(pr.c.customer_id, pr.c.currency, pr.c.parts, pr.c.made_on, pr.c.grace_days)
            .where(pr.c.org_id == self._org, pr.c.made_on >= start, pr.c.made_on <= end,
                   # a promise made in a conversation is counted once, as the conversation's
                   pr.c.agreement_id.is_(None))
            .order_by(pr.c.id)
        ):  # fmt: skip
            parts = tuple((date.fromisoformat(d), int(m)) for d, m in json.loads(str(r.parts)))
            out.append(PromiseRow("servicing", int(r.customer_id), str(r.currency), parts,
                                  _date(r.made_on), int(r.grace_days)))  # fmt: skip
        cp = conversation_promises
        lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
        hi = datetime.fromordinal(end.toordinal() + 1).replace(tzinfo=UTC)
        for c in self._conn.execute(
            select(cp.c.customer_id, cp.c.currency, cp.c.payments_json, cp.c.at)
            .where(cp.c.org_id == self._org, cp.c.at >= lo, cp.c.at < hi)
            .order_by(cp.c.id)
        ):  # fmt: skip
            code = str(c.currency)
            parts = tuple(
                (date.fromisoformat(p["due_date"]), Money.of(p["amount"], code).minor)
                for p in json.loads(str(c.payments_json))
            )
            out.append(PromiseRow("conversation", int(c.customer_id), code, parts,
                                  _utc(c.at).date(), 0))  # fmt: skip
        return out

    def plans_agreed(self, start: date, end: date) -> dict[str, int]:
        pp = payment_plans
        stmt = (
            select(pp.c.status, func.count())
            .where(pp.c.org_id == self._org, pp.c.agreed_on >= start, pp.c.agreed_on <= end)
            .group_by(pp.c.status)
        )
        return {str(s): int(n) for s, n in self._conn.execute(stmt)}

    # -- contact ----------------------------------------------------------------------------------

    def _sent(self, start: datetime, end: datetime) -> tuple[Any, ...]:
        return (o.c.org_id == self._org, o.c.status.in_(SENT_STATUSES),
                o.c.sent_at >= start, o.c.sent_at < end)  # fmt: skip

    def touch_counts(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        stmt = (
            select(o.c.channel, func.count(), func.count(distinct(o.c.customer_id)))
            .where(*self._sent(start, end))
            .group_by(o.c.channel)
            .order_by(o.c.channel)
        )
        return [(str(ch), int(n), int(a)) for ch, n, a in self._conn.execute(stmt)]

    def accounts_touched(self, start: datetime, end: datetime) -> int:
        stmt = select(func.count(distinct(o.c.customer_id))).where(*self._sent(start, end))
        return int(self._conn.execute(stmt).scalar_one())

    def touches(self, start: datetime, end: datetime) -> list[TouchRow]:
        stmt = select(o.c.customer_id, o.c.channel, o.c.sent_at).where(*self._sent(start, end))
        return [TouchRow(int(c), str(ch), _utc(at)) for c, ch, at in self._conn.execute(stmt)]

    def replies(self, start: datetime, end: datetime) -> list[tuple[int, str, datetime]]:
        t = inbound_events
        stmt = select(t.c.customer_id, t.c.channel, t.c.received_at).where(
            t.c.org_id == self._org, t.c.received_at >= start, t.c.received_at < end
        )
        return [(int(c), str(ch), _utc(at)) for c, ch, at in self._conn.execute(stmt)]

    def queue_rows(self, start: datetime, end: datetime) -> list[QueueRow]:
        q = queue_items
        stmt = (
            select(q.c.kind, q.c.source, q.c.reason, q.c.status, q.c.created_at, q.c.decided_at)
            .where(q.c.org_id == self._org, q.c.created_at >= start, q.c.created_at < end)
            .order_by(q.c.id)
        )
        return [
            QueueRow(str(k), str(s), str(r), str(st), _utc(c), None if d is None else _utc(d))
            for k, s, r, st, c, d in self._conn.execute(stmt)
        ]


def _date(value: Any) -> date:
    # SQLite returns dates from grouped subqueries as ISO strings: parse them back.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
