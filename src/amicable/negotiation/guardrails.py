"""Guardrails: a debtor's message is data, never instructions; every outbound text is checked.

* :func:`manipulation` recognises messages that try to instruct the agent ("ignore your rules",
  a claimed supervisor approval, a claimed prior agreement). The dialogue then treats the message
  as a request for terms, which the policy gate judges like any other.
* :func:`vet` runs the compliance content checker on an outbound text (disclosures, opt-out,
  prohibited language, amounts that differ from the account). Before identity verification the
  debt-collector disclosure checks are not applicable (nothing about the debt may be said yet).
* :func:`guarded_phrasing` lets a language model rephrase the *free* parts of a reply, and keeps
  its text only when, checked mechanically, every amount and date in it is one of the template's
  (same values, same order, nothing added or dropped), it adds no percentage, discount, weekday or
  month word, no consequence (legal action, credit reporting, seizure), and the whole reply —
  with the regulated parts appended verbatim — still passes the content checker. Otherwise the
  template reply is sent.

Invariants: pure functions of their arguments except :func:`guarded_phrasing`, which calls the
phrasing port it is given and treats any failure of it as "use the template".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from amicable.compliance.content import CONTENT_CHECKS, ContentFacts, check_content
from amicable.compliance.model import ELECTRONIC_CHANNELS, Violation
from amicable.domain.money import Money
from amicable.negotiation.replies import format_day, format_money
from amicable.negotiation.states import ConversationState, DialogueContext, Part
from amicable.policy.offer import Offer

__all__ = [
    "ALWAYS_HONOURED",
    "ELECTRONIC",
    "PhrasedReply",
    "Phraser",
    "check_model_text",
    "content_facts",
    "guarded_phrasing",
    "manipulation",
    "reply_terms",
    "vet",
]

ELECTRONIC: Final = ELECTRONIC_CHANNELS

#: Intents honoured even inside a manipulation attempt.
ALWAYS_HONOURED: Final = frozenset({"cease_contact", "opt_out_channel", "legal", "wrong_party"})

_MANIPULATION: Final = {
    "instruction_override": re.compile(
        r"ignore (all |your |the |previous |those )*(rules|instructions|policy|polic(y|ies)|limits)"
        r"|disregard (your|the|all) (rules|instructions|policy)|system prompt|you are now"
        r"|new instructions|developer mode|jailbreak"
        r"|ignore[sz]? (tes|vos|les) (règles|instructions)|oublie[sz]? (tes|vos) (règles|instructions)"
        r"|ignora (tus|sus|las) (reglas|instrucciones)|olvida (tus|sus) (reglas|instrucciones)",
        re.IGNORECASE,
    ),
    "claimed_authority": re.compile(
        r"(supervisor|manager|boss|director|ceo|your (company|boss|colleague))\b.{0,40}"
        r"\b(approv|authori[sz]|agreed|said|ok'?d|allowed)"
        r"|(superviseur|responsable|directeur|chef)\b.{0,40}\b(approuv|autoris|accept|dit)"
        r"|(supervisor|gerente|jefe|director)\b.{0,40}\b(aprob|autoriz|acept|dijo)",
        re.IGNORECASE,
    ),
    "claimed_prior_agreement": re.compile(
        r"\b(we|you) (already )?(agreed|promised|settled|had a deal|made a deal)"
        r"|\b(previous|prior|earlier|last) (agreement|deal)|as agreed"
        r"|\b(nous avons|vous avez|on a) (déjà )?(convenu|accepté|conclu)|comme convenu"
        r"|\b(ya )?(acordamos|quedamos en|aceptaron|aceptó)|como (acordamos|quedamos)",
        re.IGNORECASE,
    ),
}


def manipulation(text: str) -> tuple[str, ...]:
    """Codes of the instruction-like patterns in a debtor's message (empty: none)."""
    return tuple(code for code, rx in _MANIPULATION.items() if rx.search(text))


def _amounts(ctx: DialogueContext, offers: Iterable[Offer | None]) -> tuple[Money, ...]:
    out: list[Money] = [ctx.debtor.balance]
    for inv in ctx.debtor.invoices:
        out += [inv.amount, inv.open_amount]
    if ctx.debtor.last_payment is not None:
        out.append(ctx.debtor.last_payment[1])
    if ctx.arrangement is not None:  # told to the debtor: its next payment and what is left
        out += [ctx.arrangement.next_amount, ctx.arrangement.left]
    for step in ctx.ladder:
        out += _offer_amounts(step.offer)
    for offer in offers:
        if offer is not None:
            out += _offer_amounts(offer)
    return tuple(out)


def _offer_amounts(offer: Offer) -> list[Money]:
    return [offer.total, offer.discount, *(p.amount for p in offer.payments)]


def content_facts(
    ctx: DialogueContext, state: ConversationState, offer: Offer | None = None
) -> ContentFacts:
    """What the content checker judges a reply of this conversation against."""
    return ContentFacts(
        third_party_collector=ctx.config.third_party_collector,
        consumer=ctx.debtor.consumer,
        amounts=_amounts(ctx, (offer, state.offer, state.pending, state.agreement)),
    )


def reply_terms(
    ctx: DialogueContext, state: ConversationState, offer: Offer | None = None
) -> tuple[str, ...]:
    """Every amount and date a reply of this conversation may state, formatted for its locale."""
    facts = content_facts(ctx, state, offer)
    amounts = {format_money(m, state.lang) for m in facts.amounts or ()}
    days = {ctx.today}
    for inv in ctx.debtor.invoices:
        days |= {inv.issue_date, inv.due_date}
    if ctx.debtor.last_payment is not None:
        days.add(ctx.debtor.last_payment[0])
    if ctx.arrangement is not None:
        days.add(ctx.arrangement.next_due)
    offers = [s.offer for s in ctx.ladder] + [offer, state.offer, state.pending, state.agreement]
    for o in offers:
        if o is not None:
            days |= {p.due_date for p in o.payments}
    return tuple(sorted(amounts | {format_day(d, state.lang) for d in days}))


_DISCLOSURE_CHECKS: Final = frozenset(
    {"mini_miranda", "debt_collector_disclosure", "validation_notice"}
)


def vet(
    text: str,
    *,
    lang: str,
    channel: str,
    verified: bool,
    first_communication: bool,
    facts: ContentFacts,
) -> tuple[Violation, ...]:
    """Content findings for an outbound ``text`` (empty: it may be sent)."""
    if not verified:
        # Before verification the text must not mention the debt at all, so the disclosure
        # rules (which would reveal it to a possibly wrong person) do not apply yet.
        checks = frozenset(CONTENT_CHECKS) - _DISCLOSURE_CHECKS
        facts = ContentFacts(
            third_party_collector=facts.third_party_collector,
            consumer=facts.consumer,
            amounts=facts.amounts,
            checks=checks,
        )
    return check_content(
        text, lang=lang, channel=channel, first_communication=first_communication, facts=facts
    )


# -- language-model phrasing ---------------------------------------------------------------------


class Phraser(Protocol):
    """Rephrases a draft reply in ``lang`` and ``tone``; returns ``None`` when it cannot."""

    def phrase(self, text: str, *, lang: str, tone: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PhrasedReply:
    """The text to send, where it came from (``template`` or ``model``) and why a model text
    was refused (empty when it was used or not asked)."""

    text: str
    source: str
    refused: tuple[str, ...] = ()


# Numbers as written in the three locales: 1,234.50 / 1 234,50 / 1.234,50 / 15 / 2027.
_NUMBER: Final = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_FORBIDDEN_WORDS: Final = re.compile(
    r"%|\bper ?cent|\bpour ?cent|\bpor ?ciento|\bdiscount|\boff\b|\bwaive|\bremise|\brabais"
    r"|\bdescuento|\brebaja|\bmonday|\btuesday|\bwednesday|\bthursday|\bfriday|\bsaturday|\bsunday"
    r"|\blundi|\bmardi|\bmercredi|\bjeudi|\bvendredi|\bsamedi|\bdimanche|\blunes|\bmartes"
    r"|\bmiércoles|\bjueves|\bviernes|\bsábado|\bdomingo|\btomorrow|\bdemain|\bmañana"
    r"|\bjanuary|\bfebruary|\bmarch\b|\bapril|\bmay\b|\bjune|\bjuly|\baugust|\bseptember"
    r"|\boctober|\bnovember|\bdecember|\bjanvier|\bfévrier|\bmars\b|\bavril|\bmai\b|\bjuin"
    r"|\bjuillet|\baoût|\bseptembre|\boctobre|\bnovembre|\bdécembre|\benero|\bfebrero|\bmarzo"
    r"|\babril|\bmayo|\bjunio|\bjulio|\bagosto|\bseptiembre|\boctubre|\bnoviembre|\bdiciembre",
    re.IGNORECASE,
)


# Consequences a model may not introduce: legal action, credit reporting, seizure, police. The
# content checker only refuses some of these (e.g. a suit on a time-barred debt); a reworded offer
# must never threaten anything the template does not say.
_CONSEQUENCE_WORDS: Final = re.compile(
    r"\bsue\b|\bsued\b|\bsuing\b|\blawsuit|\bcourt\b|\blegal\b|\blitigation|\battorney"
    r"|\blawyer|\bcredit (report|bureau|score|record)|\bgarnish|\bseiz|\brepossess|\bpolice"
    r"|\barrest|\bjail|\bprison|\bcollection agency|\bbailiff"
    r"|\bpoursui|\btribunal|\bjustice\b|\bjudiciaire|\bavocat|\bhuissier|\bsaisie|\bfichage"
    r"|\bgendarm|\bjuicio|\bdemanda|\bjudicial|\babogad|\bembargo|\bpolic[ií]a|\bc[aá]rcel"
    r"|\bbur[oó] de cr[eé]dito|\bjuzgado",
    re.IGNORECASE,
)


def _terms_in(text: str, terms: tuple[str, ...]) -> list[str]:
    """The template's terms (formatted amounts and dates) found in ``text``, in text order."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        for m in re.finditer(re.escape(term), text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), term))
    return [t for _, t in sorted(found)]


def _strip(text: str, terms: tuple[str, ...]) -> str:
    for term in sorted(set(terms), key=len, reverse=True):
        text = text.replace(term, " ")
    return text


def check_model_text(template: str, model: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """Why a model's rephrasing of ``template`` may not be sent (empty: it may).

    ``terms`` are the exact amount and date strings the template states.
    """
    problems: list[str] = []
    if _terms_in(model, terms) != _terms_in(template, terms):
        problems.append("terms_changed")
    rest_model = _strip(model, terms)
    rest_template = _strip(template, terms)
    extra = set(_NUMBER.findall(rest_model)) - set(_NUMBER.findall(rest_template))
    if extra:
        problems.append("numbers_added:" + ",".join(sorted(extra)))
    words = {w.lower() for w in _FORBIDDEN_WORDS.findall(rest_model)} - {
        w.lower() for w in _FORBIDDEN_WORDS.findall(rest_template)
    }
    if words:
        problems.append("terms_words_added:" + ",".join(sorted(words)))
    threats = {m.group(0).lower() for m in _CONSEQUENCE_WORDS.finditer(rest_model)} - {
        m.group(0).lower() for m in _CONSEQUENCE_WORDS.finditer(rest_template)
    }
    if threats:
        problems.append("consequence_added:" + ",".join(sorted(threats)))
    return tuple(problems)


def guarded_phrasing(
    parts: tuple[Part, ...],
    phraser: Phraser | None,
    *,
    lang: str,
    tone: str,
    channel: str,
    verified: bool,
    first_communication: bool,
    facts: ContentFacts,
    terms: tuple[str, ...],
) -> PhrasedReply:
    """The reply for ``parts``: the model's phrasing of the free parts when it passes every
    check, else the template text (regulated parts are always verbatim, in their place)."""
    template = " ".join(p.text for p in parts)
    free = " ".join(p.text for p in parts if p.free)
    if phraser is None or not free:
        return PhrasedReply(template, "template")
    try:
        model = phraser.phrase(free, lang=lang, tone=tone)
    except Exception as exc:  # any failure of the optional model means: use the template
        return PhrasedReply(template, "template", (f"model_failed:{type(exc).__name__}",))
    if not model or not model.strip():
        return PhrasedReply(template, "template", ("model_empty",))
    model = " ".join(model.split())
    problems = list(check_model_text(free, model, terms))
    # Rebuild the reply: the model's text where the free parts were, regulated parts verbatim.
    out: list[str] = []
    placed = False
    for p in parts:
        if p.free:
            if not placed:
                out.append(model)
                placed = True
        else:
            out.append(p.text)
    text = " ".join(out)
    findings = vet(
        text,
        lang=lang,
        channel=channel,
        verified=verified,
        first_communication=first_communication,
        facts=facts,
    )
    problems += [f"content:{v.rule}" for v in findings]
    if problems:
        return PhrasedReply(template, "template", tuple(problems))
    return PhrasedReply(text, "model")
