"""SQL side of the strategy area: reads the ledger history for the risk model and stores models.

Invariants: every query filters on the organisation; :meth:`SqlStrategyRepository.history`
reads invoices issued and allocations of payments received on or before ``as_of`` only, so a
model trained "as of" a date cannot see what came later; stored models are insert-only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from amicable.adapters.db.tables import allocations, customers, invoices, payments
from amicable.adapters.db.tables_strategy import risk_models
from amicable.service.strategy_ports import StoredRiskModel
from amicable.strategy.history import CustomerProfile, InvoiceHistory, LedgerHistory, PaymentEvent

__all__ = ["SqlStrategyRepository"]


class SqlStrategyRepository:
    """History reads and risk-model storage of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def history(self, as_of: date) -> LedgerHistory:
        org = self._org
        profiles = [
            CustomerProfile(str(r.external_id), str(r.customer_type), r.tier, r.country)
            for r in self._conn.execute(
                select(
                    customers.c.external_id,
                    customers.c.customer_type,
                    customers.c.tier,
                    customers.c.country,
                ).where(customers.c.org_id == org)
            )
        ]
        events: dict[int, list[PaymentEvent]] = defaultdict(list)
        rows = self._conn.execute(
            select(
                allocations.c.invoice_id,
                allocations.c.amount_minor,
                payments.c.received_on,
            )
            .join(payments, payments.c.id == allocations.c.payment_id)
            .where(allocations.c.org_id == org, payments.c.received_on <= as_of)
        )
        for r in rows:
            events[int(r.invoice_id)].append(PaymentEvent("", r.received_on, int(r.amount_minor)))
        found = self._conn.execute(
            select(
                invoices.c.id,
                invoices.c.number,
                customers.c.external_id,
                invoices.c.issue_date,
                invoices.c.due_date,
                invoices.c.amount_minor,
                invoices.c.currency,
                invoices.c.dispute_status,
            )
            .join(customers, customers.c.id == invoices.c.customer_id)
            .where(
                invoices.c.org_id == org,
                invoices.c.issue_date <= as_of,
                invoices.c.amount_minor > 0,  # credit notes are not debts to predict
            )
            .order_by(invoices.c.id)
        )
        history = [
            InvoiceHistory(
                number=str(r.number),
                customer=str(r.external_id),
                issue_date=r.issue_date,
                due_date=r.due_date,
                amount_minor=int(r.amount_minor),
                currency=str(r.currency),
                payments=tuple(
                    PaymentEvent(str(r.number), e.received_on, e.amount_minor)
                    for e in events.get(int(r.id), ())
                ),
                disputed=str(r.dispute_status) not in ("none", ""),
            )
            for r in found
        ]
        return LedgerHistory(as_of=as_of, customers=profiles, invoices=history)

    def add_risk_model(
        self,
        *,
        kind: str,
        trained_until: date,
        trained_rows: int,
        model: bytes,
        metrics: dict[str, Any],
    ) -> StoredRiskModel:
        latest = self._conn.execute(
            select(func.max(risk_models.c.version)).where(risk_models.c.org_id == self._org)
        ).scalar()
        version = 1 if latest is None else int(latest) + 1
        self._conn.execute(
            insert(risk_models).values(
                org_id=self._org, version=version, kind=kind, trained_until=trained_until,
                trained_rows=trained_rows, model=model, metrics=json.dumps(metrics),
                created_at=self._now,
            )
        )  # fmt: skip
        return StoredRiskModel(
            version, kind, trained_until, trained_rows, model, metrics, self._now
        )

    def latest_risk_model(self) -> StoredRiskModel | None:
        r = self._conn.execute(
            select(risk_models).where(risk_models.c.org_id == self._org)
            .order_by(risk_models.c.version.desc()).limit(1)
        ).first()  # fmt: skip
        if r is None:
            return None
        return StoredRiskModel(
            int(r.version), str(r.kind), r.trained_until, int(r.trained_rows), bytes(r.model),
            json.loads(r.metrics), r.created_at,
        )  # fmt: skip
