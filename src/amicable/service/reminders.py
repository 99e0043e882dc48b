"""The runtime's written reminders: the text the agent loop sends when the planner chooses a
contact (``email`` / ``sms`` / ``whatsapp``, a ``payment_link``, a ``plan_offer``, a
``final_notice`` for approval), in English, French and Spanish, three tones.

These are approved templates, not generated text: :func:`reminder` fills them with the account's
own facts and appends the disclosures the content rules require — the mini-Miranda on a third
party's first consumer contact (with the validation information in a first email), the
"from a debt collector" line on later ones, and an opt-out instruction on every electronic
message. ``tests/unit/runtime/test_reminders.py`` runs :func:`amicable.compliance.check_content`
over every template, language, channel and tone.

Invariants: pure; no amount is written that is not the account's open balance; the text never
threatens, never sets a deadline, never names a lawyer.

:func:`plan_message` is the same for a payment plan being serviced (``plan_reminder`` before or,
inside grace, after a due date; ``retry_link`` after a missed installment; ``renegotiation_offer``
when a renegotiation is allowed): it states the installment's amount and due date formatted for
the language (``1,712.12 USD`` / ``March 31, 2026``, ``1 712,12 USD`` / ``31 mars 2026``,
``1.712,12 USD`` / ``31 de marzo de 2026``), the payment link and creditor reference if any, the
same disclosures and the opt-out. The only amount written is what is left of the installment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

__all__ = ["LANGUAGES", "PLAN_KINDS", "Reminder", "format_amount", "format_date", "plan_message",
           "reminder"]  # fmt: skip

LANGUAGES: Final = ("en", "fr", "es")

_SUBJECT: Final = {
    "en": "Your account with {creditor}",
    "fr": "Votre compte chez {creditor}",
    "es": "Su cuenta con {creditor}",
}


def account_subject(lang: str, creditor: str) -> str:
    """The subject of an e-mail about the account (``en`` when ``lang`` has no wording)."""
    return _SUBJECT.get(lang, _SUBJECT["en"]).format(creditor=creditor)


_OPENING: Final = {
    "en": {
        1: "Hello {name}, this is a friendly reminder from {creditor}: {balance} is past due "
        "on {invoices}.",
        2: "Hello {name}, our records show {balance} past due on {invoices}, {days} days after "
        "the due date.",
        3: "Hello {name}, {balance} remains unpaid on {invoices}, now {days} days past due. "
        "Please contact us so we can settle it together.",
    },
    "fr": {
        1: "Bonjour {name}, petit rappel de {creditor} : {balance} reste à régler sur {invoices}.",
        2: "Bonjour {name}, selon nos registres, {balance} reste à régler sur {invoices}, "
        "{days} jours après l'échéance.",
        3: "Bonjour {name}, {balance} reste impayé sur {invoices}, depuis {days} jours. "
        "Contactez-nous pour que nous trouvions une solution ensemble.",
    },
    "es": {
        1: "Hola {name}, le recordamos de parte de {creditor} que {balance} está pendiente "
        "en {invoices}.",
        2: "Hola {name}, según nuestros registros {balance} está pendiente en {invoices}, "
        "{days} días después del vencimiento.",
        3: "Hola {name}, {balance} sigue sin pagar en {invoices}, con {days} días de atraso. "
        "Contáctenos para resolverlo juntos.",
    },
}
_ACTION: Final = {
    "en": {
        "remind": "You can pay here: {link}. If you have already paid, reply with the date and "
        "reference and we will check it.",
        "payment_link": "Paying takes one step: {link}",
        "plan_offer": "You can pay here: {link}. If paying everything at once is difficult, "
        "reply and we can agree a payment plan.",
        "final_notice": "This is our last reminder before we review the account with our "
        "team. You can pay here: {link}, or reply to agree a payment plan.",
    },
    "fr": {
        "remind": "Vous pouvez payer ici : {link}. Si vous avez déjà payé, répondez avec la date "
        "et la référence et nous vérifierons.",
        "payment_link": "Payer se fait en une étape : {link}",
        "plan_offer": "Vous pouvez payer ici : {link}. Si tout payer en une fois est difficile, "
        "répondez-nous et nous conviendrons d'un échéancier.",
        "final_notice": "Ceci est notre dernier rappel avant que notre équipe n'examine le "
        "compte. Vous pouvez payer ici : {link}, ou répondre pour convenir d'un échéancier.",
    },
    "es": {
        "remind": "Puede pagar aquí: {link}. Si ya pagó, responda con la fecha y la referencia "
        "y lo comprobaremos.",
        "payment_link": "Pagar es un solo paso: {link}",
        "plan_offer": "Puede pagar aquí: {link}. Si le resulta difícil pagar todo de una vez, "
        "responda y acordaremos un plan de pagos.",
        "final_notice": "Este es nuestro último recordatorio antes de que nuestro equipo revise "
        "la cuenta. Puede pagar aquí: {link}, o responder para acordar un plan de pagos.",
    },
}
_MINI_MIRANDA: Final = {
    "en": "This is a debt collector. This is an attempt to collect a debt and any information "
    "obtained will be used for that purpose.",
    "fr": "Ce message provient d'un agent de recouvrement qui cherche à recouvrer une créance ; "
    "toute information obtenue sera utilisée à cette fin.",
    "es": "Este mensaje es de un cobrador de deudas. Es un intento de cobrar una deuda y "
    "cualquier información obtenida será utilizada para ese fin.",
}
_FROM_COLLECTOR: Final = {
    "en": "This message is from a debt collector.",
    "fr": "Ce message provient d'un agent de recouvrement.",
    "es": "Este mensaje es de un cobrador de deudas.",
}
_VALIDATION: Final = {
    "en": "You have the right to dispute all or part of this debt. The original creditor is "
    "{creditor}. Learn more about your rights at www.cfpb.gov/debt-collection.",
    "fr": "Vous avez le droit de contester tout ou partie de cette créance. Le créancier "
    "d'origine est {creditor}. Vos droits : www.cfpb.gov/debt-collection.",
    "es": "Usted tiene derecho a disputar toda o parte de esta deuda. El acreedor original es "
    "{creditor}. Conozca sus derechos en www.cfpb.gov/debt-collection.",
}
_OPT_OUT: Final = {
    "sms": {
        "en": "Reply STOP to opt out.",
        "fr": "Répondez STOP pour ne plus recevoir ces messages.",
        "es": "Responda STOP para dejar de recibir estos mensajes.",
    },
    "email": {
        "en": "To unsubscribe from these emails, reply STOP.",
        "fr": "Pour vous désabonner de ces e-mails, répondez STOP.",
        "es": "Para darse de baja de estos correos, responda STOP.",
    },
}
_INVOICES: Final = {"en": "invoice {n}", "fr": "la facture {n}", "es": "la factura {n}"}
_MORE: Final = {"en": " and {k} more", "fr": " et {k} autre(s)", "es": " y {k} más"}


@dataclass(frozen=True, slots=True)
class Reminder:
    """A filled reminder: ``subject`` (emails only), ``text`` and its language."""

    subject: str | None
    text: str
    lang: str


def reminder(
    *,
    action: str,
    channel: str,
    lang: str,
    tone: int,
    name: str,
    creditor: str,
    balance: Money,
    invoices: tuple[str, ...],
    days_past_due: int,
    link: str,
    third_party: bool = False,
    consumer: bool = False,
    first_communication: bool = False,
) -> Reminder:
    """The reminder for ``action`` on ``channel`` (see the module docstring).

    ``action`` is the planner's action: ``email`` / ``sms`` / ``whatsapp`` (a plain reminder),
    ``payment_link``, ``plan_offer`` or ``final_notice``. An unknown language falls back to
    English (the account's language is not always one we have templates for).
    """
    if channel not in ("email", "sms", "whatsapp"):
        raise InvalidInput(f"no written reminder for channel {channel!r}")
    if not invoices:
        raise InvalidInput("a reminder needs at least one open invoice")
    lang = lang if lang in LANGUAGES else "en"
    kind = action if action in ("payment_link", "plan_offer", "final_notice") else "remind"
    shown = _INVOICES[lang].format(n=", ".join(invoices[:3]))
    if len(invoices) > 3:
        shown += _MORE[lang].format(k=len(invoices) - 3)
    facts = {
        "name": name,
        "creditor": creditor,
        "balance": f"{balance.amount_str()} {balance.code}",
        "invoices": shown,
        "days": max(days_past_due, 0),
        "link": link,
    }
    parts = [
        _OPENING[lang][max(1, min(3, tone))].format(**facts),
        _ACTION[lang][kind].format(**facts),
    ]
    if third_party and consumer:
        if first_communication:
            parts.append(_MINI_MIRANDA[lang])
            if channel == "email":
                parts.append(_VALIDATION[lang].format(**facts))
        else:
            parts.append(_FROM_COLLECTOR[lang])
    parts.append(_OPT_OUT["email" if channel == "email" else "sms"][lang])
    subject = _SUBJECT[lang].format(**facts) if channel == "email" else None
    return Reminder(subject, " ".join(parts), lang)


# -- plan servicing messages ---------------------------------------------------------------------

#: The servicing intents that have a written message (``service.payments.OutboundIntent.kind``):
#: a plan's, and the reminder of a promise to pay (its parts numbered like installments).
PLAN_KINDS: Final = ("plan_reminder", "retry_link", "renegotiation_offer", "promise_reminder")

_MONTHS: Final = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}  # fmt: skip
#: (thousands separator, decimal mark) per language; French groups with a no-break space.
_SEPARATORS: Final = {"en": (",", "."), "fr": ("\u00a0", ","), "es": (".", ",")}

_PLAN_SUBJECT: Final = {
    "en": "Your payment plan with {creditor}",
    "fr": "Votre échéancier chez {creditor}",
    "es": "Su plan de pagos con {creditor}",
}
_PROMISE_SUBJECT: Final = {
    "en": "Your payment to {creditor}",
    "fr": "Votre paiement à {creditor}",
    "es": "Su pago a {creditor}",
}
_PLAN_OPENING: Final = {
    "en": {
        "before": "Hello {name}, a reminder from {creditor}: installment {number} of your "
        "payment plan, {amount}, is due on {due}.",
        "after": "Hello {name}, a reminder from {creditor}: installment {number} of your payment "
        "plan, {amount}, was due on {due} and we have not received it yet.",
        "retry_link": "Hello {name}, installment {number} of your payment plan with {creditor}, "
        "{amount}, due on {due}, has not been received.",
        "renegotiation_offer": "Hello {name}, installment {number} of your payment plan with "
        "{creditor}, {amount}, due on {due}, has not been received.",
        "promise_reminder": "Hello {name}, a reminder from {creditor}: the payment of {amount} "
        "you agreed to make is due on {due}.",
    },
    "fr": {
        "before": "Bonjour {name}, petit rappel de {creditor} : l'échéance {number} de votre "
        "échéancier, {amount}, est prévue le {due}.",
        "after": "Bonjour {name}, petit rappel de {creditor} : l'échéance {number} de votre "
        "échéancier, {amount}, était prévue le {due} et nous ne l'avons pas encore reçue.",
        "retry_link": "Bonjour {name}, l'échéance {number} de votre échéancier chez {creditor}, "
        "{amount}, prévue le {due}, n'a pas été reçue.",
        "renegotiation_offer": "Bonjour {name}, l'échéance {number} de votre échéancier chez "
        "{creditor}, {amount}, prévue le {due}, n'a pas été reçue.",
        "promise_reminder": "Bonjour {name}, petit rappel de {creditor} : le paiement de "
        "{amount} convenu avec vous est prévu le {due}.",
    },
    "es": {
        "before": "Hola {name}, le recordamos de parte de {creditor} que la cuota {number} de su "
        "plan de pagos, {amount}, vence el {due}.",
        "after": "Hola {name}, le recordamos de parte de {creditor} que la cuota {number} de su "
        "plan de pagos, {amount}, venció el {due} y aún no la hemos recibido.",
        "retry_link": "Hola {name}, no hemos recibido la cuota {number} de su plan de pagos con "
        "{creditor}, {amount}, que vencía el {due}.",
        "renegotiation_offer": "Hola {name}, no hemos recibido la cuota {number} de su plan de "
        "pagos con {creditor}, {amount}, que vencía el {due}.",
        "promise_reminder": "Hola {name}, le recordamos de parte de {creditor} que el pago de "
        "{amount} que acordó vence el {due}.",
    },
}
_PLAN_ACTION: Final = {
    "en": {
        "pay": "You can pay here: {link}. If you have already paid, thank you, and please "
        "ignore this message.",
        "retry_link": "Here is a new link to pay it: {link}. If you have already paid, reply "
        "with the date and reference and we will check it.",
        "renegotiation_offer": "Here is a new link to pay it: {link}. If the plan no longer "
        "suits you, reply and we can look at a new schedule together.",
        "renegotiate": "If the plan no longer suits you, reply and we can look at a new schedule "
        "together.",
        "reference": "For a bank transfer, please quote the reference {reference}.",
    },
    "fr": {
        "pay": "Vous pouvez payer ici : {link}. Si vous avez déjà payé, merci, et ne tenez pas "
        "compte de ce message.",
        "retry_link": "Voici un nouveau lien pour la régler : {link}. Si vous avez déjà payé, "
        "répondez avec la date et la référence et nous vérifierons.",
        "renegotiation_offer": "Voici un nouveau lien pour la régler : {link}. Si l'échéancier ne "
        "vous convient plus, répondez-nous et nous étudierons ensemble un nouveau calendrier.",
        "renegotiate": "Si l'échéancier ne vous convient plus, répondez-nous et nous étudierons "
        "ensemble un nouveau calendrier.",
        "reference": "Pour un virement, indiquez la référence {reference}.",
    },
    "es": {
        "pay": "Puede pagar aquí: {link}. Si ya pagó, gracias, y no tenga en cuenta este mensaje.",
        "retry_link": "Aquí tiene un nuevo enlace para pagarla: {link}. Si ya pagó, responda con "
        "la fecha y la referencia y lo comprobaremos.",
        "renegotiation_offer": "Aquí tiene un nuevo enlace para pagarla: {link}. Si el plan ya no "
        "le conviene, responda y veremos juntos un nuevo calendario.",
        "renegotiate": "Si el plan ya no le conviene, responda y veremos juntos un nuevo "
        "calendario.",
        "reference": "Para una transferencia, indique la referencia {reference}.",
    },
}


def format_date(day: date, lang: str) -> str:
    """``day`` as the language writes it (English when the language has no template)."""
    lang = lang if lang in LANGUAGES else "en"
    month = _MONTHS[lang][day.month - 1]
    if lang == "en":
        return f"{month} {day.day}, {day.year}"
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} de {month} de {day.year}"


def format_amount(amount: Money, lang: str) -> str:
    """``amount`` with the language's digit grouping and decimal mark, then its currency code."""
    lang = lang if lang in LANGUAGES else "en"
    group, mark = _SEPARATORS[lang]
    text = amount.amount_str()
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", group)
    return f"{sign}{grouped}{mark + frac if frac else ''} {amount.code}"


def plan_message(
    *,
    kind: str,
    channel: str,
    lang: str,
    name: str,
    creditor: str,
    installment: int,
    amount: Money,
    due_date: date,
    overdue: bool = False,
    renegotiable: bool = False,
    link: str | None = None,
    reference: str | None = None,
    third_party: bool = False,
    consumer: bool = False,
    first_communication: bool = False,
) -> Reminder:
    """The message of a plan servicing intent ``kind`` (one of :data:`PLAN_KINDS`) on ``channel``.

    ``amount`` is what is left of installment ``installment`` (of a promise: of its part) due on
    ``due_date``; ``overdue``
    says a ``plan_reminder`` is sent after the due date (inside grace); ``renegotiable`` adds to a
    ``retry_link`` the invitation to ask for a new schedule (a renegotiation is offered for the
    same miss). Without a ``link`` the message says how to pay by transfer with the ``reference``.
    """
    if kind not in PLAN_KINDS:
        raise InvalidInput(f"no plan message for {kind!r}; known: {', '.join(PLAN_KINDS)}")
    if channel not in ("email", "sms", "whatsapp"):
        raise InvalidInput(f"no written plan message for channel {channel!r}")
    if not amount.is_positive():
        raise InvalidInput(f"a plan message needs a positive amount, got {amount}")
    if link is None and reference is None:
        raise InvalidInput("a plan message needs a payment link or a creditor reference")
    lang = lang if lang in LANGUAGES else "en"
    facts = {
        "name": name,
        "creditor": creditor,
        "number": installment,
        "amount": format_amount(amount, lang),
        "due": format_date(due_date, lang),
        "link": link,
        "reference": reference,
    }
    opening = kind if kind != "plan_reminder" else ("after" if overdue else "before")
    parts = [_PLAN_OPENING[lang][opening].format(**facts)]
    if link is not None:
        action = kind if kind not in ("plan_reminder", "promise_reminder") else "pay"
        parts.append(_PLAN_ACTION[lang][action].format(**facts))
    if renegotiable and kind == "retry_link":
        parts.append(_PLAN_ACTION[lang]["renegotiate"])
    if reference is not None:
        parts.append(_PLAN_ACTION[lang]["reference"].format(**facts))
    if third_party and consumer:
        if first_communication:
            parts.append(_MINI_MIRANDA[lang])
            if channel == "email":
                parts.append(_VALIDATION[lang].format(**facts))
        else:
            parts.append(_FROM_COLLECTOR[lang])
    parts.append(_OPT_OUT["email" if channel == "email" else "sms"][lang])
    subjects = _PROMISE_SUBJECT if kind == "promise_reminder" else _PLAN_SUBJECT
    subject = subjects[lang].format(**facts) if channel == "email" else None
    return Reminder(subject, " ".join(parts), lang)
