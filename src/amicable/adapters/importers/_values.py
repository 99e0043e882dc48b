"""Cell value parsers for import files: dates, amounts, yes/no flags.

Each parser turns one raw cell (a ``str``; XLSX cells are turned into text first, see
``_source``) into a typed value or raises :class:`ValueError` whose message is shown to the user
as the row error's reason. Invariants:

* Dates: ISO ``YYYY-MM-DD`` is always accepted (it is unambiguous); besides it, exactly ONE
  product format per layout (``%m/%d/%Y``, ``%d.%m.%Y`` …). Day-first vs month-first is never
  guessed: the layout or mapping file names the format.
* Amounts: the decimal separator is explicit (``"."`` or ``","``); thousands separators must
  group digits by three (so ``1.234,56`` is refused when the separator is ``"."`` instead of
  being read as 1.23456); negatives as ``-1``, ``1-`` (SAP) or ``(1)`` (accounting); leading or
  trailing currency symbols ($ £ € …) are dropped. The result is an exact ``Decimal``; NaN,
  infinities and exponents are refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

__all__ = [
    "DateParser",
    "date_parser",
    "decimal_parser",
    "parse_flag",
]

DateParser = Callable[[str], date]

_MONTHS: Final[dict[str, int]] = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def _iso(text: str) -> date | None:
    # Only the plain calendar form: fromisoformat alone would also take week dates and "20260110".
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    return None


def _numeric_parser(separator: str, order: tuple[int, int, int], fmt: str) -> DateParser:
    # order gives the positions of (year, month, day) among the three separated parts.
    y_at, m_at, d_at = order

    def parse(text: str) -> date:
        found = _iso(text)
        if found is not None:
            return found
        parts = text.split(separator)
        if len(parts) != 3 or len(parts[y_at]) != 4 or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a date in the format {fmt} (or YYYY-MM-DD)")
        return date(int(parts[y_at]), int(parts[m_at]), int(parts[d_at]))

    return parse


def _day_month_name_year(text: str) -> date:
    found = _iso(text)
    if found is not None:
        return found
    parts = text.replace("-", " ").split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit() and len(parts[2]) == 4:
        month = _MONTHS.get(parts[1].lower().rstrip("."))
        if month is not None:
            return date(int(parts[2]), month, int(parts[0]))
    raise ValueError("not a date like '10 Jan 2026' (or YYYY-MM-DD)")


_FAST: Final[dict[str, DateParser]] = {
    "%m/%d/%Y": _numeric_parser("/", (2, 0, 1), "MM/DD/YYYY"),
    "%d/%m/%Y": _numeric_parser("/", (2, 1, 0), "DD/MM/YYYY"),
    "%d.%m.%Y": _numeric_parser(".", (2, 1, 0), "DD.MM.YYYY"),
    "%d-%m-%Y": _numeric_parser("-", (2, 1, 0), "DD-MM-YYYY"),
    "%Y/%m/%d": _numeric_parser("/", (0, 1, 2), "YYYY/MM/DD"),
    "%d %b %Y": _day_month_name_year,
}


def _iso_only(text: str) -> date:
    found = _iso(text)
    if found is None:
        raise ValueError("not a date in the format YYYY-MM-DD")
    return found


def date_parser(fmt: str) -> DateParser:
    """A parser for ISO dates plus the one format ``fmt`` (``"iso"`` or a ``strptime`` pattern).

    Raises ``ValueError`` for a pattern without a day, a month and a year.
    """
    if fmt.lower() == "iso":
        return _iso_only
    fast = _FAST.get(fmt)
    if fast is not None:
        return fast
    if not all(code in fmt for code in ("%d", "%Y")) or not ("%m" in fmt or "%b" in fmt):
        raise ValueError(f"date format {fmt!r} must contain a day (%d), a month (%m or %b) and %Y")

    def parse(text: str) -> date:
        found = _iso(text)
        if found is not None:
            return found
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a business date, no zone
        except ValueError:
            raise ValueError(f"not a date in the format {fmt} (or YYYY-MM-DD)") from None

    return parse


_PLAIN: Final = re.compile(r"-?\d+(?:\.\d+)?\Z")
_SYMBOLS: Final = "$£€¥₹"
_SYMBOL_PREFIXES: Final = ("US$", "CA$", "C$", "A$", "AU$", "NZ$", "HK$", "CHF", "R$")
_GROUPED: Final[dict[str, re.Pattern[str]]] = {
    # Integer part: plain digits, or 1-3 digits then groups of three joined by ONE separator.
    ".": re.compile(r"(\d{1,3}(?:([,' \u00a0\u202f])\d{3})?(?:\2\d{3})*|\d+)(?:\.(\d+))?\Z"),
    ",": re.compile(r"(\d{1,3}(?:([.' \u00a0\u202f])\d{3})?(?:\2\d{3})*|\d+)(?:,(\d+))?\Z"),
}


def decimal_parser(decimal_separator: str = ".") -> Callable[[str], Decimal]:
    """A parser for amounts written with ``decimal_separator`` ("." or ",")."""
    if decimal_separator not in _GROUPED:
        raise ValueError(f"decimal separator must be '.' or ',', got {decimal_separator!r}")
    grouped = _GROUPED[decimal_separator]
    plain = _PLAIN if decimal_separator == "." else None

    def parse(text: str) -> Decimal:
        # Fast path: the common machine-written form "1234.56" / "-12".
        if plain is not None and plain.match(text):
            return Decimal(text)
        body = text.strip()
        negative = False
        if body.startswith("(") and body.endswith(")"):
            negative, body = True, body[1:-1].strip()
        if body.endswith("-"):
            negative, body = not negative, body[:-1].strip()
        if body.startswith("-"):
            negative, body = not negative, body[1:].strip()
        for prefix in _SYMBOL_PREFIXES:
            if body.startswith(prefix):
                body = body[len(prefix) :].strip()
                break
        body = body.strip(_SYMBOLS).strip()
        if body.startswith("-") and not negative:
            # "$-12.00" as some exports write it
            negative, body = True, body[1:].strip()
        found = grouped.match(body)
        if not found or not body:
            raise ValueError(
                f"not an amount (decimal separator {decimal_separator!r}; "
                "thousands grouped by three; negatives as -1, 1- or (1))"
            )
        digits = found.group(1)
        if found.group(2):
            digits = digits.replace(found.group(2), "")
        fraction = found.group(3)
        number = Decimal(f"{digits}.{fraction}" if fraction else digits)
        return -number if negative else number

    return parse


_YES: Final = frozenset({"yes", "y", "true", "t", "1", "x", "oui", "sí", "si", "ja"})
_NO: Final = frozenset({"no", "n", "false", "f", "0", "non", "nein"})


def parse_flag(text: str) -> bool | None:
    """``yes``/``no`` style flag; blank -> None. Raises ``ValueError`` for anything else."""
    if not text:
        return None
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise ValueError("expected yes or no (or blank)")
