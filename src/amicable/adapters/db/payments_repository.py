"""SQL repository of the payments area (see :mod:`amicable.service.payments_ports`).

Plans are stored whole as JSON (``payment_plans.state``: every installment, payment and credit,
amounts as integer minor units) so that a loaded plan is exactly the immutable value that was
saved; ``plan_installments`` mirrors the schedule for queries: a save writes the rows that
changed (all of them when the caller does not give the plan as it was stored).

Invariants: every query filters on the organisation; :meth:`save_plan` updates only the row whose
stored version is the expected one (else :class:`Conflict`); idempotency keys (provider event id,
reversal key, statement entry id) are guarded by unique constraints (a provider event id is
claimed by an insert that does nothing on a conflict; the others are checked before insert).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from amicable.adapters.db import locks
from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.tables import allocations, ledger_entries, payments
from amicable.adapters.db.tables_payments import (
    creditor_references,
    escalations,
    payment_links,
    payment_plans,
    payment_reversals,
    plan_events,
    plan_installments,
    promises,
    provider_events,
    statement_entries,
    statement_imports,
    unmatched_candidates,
)
from amicable.domain.errors import Conflict, NotFound
from amicable.domain.money import Money, currency
from amicable.service.payments_ports import (
    LedgerPayment,
    PaymentLinkRow,
    StoredEscalation,
    StoredPlan,
    StoredPromise,
    UnmatchedEntry,
)
from amicable.servicing.matching import ScoredCandidate
from amicable.servicing.plans import (
    Installment,
    InstallmentStatus,
    Plan,
    PlanEvent,
    PlanPayment,
    PlanStatus,
    ServicingRules,
)
from amicable.servicing.promises import Promise, PromisedPayment
from amicable.servicing.statement import StatementEntry

__all__ = ["SqlPaymentsRepository", "plan_from_json", "plan_to_json"]


# -- plan codec ---------------------------------------------------------------------------------


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON text (amounts in minor units of the plan's currency)."""
    doc = {
        "id": plan.id,
        "currency": plan.currency.code,
        "status": plan.status.value,
        "as_of": plan.as_of.isoformat(),
        "version": plan.version,
        "renegotiations_used": plan.renegotiations_used,
        "credit": plan.credit_amount.minor,
        "reference": plan.reference,
        "installments": [
            [
                i.number,
                i.due_date.isoformat(),
                i.amount.minor,
                i.paid.minor,
                i.status.value,
                _d(i.paid_on),
            ]
            for i in plan.installments
        ],
        "payments": [
            [
                p.id,
                p.amount.minor,
                p.on.isoformat(),
                [[n, m.minor] for n, m in p.postings],
                p.credit.minor,
                p.reversed.minor,
            ]
            for p in plan.payments
        ],
    }
    return json.dumps(doc, separators=(",", ":"))


def plan_from_json(text: str) -> Plan:
    """The plan :func:`plan_to_json` wrote."""
    doc = json.loads(text)
    code = str(doc["currency"])

    def m(minor: int) -> Money:
        return Money.from_minor(int(minor), code)

    return Plan(
        id=str(doc["id"]),
        currency=currency(code),
        installments=tuple(
            Installment(int(n), date.fromisoformat(due), m(a), m(p), InstallmentStatus(s), _day(on))
            for n, due, a, p, s, on in doc["installments"]
        ),
        status=PlanStatus(doc["status"]),
        as_of=date.fromisoformat(doc["as_of"]),
        version=int(doc["version"]),
        renegotiations_used=int(doc["renegotiations_used"]),
        credit=m(doc["credit"]),
        payments=tuple(
            PlanPayment(
                str(pid),
                m(a),
                date.fromisoformat(on),
                tuple((int(n), m(x)) for n, x in posts),
                m(c),
                m(r),
            )
            for pid, a, on, posts, c, r in doc["payments"]
        ),
        reference=doc["reference"],
    )


def rules_to_json(rules: ServicingRules) -> str:
    return json.dumps(
        {
            "grace_days": rules.grace_days,
            "reminder_offsets_days": list(rules.reminder_offsets_days),
            "overdue_reminder_offsets_days": list(rules.overdue_reminder_offsets_days),
            "max_renegotiations": rules.max_renegotiations,
            "max_open_misses": rules.max_open_misses,
            "version": rules.version,
        }
    )


def rules_from_json(text: str) -> ServicingRules:
    doc = json.loads(text)
    return ServicingRules(
        grace_days=int(doc["grace_days"]),
        reminder_offsets_days=tuple(int(x) for x in doc["reminder_offsets_days"]),
        overdue_reminder_offsets_days=tuple(int(x) for x in doc["overdue_reminder_offsets_days"]),
        max_renegotiations=int(doc["max_renegotiations"]),
        max_open_misses=int(doc["max_open_misses"]),
        version=str(doc["version"]),
    )


# -- statements of the payment path, built once ---------------------------------------------------

# Statements built once: ``insert(...).values(**row)`` built and coerced a new statement for
# every row (~1.7 ms of a conversation turn that agreed a plan).
_ADD_PLAN = insert(payment_plans).returning(payment_plans.c.id)
_ADD_INSTALLMENTS = insert(plan_installments)
_PI = plan_installments
_DELETE_INSTALLMENTS_ALL = delete(_PI).where(
    _PI.c.org_id == bindparam("org"), _PI.c.plan_id == bindparam("plan")
)
_DELETE_INSTALLMENTS = _DELETE_INSTALLMENTS_ALL.where(
    _PI.c.number.in_(bindparam("numbers", expanding=True))
)
_UPDATE_INSTALLMENT = (
    update(_PI)
    .where(_PI.c.org_id == bindparam("b_org"), _PI.c.plan_id == bindparam("b_plan"),
           _PI.c.number == bindparam("b_number"))
    .values(due_date=bindparam("due_date"), currency=bindparam("currency"),
            amount_minor=bindparam("amount_minor"), paid_minor=bindparam("paid_minor"),
            status=bindparam("status"), paid_on=bindparam("paid_on"))
)  # fmt: skip
# Every plan serviced in a day and every provider event (each simulated payment) runs these:
# built once (building the statement objects cost more CPU than executing them on SQLite), on
# the driver's cursor (see adapters.db.driver).
_SAVE_PLAN_DATE = DriverStatement(
    update(payment_plans)
    .where(payment_plans.c.org_id == bindparam("org"), payment_plans.c.id == bindparam("row_id"))
    .values(as_of=bindparam("b_as_of"), state=bindparam("b_state"),
            updated_at=bindparam("b_updated_at"))
)  # fmt: skip
_SAVE_PLAN = DriverStatement(
    update(payment_plans)
    .where(payment_plans.c.org_id == bindparam("org"), payment_plans.c.id == bindparam("row_id"),
           payment_plans.c.version == bindparam("expected"))
    .values(status=bindparam("b_status"), version=bindparam("b_version"),
            as_of=bindparam("b_as_of"), state=bindparam("b_state"),
            updated_at=bindparam("b_updated_at"))
)  # fmt: skip
_ADD_PROMISE = insert(promises).returning(promises.c.id)
_ADD_REFERENCE = insert(creditor_references)

_ev = provider_events
# The claim of an event id in one statement: a row already there (or a concurrent twin's, once
# it commits: the insert waits on the unique key) inserts nothing and returns no id.
_CLAIM_EVENT = {
    name: DriverStatement(
        dialect_insert(_ev)
        .on_conflict_do_nothing(index_elements=[_ev.c.org_id, _ev.c.provider, _ev.c.event_id])
        .returning(_ev.c.id),
        column_keys=("org_id", "provider", "event_id", "event_type", "outcome", "received_at"),
    )
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_EVENT_OUTCOME = DriverStatement(
    update(_ev)
    .where(_ev.c.org_id == bindparam("org"), _ev.c.provider == bindparam("b_provider"),
           _ev.c.event_id == bindparam("b_event_id"))
    .values(outcome=bindparam("b_outcome"))
)  # fmt: skip
_PAYMENT_BY_REFERENCE = DriverStatement(
    select(payments).where(
        payments.c.org_id == bindparam("org"), payments.c.reference == bindparam("reference")
    )
)
_CUSTOMER_PLANS = DriverStatement(
    select(payment_plans)
    .where(payment_plans.c.org_id == bindparam("org"),
           payment_plans.c.customer_id == bindparam("customer"))
    .order_by(payment_plans.c.id)
)  # fmt: skip
_CUSTOMER_PROMISES = DriverStatement(
    select(promises)
    .where(promises.c.org_id == bindparam("org"), promises.c.customer_id == bindparam("customer"),
           promises.c.status == bindparam("status"))
    .order_by(promises.c.id)
)  # fmt: skip
_RECEIVED_SINCE = select(payments.c.id, payments.c.received_on, payments.c.amount_minor).where(
    payments.c.org_id == bindparam("org"), payments.c.customer_id == bindparam("customer"),
    payments.c.currency == bindparam("currency"), payments.c.received_on >= bindparam("since"),
)  # fmt: skip
_REVERSED_OF = (
    select(payment_reversals.c.payment_id, func.sum(payment_reversals.c.amount_minor))
    .where(payment_reversals.c.org_id == bindparam("org"),
           payment_reversals.c.payment_id.in_(bindparam("ids", expanding=True)))
    .group_by(payment_reversals.c.payment_id)
)  # fmt: skip
_PROMISE_STATUS = (
    update(promises)
    .where(promises.c.org_id == bindparam("org"), promises.c.id == bindparam("row_id"))
    .values(status=bindparam("b_status"), rule_id=bindparam("b_rule_id"),
            evaluated_on=bindparam("b_evaluated_on"))
)  # fmt: skip


# -- the repository -------------------------------------------------------------------------------


class SqlPaymentsRepository:
    """One organisation's payments data."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    # -- plans ------------------------------------------------------------------------------

    # The next PL-<n> / PTP-<n> is counted from the rows committed: two transactions counting at
    # once would take the same key and one would fail on the unique index, so the count is taken
    # under the organisation's key lock (held to commit).

    def next_plan_key(self) -> str:
        locks.hold(self._conn, locks.PLAN_KEY, self._org)
        n = self._conn.execute(
            select(func.count()).select_from(payment_plans).where(payment_plans.c.org_id == self._org)
        ).scalar_one()  # fmt: skip
        return f"PL-{int(n) + 1:06d}"

    def add_plan(
        self,
        customer_id: int,
        plan: Plan,
        rules: ServicingRules,
        agreed_on: date,
        *,
        agreement_id: int | None = None,
    ) -> int:
        total = Money.sum((i.amount for i in plan.installments), plan.currency).minor
        row_id = int(
            self._conn.execute(_ADD_PLAN, {
                "org_id": self._org, "customer_id": customer_id, "plan_key": plan.id,
                "currency": plan.currency.code, "total_minor": total, "status": plan.status.value,
                "version": plan.version, "reference": plan.reference, "agreed_on": agreed_on,
                "as_of": plan.as_of, "rules": rules_to_json(rules), "state": plan_to_json(plan),
                "agreement_id": agreement_id, "created_at": self._now, "updated_at": self._now,
            }).scalar_one()
        )  # fmt: skip
        self._write_installments(row_id, plan, fresh=True)
        return row_id

    def _write_installments(
        self, row_id: int, plan: Plan, *, fresh: bool = False, before: Plan | None = None
    ) -> None:
        """The plan's installment rows: all of a new plan's; else, with ``before`` (the plan as
        it was stored), only the rows that changed (a transition moves one or two installments
        of a plan; rewriting them all was most of a servicing run); else all, replaced."""
        rows = [
            {"org_id": self._org, "plan_id": row_id, "number": i.number,
             "due_date": i.due_date, "currency": plan.currency.code,
             "amount_minor": i.amount.minor, "paid_minor": i.paid.minor,
             "status": i.status.value, "paid_on": i.paid_on}
            for i in plan.installments
        ]  # fmt: skip
        if not fresh and before is not None:
            old = {i.number: i for i in before.installments}
            new = {i.number for i in plan.installments}
            gone = [n for n in old if n not in new]
            if gone:
                self._conn.execute(
                    _DELETE_INSTALLMENTS, {"org": self._org, "plan": row_id, "numbers": gone}
                )
            rows = [r for r, i in zip(rows, plan.installments, strict=True)
                    if old.get(i.number) != i]  # fmt: skip
            changed = [r for r in rows if r["number"] in old]
            if changed:
                self._conn.execute(
                    _UPDATE_INSTALLMENT,
                    [{**r, "b_org": r["org_id"], "b_plan": r["plan_id"], "b_number": r["number"]}
                     for r in changed],
                )  # fmt: skip
            rows = [r for r in rows if r["number"] not in old]
        elif not fresh:  # a new plan has no installments to replace
            self._conn.execute(_DELETE_INSTALLMENTS_ALL, {"org": self._org, "plan": row_id})
        if rows:
            self._conn.execute(_ADD_INSTALLMENTS, rows)

    def save_plan(
        self, row_id: int, plan: Plan, expected_version: int, *, before: Plan | None = None
    ) -> None:
        if plan.version == expected_version:
            # Nothing changed (a transition that emitted nothing): only the business date moved.
            _SAVE_PLAN_DATE.rowcount(self._conn, {
                "org": self._org, "row_id": row_id, "b_as_of": plan.as_of,
                "b_state": plan_to_json(plan), "b_updated_at": self._now,
            })  # fmt: skip
            return
        saved = _SAVE_PLAN.rowcount(self._conn, {
            "org": self._org, "row_id": row_id, "expected": expected_version,
            "b_status": plan.status.value, "b_version": plan.version, "b_as_of": plan.as_of,
            "b_state": plan_to_json(plan), "b_updated_at": self._now,
        })  # fmt: skip
        if saved != 1:
            raise Conflict(
                f"plan {plan.id!r} changed concurrently (expected version {expected_version}); "
                "reload it and retry"
            )
        self._write_installments(row_id, plan, before=before)

    def _stored_plan(self, r: Any) -> StoredPlan:
        return StoredPlan(
            int(r.id),
            int(r.customer_id),
            plan_from_json(str(r.state)),
            rules_from_json(str(r.rules)),
            r.agreed_on,
        )

    def plans(
        self, *, customer_id: int | None = None, status: str | None = None
    ) -> list[StoredPlan]:
        if customer_id is not None and status is None:
            rows = _CUSTOMER_PLANS.all(self._conn, {"org": self._org, "customer": customer_id})
            return [self._stored_plan(r) for r in rows]
        stmt = select(payment_plans).where(payment_plans.c.org_id == self._org)
        if customer_id is not None:
            stmt = stmt.where(payment_plans.c.customer_id == customer_id)
        if status is not None:
            stmt = stmt.where(payment_plans.c.status == status)
        return [self._stored_plan(r) for r in self._conn.execute(stmt.order_by(payment_plans.c.id))]

    def plan(self, plan_key: str) -> StoredPlan:
        r = self._conn.execute(
            select(payment_plans).where(
                payment_plans.c.org_id == self._org, payment_plans.c.plan_key == plan_key
            )
        ).first()
        if r is None:
            raise NotFound(f"no plan {plan_key!r} in this organisation")
        return self._stored_plan(r)

    def add_plan_events(self, row_id: int, events: Sequence[PlanEvent]) -> None:
        if not events:
            return
        self._conn.execute(
            insert(plan_events),
            [
                {"org_id": self._org, "plan_id": row_id, "kind": e.kind.value,
                 "event_on": e.on, "installment": e.installment,
                 "currency": e.amount.code if e.amount is not None else None,
                 "amount_minor": e.amount.minor if e.amount is not None else None,
                 "rule_id": e.reason.rule_id, "parameter": e.reason.parameter,
                 "value": e.reason.value, "message": e.reason.message,
                 "recorded_at": self._now}
                for e in events
            ],
        )  # fmt: skip

    def plan_events(self, row_id: int) -> list[tuple[str, date, int | None, str, str]]:
        rows = self._conn.execute(
            select(plan_events.c.kind, plan_events.c.event_on, plan_events.c.installment,
                   plan_events.c.rule_id, plan_events.c.message)
            .where(plan_events.c.org_id == self._org, plan_events.c.plan_id == row_id)
            .order_by(plan_events.c.id)
        )  # fmt: skip
        return [(str(r.kind), r.event_on, r.installment, str(r.rule_id), str(r.message))
                for r in rows]  # fmt: skip

    def add_escalation(
        self,
        customer_id: int,
        *,
        plan_id: int | None,
        promise_id: int | None,
        reason: str,
        message: str,
        raised_on: date,
    ) -> int:
        return int(
            self._conn.execute(
                insert(escalations).values(
                    org_id=self._org, customer_id=customer_id, plan_id=plan_id,
                    promise_id=promise_id, reason=reason, message=message, raised_on=raised_on,
                    status="open", created_at=self._now,
                ).returning(escalations.c.id)
            ).scalar_one()
        )  # fmt: skip

    def escalations(self) -> list[StoredEscalation]:
        rows = self._conn.execute(
            select(escalations, payment_plans.c.plan_key)
            .outerjoin(payment_plans, payment_plans.c.id == escalations.c.plan_id)
            .where(escalations.c.org_id == self._org)
            .order_by(escalations.c.id)
        )  # fmt: skip
        return [StoredEscalation(int(r.id), int(r.customer_id), r.plan_key, str(r.reason),
                                 str(r.message), r.raised_on, str(r.status))
                for r in rows]  # fmt: skip

    # -- promises ---------------------------------------------------------------------------

    def next_promise_key(self) -> str:
        locks.hold(self._conn, locks.PROMISE_KEY, self._org)
        n = self._conn.execute(
            select(func.count()).select_from(promises).where(promises.c.org_id == self._org)
        ).scalar_one()
        return f"PTP-{int(n) + 1:06d}"

    def add_promise(
        self,
        customer_id: int,
        promise: Promise,
        grace_days: int,
        *,
        agreement_id: int | None = None,
    ) -> int:
        parts = [[p.on.isoformat(), p.amount.minor] for p in promise.parts]
        return int(
            self._conn.execute(_ADD_PROMISE, {
                "org_id": self._org, "customer_id": customer_id, "promise_key": promise.id,
                "currency": promise.currency.code, "parts": json.dumps(parts),
                "channel": promise.channel, "confirmed": promise.confirmed,
                "made_on": promise.made_on, "grace_days": grace_days, "status": "open",
                "rule_id": "promise.pending", "evaluated_on": promise.made_on,
                "agreement_id": agreement_id, "created_at": self._now,
            }).scalar_one()
        )  # fmt: skip

    def promises(
        self, *, customer_id: int | None = None, status: str | None = None
    ) -> list[StoredPromise]:
        rows: Any
        if customer_id is not None and status is not None:
            params = {"org": self._org, "customer": customer_id, "status": status}
            rows = _CUSTOMER_PROMISES.all(self._conn, params)
        else:
            stmt = select(promises).where(promises.c.org_id == self._org)
            if customer_id is not None:
                stmt = stmt.where(promises.c.customer_id == customer_id)
            if status is not None:
                stmt = stmt.where(promises.c.status == status)
            rows = self._conn.execute(stmt.order_by(promises.c.id))
        out: list[StoredPromise] = []
        for r in rows:
            code = str(r.currency)
            parts = tuple(
                PromisedPayment(date.fromisoformat(on), Money.from_minor(int(minor), code))
                for on, minor in json.loads(str(r.parts))
            )
            promise = Promise(str(r.promise_key), currency(code), parts, str(r.channel),
                              bool(r.confirmed), r.made_on)  # fmt: skip
            out.append(StoredPromise(int(r.id), int(r.customer_id), promise, int(r.grace_days),
                                     str(r.status), str(r.rule_id), r.evaluated_on))  # fmt: skip
        return out

    def set_promise_status(
        self, row_id: int, status: str, rule_id: str, evaluated_on: date
    ) -> None:
        self._conn.execute(_PROMISE_STATUS, {
            "org": self._org, "row_id": row_id, "b_status": status, "b_rule_id": rule_id,
            "b_evaluated_on": evaluated_on,
        })  # fmt: skip

    # -- ledger payments --------------------------------------------------------------------

    def ledger_payment(self, reference: str) -> LedgerPayment | None:
        p = _PAYMENT_BY_REFERENCE.first(self._conn, {"org": self._org, "reference": reference})
        if p is None:
            return None
        net: dict[int, int] = {}
        for a in self._conn.execute(
            select(allocations.c.invoice_id, allocations.c.amount_minor)
            .where(allocations.c.org_id == self._org, allocations.c.payment_id == p.id)
            .order_by(allocations.c.id)
        ):  # fmt: skip
            net[int(a.invoice_id)] = net.get(int(a.invoice_id), 0) + int(a.amount_minor)
        reversed_minor = self._conn.execute(
            select(func.coalesce(func.sum(payment_reversals.c.amount_minor), 0)).where(
                payment_reversals.c.org_id == self._org, payment_reversals.c.payment_id == p.id
            )
        ).scalar_one()
        unallocated = self._conn.execute(
            select(func.coalesce(func.sum(ledger_entries.c.amount_minor), 0)).where(
                ledger_entries.c.org_id == self._org, ledger_entries.c.payment_id == p.id,
                ledger_entries.c.invoice_id.is_(None),
            )
        ).scalar_one()  # fmt: skip
        return LedgerPayment(
            int(p.id), int(p.customer_id), str(p.reference), p.received_on, str(p.currency),
            int(p.amount_minor), tuple(net.items()), int(reversed_minor), -int(unallocated),
        )  # fmt: skip

    def received_since(
        self, customer_id: int, currency: str, since: date
    ) -> list[tuple[date, int]]:
        rows = self._conn.execute(_RECEIVED_SINCE, {
            "org": self._org, "customer": customer_id, "currency": currency, "since": since,
        })  # fmt: skip
        found = [(int(r.id), r.received_on, int(r.amount_minor)) for r in rows]
        if not found:
            return []
        back: dict[int, int] = {}
        for r in self._conn.execute(_REVERSED_OF, {"org": self._org, "ids": [f[0] for f in found]}):
            back[int(r[0])] = int(r[1])
        return [(on, m - back.get(i, 0)) for i, on, m in found if m - back.get(i, 0) > 0]

    def claim_reversal(
        self, payment_id: int, key: str, kind: str, currency: str, minor: int, on: date
    ) -> bool:
        seen = self._conn.execute(
            select(payment_reversals.c.id).where(
                payment_reversals.c.org_id == self._org, payment_reversals.c.reversal_key == key
            )
        ).first()
        if seen is not None:
            return False
        self._conn.execute(
            insert(payment_reversals).values(
                org_id=self._org, payment_id=payment_id, reversal_key=key, kind=kind,
                currency=currency, amount_minor=minor, reversed_on=on, created_at=self._now,
            )
        )  # fmt: skip
        return True

    def reversal_seen(self, key: str) -> bool:
        r = payment_reversals
        return (
            self._conn.execute(
                select(r.c.id).where(r.c.org_id == self._org, r.c.reversal_key == key)
            ).first()
            is not None
        )

    def reversed_total(self, payment_id: int, kind: str) -> int:
        r = payment_reversals
        total = self._conn.execute(
            select(func.coalesce(func.sum(r.c.amount_minor), 0)).where(
                r.c.org_id == self._org, r.c.payment_id == payment_id, r.c.kind == kind
            )
        ).scalar_one()
        return int(total)

    # -- provider events and links ------------------------------------------------------------

    def claim_event(self, provider: str, event_id: str, event_type: str) -> bool:
        # One statement (it was a read, a savepoint, the insert and the release): an id already
        # claimed - committed, or by a concurrent twin that commits first, on whose unique key the
        # insert waits - inserts nothing, returns no row, and leaves the transaction usable.
        claimed = _CLAIM_EVENT[self._conn.dialect.name].first(self._conn, {
            "org_id": self._org, "provider": provider, "event_id": event_id,
            "event_type": event_type, "outcome": "processing", "received_at": self._now,
        })  # fmt: skip
        return claimed is not None

    def set_event_outcome(self, provider: str, event_id: str, outcome: str) -> None:
        _EVENT_OUTCOME.rowcount(self._conn, {
            "org": self._org, "b_provider": provider, "b_event_id": event_id, "b_outcome": outcome,
        })  # fmt: skip

    def add_link(
        self,
        customer_id: int,
        provider: str,
        provider_id: str,
        url: str | None,
        currency: str,
        minor: int,
        *,
        plan_key: str | None,
        installment: int | None,
        invoice_number: str | None,
    ) -> int:
        return int(
            self._conn.execute(
                insert(payment_links).values(
                    org_id=self._org, customer_id=customer_id, provider=provider,
                    provider_id=provider_id, url=url, currency=currency, amount_minor=minor,
                    plan_key=plan_key, installment=installment, invoice_number=invoice_number,
                    status="open", created_at=self._now,
                ).returning(payment_links.c.id)
            ).scalar_one()
        )  # fmt: skip

    def link(self, provider: str, provider_id: str) -> PaymentLinkRow | None:
        r = self._conn.execute(
            select(payment_links).where(
                payment_links.c.org_id == self._org, payment_links.c.provider == provider,
                payment_links.c.provider_id == provider_id,
            )
        ).first()  # fmt: skip
        if r is None:
            return None
        return PaymentLinkRow(int(r.id), int(r.customer_id), str(r.provider), str(r.provider_id),
                              r.url, str(r.currency), int(r.amount_minor), r.plan_key,
                              r.installment, r.invoice_number, str(r.status))  # fmt: skip

    def set_link_status(self, link_id: int, status: str) -> None:
        self._conn.execute(
            update(payment_links).where(payment_links.c.org_id == self._org,
                                        payment_links.c.id == link_id).values(status=status)
        )  # fmt: skip

    # -- statements -------------------------------------------------------------------------

    def seen_entries(self, entry_ids: Collection[str]) -> set[str]:
        ids = list(entry_ids)
        seen: set[str] = set()
        for i in range(0, len(ids), 500):
            seen.update(
                str(x) for x in self._conn.execute(
                    select(statement_entries.c.entry_id).where(
                        statement_entries.c.org_id == self._org,
                        statement_entries.c.entry_id.in_(ids[i : i + 500]),
                    )
                ).scalars()
            )  # fmt: skip
        return seen

    def add_statement_import(
        self, checksum: str, source: str, format: str, entries: int, dry_run: bool
    ) -> int:
        return int(
            self._conn.execute(
                insert(statement_imports).values(
                    org_id=self._org, checksum=checksum, source=source, format=format,
                    entries=entries, dry_run=dry_run, imported_at=self._now,
                ).returning(statement_imports.c.id)
            ).scalar_one()
        )  # fmt: skip

    def add_statement_entry(
        self, import_id: int, entry: StatementEntry, status: str, payment_id: int | None
    ) -> int:
        return int(
            self._conn.execute(
                insert(statement_entries).values(
                    org_id=self._org, import_id=import_id, entry_id=entry.entry_id,
                    booking_date=entry.booking_date, currency=entry.amount.code,
                    amount_minor=entry.amount.minor, payer_name=entry.payer_name,
                    payer_iban=entry.payer_iban, remittance=entry.remittance,
                    structured_reference=entry.structured_reference, location=entry.location,
                    status=status, payment_id=payment_id, created_at=self._now,
                ).returning(statement_entries.c.id)
            ).scalar_one()
        )  # fmt: skip

    def queued_entry(self, entry_id: str) -> UnmatchedEntry | None:
        s = statement_entries
        r = self._conn.execute(
            select(s.c.id).where(s.c.org_id == self._org, s.c.entry_id == entry_id,
                                 s.c.status.in_(("unmatched", "ambiguous")))
        ).first()  # fmt: skip
        if r is None:
            return None
        return next(u for u in self.unmatched() if u.id == int(r.id))

    def mark_entry_posted(self, row_id: int, payment_id: int) -> None:
        s = statement_entries
        self._conn.execute(
            update(s).where(s.c.org_id == self._org, s.c.id == row_id)
            .values(status="posted", payment_id=payment_id)
        )  # fmt: skip

    def add_candidates(self, entry_row_id: int, ranked: Sequence[ScoredCandidate]) -> None:
        if not ranked:
            return
        self._conn.execute(
            insert(unmatched_candidates),
            [
                {"org_id": self._org, "statement_entry_id": entry_row_id, "rank": n,
                 "candidate": c.candidate.id, "kind": c.candidate.kind, "score": str(c.score),
                 "method": c.method}
                for n, c in enumerate(ranked, start=1)
            ],
        )  # fmt: skip

    def unmatched(self) -> list[UnmatchedEntry]:
        s = statement_entries
        rows = list(self._conn.execute(
            select(s).where(s.c.org_id == self._org, s.c.status.in_(("unmatched", "ambiguous")))
            .order_by(s.c.id)
        ))  # fmt: skip
        cands: dict[int, list[tuple[str, str, str]]] = {}
        if rows:
            u = unmatched_candidates
            for c in self._conn.execute(
                select(u.c.statement_entry_id, u.c.candidate, u.c.score, u.c.method)
                .where(u.c.org_id == self._org, u.c.statement_entry_id.in_([r.id for r in rows]))
                .order_by(u.c.statement_entry_id, u.c.rank)
            ):  # fmt: skip
                cands.setdefault(int(c.statement_entry_id), []).append(
                    (str(c.candidate), str(c.score), str(c.method))
                )
        return [UnmatchedEntry(int(r.id), str(r.entry_id), r.booking_date, str(r.currency),
                               int(r.amount_minor), str(r.payer_name), str(r.remittance),
                               str(r.status), tuple(cands.get(int(r.id), ())))
                for r in rows]  # fmt: skip

    def payer_ibans(self) -> dict[int, tuple[str, ...]]:
        s = statement_entries
        out: dict[int, set[str]] = {}
        for r in self._conn.execute(
            select(payments.c.customer_id, s.c.payer_iban)
            .join(payments, payments.c.id == s.c.payment_id)
            .where(s.c.org_id == self._org, s.c.payer_iban != "")
        ):  # fmt: skip
            out.setdefault(int(r.customer_id), set()).add(str(r.payer_iban))
        return {k: tuple(sorted(v)) for k, v in out.items()}

    # -- creditor references ------------------------------------------------------------------

    def references(self, kind: str) -> dict[str, str]:
        rows = self._conn.execute(
            select(creditor_references.c.target_key, creditor_references.c.reference).where(
                creditor_references.c.org_id == self._org,
                creditor_references.c.target_kind == kind,
            )
        )
        return {str(r.target_key): str(r.reference) for r in rows}

    def add_reference(self, reference: str, kind: str, key: str) -> None:
        self._conn.execute(_ADD_REFERENCE, {
            "org_id": self._org, "reference": reference, "target_kind": kind, "target_key": key,
            "created_at": self._now,
        })  # fmt: skip

    def add_references(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Many ``(reference, kind, key)`` in one statement (first reconciliation of a ledger)."""
        if not rows:
            return
        self._conn.execute(
            insert(creditor_references),
            [{"org_id": self._org, "reference": r, "target_kind": k, "target_key": t,
              "created_at": self._now} for r, k, t in rows],
        )  # fmt: skip
