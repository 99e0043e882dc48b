"""PostgreSQL: the keys a bulk import fills are checked once per statement, not once per row.

A 1,000,000-row import COPYs about 333,000 customers and 1,000,000 invoices. Each row fired
PostgreSQL's foreign-key trigger, which looks the parent up and locks it (``FOR KEY SHARE``):
12 s of the server's CPU for the invoices' key ``(org_id, customer_id) -> customers (org_id,
id)`` and 3.6 s for the customers' ``org_id -> organisations`` — over half of what the server
spent on those two tables (measured on one machine: invoices 21.6 -> 11.9 s, customers 7.4 ->
3.8 s).

On PostgreSQL both keys (``fk_invoices_org_id_customers``, ``fk_customers_org_id_organisations``)
are replaced by triggers that enforce the same rule:

* rows inserted into the child (``INSERT`` or ``COPY``): one ``AFTER ... FOR EACH STATEMENT``
  trigger over the statement's new rows (a transition table) looks for a row whose parent does
  not exist — one join per statement;
* a child row whose key columns change: a row trigger, fired only when they change;
* a parent row deleted, or whose key columns change, while a child still names it: refused by a
  row trigger (the keys' ``NO ACTION``).

Each raises SQLSTATE 23503 (``foreign_key_violation``) naming the constraint, as the key did, so
SQLAlchemy raises the same ``IntegrityError``. What a real key does and these do not: lock the
parent row against a concurrent delete (amicable never deletes a customer or an organisation)
and refuse a ``TRUNCATE`` of the parent alone. SQLite keeps its keys (checked in-process, cheap).

Revision ID: ledger_0003
Revises: ledger_0002
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from alembic import op

revision: str = "ledger_0003"
down_revision: str | None = "ledger_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class _Key:
    """One foreign key checked by triggers: ``child (columns) -> parent (parent_columns)``."""

    def __init__(
        self,
        name: str,
        child: str,
        columns: tuple[str, ...],
        parent: str,
        parent_columns: tuple[str, ...],
    ) -> None:
        self.name, self.child, self.columns = name, child, columns
        self.parent, self.parent_columns = parent, parent_columns

    def _pairs(self, child: str, parent: str) -> str:
        return " AND ".join(
            f"{parent}.{p} = {child}.{c}"
            for c, p in zip(self.columns, self.parent_columns, strict=True)
        )

    def _changed(self, columns: tuple[str, ...]) -> str:
        return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)

    def _missing(self, values: str) -> str:
        """RAISE for a child key ``values`` (a record) whose parent does not exist."""
        key = ", ".join(self.columns)
        shown = ", ".join(f"{values}.{c}" for c in self.columns)
        return f"""
            RAISE EXCEPTION 'insert or update on table "{self.child}" violates foreign key constraint "{self.name}"'
              USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{self.name}',
                    TABLE = '{self.child}',
                    DETAIL = 'Key ({key})=(' || concat_ws(', ', {shown})
                             || ') is not present in table "{self.parent}".';"""

    def create(self) -> list[str]:
        fn = f"amicable_{self.name}"
        nulls = " AND ".join(f"n.{c} IS NOT NULL" for c in self.columns)
        row_nulls = " AND ".join(f"NEW.{c} IS NOT NULL" for c in self.columns)
        referenced = " AND ".join(
            f"c.{c} = OLD.{p}" for c, p in zip(self.columns, self.parent_columns, strict=True)
        )
        parent_key = ", ".join(self.parent_columns)
        shown_old = ", ".join(f"OLD.{p}" for p in self.parent_columns)
        return [
            f"""CREATE FUNCTION {fn}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE bad record;
            BEGIN
              SELECT * INTO bad FROM new_rows n
               WHERE {nulls}
                 AND NOT EXISTS (SELECT 1 FROM {self.parent} p WHERE {self._pairs("n", "p")})
               LIMIT 1;
              IF FOUND THEN {self._missing("bad")}
              END IF;
              RETURN NULL;
            END $$""",
            f"""CREATE TRIGGER {self.name}_inserted AFTER INSERT ON {self.child}
              REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
              EXECUTE FUNCTION {fn}_inserted()""",
            f"""CREATE FUNCTION {fn}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF {row_nulls} AND NOT EXISTS (
                   SELECT 1 FROM {self.parent} p WHERE {self._pairs("NEW", "p")}) THEN
                {self._missing("NEW")}
              END IF;
              RETURN NULL;
            END $$""",
            f"""CREATE TRIGGER {self.name}_changed AFTER UPDATE ON {self.child}
              FOR EACH ROW WHEN ({self._changed(self.columns)})
              EXECUTE FUNCTION {fn}_changed()""",
            f"""CREATE FUNCTION {fn}_parent() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM {self.child} c WHERE {referenced}) THEN
                RAISE EXCEPTION 'update or delete on table "{self.parent}" violates foreign key constraint "{self.name}" on table "{self.child}"'
                  USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{self.name}',
                        TABLE = '{self.parent}',
                        DETAIL = 'Key ({parent_key})=(' || concat_ws(', ', {shown_old})
                                 || ') is still referenced from table "{self.child}".';
              END IF;
              RETURN NULL;
            END $$""",
            f"""CREATE TRIGGER {self.name}_parent_deleted AFTER DELETE ON {self.parent}
              FOR EACH ROW EXECUTE FUNCTION {fn}_parent()""",
            f"""CREATE TRIGGER {self.name}_parent_changed AFTER UPDATE ON {self.parent}
              FOR EACH ROW WHEN ({self._changed(self.parent_columns)})
              EXECUTE FUNCTION {fn}_parent()""",
        ]

    def drop(self) -> list[str]:
        fn = f"amicable_{self.name}"
        return [
            f"DROP TRIGGER {self.name}_parent_changed ON {self.parent}",
            f"DROP TRIGGER {self.name}_parent_deleted ON {self.parent}",
            f"DROP TRIGGER {self.name}_changed ON {self.child}",
            f"DROP TRIGGER {self.name}_inserted ON {self.child}",
            f"DROP FUNCTION {fn}_parent()",
            f"DROP FUNCTION {fn}_changed()",
            f"DROP FUNCTION {fn}_inserted()",
        ]


KEYS: Final = (
    _Key("fk_invoices_org_id_customers", "invoices", ("org_id", "customer_id"), "customers",
         ("org_id", "id")),
    _Key("fk_customers_org_id_organisations", "customers", ("org_id",), "organisations", ("id",)),
)  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for key in KEYS:
        op.drop_constraint(key.name, key.child, type_="foreignkey")
        for statement in key.create():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for key in reversed(KEYS):
        for statement in key.drop():
            op.execute(statement)
        op.create_foreign_key(
            key.name, key.child, key.parent, list(key.columns), list(key.parent_columns)
        )
