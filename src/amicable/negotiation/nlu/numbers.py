"""Numbers as debtors write them: digits in any of the usual groupings, "1.2k", and words in
English, French and Spanish ("five hundred", "cinq cents", "quinientos").

Invariants: every value is an exact ``Decimal`` (never a float); a number in words is only read
when at least one real number word is present (articles such as "a"/"un" alone are not numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = ["NumberSpan", "find_numbers", "parse_digits"]

# Digits: 1,200.50 · 1.200,50 · 1 200,50 · 1200 · 12,5 · 1.2k — the suffix k/K multiplies by 1000.
_DIGITS_RE: Final = re.compile(
    r"(?<![\w/.,])(\d{1,3}(?:(?:[,.]|[ \u00a0\u202f](?=\d{3}(?!\d)))\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?:\s?([kK])(?![a-zA-Z]))?(?![\d/])"
)

_UNITS: Final[dict[str, int]] = {
    # en
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    # fr
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    # Belgian and Swiss French
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
    # es
    "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciséis": 16, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veintiuno": 21, "veintidós": 22, "veintidos": 22, "veintitrés": 23,
    "veintitres": 23, "veinticuatro": 24, "veinticinco": 25, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
    "ciento": 100, "cien": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
    "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
    "quinientas": 500, "seiscientos": 600, "seiscientas": 600, "setecientos": 700,
    "setecientas": 700, "ochocientos": 800, "ochocientas": 800, "novecientos": 900,
    "novecientas": 900,
}  # fmt: skip
# "six", "dix" … shared spellings are fine: the value is the same in every language.
_HUNDRED: Final = frozenset({"hundred", "cent", "cents"})
_THOUSAND: Final = frozenset({"thousand", "mille", "mil", "k", "grand"})
_BARE_MULTIPLIERS: Final = frozenset({"hundred", "thousand", "cent", "mille", "mil"})
_ARTICLES: Final = frozenset({"a", "un", "une", "una", "one"})
_JOINERS: Final = frozenset({"and", "et", "y"})
_WORD_RE: Final = re.compile(r"[a-zà-ÿ]+")
# Digits followed by a word for a thousand: "50 mil" (Spanish), "8 grand", "25 lucas" (Chile,
# Argentina: a thousand pesos).
_THOUSAND_AFTER_DIGITS: Final = re.compile(r"\s?(?:mil|grand|lucas?)\b")
# Words of one language that are something else in another: English "once" (Spanish 11), "a cent"
# (French 100) — read as numbers only when the message is not English.
_NOT_ENGLISH: Final = frozenset({"once", "cent", "cents"})


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """A number found in a text: its exact value and where it is (``text[start:end]``)."""

    value: Decimal
    start: int
    end: int
    words: bool  # written in words ("five hundred") rather than digits


def parse_digits(raw: str, k: str | None = None) -> Decimal | None:
    """The exact value of a digit string such as ``"1 200,50"``; ``None`` when it is not one."""
    compact = raw.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    match = re.match(r"^(.*?)(?:[.,](\d{1,2}))?$", compact)
    if match is None:  # pragma: no cover - the pattern matches any string
        return None
    whole, frac = match.group(1), match.group(2)
    if frac is not None and re.search(r"[.,]\d{3}$", compact) is None:
        integer = whole.replace(",", "").replace(".", "")
        text = f"{integer}.{frac}"
    else:
        text = compact.replace(",", "").replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if k:
        value *= 1000
    return value


def _word_runs(text: str, lang: str | None = None) -> list[NumberSpan]:
    tokens = [
        (m.group(0), m.start(), m.end())
        for m in _WORD_RE.finditer(text)
        if not (lang == "en" and m.group(0) in _NOT_ENGLISH)
    ]
    spans: list[NumberSpan] = []
    i = 0
    while i < len(tokens):
        word = tokens[i][0]
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        starts = word in _UNITS or (
            word in _ARTICLES and (nxt in _HUNDRED or nxt in _THOUSAND or nxt in _UNITS)
        )
        if word in _BARE_MULTIPLIERS and not starts:
            before = text[: tokens[i][1]].rstrip()
            prev = tokens[i - 1][0] if i > 0 else ""
            # "mille euros" is a number; "30 per cent" and "50 cents" are not a hundred.
            starts = prev not in ("per", "pour", "por") and not before[-1:].isdigit()
        if not starts:
            i += 1
            continue
        total, current, seen_number = 0, 0, False
        j = i
        while j < len(tokens):
            w = tokens[j][0]
            gap = text[tokens[j - 1][2] : tokens[j][1]] if j > i else ""
            if j > i and gap.strip(" -") != "":
                break
            if w in _UNITS:
                value = _UNITS[w]
                if w.startswith("vingt") and current % 100 == 4:
                    current += 76  # quatre-vingt(s) = 4 × 20
                else:
                    current += value
                seen_number = True
            elif w in _HUNDRED:
                current = max(current, 1) * 100
                seen_number = True
            elif w in _THOUSAND and (seen_number or j == i or tokens[j - 1][0] in _ARTICLES):
                total += max(current, 1) * 1000
                current = 0
                seen_number = True
            elif w in _ARTICLES and j == i:
                current = 1
            elif (
                w in _JOINERS and seen_number and j + 1 < len(tokens) and tokens[j + 1][0] in _UNITS
            ):
                pass
            else:
                break
            j += 1
        if seen_number:
            spans.append(NumberSpan(Decimal(total + current), tokens[i][1], tokens[j - 1][2], True))
            i = j
        else:
            i += 1
    return spans


def find_numbers(text: str, lang: str | None = None) -> list[NumberSpan]:
    """Every number in ``text`` (lower-cased), in digits or in words, in reading order.

    ``lang`` (when known) keeps words of another language out of an English text ("once",
    "not a cent").
    """
    spans: list[NumberSpan] = []
    for match in _DIGITS_RE.finditer(text):
        value = parse_digits(match.group(1), match.group(2))
        if value is None:
            continue
        end = match.end()
        thousand = _THOUSAND_AFTER_DIGITS.match(text, end)
        if thousand is not None and not match.group(2):
            value, end = value * 1000, thousand.end()
        spans.append(NumberSpan(value, match.start(), end, False))
    taken = [(s.start, s.end) for s in spans]
    for span in _word_runs(text, lang):
        if not any(a < span.end and span.start < b for a, b in taken):
            spans.append(span)
    return sorted(spans, key=lambda s: s.start)
