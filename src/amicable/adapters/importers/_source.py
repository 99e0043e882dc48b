"""Streaming tabular sources: CSV and XLSX files as ``(line, cells)`` pairs of text.

Invariants:

* Nothing is loaded whole: CSV is read row by row with the ``csv`` module (BOM stripped by the
  ``utf-8-sig`` codec, quoted fields and ``\\r\\n`` handled), XLSX with ``openpyxl`` in read-only
  mode. Memory stays bounded by one row.
* ``line`` is the 1-based physical line where the row starts (CSV) or the sheet row number (XLSX),
  so an error points at what a user sees in an editor or a spreadsheet.
* XLSX cells become text the way a CSV export would have written them: dates as ``YYYY-MM-DD``,
  whole numbers without a fraction, other numbers by their shortest exact representation
  (``repr``), so the same validation applies to both kinds of file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Final

from amicable.domain.errors import InvalidInput

__all__ = ["DELIMITERS", "is_xlsx", "iter_rows"]

DELIMITERS: Final = (",", ";", "\t", "|")
_XLSX_SUFFIXES: Final = (".xlsx", ".xlsm")

# Some exports put long memos in one cell; the default 128 KiB field limit refuses them.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def is_xlsx(path: Path) -> bool:
    """Whether ``path`` is read as a workbook (by its suffix)."""
    return path.suffix.lower() in _XLSX_SUFFIXES


def iter_rows(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    sheet: str | None = None,
    limit: int | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, cells)`` for every row of the file (at most ``limit`` rows when given)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    rows = _xlsx_rows(path, sheet) if is_xlsx(path) else _csv_rows(path, delimiter, encoding)
    return rows if limit is None else islice(rows, limit)


def _csv_rows(path: Path, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding=encoding) as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            start = 1
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path}: not readable as {encoding} text ({exc.reason} at byte {exc.start}); "
            "give the file's encoding in a mapping file (encoding: latin-1)"
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"{path}: malformed CSV: {exc}") from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Workbooks store numbers as binary floats; the shortest repr is the number as typed.
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # heavy import, only when a workbook is read

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise InvalidInput(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InvalidInput(f"{path}: no sheet named {sheet!r} (sheets: {book.sheetnames})")
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        book.close()
