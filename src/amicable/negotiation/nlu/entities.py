"""Entity extraction: amount (with currency), period, date, installment count, percentage,
fraction and channel, from one debtor message in English, French or Spanish.

Invariants
----------
* Amounts are :class:`~amicable.domain.money.Money`; a currency written in the text (``$``,
  ``€``, ``euros``, ``pesos``…) wins, otherwise the account's currency (a parameter) applies.
  An amount with more decimals than its currency allows is dropped, never rounded silently.
* Each piece of text is read once: the words of a date, a percentage or an installment count are
  never also read as an amount ("le 15" is a date; "en 3 fois" is three installments).
* A bare number is an amount only in a money context (a currency, a period, or a verb of paying)
  and never in an identity answer (digits of a card, a postcode, a date of birth).
* Pure: ``today`` is a parameter; nothing here raises on odd text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.negotiation.nlu.dates import find_date
from amicable.negotiation.nlu.numbers import NumberSpan, find_numbers
from amicable.negotiation.nlu.types import Entities

__all__ = ["extract_entities"]

_SYMBOLS: Final[dict[str, str]] = {"$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_WORDS: Final[dict[str, str]] = {
    "usd": "USD", "dollars": "USD", "dollar": "USD", "bucks": "USD", "dólares": "USD",
    "dolares": "USD", "dólar": "USD", "dolar": "USD", "dlls": "USD",
    "eur": "EUR", "euros": "EUR", "euro": "EUR", "eu": "EUR", "eus": "EUR",
    "gbp": "GBP", "pounds": "GBP", "pound": "GBP", "quid": "GBP", "livres": "GBP", "libras": "GBP",
    "cad": "CAD", "mxn": "MXN", "pesos": "MXN", "chf": "CHF", "francs": "CHF",
    "aud": "AUD", "nzd": "NZD", "ars": "ARS", "clp": "CLP", "xof": "XOF",
    "xaf": "XAF", "dirhams": "MAD", "dirham": "MAD", "fcfa": "XOF",
    "francs cfa": "XOF", "piasses": "CAD", "piastres": "CAD", "dollars canadiens": "CAD",
    "$ canadiens": "CAD", "dollars australiens": "AUD", "$ australiens": "AUD",
    "soles": "PEN", "bolivianos": "BOB", "quetzales": "GTQ", "lempiras": "HNL", "colones": "CRC",
    "córdobas": "NIO", "cordobas": "NIO", "guaraníes": "PYG", "guaranies": "PYG",
    "bolívares": "VES", "bolivares": "VES",
}  # fmt: skip
# A currency word names a family ("pesos", "francs", "dollars", "$"): the account's currency
# when it is one of that family (a Chilean account's "pesos" are CLP), otherwise the default.
_FAMILIES: Final[dict[str, frozenset[str]]] = {
    "MXN": frozenset({"MXN", "ARS", "CLP", "COP", "UYU", "DOP", "CUP", "PHP"}),
    "CHF": frozenset({"CHF", "XOF", "XAF"}),
    "USD": frozenset({"USD", "CAD", "AUD", "NZD"}),
}
_FAMILY_WORDS: Final = frozenset(
    {"pesos", "francs", "$", "dollars", "dollar", "bucks", "dólares", "dolares", "dólar", "dolar"}
)
_CUR_WORD_RE: Final = "|".join(
    sorted((re.escape(w) for w in _CURRENCY_WORDS if not w.startswith("$")), key=len, reverse=True)
)
_AFTER_RE: Final = re.compile(
    rf"^\s?(?:(\$\s?canadiens|\$\s?australiens|[$€£])|({_CUR_WORD_RE})\b)"
)
_BEFORE_RE: Final = re.compile(rf"(?:([$€£])|\b({_CUR_WORD_RE}))\s?$")

_PER_MONTH: Final = re.compile(
    r"(?<!\bin )(?<!\bwithin )(?<!\bfor )\b(?:a|per|each|every|/|by\s+the)\s*(?:month|mo|mth)\b|/\s*(?:mo|month|mois|mes)\b|\bmonthly\b"
    r"|\bpar\s+mois\b|\bchaque\s+mois\b|\btous\s+les\s+mois\b|\bmensuel(?:le)?s?\b|\bmensualités?\b"
    r"|\bal\s+mes\b|\bpor\s+mes\b|\bcada\s+mes\b|\bmensual(?:es|mente)?\b|\btodos\s+los\s+meses\b"
)
_PER_WEEK: Final = re.compile(
    r"(?<!\bin )(?<!\bwithin )(?<!\bfor )\b(?:a|per|each|every|/)\s*(?:week|wk)\b|/\s*(?:wk|week|semaine|semana)\b|\bweekly\b"
    r"|\bpar\s+semaine\b|\bchaque\s+semaine\b|\btoutes\s+les\s+semaines\b|\bhebdo(?:madaire)?s?\b"
    r"|\ba\s+la\s+semana\b|\bpor\s+semana\b|\bcada\s+semana\b|\bsemanal(?:es|mente)?\b"
    r"|\btodas\s+las\s+semanas\b"
    # the same weekday every week: "every friday", "tous les vendredis", "cada viernes"
    r"|\b(?:every|each)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:tous\s+les|chaque)\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?\b"
    r"|\b(?:todos\s+los|cada)\s+(?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bados?|domingos?)\b"
)
_PERCENT_RE: Final = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(?:%|percent\b|per\s+cent\b|pour\s*cent\b|por\s*ciento\b|pc\b)"
)
_FRACTIONS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # "a mitad" / "halfway" mean midway, not a half of the debt.
    (re.compile(r"\bhalf\b|\bmoiti[ée]\b|\bla\s+mitad\b|\bmitad\s+del?\b"), "1/2"),
    (
        re.compile(r"\b(?:a|one)\s+third\b|\bun\s+tiers\b|\bun\s+tercio\b|\btercera\s+parte\b"),
        "1/3",
    ),
    (re.compile(r"\btwo\s+thirds\b|\bdeux\s+tiers\b|\bdos\s+tercios\b"), "2/3"),
    (
        re.compile(
            r"\b(?:a|one)\s+quarter\b|\bun\s+quart\b(?!\s+d'heure)|\bun\s+cuarto\b|\bcuarta\s+parte\b"
        ),
        "1/4",
    ),
    (re.compile(r"\bthree\s+quarters\b|\btrois\s+quarts\b|\btres\s+cuartos\b"), "3/4"),
)
_INSTALLMENT_NUM: Final = r"(\d{1,2}|[a-zà-ÿ]+)"
_INSTALLMENTS_RE: Final = re.compile(
    rf"\b{_INSTALLMENT_NUM}\s+(?:monthly\s+|weekly\s+|equal\s+|small\s+|mensual(?:es)?\s+|semanales\s+)?"
    r"(?:payments|installments|instalments|instalments|parts|chunks|pieces|fois|versements|"
    r"mensualités|mensualites|échéances|echeances|paiements|cuotas|pagos|plazos|partes|abonos|"
    r"mensualidades)\b"
    rf"|\b(?:over|across)\s+{_INSTALLMENT_NUM}\s+(?:months|weeks)\b"
    rf"|\bsur\s+{_INSTALLMENT_NUM}\s+(?:mois|semaines)\b"
    rf"|\ben\s+{_INSTALLMENT_NUM}\s+(?:meses)\b"
    rf"|\bsplit\s+(?:it\s+|this\s+|that\s+)?(?:in|into)\s+{_INSTALLMENT_NUM}\b"
    # "pay in 3 (instead of one go)": a count with nothing after it but the end of the clause
    r"|\bpay\s+(?:it\s+|this\s+|that\s+)?in\s+(\d{1,2})(?=\s*(?:$|[,.;!?]|instead\b|rather\b|or\b))"
)
_CHANNELS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (
        re.compile(
            r"\bwhats\s?apps?\b|\bwhatsap+\b|\bwsp\b|\bwasap\b|\bguasaps?\b|\bwhats\b(?!\s+(?:the|is|up|that|this|it|your|ur|my|a|going|wrong|happening|next)\b)"
        ),
        "whatsapp",
    ),
    (
        re.compile(
            r"\be-?mails?\b|\be-?mail(?:ing|ed)\b|\bcourriels?\b|(?<!oficina\sde\s)\bcorreos?(?:\s+electr[oó]nicos?)?\b|\bmails?\b|\binbox\b"
        ),
        "email",
    ),
    (
        re.compile(
            r"\bsms\b|\btexts?\b|\btexting\b|\btexted\b|\btext(?:er|ez|een|ear|ean|eando)\b|\btext[eé]a(?:me|nos)\b|\btext\s+messages?\b|\btextos?\b"
            r"|\bmensajes?(?:\s+de\s+texto)?\b|\btxt\b"
        ),
        "sms",
    ),
    (
        re.compile(
            # "phone" alone is a device ("this phone is not his"); "by phone" is a channel.
            # "s'appelle" / "m'appelle" is a name, not a call.
            # A "call centre" is a place; "calling from" asks who is calling.
            r"\b(?:robo)?call(?:s|ing|ed)?\b(?!\s+cent(?:re|er)s?\b)(?<!calling(?=\s+from\b))"
            r"|\b(?:by|on\s+the|over\s+the)\s+phone\b|\bvoicemails?\b"
            r"|\b(?:ring(?:ing)?|rang|quit\s+ringing)\s+(?:me|my|us|him|her)\b|\bbell\s+me\b|\bphon(?:ed|ing)\b"
            r"|(?<!s')(?<!m')(?<!t')\br?appel(?:s|er|ez|le|lez|lerai|lons|les|lera|é|ée|és)?\b"
            r"|\bm'appel(?:ez|er|les|lent|é|ée|és)\b|\bpar\s+t[ée]l[ée]phone\b"
            r"|\bt[ée]l[ée]phoner\b|\bcoups?\s+de\s+fil\b|\bllamad(?:a|as|o)\b"
            r"|\bll[aá]m(?:ar|en|e|es|o|ame|enme|eme|adas|arme|arnos)\b|\bpor\s+tel[ée]fono\b"
            r"|\bm[aá]rc(?:ame|ame|enme)\b|\bmarquen\b|\bme\s+marc(?:an|as|a|en)\b|\bles\s+marco\b"
            r"|\btimbren\b|\bm[aá]rqu(?:eme|enme)\b|\ble\s+marco\b|\bmarcarl[eo]\b"
            r"|\bll[aá]m(?:enla|enlo|ela|elo|ale|ele|arla|arlo|ando)\b|\by[aá]m(?:e|en|eme|enme)\b"
        ),
        "call",
    ),
)
_PAY_CONTEXT: Final = re.compile(
    r"\b(?:pay|paid|paying|payment|send|sending|give|afford|offer|owe|only|manage|transfer|deposit|"
    r"put|can|could|will|would|promise|settle|charged|billed|invoiced|accept|take|"
    r"payer|paie|paye|payerai|verser|verserai|virer|envoyer|donner|régler|regler|offre|propose|"
    r"peux|pourrais|rembourser|facturé|facturée|factur[ée]s?|accepte|accepteriez|acceptez|solde|"
    r"pagar|pago|pagaré|pagare|abonar|abono|dar|doy|depositar|transferir|ofrezco|propongo|"
    r"puedo|podría|podria|mandar|mando|cobraron|cobran|cobrado|deposito|transfiero|adelanto|giro|cobro|facturaron|aceptan|aceptarían|aceptarian)\b"
)
# Past tense of paying: "I paid", "j'ai réglé", "ya pagué" — not "I'll have it paid" nor
# "quand je serai payé".
_PAST_CONTEXT: Final = re.compile(
    r"\b(?:i|we|already|was|were|been|has|had)\s+(?:\w+\s+)?(?:paid|sent|transferred|wired|settled|made)\b"
    r"|\b(?:paid|sent)\s+(?:it|this|that|you|the)\b|\balready\b"
    r"|\b(?:j'ai|on\s+a|nous\s+avons|ai|avons|a\s+été|est)\s+(?:\w+\s+)?(?:payé|payée|réglé|réglée|viré|virée|versé|envoyé|envoyée|parti|passé|débité)\b|\bdéjà\b|\bdeja\b"
    r"|\b(?:pagué|pague|pagamos|transferí|transferi|envié|envie|deposité|deposite|salió|se\s+pagó|se\s+pago|saldé|aboné|cancelé|liquidé)\b"
    r"|\bya\s+(?:(?:se|lo|la|los|las|les|le|te|me|os)\s+)?(?:pagu|pagad|pag[oó]\b|transfer[ií]|deposit[eé]|abon[eé]|envi[eé]|sald[eé]|liquid|cancel[eé]|hice|hicimos|est[aá]\s+(?:pagad|liquidad|saldad|abonad|cancelad))"
    r"|\bhice\s+el\s+(?:pago|dep[oó]sito|ingreso)\b"
)
_IDENTITY_CONTEXT: Final = re.compile(
    r"\b(?:digits?|zip|postcode|post\s+code|postal|born|birth|dob|d\.o\.b|birthday|ssn|"
    r"chiffres|naissance|né|née|nacimiento|nací|naci|dígitos|digitos|cumpleaños|"
    r"account\s+number|numéro\s+de\s+compte|número\s+de\s+cuenta|reference|référence|referencia|"
    r"customer\s+number|client\s+number|numéro\s+client|número\s+de\s+cliente|pin|code|código|codigo)\b"
)
_NOT_AMOUNT_AFTER: Final = re.compile(
    r"^\s*(?:%|days?|weeks?|months?|years?|yrs?|hours?|hrs?|h\b|pm|am|mins?|minutes?|:|x\b|"
    r"jours?|semaines?|mois|ans|années?|heures?|"
    r"d[ií]as|semanas?|meses|años|anos|horas?|percent|pour|por\s+ciento|kids|children|enfants|hijos|"
    r"times|fois|veces|payments?|installments?|instalments?|cuotas|pagos|plazos|versements|parts|partes|ème|e\b|th\b|st\b|nd\b|rd\b|"
    # things counted, not money: "ordered 10 boxes", "sent 3 texts", "on 4g"
    r"boxes|box|items?|units?|pairs?|bottles?|parcels?|packages?|texts?|calls?|e-?mails?|messages?|letters?|"
    r"cajas?|unidades|paquetes?|mensajes|cartas|llamadas|colis|articles?|lettres|appels|g\b|"
    r"clases|classes|lessons?|le[çc]ons|invitados|guests|invit[ée]s|personas|people|personnes|sessions?|sesiones|s[ée]ances|"
    # a day of a month named after it is a date, even when it is not the message's first date
    r"(?:de\s+)?(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)\b)"
)
_NOT_AMOUNT_BEFORE: Final = re.compile(
    r"(?:#|\bno\.?|\bn°|\bnº|\binvoice|\bfacture|\bfactura|\bref\.?|\border|\bcommande|\bpedido|"
    r"\bticket|\bnumber|\bnuméro|\bnúmero|\bcase|\bdossier|\bexpediente|\bat|\bà|\ba\s+las|\ba\s+los|\bafter|"
    r"\bbefore|\bavant|\baprès|\bdespués|\bantes\s+de\s+las|"
    r"\bsize|\btaille|\btalla|\berror|\berreur|\bdni|\bnie|\brut|\bchapter|\bsince|\bdepuis|\bdesde)\s*$"
)
# an identity document named in the message: a number's trailing "k" is its letter ("DNI … 4432K")
_ID_DOCUMENT: Final = re.compile(r"\b(?:dni|nie|nif|rut|cif)\b")
# A year after "in" ("sold in 2023", "en 2019") is a time; other numbers after "in" can be money
# ("I can chip in 50 a month", "put in 200 next week").
_YEAR_AFTER_IN: Final = re.compile(r"\b(?:in|en)\s*$")
_YEAR: Final = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def _overlaps(start: int, end: int, taken: list[_Span]) -> bool:
    return any(start < t.end and t.start < end for t in taken)


def _code(sign: str, account: str) -> str:
    sign = re.sub(r"\s+", " ", sign)
    code = _SYMBOLS.get(sign) or _CURRENCY_WORDS.get(sign) or "USD"
    if sign in _FAMILY_WORDS and account in _FAMILIES.get(code, frozenset()):
        return account
    return code


def _currency_near(
    text: str, span: NumberSpan, account: str = "USD"
) -> tuple[str | None, int, int]:
    after = _AFTER_RE.match(text[span.end : span.end + 22])
    if after:
        sign = after.group(1) or after.group(2)
        if sign.startswith("$") and len(sign) > 1:
            sign = "$ " + sign[1:].strip()
        return _code(sign, account), span.start, span.end + after.end()
    before = _BEFORE_RE.search(text[max(0, span.start - 8) : span.start])
    if before:
        sign = before.group(1) or before.group(2)
        return _code(sign, account), span.start - (len(before.group(0))), span.end
    return None, span.start, span.end


def _money(value: Decimal, code: str) -> Money | None:
    try:
        return Money.of(value, code)
    except InvalidInput:
        return None


def _count(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    found = find_numbers(raw)
    if found and found[0].value == int(found[0].value):
        return int(found[0].value)
    return None


def extract_entities(
    text: str, *, lang: str, today: date, currency: str = "USD", past: bool = False
) -> Entities:
    """Every entity of one message; ``currency`` is the account's, used when the text has none.

    ``past`` says the caller already knows the message reports something done (an
    ``already_paid`` intent): dates then resolve backwards, as for a verb in the past tense.
    """
    low = text.lower().replace("’", "'").replace("\u00a0", " ")
    taken: list[_Span] = []

    # The first channel mentioned wins: "no texts, email me" opts out of sms.
    channel = None
    first = len(low) + 1
    for pattern, name in _CHANNELS:
        m = pattern.search(low)
        if m and m.start() < first:
            channel, first = name, m.start()

    percent = None
    for m in _PERCENT_RE.finditer(low):
        percent = m.group(1).replace(",", ".")
        if "." in percent:
            percent = percent.rstrip("0").rstrip(".")
        taken.append(_Span(m.start(), m.end()))
        break

    installments = None
    for m in _INSTALLMENTS_RE.finditer(low):
        raw = next(g for g in m.groups() if g is not None)
        count = _count(raw)
        if count is not None and 1 < count <= 120:
            installments = count
            taken.append(_Span(m.start(), m.end()))
            break

    fraction = None
    for pattern, value in _FRACTIONS:
        m = pattern.search(low)
        if m:
            fraction = value
            taken.append(_Span(m.start(), m.end()))
            break

    numbers = find_numbers(low, lang)
    marked: list[tuple[NumberSpan, str, int, int]] = []
    for span in numbers:
        code, start, end = _currency_near(low, span, currency)
        k_money = (
            low[span.end - 1 : span.end] == "k" and not span.words and not _ID_DOCUMENT.search(low)
        )
        if code is None and k_money and len(re.sub(r"\D", "", low[span.start : span.end])) <= 4:
            code = currency  # "1.2k" is money even without a currency sign; "DNI 48213377K" is not
        if code is not None and not _overlaps(span.start, span.end, taken):
            marked.append((span, code, start, end))
    for _, _, start, end in marked:
        taken.append(_Span(start, end))

    found_date = find_date(low, today, lang, past=past or bool(_PAST_CONTEXT.search(low)))
    if found_date is not None and not _overlaps(found_date.start, found_date.end, taken):
        taken.append(_Span(found_date.start, found_date.end))
    else:
        found_date = None

    amount: Money | None = None
    if marked:
        span, code, _, _ = marked[0]
        amount = _money(span.value, code)
    else:
        per_present = bool(_PER_MONTH.search(low) or _PER_WEEK.search(low))
        money_context = per_present or installments is not None or bool(_PAY_CONTEXT.search(low))
        if money_context and not _IDENTITY_CONTEXT.search(low):
            for span in numbers:
                if _overlaps(span.start, span.end, taken):
                    continue
                if _NOT_AMOUNT_AFTER.match(low[span.end :]):
                    continue
                if _NOT_AMOUNT_BEFORE.search(low[: span.start]):
                    continue
                digits = low[span.start : span.end]
                if _YEAR.fullmatch(digits) and _YEAR_AFTER_IN.search(low[: span.start]):
                    continue
                if not span.words and len(re.sub(r"\D", "", digits)) >= 7:
                    continue  # a phone or account number, not an amount
                if span.value < 1 or (span.words and span.value < 10):
                    continue  # "one now, one later", "two payments": counts, not amounts
                if not span.words and not money_context:
                    continue
                amount = _money(span.value, currency)
                if amount is not None:
                    break

    per = None
    month, week = _PER_MONTH.search(low), _PER_WEEK.search(low)
    if month and week:
        per = "month" if month.start() < week.start() else "week"
    elif month:
        per = "month"
    elif week:
        per = "week"

    return Entities(
        amount=amount,
        per=per,
        date=found_date.value if found_date else None,
        installments=installments,
        percent=percent,
        fraction=fraction,
        channel=channel,
    )
