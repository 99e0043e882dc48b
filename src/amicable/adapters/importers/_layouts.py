"""File layouts: the generic layout, the product presets and the mapping file that adjusts them.

A :class:`Layout` says, for one kind of record (invoices, payments, customers) and one source
(generic, QuickBooks, Xero, NetSuite, SAP), which header names feed which field, which fields are
required, the date format, the decimal separator, the delimiter, and how report decoration
(titles, section headings, total lines, footers) is recognised. A mapping file (YAML) overrides
any of these on top of a preset. Invariants:

* Header names are compared normalised (trimmed, lower case, runs of blanks collapsed).
* Nothing is guessed: a preset without a currency column needs ``default_currency`` from the
  caller or the mapping file; day-first vs month-first is the layout's stated date format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from amicable.domain.errors import InvalidInput
from amicable.domain.money import CURRENCIES

from ._source import DELIMITERS
from ._values import date_parser

__all__ = ["FORMATS", "Kind", "Layout", "layout_for", "load_mapping", "normalise"]

FORMATS: Final = ("generic", "quickbooks", "xero", "netsuite", "sap")

Kind = Literal["invoices", "payments", "customers"]
Role = Literal["invoice", "credit", "payment"]


def normalise(header: str) -> str:
    """A header name as compared: trimmed, lower case, inner blanks collapsed, BOM dropped."""
    return " ".join(header.replace("\ufeff", "").split()).lower()


@dataclass(frozen=True, slots=True)
class Layout:
    """How one kind of file is read.

    Attributes:
        name: the format name (``"generic"``, ``"quickbooks"`` …), for messages.
        kind: the records it yields.
        columns: field -> accepted header names (normalised), first present wins.
        required: fields whose column must exist and whose cell must not be blank.
        date_format: ``"iso"`` or one ``strptime`` pattern (ISO is always accepted too).
        decimal_separator: ``"."`` or ``","``.
        delimiter: CSV delimiter, or None to find the header with each of , ; TAB |.
        encoding: CSV text encoding (``utf-8-sig`` strips a BOM).
        sheet: XLSX sheet name (None = the first sheet).
        default_currency: ISO 4217 code used when the file has no currency column / cell.
        header_row: the header's 1-based line when fixed, else searched for.
        header_search: how many non-blank rows may come before the header (report titles).
        report_rows: skip section headings, "Total …" lines and footers (accounting reports).
        group_customer: the customer is a heading row above its invoices (Xero).
        type_roles: transaction type (normalised) -> role; None = every row is an invoice.
        unknown_type_by_sign: a type not in ``type_roles`` is an invoice (credit if negative)
            instead of an error (SAP document types are configurable per system).
        open_is_amount: the export shows one amount, the open one (aged reports, open items).
        extra: fields copied into ``InvoiceRecord.extra``.
        payment_amount: the field holding a payment's amount (QuickBooks: the open balance,
            i.e. the unapplied part; the sign is dropped).
        payment_date: the field holding a payment's settlement date.
    """

    name: str
    kind: Kind
    columns: Mapping[str, tuple[str, ...]]
    required: frozenset[str]
    date_format: str = "iso"
    decimal_separator: str = "."
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    sheet: str | None = None
    default_currency: str | None = None
    header_row: int | None = None
    header_search: int = 1
    report_rows: bool = False
    group_customer: bool = False
    type_roles: Mapping[str, Role] | None = None
    unknown_type_by_sign: bool = False
    open_is_amount: bool = False
    extra: tuple[str, ...] = field(default=())
    payment_amount: str = "amount"
    payment_date: str = "received_on"


def _cols(**fields: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else v for k, v in fields.items()}


_GENERIC_INVOICES = Layout(
    name="generic",
    kind="invoices",
    columns=_cols(
        customer_id="customer_id",
        customer_name="customer_name",
        invoice_number="invoice_number",
        issue_date="issue_date",
        due_date="due_date",
        currency="currency",
        amount="amount",
        open_amount="open_amount",
        disputed="disputed",
        description="description",
    ),
    required=frozenset({"invoice_number", "issue_date", "due_date", "amount"}),
)

_GENERIC_PAYMENTS = Layout(
    name="generic",
    kind="payments",
    columns=_cols(
        customer_id="customer_id",
        customer_name="customer_name",
        payment_id="payment_id",
        received_on="received_on",
        currency="currency",
        amount="amount",
        invoice_number="invoice_number",
        method="method",
    ),
    required=frozenset({"payment_id", "received_on", "amount"}),
)

CUSTOMER_FIELDS: Final = (
    "customer_id", "name", "type", "tier", "language", "country", "region", "timezone", "emails",
    "phones", "address", "postal_code", "consent_email", "consent_sms", "consent_call",
    "consent_whatsapp", "tags",
)  # fmt: skip

_GENERIC_CUSTOMERS = Layout(
    name="generic",
    kind="customers",
    columns={name: (name,) for name in CUSTOMER_FIELDS},
    required=frozenset({"customer_id", "name"}),
)

_QB_COLUMNS = _cols(
    issue_date=("date", "transaction date"),
    type=("transaction type", "type"),
    invoice_number=("num", "no.", "number"),
    customer_name=("customer", "customer full name", "name"),
    due_date="due date",
    amount="amount",
    open_amount=("open balance", "balance"),
    description=("memo/description", "memo"),
    currency="currency",
)
_QB_ROLES: Final[dict[str, Role]] = {
    "invoice": "invoice",
    "credit memo": "credit",
    "payment": "payment",
}
_QUICKBOOKS_INVOICES = Layout(
    name="quickbooks",
    kind="invoices",
    columns=_QB_COLUMNS,
    required=frozenset(
        {"issue_date", "type", "invoice_number", "customer_name", "due_date", "amount"}
        | {"open_amount"}
    ),
    date_format="%m/%d/%Y",
    header_search=30,
    report_rows=True,
    type_roles=_QB_ROLES,
)
_QUICKBOOKS_PAYMENTS = replace(
    _QUICKBOOKS_INVOICES,
    kind="payments",
    columns={**_QB_COLUMNS, "payment_id": _QB_COLUMNS["invoice_number"]},
    required=frozenset({"issue_date", "type", "customer_name", "open_amount"}),
    payment_amount="open_amount",
    payment_date="issue_date",
)

_XERO_INVOICES = Layout(
    name="xero",
    kind="invoices",
    columns=_cols(
        issue_date=("invoice date", "date"),
        invoice_number=("invoice number", "number"),
        description=("invoice reference", "reference"),
        due_date="due date",
        open_amount=("total", "amount due", "due"),
        amount=("invoice total", "gross", "invoice amount"),
        currency="currency",
        customer_name=("contact", "contact name"),
    ),
    required=frozenset({"issue_date", "invoice_number", "due_date", "open_amount"}),
    date_format="%d %b %Y",
    header_search=30,
    report_rows=True,
    group_customer=True,
)

_NS_ROLES: Final[dict[str, Role]] = {
    "invoice": "invoice",
    "credit memo": "credit",
    "payment": "payment",
    "customer payment": "payment",
}
_NETSUITE_INVOICES = Layout(
    name="netsuite",
    kind="invoices",
    columns=_cols(
        internal_id=("internal id", "internalid"),
        invoice_number=("document number", "number", "doc number", "invoice number"),
        customer_name=("customer", "name", "customer name", "customer/project"),
        customer_id=("customer id", "customer internal id"),
        issue_date=("date", "transaction date", "invoice date"),
        due_date=("due date", "due date/receive by"),
        currency="currency",
        amount=("amount", "amount (gross)", "amount (foreign currency)", "amount (transaction)"),
        open_amount=(
            "amount remaining",
            "amount remaining (foreign currency)",
            "amount due",
            "open balance",
        ),
        status="status",
        type=("type", "transaction type"),
        description=("memo", "memo (main)"),
    ),
    required=frozenset({"invoice_number", "issue_date", "due_date", "amount", "open_amount"}),
    date_format="%m/%d/%Y",
    header_search=5,
    type_roles=_NS_ROLES,
    extra=("internal_id", "status"),
)
_NETSUITE_PAYMENTS = Layout(
    name="netsuite",
    kind="payments",
    columns=_cols(
        payment_id=("document number", "number", "internal id", "payment number"),
        customer_name=("customer", "name", "customer name", "customer/project"),
        customer_id=("customer id", "customer internal id"),
        received_on=("date", "transaction date", "payment date"),
        currency="currency",
        amount=("amount", "amount (foreign currency)", "payment amount"),
        invoice_number=("applied to", "applied to transaction", "invoice number"),
        method=("payment method", "method"),
        type=("type", "transaction type"),
    ),
    required=frozenset({"payment_id", "received_on", "amount"}),
    date_format="%m/%d/%Y",
    header_search=5,
    type_roles=_NS_ROLES,
)

_SAP_COLUMNS = _cols(
    customer_id=("customer", "account", "customer account"),
    customer_name=("name 1", "name", "customer name"),
    assignment="assignment",
    invoice_number=("document number", "documentno", "doc. no.", "document no"),
    type=("document type", "type", "doc. type"),
    issue_date=("document date", "doc. date", "doc..date"),
    posting_date=("posting date", "pstng date"),
    due_date=("net due date", "net due dt", "net due dt."),
    amount=("amount in doc. curr.", "amount in doc. currency", "amt in doc. curr.", "amount"),
    currency=("document currency", "curr.", "currency"),
    description=("text",),
    clearing_date=("clearing date", "clrng doc."),
)
_SAP_INVOICES = Layout(
    name="sap",
    kind="invoices",
    columns=_SAP_COLUMNS,
    required=frozenset(
        {"customer_id", "invoice_number", "issue_date", "due_date", "amount", "currency"}
    ),
    date_format="%d.%m.%Y",
    decimal_separator=",",
    header_search=30,
    report_rows=True,
    type_roles={"dz": "payment"},
    unknown_type_by_sign=True,
    open_is_amount=True,
    extra=("assignment",),
)
_SAP_PAYMENTS = replace(
    _SAP_INVOICES,
    kind="payments",
    columns={**_SAP_COLUMNS, "payment_id": _SAP_COLUMNS["invoice_number"]},
    required=frozenset({"customer_id", "invoice_number", "type", "issue_date", "amount"}),
    payment_date="issue_date",
)

_LAYOUTS: Final[dict[tuple[str, Kind], Layout]] = {
    ("generic", "invoices"): _GENERIC_INVOICES,
    ("generic", "payments"): _GENERIC_PAYMENTS,
    ("generic", "customers"): _GENERIC_CUSTOMERS,
    ("quickbooks", "invoices"): _QUICKBOOKS_INVOICES,
    ("quickbooks", "payments"): _QUICKBOOKS_PAYMENTS,
    ("xero", "invoices"): _XERO_INVOICES,
    ("netsuite", "invoices"): _NETSUITE_INVOICES,
    ("netsuite", "payments"): _NETSUITE_PAYMENTS,
    ("sap", "invoices"): _SAP_INVOICES,
    ("sap", "payments"): _SAP_PAYMENTS,
}


def layout_for(
    fmt: str, kind: Kind, *, mapping: Path | None = None, default_currency: str | None = None
) -> Layout:
    """The layout for ``fmt`` and ``kind``, adjusted by a mapping file and a default currency."""
    fmt_key = fmt.strip().lower()
    if fmt_key not in FORMATS:
        raise InvalidInput(f"unknown import format {fmt!r}; choose one of {', '.join(FORMATS)}")
    base = _LAYOUTS.get((fmt_key, kind))
    if base is None:
        raise InvalidInput(
            f"the {fmt_key} format has no {kind} layout ({fmt_key} exports carry invoices only); "
            f"use the generic layout or a mapping file for {kind}"
        )
    layout = base if mapping is None else load_mapping(mapping, base)
    if default_currency is not None:
        layout = replace(layout, default_currency=_currency_code(default_currency, "option"))
    return layout


_MAPPING_KEYS: Final = frozenset(
    {
        "columns",
        "date_format",
        "decimal_separator",
        "delimiter",
        "encoding",
        "sheet",
        "default_currency",
        "header_row",
    }
)


def _currency_code(value: object, where: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in CURRENCIES:
        raise InvalidInput(f"{where}: default_currency {value!r} is not an ISO 4217 code")
    return code


def load_mapping(path: Path, base: Layout) -> Layout:
    """Read a mapping file (YAML) and apply it on top of ``base``; every problem is reported."""
    where = str(path)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{where}: mapping file not found") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: a mapping file is a YAML mapping of settings")
    problems: list[str] = []
    unknown = sorted(str(k) for k in data if k not in _MAPPING_KEYS)
    if unknown:
        problems.append(f"unknown keys {unknown}; allowed: {sorted(_MAPPING_KEYS)}")
    changes: dict[str, Any] = {}
    for key in ("date_format", "encoding", "sheet"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                problems.append(f"{key}: expected text")
            else:
                changes[key] = data[key]
    if "date_format" in changes:
        try:
            date_parser(changes["date_format"])
        except ValueError as exc:
            problems.append(f"date_format: {exc}")
    if "encoding" in changes:
        import codecs

        try:
            codecs.lookup(changes["encoding"])
        except LookupError:
            problems.append(f"encoding: unknown encoding {changes['encoding']!r}")
    if "decimal_separator" in data:
        if data["decimal_separator"] not in (".", ","):
            problems.append("decimal_separator: expected '.' or ','")
        else:
            changes["decimal_separator"] = data["decimal_separator"]
    if "delimiter" in data:
        delimiter = data["delimiter"]
        if delimiter == "tab":
            delimiter = "\t"
        if delimiter not in DELIMITERS:
            problems.append("delimiter: expected one of ',', ';', 'tab', '|'")
        else:
            changes["delimiter"] = delimiter
    if "default_currency" in data:
        try:
            changes["default_currency"] = _currency_code(data["default_currency"], "mapping")
        except InvalidInput as exc:
            problems.append(str(exc))
    if "header_row" in data:
        row = data["header_row"]
        if not isinstance(row, int) or isinstance(row, bool) or row < 1:
            problems.append("header_row: expected a line number (1 or more)")
        else:
            changes["header_row"] = row
    if "columns" in data:
        columns = data["columns"]
        if not isinstance(columns, dict):
            problems.append("columns: expected a mapping of field: header name")
        else:
            merged = dict(base.columns)
            for name, header in columns.items():
                if name not in base.columns:
                    problems.append(
                        f"columns: unknown field {name!r} for {base.kind}; "
                        f"fields: {sorted(base.columns)}"
                    )
                elif not isinstance(header, str) or not header.strip():
                    problems.append(f"columns.{name}: expected a header name")
                else:
                    merged[name] = (normalise(header),)
            changes["columns"] = merged
    if problems:
        raise InvalidInput(f"{where}: invalid mapping file: " + "; ".join(problems))
    return replace(base, **changes)
