"""The state of one negotiation conversation, the facts a turn is decided on, and the turn itself.

Everything here is an immutable value (frozen, slotted dataclasses; tuples, never lists):

* :class:`ConversationState` — where a conversation stands (its :class:`State`, identity checks,
  the offer on the table, the terms awaiting confirmation, counters). It round-trips through JSON
  (:meth:`ConversationState.to_json` / :meth:`ConversationState.from_json`) so that it can be
  persisted and resumed on any channel.
* :class:`DialogueContext` — what the dialogue may rely on for one turn: the debtor's facts, the
  policy's offer space and concession ladder, the configuration, ``now`` and ``today``. The caller
  builds it; the dialogue never looks anything up and never reads the clock.
* :class:`Turn` — what one step decided: the new state, the reply (``None`` when the agent must
  stay silent), the offer made, the agreement and promise recorded, the escalation, the content
  checker's findings on the reply (always empty for a sent reply).

Invariants
----------
* ``State`` values are the wire names of the ``chat --jsonl`` contract.
* A conversation whose state is terminal (:data:`ENDED_STATES`) never negotiates again.
* Amounts are :class:`~amicable.domain.money.Money`; business dates are ``date``; ``now`` is aware
  UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from amicable.compliance.model import Violation
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.evaluate import OfferSpace
from amicable.policy.gate import GateDecision
from amicable.policy.model import Frequency
from amicable.policy.offer import Offer, Payment
from amicable.policy.report import offer_json, parse_offer
from amicable.policy.schedule import business_calendar

__all__ = [
    "ENDED_STATES",
    "RESTARTABLE_STATES",
    "TONES",
    "Agreement",
    "Arrangement",
    "ConversationState",
    "DebtorFacts",
    "DialogueConfig",
    "DialogueContext",
    "Escalation",
    "EscalationReason",
    "InvoiceFact",
    "LadderStep",
    "Part",
    "Promise",
    "State",
    "Turn",
    "offer_from_json",
    "offer_to_json",
    "terms_for_today",
]

TONES = ("friendly", "neutral", "firm")


class State(StrEnum):
    """Where a conversation stands."""

    VERIFYING = "verifying"  # identity not yet established: nothing about the debt is said
    NEGOTIATING = "negotiating"  # verified and disclosed; an offer is on the table
    CONFIRMING = "confirming"  # final terms read back; waiting for the debtor's explicit yes
    AGREED = "agreed"  # agreement and promise recorded, payment link sent (terminal)
    ESCALATED = "escalated"  # a person owns the case; the agent does not negotiate (terminal)
    LOCKED_OUT = "locked_out"  # identity checks failed too often (terminal, escalated)
    WRONG_PARTY = "wrong_party"  # the person is not the debtor (terminal, nothing disclosed)
    CEASED = "ceased"  # cease or opt-out honoured: the agent stays silent (terminal)
    PAUSED = "paused"  # the debtor asked to be contacted later (terminal for this conversation)


ENDED_STATES = frozenset(
    {
        State.AGREED,
        State.ESCALATED,
        State.LOCKED_OUT,
        State.WRONG_PARTY,
        State.CEASED,
        State.PAUSED,
    }
)

# How an ended conversation takes a new inbound message. After an agreement, a pause ("call me
# later") or a wrong party, the next message starts a NEW conversation (verifying identity again:
# nothing is disclosed on the strength of the old one). After a cease or opt-out the conversation
# stays ended and the message is only recorded (no reply); while escalated or locked out a person
# owns the case, so the message is recorded there and the reply says so.
RESTARTABLE_STATES = frozenset({State.AGREED, State.PAUSED, State.WRONG_PARTY})


class EscalationReason(StrEnum):
    """Why a case goes to the human queue."""

    HARDSHIP = "hardship"
    LEGAL = "legal"
    IDENTITY_DOUBT = "identity_doubt"
    DISPUTE = "dispute"
    HIGH_VALUE = "high_value"
    OUT_OF_POLICY = "out_of_policy"
    ABUSE = "abuse"
    HUMAN_REQUESTED = "human_requested"
    NO_PROGRESS = "no_progress"
    POLICY_ACTION = "policy_action"  # the policy's segment says hold or escalate
    #: the debtor asks to change a payment plan or promise already in force (or one was made
    #: meanwhile): new terms never run beside it, a person decides
    ARRANGEMENT_CHANGE = "arrangement_change"


@dataclass(frozen=True, slots=True)
class Escalation:
    """A hand-over to a person: machine-readable ``reason`` and a human ``summary``."""

    reason: EscalationReason
    summary: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason.value, "summary": self.summary}


def offer_to_json(offer: Offer) -> dict[str, Any]:
    """The policy engine's OFFER wire shape, plus the plan frequency (so it round-trips)."""
    out = offer_json(offer, requires_approval=False)
    out["frequency"] = offer.frequency.value if offer.frequency is not None else None
    return out


def offer_from_json(data: object, currency: str) -> Offer:
    """Inverse of :func:`offer_to_json` (validated by the policy engine's offer parser)."""
    return parse_offer(data, currency)


def terms_for_today(offer: Offer, space: OfferSpace, today: date) -> Offer:
    """``offer``, proposed earlier, as it can be put to the debtor on ``today``: unchanged while
    its first payment is still to come; otherwise every payment date moves by the fewest whole
    weeks that put the first one after ``today`` (weekdays stay what they were) and a date that
    lands on a public holiday of the account's calendar moves to the next business day (between
    the dates around it). Amounts, count and frequency are unchanged."""
    if offer.first_due > today:
        return offer
    shift = timedelta(days=7 * ((today - offer.first_due).days // 7 + 1))
    cal = business_calendar(space.country, space.region)
    dates = [p.due_date + shift for p in offer.payments]
    moved: list[Payment] = []
    for k, (day, p) in enumerate(zip(dates, offer.payments, strict=True)):
        earliest = moved[-1].due_date + timedelta(days=1) if moved else today + timedelta(days=1)
        latest = dates[k + 1] - timedelta(days=1) if k + 1 < len(dates) else day + timedelta(days=6)
        moved.append(Payment(cal.adjust(day, earliest=earliest, latest=latest) or day, p.amount))
    return replace(offer, payments=tuple(moved))


@dataclass(frozen=True, slots=True)
class ConversationState:
    """The persisted state of one conversation.

    Attributes:
        state: where the conversation stands.
        lang: ``en``, ``fr`` or ``es`` — the language the agent writes in.
        channel: ``sms``, ``email``, ``chat`` or ``whatsapp``.
        currency: the account currency (offers are in it).
        inbound: the debtor started the conversation.
        verified: identity established (only then is any debt detail disclosed).
        id_attempts: failed identity answers so far.
        disclosed: the required disclosure (and the debt) has been stated.
        ladder_index: the concession-ladder step on the table.
        offer: the offer on the table, if any.
        pending: terms read back and awaiting the debtor's explicit confirmation.
        agreement: the agreed offer, once confirmed.
        turns: inbound messages handled.
        stalled: consecutive turns without progress.
        at_bound: times the debtor asked beyond the policy's bound.
        objections: objection intents already answered once (a repeat escalates).
        warned_abuse: an abusive message has been answered once.
        escalation: the hand-over, once escalated.
        proposal: terms the agent may not offer alone (they need a person's approval), put to
            the person with an ``out_of_policy`` escalation: the debtor's own ask when it was
            such terms, else the optimiser's best such offer.
        approved: terms a person approved (``queue approve``); the agent may read back and
            agree exactly these (their gate outcome is ``needs_approval``), nothing wider.
        arrangement: the key of the payment plan or promise in force that the debtor was told
            about when verified (``PL-…`` / ``PTP-…``): the agent offers no terms beside it.
    """

    state: State
    lang: str
    channel: str
    currency: str
    inbound: bool = False
    verified: bool = False
    id_attempts: int = 0
    disclosed: bool = False
    ladder_index: int = 0
    offer: Offer | None = None
    pending: Offer | None = None
    agreement: Offer | None = None
    turns: int = 0
    stalled: int = 0
    at_bound: int = 0
    objections: tuple[str, ...] = ()
    warned_abuse: bool = False
    escalation: Escalation | None = None
    proposal: Offer | None = None
    approved: Offer | None = None
    arrangement: str | None = None

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES

    def to_json(self) -> dict[str, Any]:
        def off(o: Offer | None) -> dict[str, Any] | None:
            return None if o is None else offer_to_json(o)

        return {
            "state": self.state.value,
            "lang": self.lang,
            "channel": self.channel,
            "currency": self.currency,
            "inbound": self.inbound,
            "verified": self.verified,
            "id_attempts": self.id_attempts,
            "disclosed": self.disclosed,
            "ladder_index": self.ladder_index,
            "offer": off(self.offer),
            "pending": off(self.pending),
            "agreement": off(self.agreement),
            "turns": self.turns,
            "stalled": self.stalled,
            "at_bound": self.at_bound,
            "objections": list(self.objections),
            "warned_abuse": self.warned_abuse,
            "escalation": None if self.escalation is None else self.escalation.to_json(),
            "proposal": off(self.proposal),
            "approved": off(self.approved),
            "arrangement": self.arrangement,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        """Rebuild a state saved by :meth:`to_json`; raises ``InvalidInput`` when it is damaged."""
        try:
            cur = str(data["currency"])

            def off(key: str) -> Offer | None:
                raw = data.get(key)
                return None if raw is None else offer_from_json(raw, cur)

            esc = data.get("escalation")
            return cls(
                state=State(data["state"]),
                lang=str(data["lang"]),
                channel=str(data["channel"]),
                currency=cur,
                inbound=bool(data["inbound"]),
                verified=bool(data["verified"]),
                id_attempts=int(data["id_attempts"]),
                disclosed=bool(data["disclosed"]),
                ladder_index=int(data["ladder_index"]),
                offer=off("offer"),
                pending=off("pending"),
                agreement=off("agreement"),
                turns=int(data["turns"]),
                stalled=int(data["stalled"]),
                at_bound=int(data["at_bound"]),
                objections=tuple(str(o) for o in data["objections"]),
                warned_abuse=bool(data["warned_abuse"]),
                escalation=None
                if esc is None
                else Escalation(EscalationReason(esc["reason"]), str(esc["summary"])),
                # absent in states saved before approvals came back to the debtor
                proposal=off("proposal"),
                approved=off("approved"),
                # absent in states saved before arrangements in force were told
                arrangement=None if data.get("arrangement") is None else str(data["arrangement"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"stored conversation state is damaged: {exc}") from exc


@dataclass(frozen=True, slots=True)
class InvoiceFact:
    """One open invoice as the debtor may be told about it."""

    number: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    """What the agent knows about the debtor and the debt (built by the service layer).

    ``identity_answer`` is the expected answer to the identity question (the postal code on file);
    ``None`` means the identity cannot be verified, so nothing is disclosed and the case escalates.
    """

    name: str
    reference: str
    balance: Money
    invoices: tuple[InvoiceFact, ...]
    identity_answer: str | None
    consumer: bool = False
    on_time_share: Decimal | None = None
    last_payment: tuple[date, Money] | None = None


@dataclass(frozen=True, slots=True)
class Arrangement:
    """A payment arrangement already in force on the account (built by the service layer): an
    active payment plan (``kind`` ``plan``) or an open promise to pay (``promise``), its ``key``,
    the next payment it expects (``next_due``, ``next_amount``: what is left of it) and what is
    left to pay under it (``left``). While one is in force the agent offers no other terms."""

    kind: str
    key: str
    next_due: date
    next_amount: Money
    left: Money


@dataclass(frozen=True, slots=True)
class LadderStep:
    """One offer of the policy engine's concession ladder and whether it needs a human's approval."""

    offer: Offer
    requires_approval: bool


@dataclass(frozen=True, slots=True)
class DialogueConfig:
    """Tunable behaviour (documented in ``docs/negotiation.md``).

    Attributes:
        creditor: the name the agent speaks for.
        tone: ``friendly``, ``neutral`` or ``firm``.
        third_party_collector: the agent collects for someone else (FDCPA disclosures apply).
        max_identity_attempts: failed identity answers before lockout.
        max_stalled_turns: turns without progress before escalation.
        high_value: balances strictly above this go to a person after verification.
        human_reply_days: business days within which a person follows up an escalation.
        reminder_days_before: the days before each due date on which the servicing sends a
            reminder (``0``: on the day; empty: none) — what the debtor is told and what the
            promise records.
        grace_days: days after a missed payment before the agreement counts as broken.
    """

    creditor: str = "Amicable Billing"
    tone: str = "neutral"
    third_party_collector: bool = False
    max_identity_attempts: int = 3
    max_stalled_turns: int = 4
    high_value: Money | None = None
    human_reply_days: int = 2
    reminder_days_before: tuple[int, ...] = (3, 1)
    grace_days: int = 5

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise InvalidInput(f"tone must be one of {TONES}, got {self.tone!r}")
        if self.max_identity_attempts < 1 or self.max_stalled_turns < 1:
            raise InvalidInput("identity attempts and stalled turns must be at least 1")
        if any(isinstance(d, bool) or not isinstance(d, int) or d < 0
               for d in self.reminder_days_before):  # fmt: skip
            raise InvalidInput(
                f"reminder days must be ints >= 0, got {self.reminder_days_before!r}"
            )


@dataclass(frozen=True, slots=True)
class DialogueContext:
    """Everything one turn is decided on. ``ladder`` is the optimiser's ladder, opening offer first."""

    now: datetime
    today: date
    debtor: DebtorFacts
    space: OfferSpace
    ladder: tuple[LadderStep, ...]
    config: DialogueConfig = field(default_factory=DialogueConfig)
    payment_link: str = ""
    #: The plan or promise in force, when the caller read it (see :class:`Arrangement`).
    arrangement: Arrangement | None = None

    @property
    def policy_version(self) -> str:
        return self.space.policy_version


@dataclass(frozen=True, slots=True)
class Agreement:
    """An accepted offer, the gate's decision on it and the policy version. The outcome is ``ok``,
    or ``needs_approval`` for exactly the terms a person approved (``ConversationState.approved``)."""

    offer: Offer
    gate: GateDecision
    policy_version: str


@dataclass(frozen=True, slots=True)
class Promise:
    """The debtor's promise to pay, captured with the agreement.

    ``payments`` are the promised (date, amount) pairs; ``reminders`` the days after the agreement
    on which the servicing reminds a payment (each of the configured days before each due date; a
    reminder that would fall today or earlier is not counted on).
    """

    total: Money
    payments: tuple[tuple[date, Money], ...]
    channel: str
    confirmed: bool
    failed_payment_rule: str
    reminders: tuple[date, ...]
    consequence: str


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a reply: the template ``key`` it came from and its rendered ``text``.

    ``free`` parts may be rephrased by a language model under the guardrails; the others
    (regulated wording) are sent verbatim.
    """

    key: str
    text: str
    free: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """The outcome of one step; see the module docstring."""

    state: ConversationState
    reply: str | None
    intents: tuple[str, ...] = ()
    offer: Offer | None = None
    agreement: Agreement | None = None
    promise: Promise | None = None
    escalation: Escalation | None = None
    reasons: tuple[str, ...] = ()
    content: tuple[Violation, ...] = ()
    first_communication: bool = False
    parts: tuple[Part, ...] = ()

    @property
    def ended(self) -> bool:
        return self.state.ended

    def to_json(self) -> dict[str, Any]:
        """One line of the ``amicable chat --jsonl`` contract."""
        return {
            "reply": self.reply,
            "state": self.state.state.value,
            "intents": list(self.intents),
            "offer": None
            if self.offer is None
            else offer_json(self.offer, requires_approval=False),
            "agreement": None
            if self.agreement is None
            else offer_json(self.agreement.offer, requires_approval=False),
            "escalation": None if self.escalation is None else self.escalation.to_json(),
            "ended": self.ended,
        }


def frequency_of(offer: Offer) -> Frequency | None:
    """The plan frequency, if any (a small helper for the reply templates)."""
    return offer.frequency
