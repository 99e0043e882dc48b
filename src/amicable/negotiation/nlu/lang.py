"""Offline language detection for debtor messages: English, French or Spanish.

A message is scored against a small list of very frequent words per language plus a few
characters only one of the languages uses (``ñ``, ``¿``, ``ç`` …). Deterministic, no network, a
few microseconds. Short or neutral messages ("ok", "500") fall back to the caller's hint and then
to English.

Invariant: :func:`detect_language` always returns one of ``"en"``, ``"fr"``, ``"es"``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["detect_language", "normalize"]

# One string per language, split once: easier to read and extend than a list literal.
_WORDS: Final[dict[str, frozenset[str]]] = {
    "en": frozenset(
        """the a an and is are i im i'm you your my me we our it this that will can can't cant
        dont don't not pay paid payment money to of for on in at with have has had do does did
        please thanks thank next week month friday monday tomorrow what who why how when call
        stop lawyer job lost sorry yes no yeah sure okay invoice bill was be been sent just
        already never got off leave alone out now later right wrong number person""".split()  # noqa: SIM905
    ),
    "fr": frozenset(
        """le la les un une des et est je j'ai suis vous tu mon ma mes nous notre ce cette pas
        ne plus payer payé paye payée paiement argent pour de du au aux avec avoir fait faire
        merci bonjour semaine mois vendredi lundi demain quoi qui pourquoi comment quand appel
        appelez arrêtez avocat travail désolé oui non d'accord facture envoyé déjà jamais reçu
        c'est n'ai peux pouvez veux voudrais sur mais très bien aussi moi là""".split()  # noqa: SIM905
    ),
    "es": frozenset(
        """el la los las un una y es soy yo usted ustedes mi mis nosotros nuestro este esta no
        pagar pagado pago dinero para de del al con tener hecho hacer gracias hola semana mes
        viernes lunes mañana qué quién por porque cómo cuándo llamada llamen dejen abogado
        trabajo perdón sí vale factura enviado ya nunca recibí puedo puede quiero quisiera pero
        muy bien también ahora estoy tengo me lo que""".split()  # noqa: SIM905
    ),
}

_CHARS: Final[dict[str, str]] = {"fr": "çèêàùûœë", "es": "ñ¿¡íóú"}
_WORD_RE: Final = re.compile(r"[a-zà-ÿœ']+")


def normalize(text: str) -> str:
    """Lower-case, unify apostrophes and collapse whitespace (accents kept)."""
    text = text.replace("’", "'").replace("`", "'").replace("\u00a0", " ")
    return " ".join(text.lower().split())


def detect_language(text: str, hint: str | None = None) -> str:
    """The most likely of ``en``, ``fr``, ``es`` for ``text``; ``hint`` breaks ties."""
    low = normalize(text)
    words = _WORD_RE.findall(low)
    scores = {lang: 0.0 for lang in _WORDS}
    for word in words:
        for lang, vocab in _WORDS.items():
            if word in vocab:
                scores[lang] += 1.0
    for lang, chars in _CHARS.items():
        scores[lang] += 0.75 * sum(1 for ch in low if ch in chars)
    # Words ending in "-ción", "-mente"… are cheap extra evidence for short messages.
    for word in words:
        if word.endswith(("ción", "ado", "ido")):
            scores["es"] += 0.3
        elif word.endswith(("tion", "ing")):
            scores["en"] += 0.3
        elif word.endswith(("é", "ez", "eux")):
            scores["fr"] += 0.3
    best = max(scores.values())
    if best == 0.0:
        return hint if hint in _WORDS else "en"
    leaders = [lang for lang, score in scores.items() if score == best]
    if hint is not None and hint in leaders:
        return hint
    return leaders[0]
