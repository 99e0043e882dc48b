"""The content checker: required disclosures and prohibited language in outbound text (EN, FR, ES).

``check_content(text, lang=, channel=, first_communication=, facts=)`` returns every finding as a
:class:`~amicable.compliance.model.Violation` (never stops at the first). Findings are deterministic
pattern checks over the normalised text (lower case, accents kept, whitespace collapsed):

* required: the debt-collector disclosure (mini-Miranda) in a third-party collector's first
  communication and "from a debt collector" in every later one (Reg F §1006.18(e), in the language of
  the message, §1006.18(e)(4)); validation-notice content in a first letter or email (§1006.34(c));
  an opt-out instruction in every email, text, WhatsApp or chat message (§1006.6(e)); a voicemail that
  is a limited-content message (§1006.2(j)) — no debt information at all;
* prohibited: threats of arrest or imprisonment (§1006.18(b)(3)), threats of suit on a time-barred debt
  (§1006.26(b)), false deadlines (§1006.18(d)), claims of attorney involvement when there is none
  (§1006.18(b)(1)(iii)), abusive or profane words (§1006.14(d)), amounts that differ from the facts
  (§1006.18(b)(2)(i)), and, for UK consumers, pressure to borrow or sell property (CONC 7.3.10R).

A phrase preceded closely by a negation in the same clause ("we will not sue you") is not a threat;
a condition in another clause ("if you don't pay, the police ...") does not negate it.
The lexicons are deliberately small and conservative; they are data in this module, one per language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

from amicable.compliance.model import ELECTRONIC_CHANNELS, Violation
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

__all__ = ["CONTENT_CHECKS", "LANGUAGES", "ContentFacts", "check_content"]

LANGUAGES = ("en", "fr", "es")
CONTENT_CHECKS = (
    "mini_miranda",
    "debt_collector_disclosure",
    "validation_notice",
    "opt_out",
    "limited_content_voicemail",
    "arrest",
    "time_barred_suit",
    "false_deadline",
    "false_attorney",
    "abusive",
    "misleading_amount",
    "pressure",
)


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """What is true, against which the text is judged.

    ``amounts`` lists every amount the message may state (balance, instalments, settlement …);
    ``None`` means the amounts are unknown and not checked. ``checks`` limits the checks run
    (default: all of :data:`CONTENT_CHECKS` that apply to the facts).
    """

    third_party_collector: bool = False
    consumer: bool = True
    time_barred: bool = False
    attorney_involved: bool = False
    genuine_deadline: bool = False
    uk_consumer: bool = False
    amounts: tuple[Money, ...] | None = None
    checks: frozenset[str] | None = None


def _rx(*patterns: str) -> re.Pattern[str]:
    compiled = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    prefixes = tuple(_fold(_literal_prefix(p)) for p in patterns)
    _PREFIXES[compiled] = prefixes if all(prefixes) else None
    return compiled


#: A lexicon's regular expression -> the literal text each of its alternatives starts with, in
#: :func:`_fold` form (``None`` when one of them starts with something else). Every match of
#: the expression starts with one of them, so a text holding none of them cannot match: the
#: check is a few substring tests where running the expression over a reply cost 25-50 us a
#: lexicon (a fifth of a conversation turn's content check).
_PREFIXES: dict[re.Pattern[str], tuple[str, ...] | None] = {}
_META = frozenset("\\()[]{}?*+|.^$")


def _literal_prefix(source: str) -> str:
    """The characters every match of the expression ``source`` starts with (after a leading
    ``\\b``): up to the first special character, less a character a quantifier may drop."""
    if _alternatives_at_top(source):
        return ""  # ``a|b`` may match without ``a``'s text
    i = 2 if source.startswith("\\b") else 0
    out: list[str] = []
    while i < len(source) and source[i] not in _META:
        if i + 1 < len(source) and source[i + 1] in "?*{":
            break  # optional (or counted): not part of every match
        out.append(source[i])
        i += 1
    return "".join(out).lower()


def _alternatives_at_top(source: str) -> bool:
    """Whether ``source`` has a ``|`` outside every group and character class."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def _case_classes() -> dict[int, int]:
    """Characters that ``re.IGNORECASE`` matches to one another beyond lower case (``ı`` and
    ``i``, ``ſ`` and ``s``, ...) mapped to one of each class, so that substring tests on folded
    text find every text a case-insensitive expression matches on lower-cased text."""
    try:
        from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - another Python: prefiltering is turned off
        return {}
    linked: dict[int, set[int]] = {}
    for key, others in _EXTRA_CASES.items():
        for other in others:
            linked.setdefault(key, set()).add(other)
            linked.setdefault(other, set()).add(key)
    canonical: dict[int, int] = {}
    for start in linked:
        if start in canonical:
            continue
        group, todo = {start}, [start]
        while todo:  # every character linked to ``start``, however indirectly
            for other in linked[todo.pop()]:
                if other not in group:
                    group.add(other)
                    todo.append(other)
        low = min(group)
        canonical.update(dict.fromkeys(group, low))
    return {k: v for k, v in canonical.items() if k != v}


_CASE_CLASSES: Final = _case_classes()


def _fold(text: str) -> str:
    return text.translate(_CASE_CLASSES)


# Each required disclosure is a list of alternatives; each alternative is a tuple of patterns that
# must all be present (the mini-Miranda has two elements: collecting a debt + use of information).
_MINI_MIRANDA = {
    "en": [(_rx(r"attempt(ing)? to collect (a|this) debt"), _rx(r"information obtained will be used for that purpose"))],
    "fr": [(_rx(r"recouvrer (une|cette) (dette|créance)", r"recouvrement d'une (dette|créance)"),
            _rx(r"(toute )?information obtenue sera utilisée (à cette fin|dans ce but)"))],
    "es": [(_rx(r"(intento|intentando) (de )?cobrar una deuda"),
            _rx(r"(cualquier )?información obtenida (será|se) (utilizad|usad)a (para|con) (ese|este) (fin|propósito)"))],
}  # fmt: skip
_FROM_COLLECTOR = {
    "en": _rx(r"from a debt collector", r"\ba debt collector\b", r"attempt(ing)? to collect a debt"),
    "fr": _rx(r"(d'un|un) (agent|cabinet|organisme) de recouvrement", r"recouvrer (une|cette) (dette|créance)"),
    "es": _rx(r"(de un|un) (cobrador|agente) de deudas", r"(de una|una) agencia de cobr(o|anza)s?",
              r"cobrar una deuda"),
}  # fmt: skip
_OPT_OUT = {
    "en": _rx(r"reply\s+['\"“]?stop", r"text\s+['\"“]?stop", r"unsubscribe", r"opt[ -]?out",
              r"['\"“]stop['\"”] in the subject"),
    "fr": _rx(r"r[ée]pondez\s+['\"“«]?\s*stop", r"envoyez\s+['\"“«]?\s*stop", r"d[ée]sabonne",
              r"d[ée]sinscri", r"ne plus recevoir"),
    "es": _rx(r"responda\s+['\"“]?stop", r"env[ií]e\s+['\"“]?stop", r"darse de baja",
              r"cancelar (la )?suscripci[óo]n", r"dejar de recibir"),
}  # fmt: skip
# Validation notice (§1006.34(c)): the elements a text can be checked for.
_VALIDATION = {
    "en": {"dispute": _rx(r"dispute"), "original creditor": _rx(r"original creditor"),
           "CFPB website": _rx(r"cfpb\.gov/debt-collection")},
    "fr": {"contestation": _rx(r"contest"), "créancier d'origine": _rx(r"créancier (d'origine|initial)"),
           "site du CFPB": _rx(r"cfpb\.gov/debt-collection")},
    "es": {"disputa": _rx(r"disput"), "acreedor original": _rx(r"acreedor original"),
           "sitio web de la CFPB": _rx(r"cfpb\.gov/debt-collection")},
}  # fmt: skip
_DEBT_WORDS = {
    "en": _rx(r"\bdebts?\b", r"\bowe", r"\bbalance\b", r"\boverdue\b", r"\bcollect", r"\bpayment",
              r"\bpast due\b", r"\binvoice", r"\barrears\b"),
    "fr": _rx(r"\bdettes?\b", r"\bcréances?\b", r"\bimpayé", r"\bsolde\b", r"\brecouvrement",
              r"\bpaiement", r"\bfactures?\b", r"\bretard\b"),
    "es": _rx(r"\bdeudas?\b", r"\bdebe\b", r"\bsaldo\b", r"\bvencid", r"\bcobr", r"\bpago",
              r"\bfacturas?\b", r"\batrasad"),
}  # fmt: skip
_ARREST = {
    "en": _rx(r"\barrest", r"\bjail\b", r"\bprison\b", r"\bimprison", r"\bwarrant\b", r"\bpolice\b"),
    "fr": _rx(r"\barrest", r"\bprison\b", r"\bemprisonn", r"\bpolice\b", r"\bgendarm",
              r"mandat d'arrêt", r"\bincarcér"),
    "es": _rx(r"\barrest", r"\bcárcel\b", r"\bprisión\b", r"\bpolicía\b", r"orden de (arresto|captura)",
              r"\bdetenid", r"\bencarcel"),
}  # fmt: skip
_SUIT = {
    "en": _rx(r"\bsue\b", r"\bsued\b", r"\blawsuit", r"\bcourt\b", r"legal action", r"legal proceedings",
              r"\bfile (a )?(suit|claim)", r"\blitigation\b", r"\bjudgment\b"),
    "fr": _rx(r"\bpoursuite", r"\btribunal", r"action en justice", r"\bassign", r"\bhuissier",
              r"procédure judiciaire", r"\bjuge\b"),
    "es": _rx(r"\bdemand(a|ar|aremos|arle)\b", r"\btribunal", r"\bcorte\b", r"acci[óo]n legal",
              r"\bjuicio\b", r"proceso judicial", r"\bjuez\b"),
}  # fmt: skip
_DEADLINE = {
    "en": _rx(r"expires? (today|tonight|at midnight|in \d+ hours?)", r"never be offered again",
              r"last chance", r"final (warning|notice)", r"within (24|48) hours", r"act now",
              r"immediately or"),
    "fr": _rx(r"derni(è|e)re chance", r"expire (ce soir|aujourd'hui|à minuit|dans \d+ heures?)",
              r"(plus jamais|jamais plus) (proposée|offerte)", r"dernier avertissement",
              r"sous (24|48) ?h", r"immédiatement ou"),
    "es": _rx(r"última oportunidad", r"vence (hoy|esta noche|a medianoche|en \d+ horas?)",
              r"nunca (más )?se (volverá a )?ofrecer", r"último aviso", r"en (24|48) horas",
              r"inmediatamente o"),
}  # fmt: skip
_ATTORNEY = {
    "en": _rx(r"\battorneys?\b", r"\blawyers?\b", r"legal department", r"law firm", r"\bcounsel\b"),
    "fr": _rx(r"\bavocats?\b", r"service (juridique|contentieux)", r"cabinet d'avocats", r"\bhuissier"),
    "es": _rx(r"\babogad(o|a|os)\b", r"departamento (legal|jurídico)", r"\bbufete\b"),
}  # fmt: skip
_ABUSIVE = {
    "en": _rx(r"\bdeadbeats?\b", r"\bloser\b", r"\bidiot", r"\bstupid\b", r"\bscum", r"\bleech",
              r"\bfuck", r"\bshit", r"\bdamn\b", r"\bbastard", r"\bworthless\b", r"\bliar\b"),
    "fr": _rx(r"\bconnard", r"\bsalaud", r"\bmerde\b", r"\bputain\b", r"\bminable", r"\bescroc",
              r"\bparasite", r"\bcrétin", r"\bidiot", r"\bmenteu"),
    "es": _rx(r"\bidiota", r"\bestúpid", r"\bmierda\b", r"\bcabr[óo]n", r"\bpendej", r"\bgorr[óo]n",
              r"\bsinvergüenza", r"\bmentiros", r"\binútil\b"),
}  # fmt: skip
_PRESSURE = {
    "en": _rx(r"borrow (it|the money|from)", r"(put|pay) it on (a|your) credit card", r"take (out )?a loan",
              r"sell(ing)? your (car|house|home|property)"),
    "fr": _rx(r"emprunte[rz]", r"vend(re|ez) votre (voiture|maison|logement)", r"(un|contracter un) crédit"),
    "es": _rx(r"pida (un )?préstamo", r"pedir prestado", r"venda su (coche|carro|casa|vivienda)"),
}  # fmt: skip
_NEGATION = {
    "en": re.compile(
        r"\b(not|never|no|won't|will not|cannot|can't|don't|do not)\b[^.!?,;:]{0,30}$"
    ),
    "fr": re.compile(r"\b(ne|n'|jamais|aucun|aucune|pas)\b[^.!?,;:]{0,30}$"),
    "es": re.compile(r"\b(no|nunca|jamás|ningún|ninguna)\b[^.!?,;:]{0,30}$"),
}
# Amounts: a currency sign or code next to a number, in either order.
_NUM = r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?P<pre>[$€£]|\b(?:USD|EUR|GBP)\b)\s?(?P<a>{_NUM})|(?P<b>{_NUM})\s?(?P<post>[$€£]|\b(?:USD|EUR|GBP)\b|\beuros?\b|\bdólares\b|\bdollars\b)",
    re.IGNORECASE,
)

_CITE = {
    "mini_miranda": "12 CFR 1006.18(e)(1); 15 U.S.C. 1692e(11)",
    "debt_collector_disclosure": "12 CFR 1006.18(e)(2); 15 U.S.C. 1692e(11)",
    "validation_notice": "12 CFR 1006.34(a)(1), (c)",
    "opt_out": "12 CFR 1006.6(e)",
    "limited_content_voicemail": "12 CFR 1006.2(j); 1006.6(d); comment 18(e)-1",
    "arrest": "12 CFR 1006.18(b)(3); 15 U.S.C. 1692e(4)",
    "time_barred_suit": "12 CFR 1006.26(b)",
    "false_deadline": "12 CFR 1006.18(d); comment 14(b)(2)(ii)-2.iv.C",
    "false_attorney": "12 CFR 1006.18(b)(1)(iii); 15 U.S.C. 1692e(3)",
    "abusive": "12 CFR 1006.14(d); 15 U.S.C. 1692d(2)",
    "misleading_amount": "12 CFR 1006.18(b)(2)(i); 15 U.S.C. 1692e(2)(A)",
    "pressure": "FCA CONC 7.3.10R",
}


def _normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def _found(pattern: re.Pattern[str], text: str, lang: str, *, negatable: bool = True) -> str | None:
    """The first match of ``pattern`` that is not negated just before it, or ``None``."""
    prefixes = _PREFIXES.get(pattern)
    if prefixes is not None and _CASE_CLASSES:
        folded = _fold(text)
        if not any(p in folded for p in prefixes):
            return None
    negation = _NEGATION[lang]
    for match in pattern.finditer(text):
        if negatable and negation.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        return match.group(0)
    return None


def _parse_amount(raw: str) -> Decimal | None:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ").strip()
    # The last separator followed by one or two digits is the decimal mark; others group thousands.
    m = re.match(r"^(.*?)([.,](\d{1,2}))?$", s)
    if m is None:
        return None
    whole = re.sub(r"[ ,.]", "", m.group(1))
    frac = m.group(3) or ""
    try:
        return Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:
        return None


def _amounts_in(text: str) -> list[tuple[str, Decimal]]:
    found: list[tuple[str, Decimal]] = []
    for m in _AMOUNT.finditer(text):
        raw = m.group("a") or m.group("b") or ""
        value = _parse_amount(raw)
        if value is not None:
            found.append((m.group(0).strip(), value))
    return found


def check_content(
    text: str,
    *,
    lang: str,
    channel: str,
    first_communication: bool,
    facts: ContentFacts,
) -> tuple[Violation, ...]:
    """Every content finding for ``text`` sent on ``channel`` (empty tuple: the text passes)."""
    return _check_content(text, lang, channel, first_communication, facts)


@lru_cache(maxsize=8192)
def _check_content(
    text: str, lang: str, channel: str, first_communication: bool, facts: ContentFacts
) -> tuple[Violation, ...]:
    # Pure and called with the same text several times per pass of the agent loop (each candidate
    # channel, then the final re-check), so the findings are memoised.
    if lang not in LANGUAGES:
        raise InvalidInput(f"content language {lang!r} is not one of {LANGUAGES}")
    enabled = facts.checks if facts.checks is not None else frozenset(CONTENT_CHECKS)
    body = _normalise(text)
    out: list[Violation] = []

    def add(code: str, message: str) -> None:
        out.append(Violation(f"content.{code}", message, _CITE[code], permanent=True))

    us_collector = facts.third_party_collector and facts.consumer
    is_lcm_voicemail = channel == "voicemail" and us_collector
    if is_lcm_voicemail and "limited_content_voicemail" in enabled:
        word = _found(_DEBT_WORDS[lang], body, lang, negatable=False)
        if word is not None:
            add(
                "limited_content_voicemail",
                f"a voicemail must be a limited-content message; it mentions {word!r}, which conveys "
                "information about a debt and may disclose it to a third party",
            )
    elif us_collector and channel != "voicemail":
        if first_communication and "mini_miranda" in enabled:
            if not any(all(p.search(body) for p in alt) for alt in _MINI_MIRANDA[lang]):
                add(
                    "mini_miranda",
                    "the first communication must say that the collector is attempting to collect a "
                    "debt and that any information obtained will be used for that purpose "
                    f"(in the language of the message, {lang})",
                )
        elif (
            not first_communication
            and "debt_collector_disclosure" in enabled
            and not _FROM_COLLECTOR[lang].search(body)
        ):
            add(
                "debt_collector_disclosure",
                f"every later communication must say that it is from a debt collector ({lang})",
            )
        if (
            first_communication
            and channel in ("letter", "email")
            and "validation_notice" in enabled
        ):
            missing = [name for name, p in _VALIDATION[lang].items() if not p.search(body)]
            if missing:
                add(
                    "validation_notice",
                    "a first written communication must carry the validation information; missing: "
                    + ", ".join(missing),
                )
    if channel in ELECTRONIC_CHANNELS and "opt_out" in enabled and not _OPT_OUT[lang].search(body):
        add(
            "opt_out",
            f"an electronic message ({channel}) must say how to opt out of further messages to this "
            "address or number (e.g. 'Reply STOP')",
        )
    if "arrest" in enabled and (word := _found(_ARREST[lang], body, lang)):
        add("arrest", f"threat of arrest or imprisonment ({word!r})")
    if (
        facts.time_barred
        and "time_barred_suit" in enabled
        and (word := _found(_SUIT[lang], body, lang))
    ):
        add(
            "time_barred_suit",
            f"the debt is time-barred; the text threatens legal action ({word!r})",
        )
    deadline = None if facts.genuine_deadline else _found(_DEADLINE[lang], body, lang)
    if "false_deadline" in enabled and deadline:
        add("false_deadline", f"false urgency or deadline ({deadline!r})")
    lawyer = None if facts.attorney_involved else _found(_ATTORNEY[lang], body, lang)
    if "false_attorney" in enabled and lawyer:
        add("false_attorney", f"implies attorney involvement when there is none ({lawyer!r})")
    if "abusive" in enabled and (word := _found(_ABUSIVE[lang], body, lang, negatable=False)):
        add("abusive", f"abusive or profane language ({word!r})")
    if facts.amounts is not None and "misleading_amount" in enabled:
        allowed = {m.amount for m in facts.amounts}
        wrong = [raw for raw, value in _amounts_in(body) if value not in allowed]
        if wrong:
            add(
                "misleading_amount",
                "amount(s) "
                + ", ".join(repr(w) for w in wrong)
                + " differ from the account ("
                + ", ".join(str(m) for m in facts.amounts)
                + ")",
            )
    if (
        facts.uk_consumer
        and "pressure" in enabled
        and (word := _found(_PRESSURE[lang], body, lang))
    ):
        add("pressure", f"pressure to borrow or sell property to pay ({word!r})")
    return tuple(out)


def content_codes(violations: Iterable[Violation]) -> set[str]:
    """The check codes of content findings (``content.opt_out`` -> ``opt_out``); for tests and reports."""
    return {v.rule.removeprefix("content.") for v in violations}
