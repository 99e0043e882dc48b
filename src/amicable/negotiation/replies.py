"""Reply rendering: approved templates per locale (en, fr, es) and tone, filled with facts that Babel
formats for the locale (amounts, dates).

Templates live in ``negotiation/templates/<lang>.yaml``, one key per message; a key whose value is
a mapping has one text per tone (``friendly``, ``neutral``, ``firm``), others one text for all.

Invariants
----------
* Regulated wording — disclosures, confirmations of terms, notices (:data:`REGULATED`) — is only
  ever produced from these templates, never by a language model.
* Every template exists in every language (checked when the templates load); a missing key or
  placeholder is a programming error (:class:`~amicable.domain.errors.InvariantViolation`).
* Amounts are formatted from :class:`~amicable.domain.money.Money` with the currency's minor
  units; dates are business ``date`` values in the locale's long format.
* Pure: rendering depends only on its arguments (templates are package data read once).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from babel.dates import format_date
from babel.numbers import format_currency

from amicable.domain.errors import InvariantViolation
from amicable.domain.money import Money
from amicable.negotiation.states import TONES, InvoiceFact, Part
from amicable.policy.model import Frequency
from amicable.policy.offer import Offer, OfferKind

__all__ = [
    "LOCALES",
    "REGULATED",
    "Part",
    "describe_offer",
    "format_day",
    "format_money",
    "invoice_lines",
    "list_payments",
    "reminder_note",
    "render",
    "render_parts",
    "templates",
]

_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")

#: The Babel locale used for each conversation language.
LOCALES = {"en": "en_US", "fr": "fr_FR", "es": "es_ES"}

#: Template keys whose wording is regulated: sent verbatim, never rephrased.
REGULATED = frozenset(
    {
        "mini_miranda",
        "from_collector",
        "validation_notice",
        "confirm",
        "agreed",
        "opt_out",
        "verify_ask",
        "verify_ask_inbound",
        "verify_locked",
        "wrong_party",
        "check_legal",
        "check_cease",
        "check_hardship",
        "check_person",
    }
)

_WORDS = {
    "en": {
        "full": "one payment of {amount} by {date}",
        "settlement": "one payment of {amount} by {date} to settle the balance of {balance}",
        "plan": "{count} payments: {payments}",
        "pay_on": "{amount} on {date}",
        "and": " and ",
        "sep": ", ",
        "weekly": "weekly",
        "biweekly": "every two weeks",
        "monthly": "monthly",
        "day": "1 day",
        "days": "{n} days",
        "remind_before": "We will send a reminder {days} before each payment. ",
        "remind_before_many": "We will send reminders {days} before each payment. ",
        "remind_before_and_on": (
            "We will send a reminder {days} before each payment, and one on its due date. "
        ),
        "remind_on": "We will send a reminder on the due date of each payment. ",
    },
    "fr": {
        "full": "un paiement de {amount} d'ici le {date}",
        "settlement": "un paiement de {amount} d'ici le {date} pour solder le montant de {balance}",
        "plan": "{count} paiements : {payments}",
        "pay_on": "{amount} le {date}",
        "and": " et ",
        "sep": ", ",
        "weekly": "chaque semaine",
        "biweekly": "toutes les deux semaines",
        "monthly": "chaque mois",
        "day": "1 jour",
        "days": "{n} jours",
        "remind_before": "Nous enverrons un rappel {days} avant chaque échéance. ",
        "remind_before_many": "Nous enverrons des rappels {days} avant chaque échéance. ",
        "remind_before_and_on": (
            "Nous enverrons un rappel {days} avant chaque échéance, et un autre le jour même. "
        ),
        "remind_on": "Nous enverrons un rappel le jour de chaque échéance. ",
    },
    "es": {
        "full": "un abono de {amount} antes del {date}",
        "settlement": "un abono de {amount} antes del {date} para saldar el importe de {balance}",
        "plan": "{count} abonos: {payments}",
        "pay_on": "{amount} el {date}",
        "and": " y ",
        "sep": ", ",
        "weekly": "semanales",
        "biweekly": "cada dos semanas",
        "monthly": "mensuales",
        "day": "1 día",
        "days": "{n} días",
        "remind_before": "Le enviaremos un recordatorio {days} antes de cada vencimiento. ",
        "remind_before_many": "Le enviaremos recordatorios {days} antes de cada vencimiento. ",
        "remind_before_and_on": (
            "Le enviaremos un recordatorio {days} antes de cada vencimiento, y otro el mismo día. "
        ),
        "remind_on": "Le enviaremos un recordatorio el día de cada vencimiento. ",
    },
}


@cache
def templates(lang: str) -> dict[str, Any]:
    """The approved templates of ``lang`` (loaded once; every language has the same keys)."""
    if lang not in LOCALES:
        raise InvariantViolation(f"no reply templates for language {lang!r}")
    text = (
        resources.files("amicable.negotiation")
        .joinpath("templates", f"{lang}.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InvariantViolation(f"reply templates {lang}.yaml are not a mapping")
    if lang != "en":
        missing = set(templates("en")) - set(data)
        if missing:
            raise InvariantViolation(f"reply templates {lang}.yaml lack {sorted(missing)}")
    return data


def format_money(amount: Money, lang: str) -> str:
    """``$1,234.50`` / ``1 234,50 $US`` / ``1.234,50 US$`` — the amount for the locale."""
    return _format_money(amount.amount_str(), amount.code, lang)


def format_day(day: date, lang: str) -> str:
    """``January 15, 2027`` / ``15 janvier 2027`` / ``15 de enero de 2027``."""
    # Babel formats a datetime by its own calendar day; taking that day here keeps the memo key
    # exact (aware datetimes compare equal across zones yet fall on different days).
    return _format_day(day.date() if isinstance(day, datetime) else day, lang)


# Babel's formatting is pure but slow (10-30 % of a dialogue step, many times the same few
# amounts and dates a turn), so it is memoised. The keys are immutable and exact: the amount as
# its plain string (so ``-0.00`` and ``0.00``, equal as Decimals, stay apart), the currency code
# and the language; a business date and the language. Bounded: a worker sees many accounts.
@lru_cache(maxsize=4096)
def _format_money(amount: str, code: str, lang: str) -> str:
    return format_currency(Decimal(amount), code, locale=LOCALES[lang])


@lru_cache(maxsize=4096)
def _format_day(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=LOCALES[lang])


def _join(items: list[str], lang: str) -> str:
    words = _WORDS[lang]
    if len(items) <= 1:
        return "".join(items)
    return words["sep"].join(items[:-1]) + words["and"] + items[-1]


def list_payments(offer: Offer, lang: str) -> str:
    """Every payment of ``offer`` with its amount and date, in date order."""
    words = _WORDS[lang]
    return _join(
        [
            words["pay_on"].format(
                amount=format_money(p.amount, lang), date=format_day(p.due_date, lang)
            )
            for p in offer.payments
        ],
        lang,
    )


def reminder_note(offsets: tuple[int, ...], lang: str) -> str:
    """The sentence of an agreement's confirmation that says when reminders come: exactly the
    servicing's ``offsets`` (days before each due date; ``0``: on the day), e.g. "We will send a
    reminders 3 days and 1 day before each payment. " — with its trailing space, to go before the
    next sentence — or ``""`` when no reminder is sent (the debtor is never promised one)."""
    words = _WORDS[lang]
    before = sorted({o for o in offsets if o > 0}, reverse=True)
    days = _join([words["day"] if o == 1 else words["days"].format(n=o) for o in before], lang)
    if before and 0 in offsets:
        return words["remind_before_and_on"].format(days=days)
    if before:
        return words["remind_before" if len(before) == 1 else "remind_before_many"].format(
            days=days
        )
    return words["remind_on"] if 0 in offsets else ""


def describe_offer(offer: Offer, lang: str, balance: Money) -> str:
    """A sentence fragment stating every amount and date of ``offer``."""
    words = _WORDS[lang]
    if offer.kind is OfferKind.FULL:
        return words["full"].format(
            amount=format_money(offer.total, lang), date=format_day(offer.last_due, lang)
        )
    if offer.kind is OfferKind.SETTLEMENT:
        return words["settlement"].format(
            amount=format_money(offer.total, lang),
            date=format_day(offer.last_due, lang),
            balance=format_money(balance, lang),
        )
    text = words["plan"].format(count=len(offer.payments), payments=list_payments(offer, lang))
    if offer.frequency is not None and offer.frequency is not Frequency.MONTHLY:
        text += f" ({words[offer.frequency.value]})"
    return text


def invoice_lines(invoices: tuple[InvoiceFact, ...], lang: str) -> str:
    """Each open invoice with its number, amount, dates and open amount."""
    line = templates(lang)["invoice_line"]
    return _join(
        [
            line.format(
                number=i.number,
                amount=format_money(i.amount, lang),
                issued=format_day(i.issue_date, lang),
                due=format_day(i.due_date, lang),
                open=format_money(i.open_amount, lang),
            )
            for i in invoices
        ],
        lang,
    )


def render(key: str, lang: str, tone: str = "neutral", **params: object) -> str:
    """The template ``key`` in ``lang`` and ``tone`` with ``params`` filled in."""
    if tone not in TONES:
        raise InvariantViolation(f"unknown tone {tone!r}")
    raw = templates(lang).get(key)
    if raw is None:
        raise InvariantViolation(f"no reply template {key!r} in {lang}")
    text = raw[tone] if isinstance(raw, dict) else raw
    try:
        out = str(text).format(**params)
    except (KeyError, IndexError) as exc:
        raise InvariantViolation(f"template {key!r} ({lang}) needs {exc}") from exc
    # A name ending in a period ("Acme Inc.") before the template's own full stop.
    return _DOUBLE_STOP.sub(".", out)


def render_parts(parts: tuple[Part, ...]) -> str:
    """The reply text: the parts joined by spaces."""
    return " ".join(p.text for p in parts if p.text)
