"""SQL repository of the daily plan (``daily_plans``): bulk replace of one day's rows.

Invariants: every statement filters on the unit of work's organisation; a day is replaced by a
DELETE then a bulk insert in the caller's transaction — ``COPY … FROM STDIN`` on PostgreSQL
(psycopg 3), ``executemany`` in batches on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete, func, insert, select

from amicable.adapters.db.tables_planning import PLAN_ROW_COLUMNS, daily_plans
from amicable.service.planning_ports import PLAN_FRAME_COLUMNS

__all__ = ["SqlPlanningRepository"]

_BATCH = 20_000


class SqlPlanningRepository:
    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def _rows(self, as_of: date, plan: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
        extra = {"org_id": self._org, "as_of": as_of, "created_at": self._now}
        frame = plan.select(PLAN_FRAME_COLUMNS).with_columns(
            [pl.lit(v).alias(k) for k, v in extra.items()]
        )
        yield from frame.select(PLAN_ROW_COLUMNS).iter_rows()

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
            with raw.cursor() as cur, cur.copy(f"COPY daily_plans ({names}) FROM STDIN") as copy:
                for row in self._rows(as_of, plan):
                    copy.write_row(row)
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

    def count_day(self, as_of: date) -> int:
        stmt = select(func.count()).where(
            daily_plans.c.org_id == self._org, daily_plans.c.as_of == as_of
        )
        return int(self._conn.execute(stmt).scalar_one())
