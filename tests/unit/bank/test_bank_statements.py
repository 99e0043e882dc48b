"""Statement parsing (camt.053 v02 and v08, camt.054, MT940, CSV) and reconciliation on them.

The fixtures in ``tests/fixtures/bank/`` describe the same small day of business on account
DE89370400440532013000: Müller Bau pays INV-2026-0042 quoting its RF reference, Acme pays
INV-2026-0043 quoting the invoice number, Jane Doe pays her plan installment, a bank fee is
debited, and (camt.053 v08) an unreferenced 50.00 that fits two open invoices arrives.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from amicable.adapters.bank import detect_format, parse_statement, read_statement
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.servicing.matching import Candidate, match_entry
from amicable.servicing.references import creditor_reference

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bank"
ACCOUNT = "DE89370400440532013000"


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


CANDIDATES = (
    Candidate(
        "invoice:INV-2026-0042",
        "invoice",
        "Müller Bau GmbH",
        eur("250.00"),
        reference=creditor_reference("INV-2026-0042"),
        number="INV-2026-0042",
        due_date=date(2026, 3, 1),
    ),
    Candidate(
        "invoice:INV-2026-0043",
        "invoice",
        "Acme Widgets Ltd",
        eur("400.00"),
        reference=creditor_reference("INV-2026-0043"),
        number="INV-2026-0043",
        due_date=date(2026, 3, 5),
    ),
    Candidate(
        "installment:PL-7#2",
        "installment",
        "Jane Q. Doe",
        eur("120.00"),
        reference=creditor_reference("PL7N2"),
        due_date=date(2026, 3, 4),
    ),
    Candidate("invoice:J-1", "invoice", "Jane Doe", eur("50.00"), due_date=date(2026, 3, 5)),
    Candidate("invoice:J-2", "invoice", "Jane Doe", eur("50.00"), due_date=date(2026, 3, 5)),
)

EXPECTED = {
    "camt053_v02.xml": [
        ("matched", "invoice:INV-2026-0042", "creditor_reference"),
        ("matched", "invoice:INV-2026-0043", "invoice_number"),
        ("matched", "installment:PL-7#2", "amount_payer_date"),
    ],
    "camt053_v08.xml": [
        ("matched", "installment:PL-7#2", "reference_in_text"),
        ("ambiguous", None, None),
    ],
    "camt054_v08.xml": [("matched", "invoice:INV-2026-0043", "creditor_reference")],
    "statement.mt940": [
        ("matched", "invoice:INV-2026-0042", "creditor_reference"),
        ("matched", "invoice:INV-2026-0043", "invoice_number"),
        ("unmatched", None, None),  # no payer name in an unstructured :86:
    ],
    "statement.csv": [
        ("matched", "invoice:INV-2026-0042", "creditor_reference"),
        ("matched", "invoice:INV-2026-0043", "invoice_number"),
        ("matched", "installment:PL-7#2", "amount_payer_date"),
        ("matched", "installment:PL-7#2", "amount_payer_date"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_statement_format_reconciles_by_reference_number_and_payer(name: str) -> None:
    statement = read_statement(FIXTURES / name)
    assert statement.errors == ()
    assert statement.account == ACCOUNT
    outcomes = []
    for entry in statement.entries:
        result = match_entry(entry, CANDIDATES)
        best = result.best
        outcomes.append(
            (
                result.status.value,
                best.candidate.id if best else None,
                best.method if best else None,
            )
        )
    assert outcomes == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_duplicate_statement_yields_the_same_entry_ids(name: str, tmp_path: Path) -> None:
    copy = tmp_path / f"again-{name}"
    shutil.copyfile(FIXTURES / name, copy)
    first = read_statement(FIXTURES / name)
    second = read_statement(copy)
    ids = [e.entry_id for e in first.entries]
    assert ids == [e.entry_id for e in second.entries]
    assert len(set(ids)) == len(ids)  # identical transfers on one day stay two entries
    assert all(i.startswith(ACCOUNT + ":") for i in ids)


def test_camt053_v02_reads_batch_details_debits_and_skips_pending_entries() -> None:
    statement = read_statement(FIXTURES / "camt053_v02.xml")
    assert statement.format == "camt053"
    first, acme, jane = statement.entries
    assert (first.entry_id, first.amount, first.payer_name, first.payer_iban) == (
        f"{ACCOUNT}:2026030300001",
        eur("250.00"),
        "Mueller Bau GmbH",
        "DE44500105175407324931",
    )
    assert first.structured_reference == "RF73INV20260042"
    assert (acme.entry_id, acme.amount, acme.remittance) == (
        f"{ACCOUNT}:2026030300002#1",
        eur("400.00"),
        "Payment for inv 2026/0043 thank you",
    )
    assert (jane.amount, jane.value_date, jane.location) == (
        eur("120.00"),
        date(2026, 3, 4),
        "line 44 (Stmt[1]/Ntry[2]/NtryDtls/TxDtls[2])",
    )
    (fee,) = statement.debits
    assert fee.amount == eur("-75.50")
    assert not fee.is_credit


def test_camt053_v08_reads_party_names_datetimes_and_spaced_ibans() -> None:
    statement = read_statement(FIXTURES / "camt053_v08.xml")
    first = statement.entries[0]
    assert (first.entry_id, first.payer_name, first.booking_date, first.bank_reference) == (
        f"{ACCOUNT}:TX-88001",
        "Jane Q. Doe",
        date(2026, 3, 5),
        "TX-88001",
    )
    assert ":sha256:" in statement.entries[1].entry_id


def test_camt054_is_told_apart_from_camt053_by_its_namespace() -> None:
    data = (FIXTURES / "camt054_v08.xml").read_bytes()
    assert detect_format(data) == "camt054"
    assert parse_statement(data, source="n.xml").format == "camt054"
    with pytest.raises(InvalidInput, match="the file is camt054, not camt053"):
        parse_statement(data, source="n.xml", format="camt053")


def test_mt940_reads_the_structured_86_fields() -> None:
    statement = read_statement(FIXTURES / "statement.mt940", format="mt940")
    first = statement.entries[0]
    assert (first.payer_name, first.payer_iban, first.remittance, first.location) == (
        "Mueller Bau GmbH",
        "DE44500105175407324931",
        "RF73INV20260042 Danke",
        "line 5 (:61: #1)",
    )
    assert statement.debits[0].amount == eur("-75.50")
    assert statement.entries[2].remittance == "Jane Doe monthly rate"


def test_the_csv_layout_refuses_bad_rows_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,amount,currency,payer\n"
        "2026-03-03,10.00,EUR,A\n"
        "03/03/2026,10.00,EUR,B\n"
        "2026-03-03,10.001,EUR,C\n"
        "2026-03-03,10.00,XXX,D\n"
        "2026-03-03,10.00,EUR\n",
        encoding="utf-8",
    )
    statement = read_statement(path)
    assert len(statement.entries) == 1
    assert [(e.location, e.message.split(":")[0]) for e in statement.errors] == [
        ("line 3, column date", "'03/03/2026' is not a date (YYYY-MM-DD)"),
        (
            "line 4, column amount/currency",
            "10.001 has more decimals than EUR allows (2); round it explicitly",
        ),
        ("line 5, column amount/currency", "unknown currency 'XXX'"),
        ("line 6", "3 fields, header has 4"),
    ]
    assert str(statement.errors[0]).startswith(f"{path}: line 3, column date:")


def test_a_csv_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("date,amount,payer,colour\n", encoding="utf-8")
    with pytest.raises(
        InvalidInput, match=r"line 1: missing column.s. currency; unknown column.s. colour"
    ):
        read_statement(path, format="csv")


CAMT_HEAD = '<?xml version="1.0"?>\n'


def test_xml_with_a_doctype_or_external_entity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.xml"
    path.write_text(
        CAMT_HEAD
        + '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        + "<BkToCstmrStmt><Stmt><Ntry><Amt Ccy='EUR'>&xxe;</Amt></Ntry></Stmt></BkToCstmrStmt>"
        + "</Document>",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="DOCTYPE declaration is refused"):
        read_statement(path)


def test_bad_camt_entries_become_errors_with_line_and_element(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        CAMT_HEAD
        + '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">\n'
        + "<BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n"
        + "<Ntry><Amt Ccy='EUR'>12.345</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        + "<BookgDt><Dt>2026-03-03</Dt></BookgDt></Ntry>\n"
        + "<Ntry><Amt Ccy='EUR'>12.00</Amt><CdtDbtInd>XX</CdtDbtInd></Ntry>\n"
        + "<Ntry><Amt Ccy='EUR'>12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        + "<BookgDt><Dt>3 March</Dt></BookgDt></Ntry>\n"
        + "<Ntry><Amt Ccy='EUR'>30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        + "<BookgDt><Dt>2026-03-03</Dt></BookgDt><NtryDtls>"
        + "<TxDtls><Amt Ccy='EUR'>10.00</Amt></TxDtls><TxDtls><Amt Ccy='EUR'>10.00</Amt></TxDtls>"
        + "</NtryDtls></Ntry>\n"
        + "<Ntry><Amt Ccy='EUR'>5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        + "<ValDt><Dt>2026-03-03</Dt></ValDt></Ntry>\n"
        + "</Stmt></BkToCstmrStmt></Document>",
        encoding="utf-8",
    )
    statement = read_statement(path)
    assert [(e.location, e.message) for e in statement.errors] == [
        (
            "line 4 (Stmt[1]/Ntry[1]/Amt)",
            "12.345 has more decimals than EUR allows (2); round it explicitly",
        ),
        ("line 5 (Stmt[1]/Ntry[2])", "CdtDbtInd is 'XX', expected CRDT or DBIT"),
        ("line 6 (Stmt[1]/Ntry[3]/BookgDt)", "'3 March' is not a date (YYYY-MM-DD)"),
        (
            "line 7 (Stmt[1]/Ntry[4])",
            "the batch's transactions sum to 20.00 EUR, the entry says 30.00 EUR",
        ),
    ]
    (only,) = statement.entries
    assert (only.amount, only.booking_date) == (eur("5.00"), date(2026, 3, 3))


def test_unreadable_and_unknown_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Document><unclosed></Document>", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"broken.xml: not well-formed XML"):
        read_statement(broken, format="camt053")
    other = tmp_path / "other.xml"
    other.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "utf-8")
    with pytest.raises(InvalidInput, match=r"not an ISO 20022 camt.053 or camt.054"):
        read_statement(other)
    with pytest.raises(InvalidInput, match=r"is not a camt.053 or camt.054 Document"):
        read_statement(other, format="camt053")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot tell the statement format"):
        read_statement(text)
    with pytest.raises(InvalidInput, match="unknown statement format 'bai2'"):
        read_statement(text, format="bai2")
    with pytest.raises(InvalidInput, match="cannot read the statement"):
        read_statement(tmp_path / "missing.csv")
