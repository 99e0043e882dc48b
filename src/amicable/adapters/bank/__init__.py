"""Bank statement parsers: ISO 20022 camt.053 / camt.054, SWIFT MT940 and a generic CSV layout.

Each parser turns one file into a :class:`~amicable.servicing.statement.Statement` of
:class:`~amicable.servicing.statement.StatementEntry` records (credits; debits kept apart) and a
list of :class:`~amicable.servicing.statement.StatementError` saying file and element or line.
:func:`read_statement` reads a file and picks the parser from its content when no format is given.

Invariants
----------
* Amounts are exact :class:`~amicable.domain.money.Money` parsed from the file's text, never floats.
* XML is parsed with entity resolution, DTD loading and network access off; a document that
  declares a DOCTYPE is refused outright (no billion-laughs, no external entities).
* A file that cannot be read at all raises :class:`~amicable.domain.errors.InvalidInput` naming the
  file; a bad entry inside a readable file becomes a ``StatementError`` and the other entries are
  still returned — the caller decides whether to post a statement that had errors.
* Reading the same file twice gives the same entry ids (see ``StatementEntry.entry_id``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from amicable.adapters.bank.camt import parse_camt
from amicable.adapters.bank.csv_statement import CSV_COLUMNS, parse_csv
from amicable.adapters.bank.swift_mt940 import parse_mt940
from amicable.domain.errors import InvalidInput
from amicable.servicing.statement import Statement

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "detect_format",
    "parse_camt",
    "parse_csv",
    "parse_mt940",
    "parse_statement",
    "read_statement",
]

FORMATS: Final[tuple[str, ...]] = ("camt053", "camt054", "mt940", "csv")


def detect_format(data: bytes, *, source: str = "<statement>") -> str:
    """Guess the format from the content: camt053 / camt054 (by namespace), mt940 or csv."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        text = head.decode("utf-8", "replace")
        if "camt.053" in text or "BkToCstmrStmt" in text:
            return "camt053"
        if "camt.054" in text or "BkToCstmrDbtCdtNtfctn" in text:
            return "camt054"
        raise InvalidInput(f"{source}: XML, but not an ISO 20022 camt.053 or camt.054 document")
    if head.startswith((b":20:", b"{1:", b":940:")) or b"\n:20:" in head or b"\n:61:" in head:
        return "mt940"
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if "date" in first_line and "amount" in first_line:
        return "csv"
    raise InvalidInput(
        f"{source}: cannot tell the statement format; pass one of {', '.join(FORMATS)}"
    )


def parse_statement(data: bytes, *, source: str, format: str | None = None) -> Statement:
    """Parse statement bytes (``source`` names the file in errors)."""
    chosen = format if format is not None else detect_format(data, source=source)
    chosen = chosen.lower().replace(".", "").replace("-", "").replace("_", "")
    if chosen in ("camt053", "camt054"):
        return parse_camt(data, source=source, expected=chosen)
    if chosen == "mt940":
        return parse_mt940(data, source=source)
    if chosen == "csv":
        return parse_csv(data, source=source)
    raise InvalidInput(
        f"{source}: unknown statement format {format!r}; use one of {', '.join(FORMATS)}"
    )


def read_statement(path: str | Path, *, format: str | None = None) -> Statement:
    """Read and parse a statement file; the format is detected from the content when ``None``."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read the statement: {exc.strerror}") from None
    return parse_statement(data, source=str(file), format=format)
