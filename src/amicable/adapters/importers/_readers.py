"""Row validation: from ``(line, cells)`` to import records or :class:`RowError` values.

One generator per record kind walks a file once: it finds the header row, binds fields to column
positions, then validates each row and yields either one record or every error of that row (a row
with three bad cells yields three errors). Invariants:

* Streaming with bounded memory: the only state kept across rows is the set of keys already seen
  (invoice numbers, payment ids, customer ids — strings and their first line) for duplicates.
* File-level problems (no header, no currency and no default) are a single ``RowError`` with the
  header's line (or 0) and stop the file; bad rows never stop it.
* Nothing is guessed: unknown transaction types, unknown currencies and blank required cells
  are errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final

import phonenumbers

from amicable.domain.errors import InvalidMoney
from amicable.domain.money import CURRENCIES, Currency, Money
from amicable.domain.records import (
    Channel,
    ConsentRecord,
    CustomerRecord,
    CustomerType,
    InvoiceRecord,
    PaymentRecord,
    RowError,
)

from ._layouts import Layout, normalise
from ._source import DELIMITERS, is_xlsx, iter_rows
from ._values import date_parser, decimal_parser, parse_flag

__all__ = [
    "locate_header",
    "read_customer_rows",
    "read_invoice_rows",
    "read_payment_rows",
    "shape_rows",
    "validate_invoice_rows",
]

_MAX_HEADER_SCAN_LINES: Final = 500


@dataclass(frozen=True, slots=True)
class _Header:
    """Where the header is and which column each field reads (absent fields -> the pad column)."""

    delimiter: str
    line: int
    width: int
    index: dict[str, int]
    names: dict[str, str]

    def at(self, name: str) -> int:
        return self.index.get(name, self.width)

    def name(self, name: str) -> str | None:
        return self.names.get(name)


def _match(cells: list[str], layout: Layout) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        positions.setdefault(normalise(cell), i)
    index: dict[str, int] = {}
    for name, aliases in layout.columns.items():
        for alias in aliases:
            if alias in positions:
                index[name] = positions[alias]
                break
    missing = [layout.columns[f][0] for f in sorted(layout.required) if f not in index]
    if (
        layout.kind != "customers"
        and not layout.group_customer
        and "customer_id" not in index
        and "customer_name" not in index
    ):
        missing.append(
            f"{layout.columns.get('customer_id', ('customer_id',))[0]} or "
            f"{layout.columns.get('customer_name', ('customer_name',))[0]}"
        )
    return index, missing


def _locate(path: Path, layout: Layout) -> _Header | RowError:
    if is_xlsx(path):
        delimiters: tuple[str, ...] = (",",)
    elif layout.delimiter is not None:
        delimiters = (layout.delimiter,)
    else:
        delimiters = DELIMITERS
    best: tuple[int, int, list[str]] | None = None  # (missing count, line, missing)
    for delimiter in delimiters:
        seen = 0
        for line, cells in iter_rows(
            path,
            delimiter=delimiter,
            encoding=layout.encoding,
            sheet=layout.sheet,
            limit=layout.header_row or _MAX_HEADER_SCAN_LINES,
        ):
            if layout.header_row is not None and line != layout.header_row:
                continue
            if not any(c.strip() for c in cells):
                continue
            index, missing = _match(cells, layout)
            if not missing:
                names = {f: cells[i].strip() for f, i in index.items()}
                return _Header(delimiter, line, len(cells), index, names)
            if best is None or len(missing) < best[0]:
                best = (len(missing), line, missing)
            seen += 1
            if seen >= layout.header_search:
                break
    where = f"line {layout.header_row}" if layout.header_row else "the top of the file"
    missing_text = ", ".join(best[2]) if best else "every column"
    return RowError(
        best[1] if best else 0,
        None,
        None,
        f"no {layout.name} {layout.kind} header row found at {where}: "
        f"missing columns {missing_text}",
    )


def _data_rows(
    path: Path, layout: Layout, header: _Header
) -> Iterator[tuple[int, list[str], str | None]]:
    """Data rows after the header, padded to the header width plus one blank pad cell.

    The third item is the current group heading (Xero contact) or None.
    """
    rows = iter_rows(path, delimiter=header.delimiter, encoding=layout.encoding, sheet=layout.sheet)
    return shape_rows(((n, c) for n, c in rows if n > header.line), layout, header)


def shape_rows(
    rows: Iterable[tuple[int, list[str]]], layout: Layout, header: _Header
) -> Iterator[tuple[int, list[str], str | None]]:
    """Raw ``(line, cells)`` data rows as the validators take them: blank rows dropped, report
    decoration skipped (tracking the group heading), cells padded to the header width plus one."""
    pad_to = header.width + 1
    group: str | None = None
    for line, cells in rows:
        if not any(cells) or (not cells[0].strip() and not "".join(cells).strip()):
            continue
        if layout.report_rows:
            filled = [c.strip() for c in cells if c.strip()]
            first = filled[0].lower()
            if first.startswith(("total", "percentage", "%", "*")):
                continue
            if len(filled) == 1:
                # A section heading ("1 - 30 days past due"), a contact heading (Xero) or the
                # report footer (QuickBooks' timestamp): structure, not data.
                group = filled[0]
                continue
        if len(cells) < pad_to:
            cells.extend([""] * (pad_to - len(cells)))
        else:
            cells.append("")
        yield line, cells, group


class _Row:
    """Per-row helpers that collect errors instead of raising."""

    __slots__ = ("errors", "header", "line")

    def __init__(self, line: int, header: _Header) -> None:
        self.line = line
        self.header = header
        self.errors: list[RowError] = []

    def fail(self, name: str, value: str | None, message: str) -> None:
        self.errors.append(RowError(self.line, self.header.name(name), value, message))

    def required(self, name: str, raw: str, what: str) -> bool:
        if raw:
            return True
        self.fail(name, None, f"{what} is missing")
        return False

    def date(self, name: str, raw: str, what: str, parse: Callable[[str], date]) -> date | None:
        if not self.required(name, raw, what):
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.fail(name, raw, f"{what}: {exc}")
            return None

    def number(
        self, name: str, raw: str, what: str, parse: Callable[[str], Decimal]
    ) -> Decimal | None:
        if not self.required(name, raw, what):
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.fail(name, raw, f"{what}: {exc}")
            return None

    def money(
        self, name: str, raw: str, value: Decimal | None, cur: Currency | None
    ) -> Money | None:
        if value is None or cur is None:
            return None
        try:
            return Money(value, cur)
        except InvalidMoney as exc:
            self.fail(name, raw, str(exc))
            return None

    def currency(self, raw: str, default: Currency | None) -> Currency | None:
        if not raw:
            if default is None:
                self.fail("currency", None, "currency is missing (and no default currency given)")
            return default
        found = CURRENCIES.get(raw.upper())
        if found is None:
            self.fail("currency", raw, f"unknown currency {raw!r}: not an active ISO 4217 code")
        return found


def _no_currency(layout: Layout, header: _Header) -> RowError:
    return RowError(
        header.line,
        "currency",
        None,
        f"the {layout.name} {layout.kind} file has no currency column: give a default currency "
        "(mapping file `default_currency: USD`, or the importer's default_currency option)",
    )


def _role(
    row: _Row, layout: Layout, raw_type: str, amount: Decimal | None
) -> str | None:  # "invoice" | "credit" | "payment" | None (bad type)
    roles = layout.type_roles
    if roles is None or not raw_type:
        return "invoice"
    role = roles.get(normalise(raw_type))
    if role is not None:
        return role
    if layout.unknown_type_by_sign:
        return "credit" if amount is not None and amount < 0 else "invoice"
    supported = ", ".join(sorted(t.title() for t in roles))
    row.fail(
        "type", raw_type, f"transaction type {raw_type!r} is not imported (supported: {supported})"
    )
    return None


def read_invoice_rows(path: Path, layout: Layout) -> Iterator[InvoiceRecord | RowError]:
    located = _locate(path, layout)
    if isinstance(located, RowError):
        yield located
        return
    yield from validate_invoice_rows(layout, located, _data_rows(path, layout, located), {})


def validate_invoice_rows(
    layout: Layout,
    header: _Header,
    rows: Iterable[tuple[int, list[str], str | None]],
    seen: dict[str, int],
) -> Iterator[InvoiceRecord | RowError]:
    """Invoice records or errors of shaped data rows; ``seen`` (invoice number -> first line) is
    shared with the caller so that a file read in pieces still finds every duplicate."""
    at = header.at
    i_cid, i_cname, i_num = at("customer_id"), at("customer_name"), at("invoice_number")
    i_issue, i_due, i_cur = at("issue_date"), at("due_date"), at("currency")
    i_amount, i_open, i_disp = at("amount"), at("open_amount"), at("disputed")
    i_desc, i_type, i_status = at("description"), at("type"), at("status")
    has_amount, has_open = "amount" in header.index, "open_amount" in header.index
    extras = [(name, header.index[name]) for name in layout.extra if name in header.index]
    default = CURRENCIES[layout.default_currency] if layout.default_currency else None
    if "currency" not in header.index and default is None:
        yield _no_currency(layout, header)
        return
    parse_date = date_parser(layout.date_format)
    parse_amount = decimal_parser(layout.decimal_separator)

    # The fast path handles a well-formed row of a plain layout (generic, NetSuite without a
    # type column) in one go; any doubt sends the row through the full validation below, which
    # collects every error. Both paths accept exactly the same rows.
    plain = (
        layout.type_roles is None
        and has_amount
        and has_open
        and not layout.group_customer
        and not layout.open_is_amount
        and "status" not in header.index
    )
    issue: date | None
    due: date | None
    amount: Money | None
    open_amount: Money | None
    zero_texts = frozenset({"0", "0.00", "0.0", "0.000", "0,00"})
    zeros: dict[Currency, Money] = {}
    disputed_values = {"": False, "no": False, "yes": True, "false": False, "true": True}

    for line, cells, group in rows:
        if plain:
            try:
                number = cells[i_num].strip()
                issue = parse_date(cells[i_issue].strip())
                due = parse_date(cells[i_due].strip())
                code = cells[i_cur].strip()
                cur = CURRENCIES[code] if code else default
                if cur is None:
                    raise ValueError
                raw_amount = cells[i_amount].strip()
                raw_open = cells[i_open].strip()
                amount = Money(parse_amount(raw_amount), cur)
                # Open equal to the amount, or zero, is most rows: reuse the immutable value.
                if raw_open == raw_amount:
                    open_amount = amount
                elif raw_open in zero_texts:
                    open_amount = zeros.get(cur) or zeros.setdefault(cur, Money(Decimal(0), cur))
                else:
                    open_amount = Money(parse_amount(raw_open), cur)
                disputed = disputed_values[cells[i_disp].strip()]
            except (ValueError, KeyError, ArithmeticError):
                pass
            else:
                customer_id = cells[i_cid].strip()
                customer_name = cells[i_cname].strip()
                if (
                    number
                    and number not in seen
                    and (customer_id or customer_name)
                    and due >= issue
                    and 0 <= open_amount.amount <= amount.amount
                ):
                    seen[number] = line
                    yield InvoiceRecord(
                        line=line,
                        customer_ref=customer_id or customer_name,
                        number=number,
                        issue_date=issue,
                        due_date=due,
                        amount=amount,
                        open_amount=open_amount,
                        customer_name=customer_name or None,
                        disputed=disputed,
                        description=cells[i_desc].strip() or None,
                        extra={name: cells[i].strip() for name, i in extras if cells[i].strip()}
                        if extras
                        else {},
                    )
                    continue
        row = _Row(line, header)
        raw_amount = cells[i_amount].strip()
        raw_open = cells[i_open].strip()
        # The amount's sign decides the role for SAP; parse it before the type.
        amount_d = (
            row.number("amount", raw_amount, "amount", parse_amount)
            if has_amount and (raw_amount or "amount" in layout.required)
            else None
        )
        role = _role(row, layout, cells[i_type].strip(), amount_d)
        if role == "payment":
            continue  # a payment line of the report: read it with read_payments
        open_d = (
            row.number("open_amount", raw_open, "open amount", parse_amount) if has_open else None
        )
        if layout.open_is_amount:
            # Open-item lists show one amount per item: what is still open.
            open_d, raw_open = amount_d, raw_amount
        elif not has_amount or (not raw_amount and "amount" not in layout.required):
            # Aged reports (Xero) show only what is due; the invoice total is then unknown.
            amount_d, raw_amount = open_d, raw_open
        if not has_open:
            open_d, raw_open = amount_d, raw_amount
        if role == "credit":
            amount_d = -abs(amount_d) if amount_d is not None else None
            open_d = -abs(open_d) if open_d is not None else None

        number = cells[i_num].strip()
        row.required("invoice_number", number, "invoice number")
        issue = row.date("issue_date", cells[i_issue].strip(), "issue date", parse_date)
        due = row.date("due_date", cells[i_due].strip(), "due date", parse_date)
        cur = row.currency(cells[i_cur].strip(), default)
        amount = row.money("amount", raw_amount, amount_d, cur)
        open_amount = row.money("open_amount", raw_open, open_d, cur)

        customer_id = cells[i_cid].strip()
        customer_name = cells[i_cname].strip() or (group or "" if layout.group_customer else "")
        if not customer_id and not customer_name:
            row.fail(
                "customer_id" if "customer_id" in header.index else "customer_name",
                None,
                "customer is missing (no customer id or name"
                + (" and no contact heading above the row)" if layout.group_customer else ")"),
            )
        disputed = False
        raw_disp = cells[i_disp].strip()
        if raw_disp:
            try:
                disputed = bool(parse_flag(raw_disp))
            except ValueError as exc:
                row.fail("disputed", raw_disp, f"disputed: {exc}")
        if "disput" in cells[i_status].lower():
            disputed = True

        if issue is not None and due is not None and due < issue:
            row.fail(
                "due_date",
                cells[i_due].strip(),
                f"due date {due.isoformat()} is before the issue date {issue.isoformat()}",
            )
        if amount is not None and open_amount is not None:
            if amount.amount >= 0:
                bad = open_amount.amount < 0 or open_amount.amount > amount.amount
            else:
                bad = open_amount.amount > 0 or open_amount.amount < amount.amount
            if bad:
                row.fail(
                    "open_amount",
                    raw_open,
                    f"open amount {open_amount.amount_str()} is above the invoice amount "
                    f"{amount.amount_str()}"
                    if abs(open_amount.amount) > abs(amount.amount)
                    else f"open amount {open_amount.amount_str()} has the opposite sign "
                    f"of the invoice amount {amount.amount_str()}",
                )
        if number:
            first = seen.get(number)
            if first is None:
                seen[number] = line
            else:
                row.fail(
                    "invoice_number",
                    number,
                    f"duplicate invoice number {number!r}: already on line {first}",
                )

        if row.errors:
            yield from row.errors
            continue
        if issue is None or due is None or amount is None or open_amount is None:
            continue  # unreachable: each None above came with an error
        yield InvoiceRecord(
            line=line,
            customer_ref=customer_id or customer_name,
            number=number,
            issue_date=issue,
            due_date=due,
            amount=amount,
            open_amount=open_amount,
            customer_name=customer_name or None,
            disputed=disputed,
            description=cells[i_desc].strip() or None,
            extra={name: cells[i].strip() for name, i in extras if cells[i].strip()},
        )


def read_payment_rows(path: Path, layout: Layout) -> Iterator[PaymentRecord | RowError]:
    located = _locate(path, layout)
    if isinstance(located, RowError):
        yield located
        return
    header = located
    at = header.at
    i_cid, i_cname = at("customer_id"), at("customer_name")
    i_ref = at("payment_id")
    i_date, i_cur, i_amount = at(layout.payment_date), at("currency"), at(layout.payment_amount)
    i_inv, i_method, i_type = at("invoice_number"), at("method"), at("type")
    # In a report of open items the payment id column is the document number column.
    if layout.kind == "payments" and "payment_id" not in header.index:
        i_ref = at("invoice_number")
        i_inv = header.width
    default = CURRENCIES[layout.default_currency] if layout.default_currency else None
    if "currency" not in header.index and default is None:
        yield _no_currency(layout, header)
        return
    parse_date = date_parser(layout.date_format)
    parse_amount = decimal_parser(layout.decimal_separator)
    derived = layout.type_roles is not None and "type" in header.index
    seen: dict[str, int] = {}

    for line, cells, _group in _data_rows(path, layout, header):
        row = _Row(line, header)
        raw_amount = cells[i_amount].strip()
        value = row.number(layout.payment_amount, raw_amount, "amount", parse_amount)
        if derived:
            role = _role(row, layout, cells[i_type].strip(), value)
            if role is None:
                yield from row.errors
                continue
            if role != "payment":
                continue  # an invoice or credit line: read it with read_invoices
            # Reports show received money as a credit on the customer's account.
            value = abs(value) if value is not None else None
        received = row.date(layout.payment_date, cells[i_date].strip(), "payment date", parse_date)
        cur = row.currency(cells[i_cur].strip(), default)
        amount = row.money(layout.payment_amount, raw_amount, value, cur)
        if amount is not None and not amount.is_positive():
            row.fail(layout.payment_amount, raw_amount, "payment amount must be above zero")
        customer_id = cells[i_cid].strip()
        customer_name = cells[i_cname].strip()
        if not customer_id and not customer_name:
            row.fail(
                "customer_id" if "customer_id" in header.index else "customer_name",
                None,
                "customer is missing (no customer id or name)",
            )
        reference = cells[i_ref].strip()
        if not reference and derived and received is not None and amount is not None:
            # QuickBooks leaves "Num" blank on many payments: a key stable across re-exports.
            reference = f"{layout.name}:{customer_id or customer_name}:{received}:{amount.amount}"
        if not reference:
            row.fail("payment_id", None, "payment id is missing")
        elif not row.errors:
            first = seen.get(reference)
            if first is None:
                seen[reference] = line
            else:
                row.fail(
                    "payment_id",
                    reference,
                    f"duplicate payment id {reference!r}: already on line {first}",
                )
        if row.errors:
            yield from row.errors
            continue
        if received is None or amount is None:
            continue  # unreachable: each None above came with an error
        invoice = cells[i_inv].strip()
        for prefix in ("invoice #", "invoice "):
            if invoice.lower().startswith(prefix):
                invoice = invoice[len(prefix) :].strip()  # NetSuite "Applied To": "Invoice #1001"
        yield PaymentRecord(
            line=line,
            customer_ref=customer_id or customer_name,
            reference=reference,
            received_on=received,
            amount=amount,
            invoice_number=invoice or None,
            method=cells[i_method].strip() or None,
            customer_name=customer_name or None,
        )


_EMAIL: Final = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+\Z")
_LANGUAGE: Final = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")
_CONSENT_FIELDS: Final[tuple[tuple[str, Channel], ...]] = (
    ("consent_email", "email"),
    ("consent_sms", "sms"),
    ("consent_call", "call"),
    ("consent_whatsapp", "whatsapp"),
)
_TYPES: Final[dict[str, CustomerType]] = {
    "business": "business",
    "b2b": "business",
    "company": "business",
    "consumer": "consumer",
    "b2c": "consumer",
    "individual": "consumer",
}


@cache
def _timezones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]


def read_customer_rows(path: Path, layout: Layout) -> Iterator[CustomerRecord | RowError]:
    located = _locate(path, layout)
    if isinstance(located, RowError):
        yield located
        return
    header = located
    col = {name: header.at(name) for name in layout.columns}
    regions = phonenumbers.SUPPORTED_REGIONS
    seen: dict[str, int] = {}

    for line, cells, _group in _data_rows(path, layout, header):
        row = _Row(line, header)

        def get(name: str, cells: list[str] = cells) -> str:
            return cells[col[name]].strip()

        external_id, name = get("customer_id"), get("name")
        row.required("customer_id", external_id, "customer id")
        row.required("name", name, "name")
        raw_type = get("type")
        customer_type: CustomerType = "business"
        if raw_type:
            found_type = _TYPES.get(raw_type.lower())
            if found_type is None:
                row.fail("type", raw_type, "type must be business or consumer")
            else:
                customer_type = found_type
        language = get("language") or "en"
        if not _LANGUAGE.match(language):
            row.fail("language", language, "language must be an ISO 639-1 code such as en, fr, es")
        country = get("country").upper() or None
        if country is not None and country not in regions:
            row.fail("country", country, "country must be an ISO 3166-1 alpha-2 code (US, GB, FR)")
        region = get("region").upper() or None
        timezone = get("timezone") or None
        if timezone is not None and timezone not in _timezones():
            row.fail("timezone", timezone, "time zone must be an IANA name such as Europe/Paris")
        emails = _split(get("emails"))
        for email in emails:
            if not _EMAIL.match(email):
                row.fail("emails", email, "not an email address")
        phones: list[str] = []
        for raw_phone in _split(get("phones")):
            try:
                parsed = phonenumbers.parse(raw_phone, country if country in regions else None)
                valid = phonenumbers.is_valid_number(parsed)
            except phonenumbers.NumberParseException as exc:
                row.fail("phones", raw_phone, f"not a phone number: {exc}")
                continue
            if not valid:
                row.fail(
                    "phones", raw_phone, f"not a valid phone number for {country or 'any country'}"
                )
                continue
            phones.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
        consents: list[ConsentRecord] = []
        for field_name, channel in _CONSENT_FIELDS:
            raw = get(field_name)
            try:
                granted = parse_flag(raw)
            except ValueError as exc:
                row.fail(field_name, raw, f"{field_name}: {exc}")
                continue
            if granted is not None:
                consents.append(ConsentRecord(channel=channel, granted=granted))
        if external_id:
            first = seen.get(external_id)
            if first is None:
                seen[external_id] = line
            else:
                row.fail(
                    "customer_id",
                    external_id,
                    f"duplicate customer id {external_id!r}: already on line {first}",
                )
        if row.errors:
            yield from row.errors
            continue
        yield CustomerRecord(
            line=line,
            external_id=external_id,
            name=name,
            customer_type=customer_type,
            tier=get("tier") or None,
            language=language,
            country=country,
            region=region,
            timezone=timezone,
            emails=tuple(emails),
            phones=tuple(phones),
            postal_address=get("address") or None,
            postal_code=get("postal_code") or None,
            consents=tuple(consents),
            tags=tuple(_split(get("tags"))),
        )


def locate_header(path: Path, layout: Layout) -> _Header | RowError:
    """Where the header row of ``path`` is and which column feeds each field (or why not)."""
    return _locate(path, layout)
