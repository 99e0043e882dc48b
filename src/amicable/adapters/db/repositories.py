"""SQL implementations of the ledger ports (SQLAlchemy Core; no ORM objects on the hot path).

Invariants: every statement filters on (or writes) the unit of work's ``org_id``; bulk inserts
use one ``executemany`` per table per chunk, with ``RETURNING`` in parameter order where the caller
needs the new ids; lookups of import keys are batched (``IN`` lists of at most ``_BATCH`` keys).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from amicable.adapters.db import locks
from amicable.adapters.db.bulk import Bulk
from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.tables import (
    allocations,
    consents,
    contacts,
    customers,
    disputes,
    import_runs,
    invoices,
    ledger_entries,
    organisations,
    payments,
    policy_versions,
)
from amicable.domain.errors import Conflict, InvalidInput, NotFound
from amicable.domain.records import ConsentRecord
from amicable.service.ports import (
    CustomerRow,
    EntryRow,
    ExistingInvoice,
    ExistingPayment,
    InvoiceRow,
    NewCustomer,
    PaymentRow,
    PolicyVersion,
)

__all__ = ["SqlLedgerRepository", "SqlOrgRepository", "SqlPolicyVersionRepository", "batches"]

# Keys per IN list: below SQLite's limit of 32,766 bound parameters (3.32+) and PostgreSQL's of
# 65,535 a statement, large enough that a 10,000-row chunk costs two or three lookups.
_BATCH = 5000


def batches(keys: Collection[str] | Sequence[int]) -> Iterator[list[Any]]:
    """``keys`` once each, in file order, in lists of at most 5,000: the IN lists of a read that
    takes any number of keys (a whole portfolio's accounts)."""
    items = list(dict.fromkeys(keys))
    for i in range(0, len(items), _BATCH):
        yield items[i : i + _BATCH]


#: The policy in force, read on every conversation turn: built once.
_LATEST_POLICY = (
    select(policy_versions)
    .where(policy_versions.c.org_id == bindparam("org"))
    .order_by(policy_versions.c.version.desc())
    .limit(1)
)
_LATEST_POLICY_FAST = DriverStatement(_LATEST_POLICY)  # every conversation turn reads it
#: Every unit of work looks its organisation up by name: the statement is built once.
_ORG_ID = select(organisations.c.id).where(organisations.c.name == bindparam("name"))
# The customer file reads of every account looked at (agent loop, conversation turn), built once.
_CUSTOMERS = select(customers).where(
    customers.c.org_id == bindparam("org"),
    customers.c.external_id.in_(bindparam("keys", expanding=True)),
)
_CONTACTS = (
    select(contacts.c.customer_id, contacts.c.kind, contacts.c.value)
    .where(
        contacts.c.org_id == bindparam("org"),
        contacts.c.customer_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(contacts.c.id)
)
_CONSENTS = (
    select(consents)
    .where(
        consents.c.org_id == bindparam("org"),
        consents.c.customer_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(consents.c.id)
)


def _utc(value: datetime | None) -> datetime | None:
    """Instants read back aware in UTC (SQLite keeps no zone; amicable only ever stores UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _utc_required(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _keyed(stmt: Any, column: Any, dialect_name: str) -> Any:
    """``stmt`` narrowed to rows whose ``column`` is in the ``:keys`` list parameter.

    PostgreSQL: a join on ``unnest(:keys)`` (one array parameter; the planner probes the
    unique index per key). ``column = ANY(:keys)`` was turned into a filter over every row of the
    organisation while the table's statistics still described it as empty (mid-import), which
    costs rows x keys comparisons: 20 s for one 5,000-key lookup at 1M rows. SQLite: an
    expanding ``IN`` list.
    """
    if dialect_name == "postgresql":
        keys = (
            func.unnest(bindparam("keys", type_=ARRAY(column.type)))
            .table_valued("key")
            .render_derived(name="wanted")
        )
        return stmt.join(keys, column == keys.c.key)
    return stmt.where(column.in_(bindparam("keys", expanding=True)))


def _invoice_query(org: Any) -> Any:
    """Per invoice: balance, source adjustments (amount, latest date) and payments, of ``org``."""
    e = ledger_entries
    # Three comparisons, not ``IN (...)``: a literal IN list is an expanding parameter that
    # SQLAlchemy re-renders into the SQL text on every execution (30 us of each payment posted).
    source_adj = or_(*(e.c.reason == r
                       for r in ("settled_in_source", "source_changed", "explained_by_payment")))  # fmt: skip
    sums = (
        select(
            e.c.invoice_id,
            func.sum(e.c.amount_minor).label("balance"),
            func.sum(case((source_adj, e.c.amount_minor), else_=0)).label("source_adj"),
            func.max(case((e.c.reason == "settled_in_source", e.c.effective_on),
                          (e.c.reason == "source_changed", e.c.effective_on))).label("adj_on"),
            func.sum(case((e.c.kind == "payment", -e.c.amount_minor), else_=0)).label("paid"),
        )
        .where(e.c.org_id == org)
        .group_by(e.c.invoice_id)
    )  # fmt: skip
    return sums


def _invoice_select(org: Any, where: Any) -> Any:
    i = invoices
    sums = _invoice_query(org).where(where(ledger_entries.c.invoice_id)).subquery()
    return (
        select(i.c.id, i.c.customer_id, customers.c.external_id, i.c.number, i.c.issue_date,
               i.c.due_date, i.c.currency, i.c.amount_minor, i.c.dispute_status,
               i.c.description, sums.c.balance, sums.c.source_adj, sums.c.adj_on, sums.c.paid)
        .join(customers, customers.c.id == i.c.customer_id)
        .outerjoin(sums, sums.c.invoice_id == i.c.id)
        .where(i.c.org_id == org)
    )  # fmt: skip


# One customer's invoices in one currency with their sums (every payment posted reads them),
# built once: building this statement cost more than running it.
_OWN_INVOICES = (
    select(invoices.c.id)
    .where(
        invoices.c.org_id == bindparam("org"),
        invoices.c.customer_id == bindparam("customer"),
        invoices.c.currency == bindparam("currency"),
    )
    .scalar_subquery()
)
_OPEN_INVOICES = _invoice_select(bindparam("org"), lambda col: col.in_(_OWN_INVOICES)).where(
    invoices.c.customer_id == bindparam("customer"), invoices.c.currency == bindparam("currency")
)
# One payment posted (a provider event, a bank credit, a manual payment): one insert that returns
# its id, built once (add_payments asked for the highest id first; the new id is the same: the
# next rowid on SQLite, the next value of the id sequence on PostgreSQL).
_ADD_PAYMENT = insert(payments).returning(payments.c.id)


class SqlOrgRepository:
    """Organisations."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self._conn = conn
        self._now = now

    def create(self, name: str) -> int:
        name = name.strip()
        if not name:
            raise InvalidInput("an organisation needs a non-empty name")
        if self.id_of(name) is not None:
            raise Conflict(f"organisation {name!r} already exists")
        result = self._conn.execute(
            insert(organisations)
            .values(name=name, created_at=self._now)
            .returning(organisations.c.id)
        )
        return int(result.scalar_one())

    def list(self) -> list[tuple[int, str]]:
        rows = self._conn.execute(
            select(organisations.c.id, organisations.c.name).order_by(organisations.c.id)
        )
        return [(int(r.id), str(r.name)) for r in rows]

    def id_of(self, name: str) -> int | None:
        found = self._conn.execute(_ORG_ID, {"name": name}).scalar_one_or_none()
        return None if found is None else int(found)


class SqlPolicyVersionRepository:
    """Policy versions of one organisation."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now

    def _row(self, r: Any) -> PolicyVersion:
        return PolicyVersion(
            int(r.version), str(r.label), str(r.yaml), str(r.checksum), _utc_required(r.created_at)
        )

    def add(self, label: str, yaml_text: str) -> PolicyVersion:
        latest = self.latest()
        version = 1 if latest is None else latest.version + 1
        checksum = "sha256:" + hashlib.sha256(yaml_text.encode()).hexdigest()
        try:
            # A savepoint: when another process stored this version number first, the
            # transaction stays usable and the caller decides (re-read, or report the conflict).
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(policy_versions).values(
                        org_id=self._org, version=version, label=label, yaml=yaml_text,
                        checksum=checksum, created_at=self._now,
                    )
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(
                f"policy version {version} was stored concurrently by another process"
            ) from None
        return PolicyVersion(version, label, yaml_text, checksum, self._now)

    def latest(self) -> PolicyVersion | None:
        r = _LATEST_POLICY_FAST.first(self._conn, {"org": self._org})
        return None if r is None else self._row(r)

    def get(self, version: int) -> PolicyVersion:
        r = self._conn.execute(
            select(policy_versions).where(
                policy_versions.c.org_id == self._org, policy_versions.c.version == version
            )
        ).first()
        if r is None:
            raise NotFound(f"policy version {version} does not exist")
        return self._row(r)

    def list(self) -> list[PolicyVersion]:
        rows = self._conn.execute(
            select(policy_versions).where(policy_versions.c.org_id == self._org)
            .order_by(policy_versions.c.version)
        )  # fmt: skip
        return [self._row(r) for r in rows]


class SqlLedgerRepository:
    """One organisation's ledger."""

    def __init__(self, conn: Connection, org_id: int, now: datetime) -> None:
        self._conn = conn
        self._org = org_id
        self._now = now
        self._run_id: int | None = None
        self._bulk = Bulk(conn)

    # -- customers ------------------------------------------------------------------------

    def customer_ids(self, external_ids: Collection[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        stmt = _keyed(
            select(customers.c.external_id, customers.c.id).where(customers.c.org_id == self._org),
            customers.c.external_id,
            self._conn.dialect.name,
        )
        for batch in batches(external_ids):
            out.update((str(k), int(v)) for k, v in self._conn.execute(stmt, {"keys": batch}))
        return out

    def customers(self, external_ids: Collection[str]) -> dict[str, CustomerRow]:
        out: dict[str, CustomerRow] = {}
        for batch in batches(external_ids):
            rows = list(self._conn.execute(_CUSTOMERS, {"org": self._org, "keys": batch}))
            ids = [int(r.id) for r in rows]
            points: dict[int, list[tuple[str, str]]] = {}
            for c in self._conn.execute(_CONTACTS, {"org": self._org, "ids": ids}):
                points.setdefault(int(c.customer_id), []).append((str(c.kind), str(c.value)))
            latest = self.consents_in_force(ids)
            for r in rows:
                cid = int(r.id)
                pts = points.get(cid, [])
                out[str(r.external_id)] = CustomerRow(cid, NewCustomer(
                    external_id=str(r.external_id), name=str(r.name),
                    customer_type=str(r.customer_type), tier=r.tier, language=str(r.language),
                    country=r.country, region=r.region, timezone=r.timezone,
                    postal_address=r.postal_address, postal_code=r.postal_code,
                    tags=tuple(t for t in str(r.tags).split(",") if t),
                    emails=tuple(v for k, v in pts if k == "email"),
                    phones=tuple(v for k, v in pts if k == "phone"),
                    consents=tuple(latest.get(cid, ())),
                ))  # fmt: skip
        return out

    def consents_in_force(self, customer_ids: Sequence[int]) -> dict[int, list[ConsentRecord]]:
        """The latest consent record per channel of each customer."""
        out: dict[int, dict[str, ConsentRecord]] = {}
        for batch in batches(customer_ids):
            for c in self._conn.execute(_CONSENTS, {"org": self._org, "ids": batch}):
                out.setdefault(int(c.customer_id), {})[str(c.channel)] = ConsentRecord(
                    channel=c.channel, granted=bool(c.granted), at=_utc(c.at), source=str(c.source)
                )
        return {cid: list(per.values()) for cid, per in out.items()}

    def _customer_values(self, c: NewCustomer) -> dict[str, Any]:
        return {
            "external_id": c.external_id, "name": c.name, "customer_type": c.customer_type,
            "tier": c.tier, "language": c.language, "country": c.country, "region": c.region,
            "timezone": c.timezone, "postal_address": c.postal_address,
            "postal_code": c.postal_code, "tags": ",".join(c.tags),
        }  # fmt: skip

    _CUSTOMER_COLS = ("id", "org_id", "created_at", "external_id", "name", "customer_type", "tier",
                      "language", "country", "region", "timezone", "postal_address",
                      "postal_code", "tags")  # fmt: skip

    def add_customers(self, new: Sequence[NewCustomer]) -> dict[str, int]:
        if not new:
            return {}
        ids = self._bulk.ids(customers, len(new))
        now = self._bulk.stamp(customers.c.created_at, self._now)
        rows = [(cid, self._org, now, c.external_id, c.name, c.customer_type, c.tier, c.language,
                 c.country, c.region, c.timezone, c.postal_address, c.postal_code,
                 ",".join(c.tags)) for c, cid in zip(new, ids, strict=True)]  # fmt: skip
        self._bulk.insert(customers, self._CUSTOMER_COLS, rows)
        points: list[dict[str, Any]] = []
        given: list[dict[str, Any]] = []
        for c, cid in zip(new, ids, strict=True):
            points.extend(self._points(cid, c))
            given.extend(self._consents(cid, c.consents))
        if points:
            self._conn.execute(insert(contacts), points)
        if given:
            self._conn.execute(insert(consents), given)
        return {c.external_id: cid for c, cid in zip(new, ids, strict=True)}

    def _points(self, cid: int, c: NewCustomer) -> list[dict[str, Any]]:
        points = [("email", e) for e in c.emails] + [("phone", p) for p in c.phones]
        if c.postal_address:
            points.append(("postal", c.postal_address))
        return [{"org_id": self._org, "customer_id": cid, "kind": k, "value": v,
                 "created_at": self._now} for k, v in points]  # fmt: skip

    def _consents(self, cid: int, records: Sequence[ConsentRecord]) -> list[dict[str, Any]]:
        return [{"org_id": self._org, "customer_id": cid, "channel": r.channel,
                 "granted": r.granted, "at": r.at, "source": r.source, "recorded_at": self._now}
                for r in records]  # fmt: skip

    def _write_points(self, cid: int, c: NewCustomer) -> None:
        points = self._points(cid, c)
        if points:
            self._conn.execute(insert(contacts), points)

    def _write_consents(self, cid: int, records: Sequence[ConsentRecord]) -> None:
        if records:
            self._conn.execute(insert(consents), self._consents(cid, records))

    def update_customer(self, customer_id: int, customer: NewCustomer) -> None:
        self._conn.execute(
            update(customers).where(customers.c.org_id == self._org, customers.c.id == customer_id)
            .values(**self._customer_values(customer))
        )  # fmt: skip
        # Contact points are master data: the file's set replaces the stored set. Consents are
        # history: only a channel whose consent in force differs gets a new record.
        self._conn.execute(
            contacts.delete().where(
                contacts.c.org_id == self._org, contacts.c.customer_id == customer_id
            )
        )
        self._write_points(customer_id, customer)
        now_in_force = {
            (c.channel, c.granted)
            for c in self.consents_in_force([customer_id]).get(customer_id, [])
        }
        self._write_consents(
            customer_id,
            [r for r in customer.consents if (r.channel, r.granted) not in now_in_force],
        )

    # -- invoices -------------------------------------------------------------------------

    def _existing(self, r: Any) -> ExistingInvoice:
        return ExistingInvoice(
            id=int(r.id), customer_id=int(r.customer_id),
            customer_external_id=str(r.external_id), number=str(r.number),
            issue_date=r.issue_date, due_date=r.due_date, currency=str(r.currency),
            amount_minor=int(r.amount_minor), dispute_status=str(r.dispute_status),
            description=r.description, balance_minor=int(r.balance or 0),
            unexplained_minor=max(0, -int(r.source_adj or 0)), unexplained_on=r.adj_on,
            allocated_minor=int(r.paid or 0),
        )  # fmt: skip

    def _invoice_select(self, where: Any) -> Any:
        return _invoice_select(self._org, where)

    def invoices(self, numbers: Collection[str]) -> dict[str, ExistingInvoice]:
        out: dict[str, ExistingInvoice] = {}
        find = _keyed(
            select(invoices.c.id).where(invoices.c.org_id == self._org),
            invoices.c.number,
            self._conn.dialect.name,
        )
        for batch in batches(numbers):
            ids = list(self._conn.execute(find, {"keys": batch}).scalars())
            if not ids:
                continue
            stmt = self._invoice_select(lambda col, ids=ids: col.in_(ids)).where(
                invoices.c.id.in_(ids)
            )
            out.update({str(r.number): self._existing(r) for r in self._conn.execute(stmt)})
        return out

    def open_invoices(self, customer_id: int, currency: str) -> list[ExistingInvoice]:
        rows = self._conn.execute(
            _OPEN_INVOICES, {"org": self._org, "customer": customer_id, "currency": currency}
        )
        found = [self._existing(r) for r in rows]
        return sorted(
            (f for f in found if f.balance_minor > 0), key=lambda f: (f.due_date, f.number)
        )

    _INVOICE_COLS = ("id", "org_id", "customer_id", "number", "kind", "issue_date", "due_date",
                     "currency", "amount_minor", "dispute_status", "description", "import_run_id",
                     "created_at")  # fmt: skip

    def add_invoices(self, rows: Sequence[InvoiceRow]) -> list[int]:
        if not rows:
            return []
        ids = self._bulk.ids(invoices, len(rows))
        org, run = self._org, self._run_id
        now = self._bulk.stamp(invoices.c.created_at, self._now)
        day = self._bulk.day(invoices.c.issue_date)
        values = [
            (i, org, r.customer_id, r.number, r.kind, day(r.issue_date), day(r.due_date),
             r.currency, r.amount_minor, r.dispute_status, r.description, run, now)
            for r, i in zip(rows, ids, strict=True)
        ]  # fmt: skip
        self._bulk.insert(invoices, self._INVOICE_COLS, values)
        return ids

    def add_invoice_columns(
        self, *, customer_ids: Sequence[int], numbers: Sequence[str], kinds: Sequence[str],
        issue_iso: Sequence[str], due_iso: Sequence[str], currencies: Sequence[str],
        amounts_minor: Sequence[int], dispute_statuses: Sequence[str],
        descriptions: Sequence[str | None],
    ) -> list[int]:  # fmt: skip
        """New invoices from columns (dates as ``YYYY-MM-DD`` text); their ids, in order.

        Stores exactly what :meth:`add_invoices` stores for the same values: SQLite keeps a
        ``Date`` as ISO text and PostgreSQL's COPY reads ISO text, so no date objects are built.
        """
        n = len(numbers)
        if n == 0:
            return []
        ids = self._bulk.ids(invoices, n)
        now = self._bulk.stamp(invoices.c.created_at, self._now)
        self._bulk.insert_columns(invoices, self._INVOICE_COLS, [
            ids, [self._org] * n, customer_ids, numbers, kinds, issue_iso, due_iso, currencies,
            amounts_minor, dispute_statuses, descriptions, [self._run_id] * n, [now] * n,
        ])  # fmt: skip
        return ids

    def update_invoice(
        self, invoice_id: int, *, issue_date: date, due_date: date, description: str | None
    ) -> None:
        self._conn.execute(
            update(invoices).where(invoices.c.org_id == self._org, invoices.c.id == invoice_id)
            .values(issue_date=issue_date, due_date=due_date, description=description)
        )  # fmt: skip

    def record_open_disputes(self, invoice_ids: Sequence[int], reason: str | None) -> None:
        """Dispute records for invoices just written with ``dispute_status`` open (bulk)."""
        now = self._bulk.stamp(disputes.c.opened_at, self._now)
        rows = [(self._org, i, "open", reason, now) for i in invoice_ids]
        self._bulk.insert(disputes, ("org_id", "invoice_id", "status", "reason", "opened_at"), rows)

    def open_dispute(self, invoice_ids: Sequence[int], reason: str | None) -> None:
        for batch in batches(invoice_ids):
            self._conn.execute(
                update(invoices).where(invoices.c.org_id == self._org, invoices.c.id.in_(batch))
                .values(dispute_status="open")
            )  # fmt: skip
        self._conn.execute(insert(disputes), [
            {"org_id": self._org, "invoice_id": i, "status": "open", "reason": reason,
             "opened_at": self._now} for i in invoice_ids
        ])  # fmt: skip

    # -- payments -------------------------------------------------------------------------

    def payments(self, references: Collection[str]) -> dict[str, ExistingPayment]:
        out: dict[str, ExistingPayment] = {}
        p = payments
        for batch in batches(references):
            rows = self._conn.execute(
                select(p.c.id, customers.c.external_id, p.c.reference, p.c.received_on,
                       p.c.currency, p.c.amount_minor, p.c.invoice_number)
                .join(customers, customers.c.id == p.c.customer_id)
                .where(p.c.org_id == self._org, p.c.reference.in_(batch))
            )  # fmt: skip
            for r in rows:
                out[str(r.reference)] = ExistingPayment(
                    int(r.id),
                    str(r.external_id),
                    str(r.reference),
                    r.received_on,
                    str(r.currency),
                    int(r.amount_minor),
                    r.invoice_number,
                )
        return out

    _PAYMENT_COLS = ("id", "org_id", "customer_id", "reference", "received_on", "currency",
                     "amount_minor", "method", "invoice_number", "import_run_id", "created_at")  # fmt: skip

    def add_payments(self, rows: Sequence[PaymentRow]) -> list[int]:
        if not rows:
            return []
        ids = self._bulk.ids(payments, len(rows))
        now = self._bulk.stamp(payments.c.created_at, self._now)
        day = self._bulk.day(payments.c.received_on)
        values = [
            (i, self._org, r.customer_id, r.reference, day(r.received_on), r.currency,
             r.amount_minor, r.method, r.invoice_number, self._run_id, now)
            for r, i in zip(rows, ids, strict=True)
        ]  # fmt: skip
        self._bulk.insert(payments, self._PAYMENT_COLS, values)
        return ids

    def add_payment(self, row: PaymentRow) -> int:
        """One payment (not an import's): stored exactly as :meth:`add_payments` stores it."""
        return int(
            self._conn.execute(_ADD_PAYMENT, {
                "org_id": self._org, "customer_id": row.customer_id, "reference": row.reference,
                "received_on": row.received_on, "currency": row.currency,
                "amount_minor": row.amount_minor, "method": row.method,
                "invoice_number": row.invoice_number, "import_run_id": self._run_id,
                "created_at": self._now,
            }).scalar_one()
        )  # fmt: skip

    def add_allocations(self, rows: Sequence[tuple[int, int, str, int]]) -> None:
        self._bulk.insert(
            allocations, ("org_id", "payment_id", "invoice_id", "currency", "amount_minor"),
            [(self._org, p, i, c, m) for p, i, c, m in rows],
        )  # fmt: skip

    # -- entries and runs -------------------------------------------------------------------

    _ENTRY_COLS = ("org_id", "customer_id", "invoice_id", "payment_id", "kind", "reason",
                   "currency", "amount_minor", "effective_on", "recorded_at", "import_run_id")  # fmt: skip

    def add_entries(self, rows: Sequence[EntryRow]) -> None:
        if not rows:
            return
        org, run = self._org, self._run_id
        now = self._bulk.stamp(ledger_entries.c.recorded_at, self._now)
        day = self._bulk.day(ledger_entries.c.effective_on)
        values = [
            (org, r.customer_id, r.invoice_id, r.payment_id, r.kind, r.reason, r.currency,
             r.amount_minor, day(r.effective_on), now, run)
            for r in rows
        ]  # fmt: skip
        self._bulk.insert(ledger_entries, self._ENTRY_COLS, values)

    def add_entry_columns(
        self, *, customer_ids: Sequence[int], invoice_ids: Sequence[int], kinds: Sequence[str],
        reasons: Sequence[str], currencies: Sequence[str], amounts_minor: Sequence[int],
        effective_iso: Sequence[str],
    ) -> None:  # fmt: skip
        """Invoice entries from columns (dates as ``YYYY-MM-DD`` text), stored exactly as
        :meth:`add_entries` stores them."""
        n = len(invoice_ids)
        if n == 0:
            return
        now = self._bulk.stamp(ledger_entries.c.recorded_at, self._now)
        # With their ids, drawn in blocks (``Bulk.ids``, once per batch): left to the column's
        # default, PostgreSQL ran ``nextval`` once per row inside the COPY — 13 s of the server's
        # CPU for 1,000,000 entries instead of 7 s. (The row path above, a payment's few
        # entries, keeps the default: drawing ids would cost it a round trip.)
        self._bulk.insert_columns(ledger_entries, ("id", *self._ENTRY_COLS), [
            self._bulk.ids(ledger_entries, n), [self._org] * n, customer_ids, invoice_ids,
            [None] * n, kinds, reasons, currencies, amounts_minor, effective_iso, [now] * n,
            [self._run_id] * n,
        ])  # fmt: skip

    def start_import(self, kind: str, source: str) -> int:
        # One import per organisation at a time.
        locks.hold(self._conn, locks.IMPORT, self._org)
        result = self._conn.execute(
            insert(import_runs).values(org_id=self._org, kind=kind, source=source, started_at=self._now)
            .returning(import_runs.c.id)
        )  # fmt: skip
        self._run_id = int(result.scalar_one())
        return self._run_id

    def holds_nothing(self) -> bool:
        org = self._org
        for table in (customers, invoices):
            if self._conn.execute(select(table.c.id).where(table.c.org_id == org).limit(1)).first():
                return False
        return True

    def finish_import(
        self, run_id: int, *, imported: int, updated: int, unchanged: int, refused: int
    ) -> None:
        self._conn.execute(
            update(import_runs).where(and_(import_runs.c.org_id == self._org, import_runs.c.id == run_id))
            .values(imported=imported, updated=updated, unchanged=unchanged, refused=refused)
        )  # fmt: skip

    def refresh_customer_statistics(self) -> None:
        # Until autovacuum's first analyse (up to a minute after a load, longer under load),
        # PostgreSQL has no statistics of a freshly loaded table, and with none it looked a
        # customer up by reference through the (org_id, id) index, reading every customer of
        # the organisation: 0.4 ms of the server's CPU for each conversation turn instead of
        # 0.09. ANALYZE takes a lock that blocks neither reads nor writes.
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("ANALYZE customers, contacts, consents")
