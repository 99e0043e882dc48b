"""SWIFT MT940 customer statements, read with the ``mt-940`` package (module ``mt940``).

Each ``:61:`` statement line becomes one :class:`StatementEntry`; its ``:86:`` information line
gives the payer and the remittance. German-style structured ``:86:`` fields are understood
(``?20``-``?29`` purpose with ``SVWZ+`` / ``EREF+`` keywords, ``?31`` payer account, ``?32``/``?33``
payer name); any other ``:86:`` text is kept whole as the remittance. The structured creditor
reference is the first valid ISO 11649 ``RF…`` token of the purpose, if any.

* amount: the ``:61:`` amount with its sign (``C`` credit, ``D`` debit, ``RC``/``RD`` reversals
  signed as the movement they are); currency from the statement's ``:60F:`` balance.
* dates: value date from ``:61:``; booking (entry) date when given, else the value date.
* identity: account (``:25:``) + bank reference (after ``//`` in ``:61:``), else a content hash.
* location: ``line N`` of the ``:61:`` line in the file.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import mt940
from mt940 import processors as mt940_processors

from amicable.domain.errors import InvalidInput, InvalidMoney, UnknownCurrency
from amicable.domain.money import Money
from amicable.servicing.references import is_valid_reference
from amicable.servicing.statement import (
    Statement,
    StatementEntry,
    StatementError,
    content_entry_id,
)

__all__ = ["parse_mt940"]

_RF = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b")


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    return date(value.year, value.month, value.day)


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def parse_mt940(data: bytes, *, source: str) -> Statement:
    """Parse an MT940 file; a file with no ``:61:`` lines and no account is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # MT940 files from banks are often ISO 8859-1
    lines_61 = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(":61:")]
    try:
        parsed = mt940.parse(
            text,
            options=mt940.Options.all(),
            processors={
                "post_transaction_details": [
                    mt940_processors.transaction_details_post_processor_with_space
                ]
            },
        )
    except Exception as exc:  # the library raises bare errors on malformed tags
        raise InvalidInput(f"{source}: not a readable MT940 statement: {exc}") from None
    account = _clean(parsed.data.get("account_identification")).replace(" ", "").upper()
    if not account and not len(parsed):
        raise InvalidInput(f"{source}: no :25: account and no :61: lines; not an MT940 statement")
    credits: list[StatementEntry] = []
    debits: list[StatementEntry] = []
    errors: list[StatementError] = []
    seen: dict[tuple[str, ...], int] = {}
    for index, tx in enumerate(parsed, start=1):
        line = lines_61[index - 1] if index <= len(lines_61) else 0
        where = f"line {line} (:61: #{index})"
        info = tx.data
        raw: Any = info.get("amount")
        try:
            amount = Money.of(Decimal(str(raw.amount)), raw.currency)
        except (InvalidMoney, UnknownCurrency, AttributeError) as exc:
            errors.append(StatementError(source, where, f"bad amount {raw!r}: {exc}"))
            continue
        value_date = _as_date(info.get("date"))
        if value_date is None:
            errors.append(StatementError(source, where, "no value date"))
            continue
        booking_date = _as_date(info.get("entry_date")) or value_date
        purpose = _clean(info.get("purpose")) or _clean(info.get("transaction_details"))
        extra = _clean(info.get("additional_purpose"))
        remittance = f"{purpose} {extra}".strip()
        structured = next(
            (
                m.group(0)
                for m in _RF.finditer(remittance.upper())
                if is_valid_reference(m.group(0))
            ),
            "",
        )
        payer = _clean(info.get("applicant_name"))
        iban = _clean(info.get("applicant_iban") or info.get("gvc_applicant_iban"))
        iban = iban.replace(" ", "").upper()
        bank_ref = _clean(info.get("bank_reference"))
        if bank_ref and bank_ref.upper() != "NONREF":
            entry_id = f"{account or 'unknown'}:{bank_ref}"
        else:
            bank_ref = ""
            parts = (
                booking_date.isoformat(),
                value_date.isoformat(),
                amount.amount_str(),
                amount.code,
                payer,
                iban,
                remittance,
                _clean(info.get("customer_reference")),
            )
            occurrence = seen.get(parts, 0)
            seen[parts] = occurrence + 1
            entry_id = content_entry_id(account, parts, occurrence)
        entry = StatementEntry(
            entry_id=entry_id,
            account=account,
            booking_date=booking_date,
            value_date=value_date,
            amount=amount,
            payer_name=payer,
            payer_iban=iban,
            remittance=remittance,
            structured_reference=structured,
            bank_reference=bank_ref,
            location=where,
        )
        if amount.is_zero():
            errors.append(StatementError(source, where, "zero amount"))
        elif entry.is_credit:
            credits.append(entry)
        else:
            debits.append(entry)
    return Statement("mt940", account, tuple(credits), tuple(debits), tuple(errors), source)
