"""Bank statement entries, the common shape every statement parser produces.

A :class:`StatementEntry` is one incoming (credit) or outgoing (debit) movement on a bank account
as a statement reports it: camt.053 / camt.054 transaction details, an MT940 ``:61:`` line, a CSV
row. A :class:`Statement` is what one file held: its entries (credits), its debits (kept apart,
never matched against receivables), the row/element errors found, the format and the account.

Invariants
----------
* ``amount`` is exact :class:`Money`; credits are positive, debits negative.
* ``entry_id`` identifies the movement across imports: the account plus the bank's own reference
  when the format has one, otherwise a SHA-256 of the entry's content (account, dates, amount,
  payer, references, remittance and its position among identical entries). Importing the same
  statement twice yields the same ids, so the second import posts nothing.
* ``location`` says where in the file the entry came from (``line 12`` or an element path) so an
  error or a question about an entry can point at the source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from amicable.domain.money import Money

__all__ = ["Statement", "StatementEntry", "StatementError", "content_entry_id"]


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One movement on a bank account.

    Attributes:
        entry_id: stable identity for duplicate detection (see module docstring).
        account: the statement's account (IBAN or bank account number), ``""`` if unknown.
        booking_date: the date the bank booked the movement.
        value_date: the value date (``booking_date`` when the format has none).
        amount: positive for credits, negative for debits.
        payer_name: the debtor's name as the bank reports it (``""`` if none).
        payer_iban: the debtor's account, compact upper case (``""`` if none).
        remittance: unstructured remittance text, lines joined with a space.
        structured_reference: a structured creditor reference (RF… or a national one), or ``""``.
        bank_reference: the bank's own reference for the movement (``""`` if none).
        location: where in the file it came from (``"line 7"``, ``"Stmt[1]/Ntry[2]/TxDtls[1]"``).
    """

    entry_id: str
    account: str
    booking_date: date
    value_date: date
    amount: Money
    payer_name: str
    payer_iban: str
    remittance: str
    structured_reference: str
    bank_reference: str
    location: str

    @property
    def is_credit(self) -> bool:
        return self.amount.is_positive()


@dataclass(frozen=True, slots=True)
class StatementError:
    """A problem in a statement file: which file, where in it, and what is wrong."""

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class Statement:
    """What one statement file held."""

    format: str
    account: str
    entries: tuple[StatementEntry, ...]
    debits: tuple[StatementEntry, ...]
    errors: tuple[StatementError, ...]
    source: str


def content_entry_id(account: str, parts: tuple[str, ...], occurrence: int) -> str:
    """A content hash id for formats without a bank reference.

    ``occurrence`` numbers identical movements within one file (two equal transfers on one day
    are two payments), so the id of each stays stable when the same file is read again.
    """
    digest = hashlib.sha256("\x1f".join((account, *parts, str(occurrence))).encode()).hexdigest()
    return f"{account or 'unknown'}:sha256:{digest[:32]}"
