"""A generic CSV bank statement layout, for banks and tools that export nothing standard.

Layout (UTF-8, comma separated, a header row; column order free, names case-insensitive):

=================  ========  =================================================================
column             required  content
=================  ========  =================================================================
``date``           yes       booking date, ``YYYY-MM-DD``
``amount``         yes       decimal with a dot (``1250.00``); negative for a debit
``currency``       yes       ISO 4217 code
``payer``          no        payer name
``iban``           no        payer IBAN (spaces allowed)
``reference``      no        structured creditor reference (``RF…``) or other structured ref
``remittance``     no        free remittance text
``value_date``     no        ``YYYY-MM-DD``; the booking date when empty
``bank_reference`` no        the bank's id of the movement (used for duplicate detection)
``account``        no        the statement account (IBAN); the same on every row
=================  ========  =================================================================

Every bad row becomes a :class:`StatementError` with its line number and column; the other rows
are still read. Entry ids: ``account:bank_reference`` when given, else a content hash.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Final

from amicable.domain.errors import InvalidInput, InvalidMoney, UnknownCurrency
from amicable.domain.money import Money
from amicable.servicing.statement import (
    Statement,
    StatementEntry,
    StatementError,
    content_entry_id,
)

__all__ = ["CSV_COLUMNS", "parse_csv"]

CSV_COLUMNS: Final[tuple[str, ...]] = (
    "date",
    "amount",
    "currency",
    "payer",
    "iban",
    "reference",
    "remittance",
    "value_date",
    "bank_reference",
    "account",
)
_REQUIRED: Final[tuple[str, ...]] = ("date", "amount", "currency")


def _date(text: str, line: int, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"line {line}, column {column}: {text!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse_csv(data: bytes, *, source: str) -> Statement:
    """Parse a statement in the generic CSV layout."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header_row = next(reader, None)
    if header_row is None:
        raise InvalidInput(f"{source}: empty file; expected a header row")
    header = [h.strip().lower() for h in header_row]
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        raise InvalidInput(
            f"{source}: line 1: {'; '.join(problems)}; columns are {', '.join(CSV_COLUMNS)}"
        )
    credits: list[StatementEntry] = []
    debits: list[StatementEntry] = []
    errors: list[StatementError] = []
    accounts: list[str] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(
                StatementError(
                    source, f"line {line}", f"{len(row)} fields, header has {len(header)}"
                )
            )
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        try:
            booked = _date(cells["date"], line, "date")
            valued = (
                _date(cells["value_date"], line, "value_date")
                if cells.get("value_date")
                else booked
            )
            try:
                amount = Money.of(cells["amount"], cells["currency"])
            except (InvalidMoney, UnknownCurrency) as exc:
                raise ValueError(f"line {line}, column amount/currency: {exc}") from None
            if amount.is_zero():
                raise ValueError(f"line {line}, column amount: zero amount")
        except ValueError as exc:
            location, _, message = str(exc).partition(": ")
            errors.append(StatementError(source, location, message))
            continue
        account = cells.get("account", "").replace(" ", "").upper()
        if account and account not in accounts:
            accounts.append(account)
        payer = cells.get("payer", "")
        iban = cells.get("iban", "").replace(" ", "").upper()
        reference = cells.get("reference", "")
        remittance = " ".join(cells.get("remittance", "").split())
        bank_ref = cells.get("bank_reference", "")
        if bank_ref:
            entry_id = f"{account or 'unknown'}:{bank_ref}"
        else:
            parts = (
                booked.isoformat(),
                valued.isoformat(),
                amount.amount_str(),
                amount.code,
                payer,
                iban,
                reference,
                remittance,
            )
            occurrence = seen.get(parts, 0)
            seen[parts] = occurrence + 1
            entry_id = content_entry_id(account, parts, occurrence)
        entry = StatementEntry(
            entry_id=entry_id,
            account=account,
            booking_date=booked,
            value_date=valued,
            amount=amount,
            payer_name=payer,
            payer_iban=iban,
            remittance=remittance,
            structured_reference=reference,
            bank_reference=bank_ref,
            location=f"line {line}",
        )
        (credits if entry.is_credit else debits).append(entry)
    if len(accounts) > 1:
        errors.append(
            StatementError(source, "column account", f"several accounts: {', '.join(accounts)}")
        )
    return Statement(
        "csv", accounts[0] if accounts else "", tuple(credits), tuple(debits), tuple(errors), source
    )
