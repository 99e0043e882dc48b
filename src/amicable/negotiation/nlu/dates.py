"""A small deterministic grammar for the dates debtors write, in English, French and Spanish,
resolved against an explicit reference date (``today``; the wall clock is never read).

Forms: today / tomorrow / the day after; weekdays ("friday", "next friday", "vendredi prochain",
"el próximo lunes" — always the next such day strictly after today); "end of the month" / "fin
du mois" / "fin de mes" (the month's last day); "next week" (its Monday) and "next month" (its
first day); "in two weeks" / "dans 10 jours" / "en dos semanas"; a day of the month ("the 15th",
"le 15", "el 15" — this month, or next month when that day has passed); day and month ("15/12",
"March 20", "le 20 mars", "el 20 de marzo"; English slashes read month first unless the first
number exceeds 12); ISO ``2025-03-20``.

Past forms ("yesterday", "last friday", "vendredi dernier", "el viernes pasado") resolve backwards,
and so do the forms above when the message speaks of a payment already made.

Invariants: a date without a year is the next such date on or after ``today`` (the latest on or
before it for a message in the past tense); impossible dates
("31/02") are ignored, never raised; the first date in the text wins.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from amicable.negotiation.nlu.numbers import find_numbers

__all__ = ["DateSpan", "find_date"]

_WEEKDAYS: Final[dict[str, int]] = {
    # Three-letter abbreviations that are also words ("mon" in French, "sat", "sun", "wed")
    # are left out: a false date is worse than a missed one.
    "monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "thursday": 3, "thurs": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4,
    "sábado": 5, "sabado": 5, "domingo": 6,
}  # fmt: skip
_MONTHS: Final[dict[str, int]] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}  # fmt: skip

_WD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MO = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMWORD = r"(\d+|[a-zà-ÿ]+(?:[ -][a-zà-ÿ]+)?)"


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A resolved date and where its words are in the text."""

    value: date
    start: int
    end: int


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_dm(today: date, day: int, month: int) -> date | None:
    for year in (today.year, today.year + 1):
        candidate = _safe(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _last_dm(today: date, day: int, month: int) -> date | None:
    for year in (today.year, today.year - 1):
        candidate = _safe(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return None


def _day_of_month(today: date, day: int, *, past: bool = False) -> date | None:
    if not 1 <= day <= 31:
        return None
    if past:
        candidate = _safe(today.year, today.month, day)
        if candidate is not None and candidate <= today:
            return candidate
        previous = _add_months(date(today.year, today.month, 1), -1)
        return _safe(previous.year, previous.month, day)
    candidate = _safe(today.year, today.month, day)
    if candidate is not None and candidate >= today:
        return candidate
    following = _add_months(date(today.year, today.month, 1), 1)
    return _safe(following.year, following.month, day)


def _small_number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    if raw in ("a", "an", "un", "une", "una", "uno"):
        return 1
    found = find_numbers(raw)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(raw):
        return int(found[0].value)
    return None


def _year(raw: str) -> int:
    year = int(raw)
    return year + 2000 if year < 100 else year


_Rule = tuple["re.Pattern[str]", str]

_RULES: Final[list[_Rule]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(r"(?<![\d/.,])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/.])"), "slash"),
    (re.compile(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})()(?![\d/])"), "slash"),
    (re.compile(r"\b(?:yesterday|hier|ayer)\b"), "-1"),
    (
        re.compile(
            r"\b(?:the\s+)?day\s+before\s+yesterday\b|\bavant[- ]hier\b|\banteayer\b|\bantier\b"
        ),
        "-2",
    ),
    (
        re.compile(
            rf"\blast\s+({_WD})\b|\b({_WD})\s+dernier\b|\bel\s+({_WD})\s+pasado\b|\bel\s+pasado\s+({_WD})\b"
        ),
        "lastweekday",
    ),
    (re.compile(r"\blast\s+week\b|\bsemaine\s+derni[eè]re\b|\bla\s+semana\s+pasada\b"), "lastweek"),
    (
        re.compile(
            r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\baprès[- ]demain\b|\bapres[- ]demain\b"
            r"|\bpasado\s+mañana\b|\bpasado\s+manana\b"
        ),
        "+2",
    ),
    (
        re.compile(
            r"\b(?:tomorrow|tmrw|tmr|tomoro|tommorow|tommorrow|2moro|demain)\b"
            r"|(?<!la )(?<!por )(?<!de )(?<!esta )\bmañana\b"
        ),
        "+1",
    ),
    (re.compile(r"\b(?:today|tonight|aujourd'hui|aujourdhui|ce soir|hoy|esta noche)\b"), "+0"),
    (
        re.compile(
            r"\bend\s+of\s+(?:the\s+|this\s+)?month\b|\bmonth[- ]end\b|\beom\b"
            r"|\bfin\s+(?:du|de|de\s+ce)\s+mois\b|\b(?:a\s+)?(?:fin|finales?)\s+de(?:l)?\s+mes\b"
        ),
        "eom",
    ),
    (
        re.compile(
            r"\bend\s+of\s+next\s+month\b|\bfin\s+du\s+mois\s+prochain\b"
            r"|\bfin(?:ales)?\s+del\s+(?:mes\s+)?(?:próximo|proximo|siguiente)(?:\s+mes)?\b"
        ),
        "eonm",
    ),
    (
        re.compile(
            rf"\b(?:in|dans|d'ici|en|dentro\s+de|de\s+aqu[ií]\s+a)\s+{_NUMWORD}\s+(days?|weeks?|jours?|semaines?|días|dias|día|dia|semanas?)\b"
        ),
        "in",
    ),
    (
        re.compile(
            r"\bnext\s+week\b|\bsemaine\s+prochaine\b|\b(?:la\s+)?(?:próxima|proxima)\s+semana\b|\bsemana\s+que\s+viene\b"
        ),
        "nextweek",
    ),
    (
        re.compile(
            r"\bnext\s+month\b|\bmois\s+prochain\b|\b(?:el\s+)?(?:próximo|proximo)\s+mes\b|\bmes\s+que\s+viene\b"
        ),
        "nextmonth",
    ),
    (
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?:of\s+|de\s+)?({_MO})\b(?:\s+(?:de\s+)?(\d{{4}}))?"
        ),
        "dmy",
    ),
    (re.compile(rf"\b({_MO})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"), "mdy"),
    (
        re.compile(
            rf"\b(?:next\s+|this\s+|on\s+|el\s+(?:próximo|proximo)\s+|el\s+)?({_WD})\b(?:\s+(?:prochain|que\s+viene|próximo|proximo))?"
        ),
        "weekday",
    ),
    (
        re.compile(
            r"\b(?:the|on\s+the|by\s+the|le|avant\s+le|el|el\s+día|el\s+dia|antes\s+del?)\s+(\d{1,2})(?:st|nd|rd|th|er)?\b"
            r"(?!\s*(?:%|€|\$|£|euros?|dollars?|bucks|usd|eur|gbp|pesos|dólares|dolares|payments?|installments?|instalments?|fois|cuotas|pagos|plazos|versements|mensualités|jours|days|días|dias|semaines|weeks|semanas|mois|months|meses|percent|pour|por\s+ciento|h\b|pm|am|:))"
        ),
        "dom",
    ),
    (re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b"), "dom"),
]


def _resolve(kind: str, m: re.Match[str], today: date, lang: str, past: bool) -> date | None:
    if kind == "iso":
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if kind == "slash":
        a, b = int(m.group(1)), int(m.group(2))
        day, month = (b, a) if lang == "en" and a <= 12 and b > 12 else (a, b)
        if lang == "en" and a <= 12 and b <= 12:
            day, month = b, a  # English writers mostly put the month first (12/05 = Dec 5)
        if m.group(3):
            return _safe(_year(m.group(3)), month, day)
        if not 1 <= month <= 12:
            return None
        return _last_dm(today, day, month) if past else _next_dm(today, day, month)
    if kind[0] in "+-":
        return today + timedelta(days=int(kind))
    if kind == "lastweekday":
        target = _WEEKDAYS[next(g for g in m.groups() if g)]
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    if kind == "lastweek":
        return today - timedelta(days=today.weekday() + 7)
    if kind == "eom":
        return _end_of_month(today)
    if kind == "eonm":
        return _end_of_month(_add_months(date(today.year, today.month, 1), 1))
    if kind == "in":
        count = _small_number(m.group(1))
        if count is None or count > 366:
            return None
        unit = m.group(2)
        days = count * 7 if unit.startswith(("week", "semai", "seman")) else count
        return today + timedelta(days=days)
    if kind == "nextweek":
        return today + timedelta(days=7 - today.weekday())
    if kind == "nextmonth":
        return _add_months(date(today.year, today.month, 1), 1)
    if kind == "dmy":
        month = _MONTHS[m.group(2)]
        if m.group(3):
            return _safe(int(m.group(3)), month, int(m.group(1)))
        if past:
            return _last_dm(today, int(m.group(1)), month)
        return _next_dm(today, int(m.group(1)), month)
    if kind == "mdy":
        if m.group(1) in ("may", "mar", "sat", "sun", "jun") and not m.group(0)[-1].isdigit():
            return None
        month = _MONTHS[m.group(1)]
        if m.group(3):
            return _safe(int(m.group(3)), month, int(m.group(2)))
        if past:
            return _last_dm(today, int(m.group(2)), month)
        return _next_dm(today, int(m.group(2)), month)
    if kind == "weekday":
        target = _WEEKDAYS[m.group(1)]
        if past:
            return today - timedelta(days=(today.weekday() - target) % 7 or 7)
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if kind == "dom":
        return _day_of_month(today, int(m.group(1)), past=past)
    return None  # pragma: no cover - every kind above returns


def find_date(text: str, today: date, lang: str, *, past: bool = False) -> DateSpan | None:
    """The first date written in ``text`` (lower-cased), resolved against ``today``.

    ``past`` says the message speaks of something done ("I paid on the 3rd"): dates without a
    year, weekdays and days of the month then resolve to the latest such day on or before today.
    """
    found: list[DateSpan] = []
    for pattern, kind in _RULES:
        for m in pattern.finditer(text):
            if any(s.start <= m.start() < s.end or m.start() <= s.start < m.end() for s in found):
                continue
            value = _resolve(kind, m, today, lang, past)
            if value is not None:
                found.append(DateSpan(value, m.start(), m.end()))
    if not found:
        return None
    return min(found, key=lambda s: s.start)
