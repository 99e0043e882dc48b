"""The generic layouts (invoices, payments, customers), value formats, XLSX and mapping files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from amicable.adapters.importers import FORMATS, read_customers, read_invoices, read_payments
from amicable.adapters.importers._values import date_parser, decimal_parser
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.domain.records import CustomerRecord, InvoiceRecord, PaymentRecord, RowError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"
INVOICE_HEADER = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,"
    "disputed,description"
)


def _write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_the_public_surface_is_pinned() -> None:
    import amicable.adapters.importers as importers

    assert sorted(importers.__all__) == [
        "FORMATS",
        "read_customers",
        "read_invoice_batches",
        "read_invoices",
        "read_payments",
    ]
    assert FORMATS == ("generic", "quickbooks", "xero", "netsuite", "sap")


def test_a_file_with_bad_rows_lists_every_error_with_line_and_column() -> None:
    results = list(read_invoices(FIXTURES / "generic_bad_rows.csv"))
    errors = [(r.line, r.column, r.value) for r in results if isinstance(r, RowError)]
    records = [r for r in results if isinstance(r, InvoiceRecord)]

    assert [r.number for r in records] == ["INV-1"]
    assert errors == [
        (3, "issue_date", "2026-13-45"),
        (4, "currency", "XYZ"),
        (5, "invoice_number", None),
        (6, "invoice_number", "INV-1"),
        (7, "amount", "twelve"),
        (8, "due_date", "2026-02-09"),
        (9, "open_amount", "150.00"),
    ]
    messages = {r.line: r.message for r in results if isinstance(r, RowError)}
    assert "already on line 2" in messages[6]
    assert "ISO 4217" in messages[4]
    assert "before the issue date" in messages[8]
    assert "above the invoice amount" in messages[9]


def test_a_row_with_several_bad_cells_yields_one_error_per_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{INVOICE_HEADER}\nC1,,,01/02/2026,2026-02-01,EURO,1.2.3,x,maybe,\n")
    errors = list(read_invoices(path))
    assert all(isinstance(e, RowError) for e in errors)
    assert {e.column for e in errors if isinstance(e, RowError)} == {
        "invoice_number",
        "issue_date",
        "currency",
        "amount",
        "open_amount",
        "disputed",
    }


def test_a_good_generic_file_yields_exact_records_with_bom_quotes_and_crlf(
    tmp_path: Path,
) -> None:
    text = (
        "\ufeff" + INVOICE_HEADER + "\r\n"
        'C1,"Red Rock Diner, Inc.",INV-9,2026-01-10,2026-02-09,usd,"1,234.56",234.56,yes,"multi\r\nline"\r\n'
        "\r\n"
        "C2,,INV-10,2026-01-11,2026-01-11,JPY,1200,0,,\r\n"
    )
    first, second = list(read_invoices(_write(tmp_path, text)))
    assert isinstance(first, InvoiceRecord) and isinstance(second, InvoiceRecord)
    assert first.line == 2 and second.line == 5
    assert first.customer_ref == "C1" and first.customer_name == "Red Rock Diner, Inc."
    assert first.amount == Money.of("1234.56", "USD")
    assert first.open_amount == Money.of("234.56", "USD")
    assert first.disputed is True and first.description == "multi\r\nline"
    assert second.amount == Money.of("1200", "JPY") and second.open_amount.is_zero()
    assert second.customer_name is None


def test_an_amount_with_more_decimals_than_the_currency_allows_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{INVOICE_HEADER}\nC1,,INV-1,2026-01-10,2026-02-09,USD,10.005,0,,\n")
    (error,) = list(read_invoices(path))
    assert isinstance(error, RowError) and error.column == "amount" and error.value == "10.005"


def test_a_credit_note_has_a_negative_amount_and_open_amount_of_the_same_sign(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        f"{INVOICE_HEADER}\nC1,,CN-1,2026-01-10,2026-01-10,USD,(50.00),-20.00,,\n"
        "C1,,CN-2,2026-01-10,2026-01-10,USD,-50.00,20.00,,\n",
    )
    good, bad = list(read_invoices(path))
    assert isinstance(good, InvoiceRecord) and good.amount == Money.of("-50", "USD")
    assert isinstance(bad, RowError) and "opposite sign" in bad.message


def test_a_file_without_the_required_columns_is_one_error_naming_them(tmp_path: Path) -> None:
    path = _write(tmp_path, "customer_id,invoice_number,amount\nC1,INV-1,10.00\n")
    (error,) = list(read_invoices(path))
    assert isinstance(error, RowError)
    assert "issue_date" in error.message and "due_date" in error.message


def test_a_file_without_a_currency_needs_a_default_currency(tmp_path: Path) -> None:
    text = (
        "customer_id,invoice_number,issue_date,due_date,amount\nC1,INV-1,2026-01-01,2026-01-31,5\n"
    )
    path = _write(tmp_path, text)
    (error,) = list(read_invoices(path))
    assert isinstance(error, RowError) and error.column == "currency"
    assert "default currency" in error.message
    (record,) = list(read_invoices(path, default_currency="GBP"))
    assert isinstance(record, InvoiceRecord) and record.amount == Money.of("5", "GBP")


def test_an_unknown_format_and_a_missing_file_raise_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown import format"):
        read_invoices(FIXTURES / "generic_bad_rows.csv", format="sage")
    with pytest.raises(InvalidInput, match="no such file"):
        read_invoices(tmp_path / "absent.csv")
    with pytest.raises(InvalidInput, match="invoices only"):
        read_payments(FIXTURES / "xero_aged_receivables_detail.csv", format="xero")


def test_a_semicolon_separated_file_is_read_once_its_header_is_found(tmp_path: Path) -> None:
    text = INVOICE_HEADER.replace(",", ";") + "\nC1;;INV-1;2026-01-10;2026-02-09;EUR;10;10;;\n"
    (record,) = list(read_invoices(_write(tmp_path, text)))
    assert isinstance(record, InvoiceRecord) and record.amount == Money.of("10", "EUR")


def test_an_xlsx_workbook_reads_like_its_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(INVOICE_HEADER.split(","))
    sheet.append(["C1", "Red Rock Diner", 1001, date(2026, 1, 10), date(2026, 2, 9), "USD",
                  1234.56, 1234.56, "no", None])  # fmt: skip
    sheet.append([None] * 10)
    sheet.append(["C1", "Red Rock Diner", 1002, "2026-02-10", date(2026, 1, 9), "USD", 100, 100])
    path = tmp_path / "invoices.xlsx"
    book.save(path)

    first, error = list(read_invoices(path))
    assert isinstance(first, InvoiceRecord)
    assert first.number == "1001" and first.issue_date == date(2026, 1, 10)
    assert first.amount == Money.of("1234.56", "USD") and first.line == 2
    assert isinstance(error, RowError) and error.line == 4 and error.column == "due_date"


def test_a_mapping_file_renames_columns_and_sets_formats() -> None:
    results = list(
        read_invoices(FIXTURES / "mapped_invoices.csv", mapping=FIXTURES / "mapped_invoices.yaml")
    )
    first, second = results
    assert isinstance(first, InvoiceRecord) and isinstance(second, InvoiceRecord)
    assert first.customer_ref == "Kunde A" and first.issue_date == date(2026, 1, 15)
    assert first.amount == Money.of("1234.56", "EUR")
    assert second.open_amount == Money.of("0", "EUR")


def test_a_bad_mapping_file_lists_every_problem(tmp_path: Path) -> None:
    mapping = _write(
        tmp_path,
        "delimiter: ':'\ndecimal_separator: ';'\ndefault_currency: EURO\ncolour: red\n"
        "columns:\n  invoice_no: Nr\n",
        "bad.yaml",
    )
    with pytest.raises(InvalidInput) as caught:
        read_invoices(FIXTURES / "mapped_invoices.csv", mapping=mapping)
    message = str(caught.value)
    for fragment in ("delimiter", "decimal_separator", "EURO", "colour", "invoice_no"):
        assert fragment in message


def test_generic_payments_are_read_and_checked(tmp_path: Path) -> None:
    text = (
        "customer_id,payment_id,received_on,currency,amount,invoice_number,method\n"
        "C1,PAY-1,2026-02-01,USD,100.00,INV-1,ach\n"
        "C1,PAY-1,2026-02-02,USD,5.00,,\n"
        "C1,PAY-2,2026-02-02,USD,-5.00,,\n"
    )
    good, duplicate, negative = list(read_payments(_write(tmp_path, text)))
    assert isinstance(good, PaymentRecord)
    assert good.reference == "PAY-1" and good.invoice_number == "INV-1" and good.method == "ach"
    assert good.received_on == date(2026, 2, 1) and good.amount == Money.of("100", "USD")
    assert isinstance(duplicate, RowError) and "already on line 2" in duplicate.message
    assert isinstance(negative, RowError) and "above zero" in negative.message


CUSTOMER_HEADER = (
    "customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,"
    "postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags"
)


def test_customers_get_e164_phones_consents_and_tags(tmp_path: Path) -> None:
    text = (
        f"{CUSTOMER_HEADER}\n"
        'C1,Red Rock Diner,business,smb,en,US,CA,America/Los_Angeles,ap@rrd.example;b@rrd.example,"(415) 555-2671",1 Main St,94110,yes,no,,yes,vip;retail\n'
        "C2,Camille Martin,consumer,,fr,FR,,Europe/Paris,,06 12 34 56 78,,,,,,,\n"
    )
    first, second = list(read_customers(_write(tmp_path, text)))
    assert isinstance(first, CustomerRecord) and isinstance(second, CustomerRecord)
    assert first.phones == ("+14155552671",) and first.emails == ("ap@rrd.example", "b@rrd.example")
    assert [(c.channel, c.granted) for c in first.consents] == [
        ("email", True),
        ("sms", False),
        ("whatsapp", True),
    ]
    assert first.tags == ("vip", "retail") and first.region == "CA"
    assert second.customer_type == "consumer" and second.phones == ("+33612345678",)
    assert second.consents == () and second.timezone == "Europe/Paris"


def test_a_bad_customer_row_reports_each_bad_field(tmp_path: Path) -> None:
    text = (
        f"{CUSTOMER_HEADER}\n"
        "C1,,robot,,english,USA,,Mars/Olympus,not-an-email,12,,,perhaps,,,,\n"
        "C1,Dup,,,,,,,,,,,,,,,\n"
        "C2,Ok,,,,,,,,,,,,,,,\n"
    )
    results = list(read_customers(_write(tmp_path, text)))
    errors = {(r.line, r.column) for r in results if isinstance(r, RowError)}
    assert errors == {
        (2, "name"),
        (2, "type"),
        (2, "language"),
        (2, "country"),
        (2, "timezone"),
        (2, "emails"),
        (2, "phones"),
        (2, "consent_email"),
        (3, "customer_id"),
    }
    assert [r.external_id for r in results if isinstance(r, CustomerRecord)] == ["C2"]


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1234.56", ".", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("$1,234.56", ".", "1234.56"),
        ("(1,234.56)", ".", "-1234.56"),
        ("-$12.00", ".", "-12.00"),
        ("1 234,56", ",", "1234.56"),
        ("1.234,56-", ",", "-1234.56"),
        ("€ 99,9", ",", "99.9"),
    ],
)
def test_amounts_are_read_in_the_documented_forms(text: str, separator: str, expected: str) -> None:
    assert decimal_parser(separator)(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "separator"),
    [("1.234,56", "."), ("1,23,4.00", "."), ("NaN", "."), ("1e5", "."), ("", "."), ("12,5.0", ",")],
)
def test_ambiguous_or_non_numeric_amounts_are_refused(text: str, separator: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        decimal_parser(separator)(text)


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    separator=st.sampled_from([".", ","]),
    grouped=st.booleans(),
)
def test_any_amount_written_with_grouping_reads_back_exactly(
    minor: int, separator: str, grouped: bool
) -> None:
    value = Decimal(minor).scaleb(-2)
    text = f"{abs(value):,.2f}" if grouped else f"{abs(value):.2f}"
    if separator == ",":
        text = text.replace(",", " ").replace(".", ",")
    text = f"-{text}" if minor < 0 else text
    assert decimal_parser(separator)(text) == value


def test_dates_accept_iso_and_exactly_the_stated_format() -> None:
    month_first = date_parser("%m/%d/%Y")
    assert month_first("02/03/2026") == date(2026, 2, 3)
    assert month_first("2026-02-03") == date(2026, 2, 3)
    assert date_parser("%d/%m/%Y")("02/03/2026") == date(2026, 3, 2)
    assert date_parser("%d.%m.%Y")("31.12.2025") == date(2025, 12, 31)
    assert date_parser("%d %b %Y")("10 Jan 2026") == date(2026, 1, 10)
    for bad in ("13/01/2026", "1/2/26", "20260110", "2026-W02-1"):
        with pytest.raises(ValueError):
            month_first(bad)
    with pytest.raises(ValueError, match="must contain"):
        date_parser("%m/%Y")
