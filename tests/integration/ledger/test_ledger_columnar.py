"""Columnar batches write exactly what records write: same invoices, entries, customers, counts."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from amicable.adapters.importers import read_invoice_batches, read_invoices
from amicable.bootstrap import App
from amicable.service.imports import import_invoices

HEADER = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,"
    "disputed,description"
)


def _file(tmp_path: Path) -> Path:
    lines = [
        f"C{i % 5},Shop {i % 5},INV-{i},2026-01-{1 + i % 28:02d},2026-03-01,"
        f"{'JPY' if i % 4 == 0 else 'USD'},{i * 10},{i * 10 - (i % 3)},{'yes' if i % 9 == 0 else 'no'},"
        f"{'PO ' + str(i) if i % 2 else ''}"
        for i in range(1, 61)
    ]
    path = tmp_path / "inv.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _contents(app: App) -> list[list[tuple[object, ...]]]:
    queries = (
        "SELECT i.number, c.external_id, c.name, i.kind, i.issue_date, i.due_date, i.currency,"
        " i.amount_minor, i.dispute_status, i.description FROM invoices i"
        " JOIN customers c ON c.id = i.customer_id ORDER BY i.id",
        "SELECT i.number, e.kind, e.reason, e.currency, e.amount_minor, e.effective_on"
        " FROM ledger_entries e JOIN invoices i ON i.id = e.invoice_id ORDER BY e.id",
        "SELECT i.number, d.status, d.reason FROM disputes d"
        " JOIN invoices i ON i.id = d.invoice_id ORDER BY d.id",
    )
    with app.engine.connect() as conn:
        return [[tuple(r) for r in conn.execute(text(q))] for q in queries]


def _wipe(app: App) -> None:
    with app.engine.begin() as conn:
        for table in (
            "disputes",
            "ledger_entries",
            "invoices",
            "contacts",
            "consents",
            "customers",
        ):
            conn.execute(text(f"DELETE FROM {table}"))


def test_batches_write_the_same_rows_as_records(app: App, tmp_path: Path) -> None:
    path = _file(tmp_path)
    by_records = import_invoices(app.uow(), read_invoices(path))
    expected = _contents(app)
    _wipe(app)
    by_batches = import_invoices(app.uow(), read_invoice_batches(path, batch_rows=25))
    assert by_batches == by_records
    assert by_batches.imported == 60
    assert _contents(app) == expected


def test_re_importing_through_batches_changes_nothing(app: App, tmp_path: Path) -> None:
    path = _file(tmp_path)
    import_invoices(app.uow(), read_invoice_batches(path, batch_rows=25))
    before = _contents(app)
    again = import_invoices(app.uow(), read_invoice_batches(path, batch_rows=25))
    assert (again.imported, again.updated, again.unchanged, again.errors) == (0, 0, 60, ())
    assert _contents(app) == before


def test_a_dry_run_through_batches_writes_nothing(app: App, tmp_path: Path) -> None:
    result = import_invoices(app.uow(), read_invoice_batches(_file(tmp_path)), dry_run=True)
    assert result.imported == 60
    assert _contents(app) == [[], [], []]


def test_reading_ahead_weighs_a_batch_by_its_rows(tmp_path: Path) -> None:
    from amicable.service.imports import InvoiceBatch, _weighed_chunks, prefetched

    items = list(read_invoice_batches(_file(tmp_path), batch_rows=25))
    assert [len(i) for i in items if isinstance(i, InvoiceBatch)] == [25, 25, 10]
    assert [len(c) for c in _weighed_chunks(items, 30)] == [2, 1]
    assert list(prefetched(iter(items), chunk_size=30)) == items


_FIELD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.text(max_size=6),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)


@given(width=st.integers(1, 4), data=st.data())
def test_copy_text_built_by_column_equals_formatting_each_field(
    width: int, data: st.DataObject
) -> None:
    from amicable.adapters.db.bulk import _copy_field, _copy_text

    rows = data.draw(st.lists(st.tuples(*[_FIELD] * width), min_size=1, max_size=8))
    expected = "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows)
    assert _copy_text(rows) == expected


@given(width=st.integers(1, 4), data=st.data())
def test_copy_buffers_written_by_polars_equal_the_python_formatter(
    width: int, data: st.DataObject
) -> None:
    from amicable.adapters.db.bulk import _copy_parts, _copy_text

    rows = data.draw(st.lists(st.tuples(*[_FIELD] * width), min_size=1, max_size=12))
    # Columns of one kind (the import's case: ids, amounts, codes, text with NULLs) and mixed.
    typed = data.draw(
        st.sampled_from(
            [_FIELD, st.none() | st.text(max_size=6), st.integers(-(2**63), 2**63 - 1) | st.none()]
        )
    )
    rows = [(*row, data.draw(typed)) for row in rows]
    columns = list(zip(*rows, strict=True))
    parts = _copy_parts(columns, slice_rows=data.draw(st.integers(1, 5)), frame_min_rows=0)
    assert b"".join(parts) == _copy_text(rows).encode()


def test_copy_buffers_escape_specials_and_keep_nulls_and_big_integers() -> None:
    from amicable.adapters.db.bulk import _copy_parts

    rows = [(1, "a\\b\tc\nd\re", None, 2**63 - 1), (2**64, "", "x", None)]
    assert b"".join(_copy_parts(list(zip(*rows, strict=True)), frame_min_rows=0)) == (
        b"1\ta\\\\b\\tc\\nd\\re\t\\N\t9223372036854775807\n18446744073709551616\t\tx\t\\N\n"
    )
