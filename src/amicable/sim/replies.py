"""What simulated debtors write: varied natural-language phrasings in English, French and Spanish.

Written for the simulator (not taken from the NLU corpus files), so the agent's understanding is
tested on text it was not trained on. :func:`phrase` picks one phrasing of a reply kind in a
language with the caller's random generator and fills in ``{amount}`` (a plain decimal string)
and ``{code}`` (a postal code).
"""

from __future__ import annotations

import random
from typing import Final

__all__ = ["KINDS", "PHRASES", "phrase"]

PHRASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "ask_plan": {
        "en": (
            "Got your message. I can't clear all of it right now, could I spread it out?",
            "Money is a bit short this month. Is it possible to pay this off in installments?",
            "Hi, we want to settle but not in one go. Can we set up a payment plan?",
            "Can I pay this in parts over a few months instead of all at once?",
        ),
        "fr": (
            "Bonjour, je ne peux pas tout régler d'un coup, est-ce possible de payer en plusieurs fois ?",
            "Je voudrais payer mais en plusieurs mensualités, c'est envisageable ?",
            "Pouvons-nous mettre en place un échéancier ? Je ne peux pas payer la totalité maintenant.",
        ),
        "es": (
            "Hola, no puedo pagar todo de una vez, ¿puedo pagarlo en cuotas?",
            "Quiero pagar pero necesito un plan de pagos, ¿es posible?",
            "¿Podemos acordar pagos mensuales? Ahora mismo no tengo el total.",
        ),
    },
    "identity": {
        "en": ("{code}", "My postcode is {code}", "It's {code}"),
        "fr": ("{code}", "Mon code postal est {code}", "C'est {code}"),
        "es": ("{code}", "Mi código postal es {code}", "Es {code}"),
    },
    "accept": {
        "en": ("Yes", "yes, that works for me", "OK, agreed", "Yes please, go ahead"),
        "fr": ("Oui", "Oui, ça me va", "D'accord, j'accepte"),
        "es": ("Sí", "Sí, de acuerdo", "Vale, acepto"),
    },
    "counter": {
        "en": (
            "That's too much for me. I can pay {amount} a month.",
            "I could manage {amount} per month, no more.",
            "Could we make it {amount} a month instead?",
        ),
        "fr": (
            "C'est trop pour moi. Je peux payer {amount} par mois.",
            "Je pourrais verser {amount} par mois, pas plus.",
        ),
        "es": (
            "Es demasiado para mí. Puedo pagar {amount} al mes.",
            "Podría pagar {amount} cada mes, no más.",
        ),
    },
    "decline": {
        "en": ("Sorry, I can't afford that.", "No, that doesn't work for me."),
        "fr": ("Désolé, je n'ai pas les moyens.", "Non, ça ne me convient pas."),
        "es": ("Lo siento, no me lo puedo permitir.", "No, eso no me sirve."),
    },
    "dispute": {
        "en": (
            "This amount is wrong, we were overcharged on that invoice.",
            "I don't agree with this bill, the total is incorrect.",
        ),
        "fr": (
            "Le montant est faux, on nous a trop facturé.",
            "Je conteste cette facture, le total n'est pas correct.",
        ),
        "es": (
            "El importe está mal, nos cobraron de más.",
            "No estoy de acuerdo con esta factura, el total es incorrecto.",
        ),
    },
    "hardship": {
        "en": (
            "I lost my job last month and I'm struggling to pay rent.",
            "I'm going through a very hard time, I have no income at the moment.",
        ),
        "fr": (
            "J'ai perdu mon emploi le mois dernier, je n'arrive plus à payer mes factures.",
            "Je traverse une période très difficile, je n'ai plus de revenus.",
        ),
        "es": (
            "Perdí mi trabajo el mes pasado y no llego a fin de mes.",
            "Estoy pasando por un momento muy difícil, no tengo ingresos.",
        ),
    },
    "promise": {
        "en": ("I'll pay it next week.", "I will send the money on Friday, promise."),
        "fr": ("Je paierai la semaine prochaine.", "Je vous envoie le paiement vendredi."),
        "es": ("Lo pagaré la semana que viene.", "Le mando el pago el viernes."),
    },
    "abuse": {
        "en": ("Stop harassing me, leave me alone!", "Enough of these messages, get lost."),
        "fr": ("Arrêtez de me harceler, fichez-moi la paix !",),
        "es": ("¡Dejen de acosarme, déjenme en paz!",),
    },
    "stop": {"en": ("STOP",), "fr": ("STOP",), "es": ("STOP",)},
}

KINDS: Final = tuple(PHRASES)


def phrase(kind: str, lang: str, rng: random.Random, *, amount: str = "",
           code: str = "") -> str:  # fmt: skip
    """One phrasing of ``kind`` in ``lang`` (English when the language is not written here)."""
    try:
        options = PHRASES[kind]
    except KeyError:
        raise ValueError(f"unknown reply kind {kind!r}; expected one of {KINDS}") from None
    texts = options.get(lang) or options["en"]
    return rng.choice(texts).format(amount=amount, code=code)
