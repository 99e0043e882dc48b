"""Two imports into one organisation at once: they run one after the other (an advisory lock on
PostgreSQL, the write lock on SQLite), so the second sees the first's invoices and customers and
finds them unchanged — never a duplicate customer, never a unique-key failure. This matters most
for a first import, which trusts that an empty ledger stays empty except for what it writes."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from amicable.adapters.importers import read_invoice_batches
from amicable.bootstrap import App
from amicable.service.imports import ImportResult, import_invoices

HEADER = "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount"


def _file(tmp_path: Path, rows: int) -> Path:
    lines = [
        f"C{i % 700},Shop {i % 700},INV-{i},2026-01-{1 + i % 28:02d},2026-03-01,USD,{i},{i}"
        for i in range(1, rows + 1)
    ]
    path = tmp_path / "inv.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_two_imports_of_one_file_at_once_write_it_once(app: App, tmp_path: Path) -> None:
    path = _file(tmp_path, 6000)
    start = threading.Barrier(2)
    results: list[ImportResult] = []
    failures: list[BaseException] = []

    def one() -> None:
        try:
            start.wait()
            results.append(import_invoices(app.uow(), read_invoice_batches(path, batch_rows=500)))
        except BaseException as exc:  # reported below with the results
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert failures == []
    assert sorted((r.imported, r.unchanged) for r in results) == [(0, 6000), (6000, 0)]
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar_one() == 6000
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 700
        assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() == 6000


def test_a_first_import_and_a_later_one_meet_the_same_customers(app: App, tmp_path: Path) -> None:
    # The first import into an empty ledger skips its lookups; the next one must find what it
    # wrote (customers by external id, invoices by number).
    first = _file(tmp_path, 300)
    assert import_invoices(app.uow(), read_invoice_batches(first, batch_rows=100)).imported == 300
    second = tmp_path / "more.csv"
    second.write_text(
        first.read_text(encoding="utf-8") + "C5,Shop 5,INV-NEW,2026-02-01,2026-03-01,USD,9,9\n",
        encoding="utf-8",
    )
    again = import_invoices(app.uow(), read_invoice_batches(second, batch_rows=100))
    assert (again.imported, again.unchanged, again.errors) == (1, 300, ())
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 300
