"""The import use cases: customers, invoices and payments from a stream of records into the ledger.

Input is what the parsers yield — records and :class:`RowError` values, in file order — so a file
of any size streams through in chunks (``chunk_size`` records) with one lookup and one bulk insert
per table per chunk.

Rules
-----
* **All-or-nothing** by default: every error of the file is collected (parser errors and the use
  case's own: duplicate key within the file, currency or customer change of an existing invoice,
  changed payment …) and nothing is written if there is any. ``skip_invalid=True`` writes the
  valid rows and reports the rest. ``dry_run=True`` writes nothing and reports what would happen.
* **Columnar batches**: besides records, the invoice stream may carry :class:`InvoiceBatch`
  values — many rows already validated by a reader's vectorised fast path, as plain columns
  (integer minor units, ISO dates), so a million-row file needs no per-row objects. A batch gets
  exactly the treatment its rows would get as records: when any of its numbers repeats an earlier
  one or already exists in the ledger, it is turned back into records and takes the record path.
* **Idempotent**: importing the same file twice reports everything ``unchanged`` the second time.
* **Never overwrite money**: an invoice's open amount is the sum of its ledger entries. The first
  import posts the invoice (dated at issue) and, when the source says part is already settled, a
  ``settled_in_source`` adjustment (dated at import). A later file with another open amount posts
  a ``source_changed`` adjustment for the difference (counted as ``updated``). A payment applied to
  an invoice whose settlement the source already reported posts the payment (dated at receipt)
  *and* an ``explained_by_payment`` adjustment cancelling the same amount of the unexplained
  settlement, so the balance stays what the source says while the history gains its real dates.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice, repeat
from typing import Final, TypeVar, cast

from amicable.domain.ledger import OpenInvoice, allocate_oldest_first
from amicable.domain.money import Money
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord, RowError
from amicable.service import outcomes
from amicable.service.api_ports import ApiUnitOfWork
from amicable.service.ports import (
    EntryRow,
    ExistingInvoice,
    InvoiceRow,
    NewCustomer,
    PaymentRow,
    UnitOfWork,
)

__all__ = [
    "DEFAULT_CHUNK",
    "ImportResult",
    "InvoiceBatch",
    "import_customers",
    "import_invoices",
    "import_payments",
]

DEFAULT_CHUNK = 10_000
#: Customers written by one import from which it counts as a bulk load: the database's planner
#: statistics of the customer file are refreshed after it (smaller ones leave that to the
#: database's own schedule; a few hundred rows more or less do not change a plan).
BULK_LOAD_ROWS = 500
#: The reason recorded on a dispute an imported file opens (the file's disputed flag).
_DISPUTED_IN_FILE: Final = "marked disputed in the imported file"

R = TypeVar("R")
T = TypeVar("T")
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would have done).

    Attributes:
        imported: new records written.
        updated: existing records changed (a new adjustment entry, a changed header).
        unchanged: records identical to what was already stored.
        errors: every refused row, in file order.
        written: True when the changes were committed.
    """

    imported: int
    updated: int
    unchanged: int
    errors: tuple[RowError, ...]
    written: bool
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def to_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.to_json() for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class InvoiceBatch:
    """Consecutive valid invoice rows of a file as columns (one list per field, same length).

    Invariants (the reader that builds a batch guarantees them; they are the conditions under
    which the row parser would have yielded the same :class:`InvoiceRecord` values): dates are
    real ``YYYY-MM-DD`` dates with ``due_iso >= issue_iso``; ``currency`` is an ISO 4217 code;
    amounts are integer minor units of it with ``0 <= open <= amount`` or
    ``amount <= open <= 0``; numbers are non-empty and unique within the file; ``customer_ref``
    is non-empty; empty names and descriptions are None.
    """

    line: list[int]
    customer_ref: list[str]
    customer_name: list[str | None]
    number: list[str]
    issue_iso: list[str]
    due_iso: list[str]
    currency: list[str]
    amount_minor: list[int]
    open_minor: list[int]
    disputed: list[bool]
    description: list[str | None]

    def __len__(self) -> int:
        return len(self.line)

    def records(self) -> list[InvoiceRecord]:
        """The same rows as records (the slow path, for batches that need row-by-row care)."""
        return [
            InvoiceRecord(
                line=line, customer_ref=ref, number=number,
                issue_date=date.fromisoformat(issue), due_date=date.fromisoformat(due),
                amount=Money.from_minor(amount, code), open_amount=Money.from_minor(open_, code),
                customer_name=name, disputed=disputed, description=description, extra={},
            )
            for line, ref, name, number, issue, due, code, amount, open_, disputed, description
            in zip(self.line, self.customer_ref, self.customer_name, self.number, self.issue_iso,
                   self.due_iso, self.currency, self.amount_minor, self.open_minor,
                   self.disputed, self.description, strict=True)
        ]  # fmt: skip


@dataclass
class _Tally:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _ImportRun:
    """What one import knows as it goes.

    Attributes:
        seen: invoice number -> first line, for duplicates within the file (invoice imports).
        customers: customer external id -> id, for every customer looked up or created so far.
        fresh: the organisation held no customer and no invoice when the import started (and,
            imports being serialised per organisation, nothing else adds any meanwhile): every
            invoice and customer in the ledger is then one this run wrote, so it is in ``seen``
            or ``customers`` and the ledger need not be asked. A first import of a whole ledger
            skips a million lookups.
    """

    fresh: bool
    seen: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    #: account reference -> the numbers of its invoices this run marked disputed (new ones
    #: imported disputed, known ones newly disputed): one ``dispute.opened`` each at the commit
    disputes: dict[str, list[str]] = field(default_factory=dict)

    def disputed(self, account: str, number: str) -> None:
        self.disputes.setdefault(account, []).append(number)


def _chunks(items: Iterable[R], size: int) -> Iterator[list[R]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _weighed_chunks(items: Iterable[R], rows: int) -> Iterator[list[R]]:
    # A columnar batch weighs its rows, so read-ahead memory stays bounded by rows, not items.
    chunk: list[R] = []
    weight = 0
    for item in items:
        chunk.append(item)
        weight += len(item) if isinstance(item, InvoiceBatch) else 1
        if weight >= rows:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


_DONE = object()


def prefetched(
    items: Iterable[R], *, chunk_size: int = DEFAULT_CHUNK, depth: int = 3
) -> Iterator[R]:
    """Iterate ``items`` while a background thread reads ahead (at most ``depth`` chunks).

    Parsing a file is Python work; writing a chunk is mostly database work that releases the GIL
    (SQLite steps, PostgreSQL COPY). Reading ahead in a thread lets the two overlap on a 2-core
    machine. Memory stays bounded by about ``depth × chunk_size`` rows (a columnar batch counts
    its rows) plus one batch. An exception raised by the
    reader is re-raised in the consumer, at the point it happened in the stream.
    """
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in _weighed_chunks(items, chunk_size):
                while not stop.is_set():
                    try:
                        box.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            box.put(exc)

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            got = box.get()
            if got is _DONE:
                return
            if isinstance(got, BaseException):
                raise got
            yield from cast("list[R]", got)
    finally:
        stop.set()
        reader.join(timeout=5)


def _finish(
    uow: UnitOfWork,
    run_id: int,
    tally: _Tally,
    *,
    dry_run: bool,
    skip_invalid: bool,
    before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    if dry_run or (tally.errors and not skip_invalid):
        uow.rollback()
        written = False
    else:
        uow.ledger.finish_import(
            run_id,
            imported=tally.imported,
            updated=tally.updated,
            unchanged=tally.unchanged,
            refused=len(tally.errors),
        )
        if before_commit is not None:
            before_commit()
        uow.commit()
        written = True
    errors = tuple(sorted(tally.errors, key=lambda e: e.line))
    if not written and not dry_run:
        # A refused file wrote nothing: say so instead of counting rows that are not there.
        return ImportResult(0, 0, 0, errors, written=False)
    return ImportResult(tally.imported, tally.updated, tally.unchanged, errors, written, dry_run)


def _later(a: date, b: date) -> date:
    return a if a >= b else b


# -- invoices ----------------------------------------------------------------------------------


def import_invoices(
    uow: ApiUnitOfWork,
    records: Iterable[InvoiceRecord | RowError | InvoiceBatch],
    *,
    source: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> ImportResult:
    """Import invoices (and credit notes) into the unit of work's organisation; commits itself.

    ``records`` may mix records, row errors and columnar :class:`InvoiceBatch` values (from
    :func:`amicable.adapters.importers.read_invoice_batches`), in file order."""
    with uow:
        tally = _Tally()
        run_id = uow.ledger.start_import("invoices", source)
        run = _ImportRun(fresh=uow.ledger.holds_nothing())
        pending: list[InvoiceRecord | RowError] = []

        def flush() -> None:
            if pending:
                writing = not dry_run and (skip_invalid or not tally.errors)
                _invoice_chunk(uow, pending, tally, run, writing)
                if progress is not None:
                    progress(len(pending))
                pending.clear()

        for item in records:
            if isinstance(item, InvoiceBatch):
                flush()
                writing = not dry_run and (skip_invalid or not tally.errors)
                _invoice_batch(uow, item, tally, run, writing)
                if progress is not None:
                    progress(len(item))
                continue
            pending.append(item)
            if len(pending) >= chunk_size:
                flush()
        flush()

        def disputes_opened() -> None:
            # In the import's transaction: the audit trail and the write-back outbox learn of
            # every dispute the file opened, as of one a debtor raises in a conversation.
            for account, numbers in sorted(run.disputes.items()):
                outcomes.dispute_opened(
                    uow, account=account, source="import", reason=_DISPUTED_IN_FILE,
                    invoices=numbers,
                )  # fmt: skip

        return _finish(
            uow, run_id, tally, dry_run=dry_run, skip_invalid=skip_invalid,
            before_commit=disputes_opened,
        )  # fmt: skip


def _invoice_batch(
    uow: UnitOfWork, batch: InvoiceBatch, tally: _Tally, run: _ImportRun, writing: bool
) -> None:
    """New invoices of a columnar batch written straight from its columns.

    Anything that needs a per-row decision (a number seen before in the file, an invoice already
    in the ledger) sends the whole batch down the record path, which owns those rules.
    """
    numbers = batch.number
    seen = run.seen
    if (
        len(set(numbers)) != len(numbers)
        or not seen.keys().isdisjoint(numbers)
        or (not run.fresh and uow.ledger.invoices(numbers))
    ):
        _invoice_chunk(uow, list(batch.records()), tally, run, writing)
        return
    seen.update(zip(numbers, batch.line, strict=True))
    customer_ids = _ensure_customers(
        uow, dict(zip(batch.customer_ref, batch.customer_name, strict=True)), run, writing=writing
    )
    tally.imported += len(batch)
    if not writing:
        return
    today_iso = uow.today.isoformat()
    cids = [customer_ids[ref] for ref in batch.customer_ref]
    ids = uow.ledger.add_invoice_columns(
        customer_ids=cids, numbers=numbers,
        kinds=["credit_note" if a < 0 else "invoice" for a in batch.amount_minor],
        issue_iso=batch.issue_iso, due_iso=batch.due_iso, currencies=batch.currency,
        amounts_minor=batch.amount_minor,
        dispute_statuses=["open" if d else "none" for d in batch.disputed],
        descriptions=batch.description,
    )  # fmt: skip
    # The same entries, in the same order, as the record path: per invoice its "issued" entry,
    # then a "settled_in_source" adjustment when the source says part is already settled.
    settled = [i for i, (a, o) in enumerate(zip(batch.amount_minor, batch.open_minor, strict=True))
               if a != o]  # fmt: skip
    if not settled:  # one "issued" entry per invoice: the batch's own columns
        uow.ledger.add_entry_columns(
            customer_ids=cids, invoice_ids=ids, kinds=["invoice"] * len(ids),
            reasons=["issued"] * len(ids), currencies=batch.currency,
            amounts_minor=batch.amount_minor, effective_iso=batch.issue_iso,
        )  # fmt: skip
    else:
        # Each invoice gives one or two entries; the columns repeat their values per entry.
        twice = [1 + (a != o) for a, o in zip(batch.amount_minor, batch.open_minor, strict=True)]
        kinds: list[str] = []
        minors: list[int] = []
        dates: list[str] = []
        for amount, open_, issue, count in zip(
            batch.amount_minor, batch.open_minor, batch.issue_iso, twice, strict=True
        ):
            if count == 1:
                kinds.append("invoice")
                minors.append(amount)
                dates.append(issue)
            else:  # ISO dates compare as text: the adjustment is on the later of today and issue
                kinds += ("invoice", "adjustment")
                minors += (amount, open_ - amount)
                dates += (issue, today_iso if today_iso >= issue else issue)
        uow.ledger.add_entry_columns(
            customer_ids=_repeat_each(cids, twice), invoice_ids=_repeat_each(ids, twice),
            kinds=kinds,
            reasons=["issued" if k == "invoice" else "settled_in_source" for k in kinds],
            currencies=_repeat_each(batch.currency, twice), amounts_minor=minors,
            effective_iso=dates,
        )  # fmt: skip
    disputed = [i for i, d in zip(ids, batch.disputed, strict=True) if d]
    if disputed:  # new invoices, written with dispute_status "open": only the records are due
        uow.ledger.record_open_disputes(disputed, _DISPUTED_IN_FILE)
        for ref, number, d in zip(batch.customer_ref, numbers, batch.disputed, strict=True):
            if d:
                run.disputed(ref, number)


def _repeat_each(values: list[T], counts: list[int]) -> list[T]:
    """``values`` with each item repeated by its count: ([a, b], [1, 2]) -> [a, b, b]."""
    return list(chain.from_iterable(map(repeat, values, counts)))


def _invoice_chunk(
    uow: UnitOfWork,
    chunk: list[InvoiceRecord | RowError],
    tally: _Tally,
    run: _ImportRun,
    writing: bool,
) -> None:
    ledger = uow.ledger
    today = uow.today
    seen = run.seen
    valid: list[InvoiceRecord] = []
    for item in chunk:
        if isinstance(item, RowError):
            tally.errors.append(item)
            continue
        first = seen.get(item.number)
        if first is not None:
            tally.errors.append(
                RowError(item.line, "number", item.number,
                         f"duplicate invoice number {item.number!r} in this file (first on line {first})")
            )  # fmt: skip
            continue
        seen[item.number] = item.line
        valid.append(item)
    if not valid:
        return
    existing = {} if run.fresh else ledger.invoices([r.number for r in valid])
    new: list[InvoiceRecord] = []
    changed: list[tuple[InvoiceRecord, ExistingInvoice]] = []
    for rec in valid:
        old = existing.get(rec.number)
        if old is None:
            new.append(rec)
            continue
        problem = _invoice_conflict(rec, old)
        if problem is not None:
            tally.errors.append(problem)
        else:
            changed.append((rec, old))

    customer_ids = _ensure_customers(
        uow, {r.customer_ref: r.customer_name for r in new}, run, writing=writing
    )
    entries: list[EntryRow] = []
    disputed: list[int] = []
    if new:
        rows = [
            InvoiceRow(
                customer_id=customer_ids.get(r.customer_ref, 0),
                number=r.number,
                kind="credit_note" if r.amount.is_negative() else "invoice",
                issue_date=r.issue_date,
                due_date=r.due_date,
                currency=r.amount.code,
                amount_minor=r.amount.minor,
                dispute_status="open" if r.disputed else "none",
                description=r.description,
            )
            for r in new
        ]
        tally.imported += len(rows)
        if writing:
            ids = ledger.add_invoices(rows)
            for rec, row, invoice_id in zip(new, rows, ids, strict=True):
                entries.append(
                    EntryRow(row.customer_id, invoice_id, None, "invoice", "issued", row.currency,
                             row.amount_minor, rec.issue_date)
                )  # fmt: skip
                settled = rec.open_amount.minor - row.amount_minor
                if settled:
                    entries.append(
                        EntryRow(row.customer_id, invoice_id, None, "adjustment",
                                 "settled_in_source", row.currency, settled,
                                 _later(today, rec.issue_date))
                    )  # fmt: skip
                if rec.disputed:
                    disputed.append(invoice_id)
                    run.disputed(rec.customer_ref, rec.number)
    for rec, old in changed:
        header_changed = (
            rec.issue_date != old.issue_date
            or rec.due_date != old.due_date
            or (rec.description or None) != (old.description or None)
        )
        delta = rec.open_amount.minor - old.balance_minor
        newly_disputed = rec.disputed and old.dispute_status != "open"
        if not (header_changed or delta or newly_disputed):
            tally.unchanged += 1
            continue
        tally.updated += 1
        if not writing:
            continue
        if header_changed:
            ledger.update_invoice(
                old.id, issue_date=rec.issue_date, due_date=rec.due_date,
                description=rec.description,
            )  # fmt: skip
        if delta:
            entries.append(
                EntryRow(old.customer_id, old.id, None, "adjustment", "source_changed",
                         old.currency, delta, _later(today, rec.issue_date))
            )  # fmt: skip
        if newly_disputed:
            disputed.append(old.id)
            run.disputed(rec.customer_ref, rec.number)
    if writing:
        ledger.add_entries(entries)
        if disputed:
            ledger.open_dispute(disputed, _DISPUTED_IN_FILE)


def _invoice_conflict(rec: InvoiceRecord, old: ExistingInvoice) -> RowError | None:
    """A re-imported invoice may move its dates and open amount, never its identity or total."""
    if rec.amount.code != old.currency:
        return RowError(rec.line, "currency", rec.amount.code,
                        f"invoice {rec.number} was imported in {old.currency}; "
                        "its currency cannot change")  # fmt: skip
    if rec.customer_ref != old.customer_external_id:
        return RowError(rec.line, "customer", rec.customer_ref,
                        f"invoice {rec.number} belongs to customer {old.customer_external_id!r}; "
                        "it cannot move to another customer")  # fmt: skip
    if rec.amount.minor != old.amount_minor:
        was = Money.from_minor(old.amount_minor, old.currency).amount_str()
        return RowError(rec.line, "amount", rec.amount.amount_str(),
                        f"invoice {rec.number} was imported with amount {was}; a changed total "
                        "needs a credit note, not an overwrite")  # fmt: skip
    return None


def _ensure_customers(
    uow: UnitOfWork, refs: dict[str, str | None], run: _ImportRun, *, writing: bool
) -> dict[str, int]:
    """Ids of the customers named by ``refs`` (external id -> name), creating missing ones when
    ``writing``; the run's map of known customers (every ref is in it when ``writing``)."""
    known = run.customers
    wanted = {ref: name for ref, name in refs.items() if ref not in known}
    if not wanted:
        return known
    found = {} if run.fresh else uow.ledger.customer_ids(list(wanted))
    missing = [NewCustomer(external_id=ref, name=name or ref)
               for ref, name in wanted.items() if ref not in found]  # fmt: skip
    if missing and writing:
        found.update(uow.ledger.add_customers(missing))
    known.update(found)
    return known


# -- payments ----------------------------------------------------------------------------------


def import_payments(
    uow: UnitOfWork,
    records: Iterable[PaymentRecord | RowError],
    *,
    source: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> ImportResult:
    """Import payments with their allocation to invoices; commits itself.

    A payment naming an invoice is applied to it (up to what is still unpaid of its total; the
    rest is an unallocated credit); a payment without an invoice is applied oldest-due first to
    the customer's open invoices in its currency.
    """
    with uow:
        tally = _Tally()
        run_id = uow.ledger.start_import("payments", source)
        run = _ImportRun(fresh=False)  # payments name invoices: the ledger is asked every time
        seen: dict[str, int] = {}
        for chunk in _chunks(records, chunk_size):
            writing = not dry_run and (skip_invalid or not tally.errors)
            _payment_chunk(uow, chunk, tally, seen, run, writing)
            if progress is not None:
                progress(len(chunk))
        return _finish(uow, run_id, tally, dry_run=dry_run, skip_invalid=skip_invalid)


def _payment_chunk(
    uow: UnitOfWork,
    chunk: list[PaymentRecord | RowError],
    tally: _Tally,
    seen: dict[str, int],
    run: _ImportRun,
    writing: bool,
) -> None:
    ledger = uow.ledger
    valid: list[PaymentRecord] = []
    for item in chunk:
        if isinstance(item, RowError):
            tally.errors.append(item)
            continue
        first = seen.get(item.reference)
        if first is not None:
            tally.errors.append(
                RowError(item.line, "reference", item.reference,
                         f"duplicate payment reference {item.reference!r} in this file "
                         f"(first on line {first})")
            )  # fmt: skip
            continue
        seen[item.reference] = item.line
        if not item.amount.is_positive():
            tally.errors.append(RowError(item.line, "amount", item.amount.amount_str(),
                                         "a payment amount must be positive"))  # fmt: skip
            continue
        valid.append(item)
    if not valid:
        return
    stored = ledger.payments([p.reference for p in valid])
    invoices = ledger.invoices({p.invoice_number for p in valid if p.invoice_number})
    fresh: list[PaymentRecord] = []
    for rec in valid:
        old = stored.get(rec.reference)
        if old is not None:
            same = (old.customer_external_id, old.received_on, old.currency, old.amount_minor,
                    old.invoice_number) == (rec.customer_ref, rec.received_on, rec.amount.code,
                                            rec.amount.minor, rec.invoice_number)  # fmt: skip
            if same:
                tally.unchanged += 1
            else:
                tally.errors.append(RowError(rec.line, "reference", rec.reference,
                                             f"payment {rec.reference} was already imported with "
                                             "other details; a payment is never overwritten"))  # fmt: skip
            continue
        if rec.invoice_number:
            inv = invoices.get(rec.invoice_number)
            if inv is None:
                tally.errors.append(RowError(rec.line, "invoice_number", rec.invoice_number,
                                             f"invoice {rec.invoice_number} does not exist; "
                                             "import the invoices first"))  # fmt: skip
                continue
            if inv.currency != rec.amount.code:
                tally.errors.append(RowError(rec.line, "currency", rec.amount.code,
                                             f"invoice {inv.number} is in {inv.currency}"))  # fmt: skip
                continue
            if inv.customer_external_id != rec.customer_ref:
                tally.errors.append(RowError(rec.line, "customer", rec.customer_ref,
                                             f"invoice {inv.number} belongs to customer "
                                             f"{inv.customer_external_id!r}"))  # fmt: skip
                continue
        fresh.append(rec)
    tally.imported += len(fresh)
    if not writing or not fresh:
        return
    customer_ids = _ensure_customers(uow, {p.customer_ref: p.customer_name for p in fresh},
                                     run, writing=True)  # fmt: skip
    rows = [PaymentRow(customer_ids[p.customer_ref], p.reference, p.received_on, p.amount.code,
                       p.amount.minor, p.method, p.invoice_number) for p in fresh]  # fmt: skip
    payment_ids = ledger.add_payments(rows)
    # Within a chunk several payments can touch one invoice: track its state locally.
    state: dict[int, list[int]] = {}  # invoice id -> [balance, unexplained, allocatable]
    info: dict[int, ExistingInvoice] = {inv.id: inv for inv in invoices.values()}
    allocations: list[tuple[int, int, str, int]] = []
    entries: list[EntryRow] = []
    for rec, row, payment_id in zip(fresh, rows, payment_ids, strict=True):
        targets: list[tuple[int, int]] = []
        remaining = row.amount_minor
        if rec.invoice_number:
            inv = invoices[rec.invoice_number]
            st = state.setdefault(inv.id, _state_of(inv))
            part = min(remaining, max(0, st[2]))
            if part:
                targets.append((inv.id, part))
                remaining -= part
        else:
            candidates = ledger.open_invoices(row.customer_id, row.currency)
            for inv in candidates:
                info.setdefault(inv.id, inv)
                state.setdefault(inv.id, _state_of(inv))
            opens = [OpenInvoice(i.id, i.due_date, i.number,
                                 Money.from_minor(max(0, state[i.id][0]), row.currency))
                     for i in candidates]  # fmt: skip
            applied, rest = allocate_oldest_first(Money.from_minor(remaining, row.currency), opens)
            targets = [(invoice_id, m.minor) for invoice_id, m in applied]
            remaining = rest.minor
        for invoice_id, part in targets:
            st = state[invoice_id]
            allocations.append((payment_id, invoice_id, row.currency, part))
            entries.append(EntryRow(row.customer_id, invoice_id, payment_id, "payment", "applied",
                                    row.currency, -part, row.received_on))  # fmt: skip
            st[0] -= part
            st[2] -= part
            explained = min(part, st[1])
            if explained:
                on = info[invoice_id].unexplained_on or row.received_on
                entries.append(EntryRow(row.customer_id, invoice_id, payment_id, "adjustment",
                                        "explained_by_payment", row.currency, explained,
                                        _later(on, row.received_on)))  # fmt: skip
                st[0] += explained
                st[1] -= explained
        if remaining:
            entries.append(EntryRow(row.customer_id, None, payment_id, "payment", "unallocated",
                                    row.currency, -remaining, row.received_on))  # fmt: skip
    ledger.add_allocations(allocations)
    ledger.add_entries(entries)


def _state_of(inv: ExistingInvoice) -> list[int]:
    return [inv.balance_minor, inv.unexplained_minor, inv.amount_minor - inv.allocated_minor]


# -- customers ---------------------------------------------------------------------------------


def import_customers(
    uow: UnitOfWork,
    records: Iterable[CustomerRecord | RowError],
    *,
    source: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> ImportResult:
    """Import customers with contacts and consents; a changed customer is updated in place
    (customer master data is not money: it has no ledger), a new consent record is appended."""
    with uow:
        tally = _Tally()
        run_id = uow.ledger.start_import("customers", source)
        seen: dict[str, int] = {}
        for chunk in _chunks(records, chunk_size):
            writing = not dry_run and (skip_invalid or not tally.errors)
            valid: list[CustomerRecord] = []
            for item in chunk:
                if isinstance(item, RowError):
                    tally.errors.append(item)
                    continue
                first = seen.get(item.external_id)
                if first is not None:
                    tally.errors.append(RowError(item.line, "external_id", item.external_id,
                                                 f"duplicate customer {item.external_id!r} in this "
                                                 f"file (first on line {first})"))  # fmt: skip
                    continue
                seen[item.external_id] = item.line
                valid.append(item)
            stored = uow.ledger.customers([c.external_id for c in valid])
            new: list[NewCustomer] = []
            for rec in valid:
                wanted = _new_customer(rec)
                old = stored.get(rec.external_id)
                if old is None:
                    new.append(wanted)
                elif _same_customer(old.customer, wanted):
                    tally.unchanged += 1
                else:
                    tally.updated += 1
                    if writing:
                        uow.ledger.update_customer(old.id, wanted)
            tally.imported += len(new)
            if writing and new:
                uow.ledger.add_customers(new)
            if progress is not None:
                progress(len(chunk))
        result = _finish(uow, run_id, tally, dry_run=dry_run, skip_invalid=skip_invalid)
        if result.written and result.imported + result.updated >= BULK_LOAD_ROWS:
            # A bulk load: the database plans the next look-ups on the loaded file.
            uow.ledger.refresh_customer_statistics()
            uow.commit()
        return result


def _new_customer(rec: CustomerRecord) -> NewCustomer:
    return NewCustomer(
        external_id=rec.external_id,
        name=rec.name,
        customer_type=rec.customer_type,
        tier=rec.tier,
        language=rec.language,
        country=rec.country,
        region=rec.region,
        timezone=rec.timezone,
        postal_address=rec.postal_address,
        postal_code=rec.postal_code,
        tags=tuple(rec.tags),
        emails=tuple(rec.emails),
        phones=tuple(rec.phones),
        consents=tuple(rec.consents),
    )


def _same_customer(old: NewCustomer, new: NewCustomer) -> bool:
    """Equal master data, same contact points (order ignored) and the same consent in force per
    channel (a re-imported consent without a timestamp is the same consent)."""

    def consent_key(c: NewCustomer) -> set[tuple[str, bool, str]]:
        return {(r.channel, r.granted, r.source) for r in c.consents}

    return (
        old.name == new.name
        and old.customer_type == new.customer_type
        and old.tier == new.tier
        and old.language == new.language
        and old.country == new.country
        and old.region == new.region
        and old.timezone == new.timezone
        and old.postal_address == new.postal_address
        and old.postal_code == new.postal_code
        and sorted(old.tags) == sorted(new.tags)
        and sorted(old.emails) == sorted(new.emails)
        and sorted(old.phones) == sorted(new.phones)
        and consent_key(old) == consent_key(new)
    )
