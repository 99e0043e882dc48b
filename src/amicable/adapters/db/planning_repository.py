"""SQL repository of the daily plan: the portfolio's fact families read in bulk, and the bulk
replace of one day's rows of ``daily_plans``.

The reads are one aggregate query per fact family over the whole organisation, streamed into
Polars frames: on PostgreSQL as ``COPY (query) TO STDOUT`` CSV parsed by Polars, on SQLite from
the cursor in chunks of :data:`CHUNK` rows:

* :meth:`SqlPlanningRepository.open_positions` — per customer and currency as of a date: the
  balance (open invoice amounts plus unallocated credits), the oldest due date and the dispute
  flag of the invoices with a positive open amount, and the count of invoices not settled;
* :meth:`SqlPlanningRepository.lateness` — per customer: settlements (allocations received on or
  before the date) and how many of them were received on or before the invoice's due date;
* :meth:`SqlPlanningRepository.customer_attributes` — per customer: the profile columns, whether
  an e-mail address / a phone is on file, and which channels the latest consent record refuses.

Invariants: every statement filters on the unit of work's organisation; balances are sums of
ledger entries dated on or before the as-of date, in integer minor units; a day is replaced by a
DELETE then a bulk insert in the caller's transaction — ``COPY … FROM STDIN`` of CSV written by
Polars on PostgreSQL (psycopg 3), ``executemany`` in batches on SQLite.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Final

import polars as pl
from sqlalchemy import (
    Connection,
    Date,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)

from amicable.adapters.db.tables import (
    allocations,
    consents,
    contacts,
    customers,
    invoices,
    ledger_entries,
    payments,
)
from amicable.adapters.db.tables_planning import PLAN_ROW_COLUMNS, daily_plans
from amicable.service.planning_ports import (
    CUSTOMER_ATTRIBUTES_SCHEMA,
    LATENESS_SCHEMA,
    OPEN_POSITIONS_SCHEMA,
    PLAN_FRAME_COLUMNS,
)

__all__ = ["CHUNK", "SqlPlanningRepository"]

_BATCH = 20_000

#: Rows fetched from the cursor per chunk of the streamed reads.
CHUNK: Final = 50_000

_e = ledger_entries
_i = invoices


def _one(condition: Any) -> Any:
    return case((condition, 1), else_=0)


class SqlPlanningRepository:
    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now
        self._tuned = False

    def _frame(self, as_of: date, plan: pl.DataFrame) -> pl.DataFrame:
        extra = {"org_id": self._org, "as_of": as_of, "created_at": self._now}
        frame = plan.select(PLAN_FRAME_COLUMNS).with_columns(
            [pl.lit(v).alias(k) for k, v in extra.items()]
        )
        return frame.select(PLAN_ROW_COLUMNS)

    def _rows(self, as_of: date, plan: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
        yield from self._frame(as_of, plan).iter_rows()

    def replace_day(self, as_of: date, plan: pl.DataFrame) -> int:
        missing = [c for c in PLAN_FRAME_COLUMNS if c not in plan.columns]
        if missing:
            raise ValueError(f"plan frame lacks column(s): {', '.join(missing)}")
        self._conn.execute(
            delete(daily_plans).where(
                daily_plans.c.org_id == self._org, daily_plans.c.as_of == as_of
            )
        )
        if plan.height == 0:
            return 0
        if self._conn.dialect.name == "postgresql":
            raw: Any = self._conn.connection.driver_connection
            names = ", ".join(PLAN_ROW_COLUMNS)
            # CSV written by Polars in slices (no Python object per row): NULL is an empty
            # field, an empty string is quoted; instants carry their offset.
            sql = f"COPY daily_plans ({names}) FROM STDIN (FORMAT csv)"
            frame = self._frame(as_of, plan)
            with raw.cursor() as cur, cur.copy(sql) as copy:
                for start in range(0, frame.height, _BATCH):
                    copy.write(frame.slice(start, _BATCH).write_csv(include_header=False))
        else:
            batch: list[dict[str, Any]] = []
            for row in self._rows(as_of, plan):
                batch.append(dict(zip(PLAN_ROW_COLUMNS, row, strict=True)))
                if len(batch) >= _BATCH:
                    self._conn.execute(insert(daily_plans), batch)
                    batch = []
            if batch:
                self._conn.execute(insert(daily_plans), batch)
        return plan.height

    # -- bulk reads -----------------------------------------------------------------------

    def _stream(self, stmt: Select[Any], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """Run ``stmt`` on a streaming cursor; its rows, chunk by chunk, as one frame."""
        if self._conn.dialect.name == "postgresql" and not self._tuned:
            # Whole-portfolio aggregates: hash them in memory rather than spilling sorts and
            # hash batches to disk (the default work_mem is 4 MB); JIT compiling costs more
            # than it saves here. SET LOCAL: for this transaction only.
            self._conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            self._conn.exec_driver_sql("SET LOCAL jit = off")
            self._tuned = True
        # Flags are computed as 0/1 (portable SQL), then cast.
        raw = {k: pl.Int64() if v == pl.Boolean else v for k, v in schema.items()}
        if self._conn.dialect.name == "postgresql":
            frame = self._copy_out(stmt, raw)
        else:
            result = self._conn.execute(stmt.execution_options(stream_results=True))
            frames = [
                pl.DataFrame(part, schema=raw, orient="row", strict=False)
                for part in result.partitions(CHUNK)
            ]
            frame = pl.concat(frames) if frames else pl.DataFrame(schema=raw)
        return frame.with_columns(pl.col(k).cast(v) for k, v in schema.items() if raw[k] != v)

    def _copy_out(self, stmt: Select[Any], raw: dict[str, pl.DataType]) -> pl.DataFrame:
        """PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, its blocks parsed by Polars in one go
        (no Python object per row). The query's only literals are the organisation id and the
        as-of date, rendered by SQLAlchemy."""
        sql = stmt.compile(dialect=self._conn.dialect, compile_kwargs={"literal_binds": True})
        driver: Any = self._conn.connection.driver_connection
        out = io.BytesIO()
        with driver.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                out.write(block)
        if not out.tell():
            return pl.DataFrame(schema=raw)
        # CSV from COPY: NULL is an unquoted empty field, an empty string is quoted ("").
        return pl.read_csv(out.getvalue(), has_header=False, schema=raw)

    def open_positions(self, as_of: date) -> pl.DataFrame:
        """Per customer and currency (see the module docstring): ``OPEN_POSITIONS_SCHEMA``."""
        # Entries are summed per invoice first (an index range scan in invoice order), then
        # joined to their invoices by primary key.
        sums = (
            select(_e.c.invoice_id, func.sum(_e.c.amount_minor).label("open"))
            .where(_e.c.org_id == self._org, _e.c.invoice_id.is_not(None),
                   _e.c.effective_on <= as_of)
            .group_by(_e.c.invoice_id)
            .subquery("sums")
        )  # fmt: skip
        per_invoice = (
            select(_i.c.customer_id, _i.c.currency, _i.c.due_date, _i.c.dispute_status,
                   sums.c.open, literal(1).label("invoice"))
            .join(sums, sums.c.invoice_id == _i.c.id)
            .where(_i.c.org_id == self._org)
        )  # fmt: skip
        # Grouped by ``customer_id + 0``: SQLite would otherwise walk every entry through the
        # customer index (to skip a sort) instead of the invoice index's short NULL range.
        owner = (_e.c.customer_id + 0).label("customer_id")
        credits = (
            select(owner, _e.c.currency, cast(null(), Date).label("due_date"),
                   cast(null(), _i.c.dispute_status.type).label("dispute_status"),
                   func.sum(_e.c.amount_minor).label("open"), literal(0).label("invoice"))
            .where(_e.c.org_id == self._org, _e.c.invoice_id.is_(None),
                   _e.c.effective_on <= as_of)
            .group_by(owner, _e.c.currency)
        )  # fmt: skip
        u = union_all(per_invoice, credits).subquery("u")
        owed = u.c.open > 0
        stmt = (
            select(u.c.customer_id, u.c.currency,
                   func.sum(u.c.open).label("balance_minor"),
                   func.min(case((and_(owed, u.c.invoice == 1), u.c.due_date))).label("oldest_due"),
                   func.max(_one(and_(owed, u.c.dispute_status == "open"))).label("dispute_open"),
                   func.sum(_one(and_(u.c.invoice == 1, u.c.open != 0))).label("open_invoices"))
            .group_by(u.c.customer_id, u.c.currency)
            .order_by(u.c.customer_id, u.c.currency)
        )  # fmt: skip
        return self._stream(stmt, OPEN_POSITIONS_SCHEMA)

    def lateness(self, as_of: date) -> pl.DataFrame:
        """Per customer: settlements up to ``as_of`` and those on time: ``LATENESS_SCHEMA``."""
        p = payments
        stmt = (
            select(p.c.customer_id, func.count().label("settlements"),
                   func.sum(_one(p.c.received_on <= _i.c.due_date)).label("on_time"))
            .select_from(allocations.join(p, p.c.id == allocations.c.payment_id)
                         .join(_i, _i.c.id == allocations.c.invoice_id))
            .where(allocations.c.org_id == self._org, p.c.received_on <= as_of)
            .group_by(p.c.customer_id)
        )  # fmt: skip
        return self._stream(stmt, LATENESS_SCHEMA)

    def customer_attributes(self) -> pl.DataFrame:
        """Per customer: profile, contacts on file, refused channels: ``CUSTOMER_ATTRIBUTES_SCHEMA``."""
        c, k, s = customers, contacts, consents
        points = (
            select(k.c.customer_id,
                   func.max(_one(k.c.kind == "email")).label("has_email"),
                   func.max(_one(k.c.kind == "phone")).label("has_phone"))
            .where(k.c.org_id == self._org)
            .group_by(k.c.customer_id)
            .subquery("points")
        )  # fmt: skip
        latest = (
            select(func.max(s.c.id)).where(s.c.org_id == self._org)
            .group_by(s.c.customer_id, s.c.channel)
        )  # fmt: skip
        refused = (
            select(s.c.customer_id,
                   *(func.max(_one(s.c.channel == ch)).label(f"refused_{ch}")
                     for ch in ("email", "sms", "whatsapp")))
            .where(s.c.org_id == self._org, s.c.id.in_(latest), s.c.granted.is_(False))
            .group_by(s.c.customer_id)
            .subquery("refused")
        )  # fmt: skip
        flags = [
            func.coalesce(points.c.has_email, 0).label("has_email"),
            func.coalesce(points.c.has_phone, 0).label("has_phone"),
            *(func.coalesce(refused.c[f"refused_{ch}"], 0).label(f"refused_{ch}")
              for ch in ("email", "sms", "whatsapp")),
        ]  # fmt: skip
        stmt = (
            select(c.c.id.label("customer_id"), c.c.external_id, c.c.customer_type, c.c.tier,
                   c.c.country, c.c.region, c.c.timezone, c.c.tags, *flags)
            .select_from(c.outerjoin(points, points.c.customer_id == c.c.id)
                         .outerjoin(refused, refused.c.customer_id == c.c.id))
            .where(c.c.org_id == self._org)
            .order_by(c.c.id)
        )  # fmt: skip
        return self._stream(stmt, CUSTOMER_ATTRIBUTES_SCHEMA)

    def count_day(self, as_of: date) -> int:
        stmt = select(func.count()).where(
            daily_plans.c.org_id == self._org, daily_plans.c.as_of == as_of
        )
        return int(self._conn.execute(stmt).scalar_one())
