"""Import records: one validated row of an input file, in domain terms, with where it came from.

Parsers (``adapters/importers``) turn a file of any supported layout into a stream of these records
or :class:`RowError` values; the import use case (``service``) writes records to the ledger. A
record is already validated *as a row* (dates parse, amounts are exact ``Money``, required fields
present, due date not before issue date, open amount not above amount); checks that need the whole
file or the database (duplicates, changed amounts) happen in the use case.

Every record carries ``line``: the 1-based physical line (CSV) or row (XLSX) number in its file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from amicable.domain.money import Money

__all__ = [
    "ConsentRecord",
    "CustomerRecord",
    "InvoiceRecord",
    "PaymentRecord",
    "RowError",
]

CustomerType = Literal["business", "consumer"]
Channel = Literal["email", "sms", "call", "whatsapp", "voicemail", "letter", "chat"]


@dataclass(frozen=True, slots=True)
class RowError:
    """A refused row (or file-level problem when ``line`` is 0).

    Attributes:
        line: 1-based line/row number in the file (0 = the file as a whole).
        column: the column (header name) at fault, or None when the row as a whole is at fault.
        value: the offending raw value, or None.
        message: what is wrong, in words a finance user understands.
    """

    line: int
    column: str | None
    value: str | None
    message: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "value": self.value,
                "message": self.message}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Consent (or opt-out) for one channel, as imported.

    Attributes:
        channel: the channel the consent is for.
        granted: True = consent given; False = opted out / refused.
        at: when it was given or withdrawn (aware UTC), if known.
        source: where it came from ("import", "web form", …).
    """

    channel: Channel
    granted: bool
    at: datetime | None = None
    source: str = "import"


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer (the debtor) with its contact points.

    Attributes:
        external_id: the creditor's own customer id — the import key.
        name: display name (company or person).
        customer_type: business or consumer.
        tier: free-form tier ("enterprise", "smb", …) or None.
        language: BCP 47 / ISO 639-1 language ("en", "fr", "es").
        country: ISO 3166-1 alpha-2 country code.
        region: ISO 3166-2 subdivision code without the country ("CA", "MA") or None.
        timezone: IANA zone name or None when unknown.
        emails, phones: contact points; phones in E.164.
        postal_address: one free-text address line or None.
        postal_code: postal / ZIP code or None.
        consents: per-channel consent and opt-out.
        tags: free-form tags for segmentation.
    """

    line: int
    external_id: str
    name: str
    customer_type: CustomerType = "business"
    tier: str | None = None
    language: str = "en"
    country: str | None = None
    region: str | None = None
    timezone: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postal_address: str | None = None
    postal_code: str | None = None
    consents: tuple[ConsentRecord, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """An open or closed invoice (or credit note, when ``amount`` is negative).

    Attributes:
        customer_ref: the customer's external id; when the file has only a name, the name.
        customer_name: the customer's name when the file has one (creates the customer on the fly).
        number: the invoice number, unique per organisation — the import key.
        issue_date, due_date: business dates; ``due_date >= issue_date``.
        amount: the invoice total (negative for a credit note).
        open_amount: what is still owed; ``|open_amount| <= |amount|``, same sign.
        disputed: True when the source marks the invoice disputed.
        description: free text (memo, PO number, …).
    """

    line: int
    customer_ref: str
    number: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    customer_name: str | None = None
    disputed: bool = False
    description: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A payment received (history or new), optionally applied to one invoice.

    Attributes:
        customer_ref: the customer's external id (or name, as for invoices).
        reference: the payment's own id in the source system — the import key.
        received_on: the settlement date (business date).
        amount: the amount received (positive).
        invoice_number: the invoice it pays, when the source says; else oldest-first allocation.
        method: "card", "ach", "transfer", "check", … or None.
    """

    line: int
    customer_ref: str
    reference: str
    received_on: date
    amount: Money
    invoice_number: str | None = None
    method: str | None = None
    customer_name: str | None = None
