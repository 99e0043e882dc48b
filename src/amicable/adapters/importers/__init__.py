"""AR file parsers: invoices, payments and customers from CSV or XLSX, streamed row by row.

Public surface (pinned by ``__all__``)::

    read_invoices(path, *, format="generic", mapping=None, default_currency=None)
        -> Iterator[InvoiceRecord | RowError]
    read_payments(path, *, format="generic", mapping=None, default_currency=None)
        -> Iterator[PaymentRecord | RowError]
    read_invoice_batches(path, *, format="generic", mapping=None, default_currency=None,
                         batch_rows=50_000) -> Iterator[InvoiceBatch | InvoiceRecord | RowError]
    read_customers(path, *, mapping=None) -> Iterator[CustomerRecord | RowError]
    FORMATS = ("generic", "quickbooks", "xero", "netsuite", "sap")

Invariants:

* Errors are data: a bad row yields one :class:`RowError` per bad cell (line, column header,
  raw value, reason) and the file goes on; a file-level problem (no header row, no currency
  anywhere) is one ``RowError`` and the stream ends. Unusable *arguments* (unknown format, a
  broken mapping file, a missing file) raise :class:`~amicable.domain.errors.InvalidInput`.
* Streaming: memory is bounded by one row plus the keys already seen (for duplicates within the
  file); a 1,000,000-row file never sits in memory.
* The layouts, accepted date and number formats and the mapping-file schema are documented in
  ``docs/import-formats.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from amicable.domain.errors import InvalidInput
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord, RowError
from amicable.service.imports import InvoiceBatch

from ._columnar import DEFAULT_BATCH_ROWS, fast_invoice_rows
from ._layouts import FORMATS, layout_for
from ._readers import read_customer_rows, read_invoice_rows, read_payment_rows

__all__ = ["FORMATS", "read_customers", "read_invoice_batches", "read_invoices", "read_payments"]


def _existing(path: Path) -> Path:
    # Checked at call time so a wrong path fails before the caller starts consuming rows.
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    return path


def read_invoices(
    path: Path,
    *,
    format: str = "generic",
    mapping: Path | None = None,
    default_currency: str | None = None,
) -> Iterator[InvoiceRecord | RowError]:
    """Invoices (and credit notes) of ``path`` in ``format``, adjusted by a mapping file.

    ``default_currency`` (ISO 4217) is used for files without a currency column (QuickBooks and
    Xero reports); without it, and without ``default_currency`` in the mapping file, such a file
    yields one error saying so. Raises ``InvalidInput`` for an unknown format or a bad mapping.
    """
    layout = layout_for(format, "invoices", mapping=mapping, default_currency=default_currency)
    return read_invoice_rows(_existing(path), layout)


def read_invoice_batches(
    path: Path,
    *,
    format: str = "generic",
    mapping: Path | None = None,
    default_currency: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[InvoiceBatch | InvoiceRecord | RowError]:
    """The same rows as :func:`read_invoices`, with runs of plain valid rows of a generic-style CSV
    as columnar :class:`InvoiceBatch` values (validated by Polars, chunk by chunk); anything else
    comes as records and errors from the row parser. For ``import_invoices`` on large files."""
    layout = layout_for(format, "invoices", mapping=mapping, default_currency=default_currency)
    return fast_invoice_rows(_existing(path), layout, batch_rows)


def read_payments(
    path: Path,
    *,
    format: str = "generic",
    mapping: Path | None = None,
    default_currency: str | None = None,
) -> Iterator[PaymentRecord | RowError]:
    """Payments received in ``path`` (QuickBooks / SAP: the payment lines of the same report)."""
    layout = layout_for(format, "payments", mapping=mapping, default_currency=default_currency)
    return read_payment_rows(_existing(path), layout)


def read_customers(
    path: Path, *, mapping: Path | None = None
) -> Iterator[CustomerRecord | RowError]:
    """Customers with contact points and per-channel consent, in the generic customer layout."""
    layout = layout_for("generic", "customers", mapping=mapping)
    return read_customer_rows(_existing(path), layout)
