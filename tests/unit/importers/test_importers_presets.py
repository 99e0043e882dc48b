"""Each product preset on a file in the shape of that product's real export."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from amicable.adapters.importers import read_invoices, read_payments
from amicable.domain.money import Money
from amicable.domain.records import InvoiceRecord, PaymentRecord, RowError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"
QUICKBOOKS = FIXTURES / "quickbooks_ar_aging_detail.csv"
XERO = FIXTURES / "xero_aged_receivables_detail.csv"
NETSUITE = FIXTURES / "netsuite_open_invoices.csv"
SAP = FIXTURES / "sap_fbl5n_open_items.csv"


def _invoices(results: list[InvoiceRecord | RowError]) -> dict[str, InvoiceRecord]:
    assert [r for r in results if isinstance(r, RowError)] == []
    return {r.number: r for r in results if isinstance(r, InvoiceRecord)}


def test_quickbooks_aging_detail_skips_titles_sections_totals_and_footer() -> None:
    invoices = _invoices(
        list(read_invoices(QUICKBOOKS, format="quickbooks", default_currency="USD"))
    )

    assert sorted(invoices) == ["1007", "1009", "1033", "1041", "1052", "CM-1004"]
    diner = invoices["1041"]
    assert diner.customer_ref == "Red Rock Diner" and diner.customer_name == "Red Rock Diner"
    assert diner.issue_date == date(2026, 1, 15) and diner.due_date == date(2026, 2, 14)
    assert diner.amount == Money.of("2400.50", "USD")
    assert diner.open_amount == Money.of("1200.50", "USD")
    assert diner.line == 11
    assert invoices["CM-1004"].amount == Money.of("-150.00", "USD")
    assert invoices["1007"].open_amount.is_zero()
    assert invoices["1009"].amount == Money.of("4000", "USD")


def test_quickbooks_payment_lines_are_read_as_payments() -> None:
    (payment,) = list(read_payments(QUICKBOOKS, format="quickbooks", default_currency="USD"))
    assert isinstance(payment, PaymentRecord)
    assert payment.customer_ref == "Summit Dental" and payment.received_on == date(2026, 2, 1)
    assert payment.amount == Money.of("300.00", "USD")
    assert payment.reference == "quickbooks:Summit Dental:2026-02-01:300.00"


def test_quickbooks_without_a_currency_is_refused_with_one_clear_error() -> None:
    (error,) = list(read_invoices(QUICKBOOKS, format="quickbooks"))
    assert isinstance(error, RowError) and error.column == "currency" and error.line == 5
    assert "default currency" in error.message


def test_quickbooks_refuses_an_unsupported_transaction_type(tmp_path: Path) -> None:
    text = QUICKBOOKS.read_text(encoding="utf-8").replace('"Credit Memo"', '"Journal Entry"')
    path = tmp_path / "qb.csv"
    path.write_text(text, encoding="utf-8")
    errors = [r for r in read_invoices(path, format="quickbooks", default_currency="USD")
              if isinstance(r, RowError)]  # fmt: skip
    assert [(e.line, e.column, e.value) for e in errors] == [
        (8, "Transaction Type", "Journal Entry")
    ]


def test_quickbooks_report_saved_as_xlsx_reads_the_same(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with QUICKBOOKS.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    path = tmp_path / "aging.xlsx"
    book.save(path)

    from_xlsx = _invoices(list(read_invoices(path, format="quickbooks", default_currency="USD")))
    from_csv = _invoices(
        list(read_invoices(QUICKBOOKS, format="quickbooks", default_currency="USD"))
    )
    assert from_xlsx == from_csv


def test_xero_aged_receivables_takes_the_contact_from_its_heading() -> None:
    invoices = _invoices(list(read_invoices(XERO, format="xero", default_currency="GBP")))

    assert sorted(invoices) == ["CN-0003", "INV-0009", "INV-0021", "INV-0034"]
    bayside = invoices["INV-0034"]
    assert bayside.customer_ref == "Bayside Club" and bayside.description == "P/O 9711"
    assert bayside.issue_date == date(2026, 2, 15) and bayside.due_date == date(2026, 3, 17)
    assert bayside.amount == bayside.open_amount == Money.of("1250.75", "GBP")
    assert invoices["INV-0009"].customer_ref == "City Agency"
    assert invoices["INV-0009"].open_amount == Money.of("1060", "GBP")
    assert invoices["CN-0003"].amount == Money.of("-60", "GBP")


def test_netsuite_saved_search_reads_currency_status_and_internal_id() -> None:
    invoices = _invoices(list(read_invoices(NETSUITE, format="netsuite")))

    acme = invoices["INV10441"]
    assert acme.customer_ref == "C1001 Acme Corp"
    assert acme.amount == Money.of("5000", "USD") and acme.open_amount == Money.of("2500", "USD")
    assert acme.issue_date == date(2026, 1, 5) and acme.extra["internal_id"] == "10441"
    assert invoices["INV10458"].amount == Money.of("1234.56", "EUR")
    assert invoices["INV10460"].disputed is True and not acme.disputed
    assert invoices["INV10462"].amount == Money.of("-200", "USD")


def test_sap_fbl5n_reads_day_first_dates_decimal_commas_and_trailing_minus() -> None:
    invoices = _invoices(list(read_invoices(SAP, format="sap")))

    assert sorted(invoices) == ["1700000021", "1800000123", "1800000150", "1800000161"]
    first = invoices["1800000123"]
    assert first.customer_ref == "100200" and first.customer_name == "Müller Maschinenbau GmbH"
    assert first.issue_date == date(2026, 1, 15) and first.due_date == date(2026, 2, 14)
    assert first.amount == first.open_amount == Money.of("1234.56", "EUR")
    assert first.extra == {"assignment": "4500012345"}
    assert invoices["1800000150"].amount == Money.of("10000", "EUR")
    assert invoices["1700000021"].amount == Money.of("-250", "EUR")


def test_sap_payment_documents_are_read_as_payments() -> None:
    (payment,) = list(read_payments(SAP, format="sap"))
    assert isinstance(payment, PaymentRecord)
    assert payment.reference == "1400000077" and payment.customer_ref == "100310"
    assert payment.amount == Money.of("500", "EUR") and payment.received_on == date(2026, 2, 20)


def test_sap_pipe_list_output_with_title_and_subtotal_lines_is_read(tmp_path: Path) -> None:
    text = (
        "Customer Line Items\n\n"
        "|Customer|Document Number|Document Type|Document Date|Net due date|Amount in doc. curr.|Document currency|\n"
        "|100200  |1800000123     |RV           |15.01.2026   |14.02.2026  |        1.234,56    |EUR              |\n"
        "|*       |               |             |             |            |        1.234,56    |EUR              |\n"
    )
    path = tmp_path / "fbl5n.txt"
    path.write_text(text, encoding="utf-8")
    (record,) = list(read_invoices(path, format="sap"))
    assert isinstance(record, InvoiceRecord) and record.amount == Money.of("1234.56", "EUR")
    assert record.line == 4
