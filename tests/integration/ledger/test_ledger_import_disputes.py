"""A dispute an imported file opens reaches the audit trail and the write-back outbox (SQLite or
PostgreSQL, per ``--db``) — one ``dispute.opened`` per account with the invoices it disputes, as
for a dispute a debtor raises in a conversation; the imported ones emitted nothing. Only what
the import writes: nothing for a dry run, a refused file or a file imported again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger_helpers import inv
from sqlalchemy import select

from amicable.adapters.db.tables_audit import audit_records
from amicable.adapters.importers import read_invoice_batches
from amicable.bootstrap import App
from amicable.domain.records import RowError
from amicable.service.imports import import_invoices

REASON = "marked disputed in the imported file"


def _opened(app: App) -> list[dict[str, Any]]:
    with app.uow() as uow:
        events = [json.loads(e.payload) for e in uow.events.events() if e.kind == "dispute.opened"]
        audited = list(
            uow.connection.execute(
                select(audit_records.c.subject).where(audit_records.c.kind == "dispute.opened")
            ).scalars()
        )
    assert audited == [f"account:{e['account']}" for e in events]
    return events


def test_each_account_with_invoices_imported_disputed_gets_one_event(app: App) -> None:
    rows = [
        inv("I1", disputed=True),
        inv("I2", line=3),
        inv("I3", line=4, customer="C2", name="Blue Cafe", disputed=True),
        inv("I4", line=5, disputed=True),
    ]
    assert import_invoices(app.uow(), rows).written
    assert _opened(app) == [
        {"account": "C1", "source": "import", "reason": REASON, "invoices": ["I1", "I4"]},
        {"account": "C2", "source": "import", "reason": REASON, "invoices": ["I3"]},
    ]
    # the same file again opens nothing new; a known invoice newly disputed opens one
    assert import_invoices(app.uow(), rows).unchanged == 4
    assert len(_opened(app)) == 2
    rows[1] = inv("I2", line=3, disputed=True)
    assert import_invoices(app.uow(), rows).updated == 1
    assert _opened(app)[2:] == [
        {"account": "C1", "source": "import", "reason": REASON, "invoices": ["I2"]}
    ]


def test_nothing_is_emitted_for_what_is_not_written(app: App) -> None:
    rows: list[Any] = [inv("I1", disputed=True)]
    assert not import_invoices(app.uow(), rows, dry_run=True).written
    refused = import_invoices(app.uow(), [*rows, RowError(3, "due_date", "x", "not a date")])
    assert not refused.written
    assert _opened(app) == []


def test_columnar_batches_emit_them_too(app: App, tmp_path: Path) -> None:
    header = (
        "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,"
        "open_amount,disputed"
    )
    lines = [
        f"C{i % 5},Shop {i % 5},INV-{i},2026-01-05,2026-03-01,USD,{i * 10},{i * 10},"
        f"{'yes' if i % 9 == 0 else 'no'}"
        for i in range(1, 61)
    ]
    path = tmp_path / "inv.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    assert import_invoices(app.uow(), read_invoice_batches(path, batch_rows=25)).written
    by_batches = _opened(app)
    assert {e["account"]: e["invoices"] for e in by_batches} == {
        "C0": ["INV-45"],
        "C1": ["INV-36"],
        "C2": ["INV-27"],
        "C3": ["INV-18"],
        "C4": ["INV-9", "INV-54"],
    }
    assert {e["source"] for e in by_batches} == {"import"}
