"""Read-side SQL for reports (aging, DSO, accounts): aggregates computed in the database.

Invariants: every statement filters on the organisation; balances are sums of ledger entries
dated on or before the as-of date (never a stored balance); amounts leave as integer minor units
with their currency, and the service layer turns them into ``Money``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from amicable.adapters.db.driver import DriverStatement
from amicable.adapters.db.repositories import batches
from amicable.adapters.db.tables import (
    allocations,
    customers,
    invoices,
    ledger_entries,
    payments,
)
from amicable.adapters.db.tables_payments import payment_plans, promises
from amicable.service.ports import (
    AccountInvoice,
    AccountPayment,
    AccountRows,
    CustomerRef,
    NewCustomer,
)

__all__ = ["SqlLedgerReader"]

e = ledger_entries
i = invoices
mine = invoices.alias("mine")
theirs = payments.alias("theirs")
#: Up to this many accounts, per-account reads go through the accounts' own rows (see below).
_FEW = 50
# The customer look-ups of every payment posted (by external id or name, by id), built once.
_CUSTOMER_REF = select(customers.c.id, customers.c.external_id, customers.c.name,
                       customers.c.customer_type).where(customers.c.org_id == bindparam("org"))  # fmt: skip
#: Every inbound message and payment resolves its account: on the driver's cursor.
_CUSTOMER_BY_EXTERNAL_ID = DriverStatement(
    _CUSTOMER_REF.where(customers.c.external_id == bindparam("ref"))
)
_CUSTOMER_BY_NAME = _CUSTOMER_REF.where(customers.c.name == bindparam("ref")).order_by(
    customers.c.id
)
_CUSTOMERS_BY_ID = _CUSTOMER_REF.where(customers.c.id.in_(bindparam("ids", expanding=True)))


def _none(type_: Any) -> Any:
    return cast(null(), type_)


def _account_ledger() -> Any:
    """One account's ledger as of ``:as_of`` in one statement (a conversation turn reads it on
    every message): a ``kind`` column tells the four row sets apart, each one the same query
    as the corresponding method below (:meth:`SqlLedgerReader.invoice_balances`,
    ``unallocated``, ``settlements``, ``payments_of`` without the allocations)::

        i  invoice:     id, number, issue date, due date, currency, amount, open, dispute status
        u  unallocated:                                   currency,         sum
        s  settlement:              due date, paid on
        p  payment:     id, reference, received on,       currency, amount,      method
        a  arrangement: id, plan or promise key                                  status

    (``a``: the account's active payment plans and open promises — whether the turn needs to
    read one in force; almost every account has none, and then it costs no statement.)

    Built once with bind parameters (``org``, ``customer``, ``as_of``)."""
    org: Any = bindparam("org")
    cid: Any = bindparam("customer")
    as_of: Any = bindparam("as_of")
    own = select(mine.c.id).where(mine.c.org_id == org, mine.c.customer_id == cid)
    invoice_rows = (
        select(literal("i", String).label("kind"), i.c.id.label("id"),
               i.c.number.label("number"), i.c.issue_date.label("d1"),
               i.c.due_date.label("d2"), i.c.currency.label("currency"),
               i.c.amount_minor.label("amount"), func.sum(e.c.amount_minor).label("open"),
               i.c.dispute_status.label("status"))
        .join(e, e.c.invoice_id == i.c.id)
        .where(i.c.org_id == org, e.c.org_id == org, e.c.effective_on <= as_of,
               i.c.customer_id == cid, e.c.invoice_id.in_(own))
        .group_by(i.c.id, i.c.customer_id, i.c.number, i.c.issue_date, i.c.due_date,
                  i.c.currency, i.c.amount_minor, i.c.dispute_status)
    )  # fmt: skip
    unallocated_rows = (
        select(literal("u", String), _none(i.c.id.type), _none(String), _none(Date),
               _none(Date), e.c.currency, _none(Integer), func.sum(e.c.amount_minor),
               _none(String))
        .where(e.c.org_id == org, e.c.invoice_id.is_(None), e.c.effective_on <= as_of,
               e.c.customer_id == cid)
        .group_by(e.c.customer_id, e.c.currency)
    )  # fmt: skip
    p = payments
    settlement_rows = (
        select(literal("s", String), _none(i.c.id.type), _none(String), i.c.due_date,
               p.c.received_on, _none(String), _none(Integer), _none(Integer), _none(String))
        .select_from(allocations.join(p, p.c.id == allocations.c.payment_id)
                     .join(i, i.c.id == allocations.c.invoice_id))
        .where(allocations.c.org_id == org, p.c.received_on <= as_of, p.c.customer_id == cid,
               allocations.c.payment_id.in_(
                   select(theirs.c.id).where(theirs.c.org_id == org,
                                             theirs.c.customer_id == cid)))
    )  # fmt: skip
    payment_rows = (
        select(literal("p", String), p.c.id, p.c.reference, p.c.received_on, _none(Date),
               p.c.currency, p.c.amount_minor, _none(Integer), p.c.method)
        .where(p.c.org_id == org, p.c.customer_id == cid, p.c.received_on <= as_of)
    )  # fmt: skip
    plans, promised = payment_plans, promises
    arrangement_rows = [
        select(literal("a", String), t.c.id, key, _none(Date), _none(Date), _none(String),
               _none(Integer), _none(Integer), t.c.status)
        .where(t.c.org_id == org, t.c.customer_id == cid, t.c.status == status)
        for t, key, status in ((plans, plans.c.plan_key, "active"),
                               (promised, promised.c.promise_key, "open"))
    ]  # fmt: skip
    return union_all(
        invoice_rows, unallocated_rows, settlement_rows, payment_rows, *arrangement_rows
    )


_ACCOUNT_LEDGER = _account_ledger()
_CUSTOMER = select(customers).where(
    customers.c.org_id == bindparam("org"), customers.c.external_id == bindparam("ref")
)
# A conversation turn reads the account with these two: on the driver's cursor.
_TURN_CUSTOMER = DriverStatement(_CUSTOMER)
_TURN_LEDGER = DriverStatement(_ACCOUNT_LEDGER)


class SqlLedgerReader:
    """Report queries on one organisation's ledger."""

    def __init__(self, conn: Connection, org_id: int) -> None:
        self._conn = conn
        self._org = org_id

    def _due(self) -> Any:
        # An unallocated credit has no invoice: it is aged from its own date.
        return func.coalesce(i.c.due_date, e.c.effective_on)

    def aging_rows(self, as_of: date, *, by_customer: bool) -> Iterator[tuple[int, date, str, int]]:
        """``(customer_id or 0, due_date, currency, minor)`` sums of entries up to ``as_of``.

        Aging is linear in the amounts, so summing entries by due date gives exactly the sum of
        the open amounts of the invoices due that day.
        """
        due = self._due().label("due")
        cols: list[Any] = [due, e.c.currency, func.sum(e.c.amount_minor).label("minor")]
        group: list[Any] = [due, e.c.currency]
        if by_customer:
            cols.insert(0, e.c.customer_id)
            group.insert(0, e.c.customer_id)
        stmt = (
            select(*cols)
            .select_from(e.outerjoin(i, i.c.id == e.c.invoice_id))
            .where(e.c.org_id == self._org, e.c.effective_on <= as_of)
            .group_by(*group)
        )
        for r in self._conn.execute(stmt):
            yield (int(r.customer_id) if by_customer else 0, _date(r.due), str(r.currency),
                   int(r.minor))  # fmt: skip

    def balances(self, as_of: date, *, due_on_or_after: date | None = None) -> dict[str, int]:
        """Total AR per currency as of a date (optionally only items not yet past due)."""
        stmt = (
            select(e.c.currency, func.sum(e.c.amount_minor))
            .select_from(e.outerjoin(i, i.c.id == e.c.invoice_id))
            .where(e.c.org_id == self._org, e.c.effective_on <= as_of)
            .group_by(e.c.currency)
        )
        if due_on_or_after is not None:
            stmt = stmt.where(self._due() >= due_on_or_after)
        return {str(c): int(m) for c, m in self._conn.execute(stmt)}

    def sales_by_day(self, start: date, end: date) -> list[tuple[date, str, int]]:
        """Credit sales (invoices issued, credit notes excluded) per day in ``[start, end]``."""
        stmt = (
            select(e.c.effective_on, e.c.currency, func.sum(e.c.amount_minor))
            .where(e.c.org_id == self._org, e.c.kind == "invoice", e.c.amount_minor > 0,
                   e.c.effective_on >= start, e.c.effective_on <= end)
            .group_by(e.c.effective_on, e.c.currency)
        )  # fmt: skip
        return [(_date(d), str(c), int(m)) for d, c, m in self._conn.execute(stmt)]

    def customer_refs(self, ids: list[int] | None = None) -> dict[int, CustomerRef]:
        if ids is None:
            rows: Iterable[Any] = self._conn.execute(_CUSTOMER_REF, {"org": self._org})
        else:
            rows = chain.from_iterable(
                self._conn.execute(_CUSTOMERS_BY_ID, {"org": self._org, "ids": batch})
                for batch in batches(ids)
            )
        return {int(r.id): CustomerRef(int(r.id), str(r.external_id), str(r.name),
                                       str(r.customer_type)) for r in rows}  # fmt: skip

    def find_customers(self, ref: str) -> list[CustomerRef]:
        """Customers whose external id is ``ref``, else whose exact name is ``ref``."""
        params = {"org": self._org, "ref": ref}
        rows = _CUSTOMER_BY_EXTERNAL_ID.all(self._conn, params)
        if not rows:
            rows = list(self._conn.execute(_CUSTOMER_BY_NAME, params))
        return [
            CustomerRef(int(r.id), str(r.external_id), str(r.name), str(r.customer_type))
            for r in rows
        ]

    def invoice_balances(
        self, as_of: date, customer_id: int | None = None, *, open_only: bool = False
    ) -> Iterator[AccountInvoice]:
        """Every invoice (of one customer, or all) with its open amount as of ``as_of``; only
        those whose open amount is not zero with ``open_only``."""
        stmt = (
            select(i.c.id, i.c.customer_id, i.c.number, i.c.issue_date, i.c.due_date,
                   i.c.currency, i.c.amount_minor, i.c.dispute_status,
                   func.sum(e.c.amount_minor).label("open"))
            .join(e, e.c.invoice_id == i.c.id)
            .where(i.c.org_id == self._org, e.c.org_id == self._org, e.c.effective_on <= as_of)
            .group_by(i.c.id, i.c.customer_id, i.c.number, i.c.issue_date, i.c.due_date,
                      i.c.currency, i.c.amount_minor, i.c.dispute_status)
        )  # fmt: skip
        if customer_id is not None:
            # The entries are reached through the customer's own invoices: without statistics
            # SQLite otherwise walks every entry of the organisation (10 ms an account at 1,000
            # accounts, linear in the ledger), and a conversation turn reads one account.
            own = select(mine.c.id).where(mine.c.org_id == self._org,
                                          mine.c.customer_id == customer_id)  # fmt: skip
            stmt = stmt.where(i.c.customer_id == customer_id, e.c.invoice_id.in_(own))
        else:
            # Every invoice (the agent loop, once a pass): the entries are summed per invoice
            # first, along the (org, invoice) index, then joined to their invoices — half the
            # time of grouping the joined rows by every invoice column. Invoice id order, as
            # that grouping gave on SQLite.
            summed = (
                select(e.c.invoice_id, func.sum(e.c.amount_minor).label("open"))
                .where(e.c.org_id == self._org, e.c.invoice_id.is_not(None),
                       e.c.effective_on <= as_of)
                .group_by(e.c.invoice_id)
            )  # fmt: skip
            if open_only:
                # Most invoices are paid (87 % after 30 simulated days): their rows are left out.
                summed = summed.having(func.sum(e.c.amount_minor) != 0)
            sums = summed.subquery()
            stmt = (
                select(i.c.id, i.c.customer_id, i.c.number, i.c.issue_date, i.c.due_date,
                       i.c.currency, i.c.amount_minor, i.c.dispute_status, sums.c.open)
                .join(sums, sums.c.invoice_id == i.c.id)
                .where(i.c.org_id == self._org)
                .order_by(i.c.id)
            )  # fmt: skip
        for r in self._conn.execute(stmt):
            if open_only and not r.open:
                continue
            yield AccountInvoice(int(r.id), int(r.customer_id), str(r.number), _date(r.issue_date),
                                 _date(r.due_date), str(r.currency), int(r.amount_minor),
                                 int(r.open), str(r.dispute_status))  # fmt: skip

    def unallocated(
        self, as_of: date, customer_id: int | None = None
    ) -> dict[tuple[int, str], int]:
        """Unallocated credits per (customer, currency) as of a date."""
        stmt = (
            select(e.c.customer_id, e.c.currency, func.sum(e.c.amount_minor))
            .where(e.c.org_id == self._org, e.c.invoice_id.is_(None), e.c.effective_on <= as_of)
            .group_by(e.c.customer_id, e.c.currency)
        )
        if customer_id is not None:
            stmt = stmt.where(e.c.customer_id == customer_id)
        return {(int(c), str(cur)): int(m) for c, cur, m in self._conn.execute(stmt)}

    def payments_of(self, customer_id: int, as_of: date) -> list[AccountPayment]:
        """A customer's payments up to ``as_of``, newest first, with their allocations."""
        p = payments
        rows = list(self._conn.execute(
            select(p.c.id, p.c.reference, p.c.received_on, p.c.currency, p.c.amount_minor, p.c.method)
            .where(p.c.org_id == self._org, p.c.customer_id == customer_id, p.c.received_on <= as_of)
            .order_by(p.c.received_on.desc(), p.c.id.desc())
        ))  # fmt: skip
        allocs: dict[int, list[tuple[str, int, date]]] = {}
        if rows:
            for a in self._conn.execute(
                select(allocations.c.payment_id, i.c.number, allocations.c.amount_minor, i.c.due_date)
                .join(i, i.c.id == allocations.c.invoice_id)
                .where(allocations.c.org_id == self._org,
                       allocations.c.payment_id.in_([int(r.id) for r in rows]))
                .order_by(allocations.c.id)
            ):  # fmt: skip
                allocs.setdefault(int(a.payment_id), []).append(
                    (str(a.number), int(a.amount_minor), _date(a.due_date))
                )
        return [AccountPayment(int(r.id), str(r.reference), _date(r.received_on), str(r.currency),
                               int(r.amount_minor), r.method, tuple(allocs.get(int(r.id), ())))
                for r in rows]  # fmt: skip

    def settlements(
        self, customer_ids: list[int], as_of: date
    ) -> dict[int, list[tuple[date, date]]]:
        """``(due_date, paid_on)`` of every allocation up to ``as_of``, per customer."""
        out: dict[int, list[tuple[date, date]]] = {}
        p = payments
        for batch in batches(customer_ids):
            stmt = (
                select(p.c.customer_id, i.c.due_date, p.c.received_on)
                .select_from(allocations.join(p, p.c.id == allocations.c.payment_id)
                             .join(i, i.c.id == allocations.c.invoice_id))
                .where(allocations.c.org_id == self._org, p.c.received_on <= as_of,
                       p.c.customer_id.in_(batch))
            )  # fmt: skip
            if len(batch) <= _FEW:
                # A few accounts (a conversation turn, a payment): the allocations are reached
                # through their own payments, not by walking every allocation of the
                # organisation (what SQLite does without statistics; linear in the ledger).
                stmt = stmt.where(allocations.c.payment_id.in_(
                    select(theirs.c.id).where(theirs.c.org_id == self._org,
                                              theirs.c.customer_id.in_(batch))))  # fmt: skip
            for r in self._conn.execute(stmt):
                out.setdefault(int(r.customer_id), []).append(
                    (_date(r.due_date), _date(r.received_on))
                )
        return out

    def account_rows(self, external_id: str, as_of: date) -> AccountRows | None:
        c = _TURN_CUSTOMER.first(self._conn, {"org": self._org, "ref": external_id})
        if c is None:
            return None
        cid = int(c.id)
        invs: list[AccountInvoice] = []
        unallocated: dict[str, int] = {}
        settled: list[tuple[date, date]] = []
        pays: list[AccountPayment] = []
        arranged: list[str] = []
        params = {"org": self._org, "customer": cid, "as_of": as_of}
        for r in _TURN_LEDGER.all(self._conn, params):
            kind = r.kind
            if kind == "i":
                invs.append(AccountInvoice(int(r.id), cid, str(r.number), _date(r.d1),
                                           _date(r.d2), str(r.currency), int(r.amount),
                                           int(r.open), str(r.status)))  # fmt: skip
            elif kind == "u":
                unallocated[str(r.currency)] = int(r.open)
            elif kind == "s":
                settled.append((_date(r.d1), _date(r.d2)))
            elif kind == "a":
                arranged.append(str(r.number))
            else:
                pays.append(AccountPayment(int(r.id), str(r.number), _date(r.d1),
                                           str(r.currency), int(r.amount), r.status, ()))  # fmt: skip
        # The order of payments_of: newest first, then the higher id.
        pays.sort(key=lambda p: (p.received_on, p.id), reverse=True)
        customer = NewCustomer(
            external_id=str(c.external_id), name=str(c.name), customer_type=str(c.customer_type),
            tier=c.tier, language=str(c.language), country=c.country, region=c.region,
            timezone=c.timezone, postal_address=c.postal_address, postal_code=c.postal_code,
            tags=tuple(t for t in str(c.tags).split(",") if t),
        )  # fmt: skip
        return AccountRows(
            CustomerRef(cid, str(c.external_id), str(c.name), str(c.customer_type)),
            customer,
            tuple(invs),
            unallocated,
            tuple(settled),
            tuple(pays),
            tuple(sorted(arranged)),
        )


def _date(value: Any) -> date:
    # SQLite returns dates from aggregates (coalesce) as ISO strings: parse them back.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
