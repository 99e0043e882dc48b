"""The columnar fast path agrees with the row parser: same records, same errors, same order."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from amicable.adapters.importers import read_invoice_batches, read_invoices
from amicable.domain.records import InvoiceRecord, RowError
from amicable.service.imports import InvoiceBatch

HEADER = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,"
    "disputed,description"
)


def _expanded(path: Path, batch_rows: int) -> tuple[list[InvoiceRecord | RowError], int]:
    out: list[InvoiceRecord | RowError] = []
    batches = 0
    for item in read_invoice_batches(path, batch_rows=batch_rows):
        if isinstance(item, InvoiceBatch):
            batches += 1
            out.extend(item.records())
        else:
            out.append(item)
    return out, batches


def _write(tmp_path: Path, lines: list[str], name: str = "inv.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode())
    return path


def _good(i: int) -> str:
    return (
        f"C{i % 7},Shop {i % 7},INV-{i},2026-01-{1 + i % 28:02d},2026-02-15,USD,{i}.50,{i}.50,no,"
    )


def test_a_clean_file_comes_as_batches_with_the_same_records(tmp_path: Path) -> None:
    path = _write(tmp_path, [_good(i) for i in range(1, 26)])
    got, batches = _expanded(path, 10)
    assert batches == 3
    assert got == list(read_invoices(path))


def test_a_chunk_with_a_bad_row_is_read_by_the_row_parser_with_its_exact_error(
    tmp_path: Path,
) -> None:
    lines = [_good(i) for i in range(1, 21)]
    lines[13] = "C1,Shop,INV-X,2026-13-01,2026-02-15,USD,1.00,1.00,no,"
    path = _write(tmp_path, lines)
    got, batches = _expanded(path, 10)
    assert batches == 1  # the first chunk; the second holds the bad row
    assert got == list(read_invoices(path))
    errors = [e for e in got if isinstance(e, RowError)]
    assert [(e.line, e.column) for e in errors] == [(15, "issue_date")]


def test_after_a_quoted_cell_the_rest_of_the_file_keeps_exact_line_numbers(
    tmp_path: Path,
) -> None:
    lines = [_good(i) for i in range(1, 8)]
    lines[2] = 'C1,Shop,INV-Q,2026-01-01,2026-02-15,USD,1.00,1.00,no,"two\nlines"'
    lines.append("C1,Shop,INV-1,2026-01-01,2026-02-15,USD,1.00,1.00,no,")  # a duplicate
    path = _write(tmp_path, lines)
    got, _ = _expanded(path, 2)
    assert got == list(read_invoices(path))
    assert [e.line for e in got if isinstance(e, RowError)] == [10]


_CELLS = {
    "customer_id": st.sampled_from(["C1", "C2", "", " C3"]),
    "customer_name": st.sampled_from(["Red Rock", "", "Blue\tSky"]),
    "invoice_number": st.sampled_from(["INV-1", "INV-2", "INV-3", "INV-4", "INV-5", "", "A\\B"]),
    "issue_date": st.sampled_from(["2026-01-10", "2026-02-30", "0000-01-01", "01/10/2026", ""]),
    "due_date": st.sampled_from(["2026-02-10", "2026-01-01", "2026-1-5", "2026-03-01 "]),
    "currency": st.sampled_from(["USD", "JPY", "KWD", "usd", "XXX", ""]),
    "amount": st.sampled_from(
        ["100.00", "100", "1500", "0.125", "-40.00", "1,000.00", "(5.00)", "12.5", "abc", "", "-0"]
    ),
    "open_amount": st.sampled_from(["100.00", "0", "0.00", "-40.00", "-10", "150.00", "12.50", ""]),
    "disputed": st.sampled_from(["no", "yes", "", "Y", "maybe"]),
    "description": st.sampled_from(["", "PO 1", " padded", "back\\slash"]),
}
_ROW = st.fixed_dictionaries(_CELLS).map(lambda d: ",".join(d.values()))
_EXTRA_LINES = st.sampled_from(
    ["", ",,,,,,,,,", "C9,Nine,INV-9,2026-01-01,2026-02-01,USD,1,1,no,,x"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.one_of(_ROW, _ROW, _EXTRA_LINES, st.integers(1, 9).map(_good)), min_size=0, max_size=14
    ),
    batch_rows=st.integers(min_value=1, max_value=6),
    crlf=st.booleans(),
)
def test_fast_and_row_paths_agree_on_any_generic_file(
    tmp_path: Path, rows: list[str], batch_rows: int, crlf: bool
) -> None:
    path = tmp_path / "any.csv"
    eol = "\r\n" if crlf else "\n"
    path.write_bytes((eol.join([HEADER, *rows]) + eol).encode())
    got, batches = _expanded(path, batch_rows)
    assert got == list(read_invoices(path))
    event("fast path used" if batches else "row path only")


def test_a_plainly_valid_file_is_all_batches(tmp_path: Path) -> None:
    path = _write(tmp_path, [_good(i) for i in range(1, 41)])
    items = list(read_invoice_batches(path, batch_rows=16))
    assert all(isinstance(i, InvoiceBatch) for i in items)
    assert sum(len(i) for i in items if isinstance(i, InvoiceBatch)) == 40


def test_quoted_headers_keep_the_fast_path_and_a_header_spanning_lines_leaves_it(
    tmp_path: Path,
) -> None:
    quoted = ",".join(f'"{name}"' for name in HEADER.split(","))
    rows = [_good(i) for i in range(1, 6)]
    plain = tmp_path / "quoted.csv"
    plain.write_text("\n".join([quoted, *rows]) + "\n", encoding="utf-8")
    got, batches = _expanded(plain, 10)
    assert batches == 1
    assert got == list(read_invoices(plain))
    spanning = tmp_path / "spanning.csv"
    spanning.write_text("\n".join(['"Aging\nreport"', HEADER, *rows]) + "\n", encoding="utf-8")
    got, batches = _expanded(spanning, 10)
    assert batches == 0
    assert got == list(read_invoices(spanning))
