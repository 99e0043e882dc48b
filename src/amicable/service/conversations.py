"""Conversation use cases: start a conversation and handle one inbound message, persisting
everything (state, messages with their content decision and where their text came from, offers
with the gate's outcome, agreement, promise, escalation) in one unit of work.

Invariants
----------
* The account is read through the public queries
  (:func:`~amicable.service.queries.account_for_turn`: what
  :func:`~amicable.service.queries.show_account` gives, in two statements) and turned into the
  policy's view only by :func:`~amicable.service.policies.policy_facts`; the policy is the one
  in force (:func:`~amicable.service.policies.policy_in_force`), so every offer
  and agreement names a stored policy version.
* A turn is persisted whole or not at all: state, messages and records are written in the unit
  of work and committed once — an agreement with what services it (a plan agreed becomes a
  servicing plan, any other terms an open promise to pay: :mod:`amicable.service.payments`).
* The NLU is the embedded backend unless another :class:`Understanding` is given; a phrasing model
  (optional) only rewords a decided reply under :func:`~amicable.negotiation.llm.phrase_turn`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Protocol

from amicable.domain.errors import Conflict, InvalidInput
from amicable.domain.money import Money
from amicable.domain.records import ConsentRecord
from amicable.negotiation.dialogue import open_conversation, resume_approved, step
from amicable.negotiation.guardrails import PhrasedReply, Phraser
from amicable.negotiation.llm import phrase_turn
from amicable.negotiation.nlu import EmbeddedUnderstanding, Understanding
from amicable.negotiation.states import (
    RESTARTABLE_STATES,
    Arrangement,
    ConversationState,
    DebtorFacts,
    DialogueConfig,
    DialogueContext,
    EscalationReason,
    InvoiceFact,
    LadderStep,
    State,
    Turn,
    offer_to_json,
    terms_for_today,
)
from amicable.policy.evaluate import OfferSpace, evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import Outcome, check
from amicable.policy.model import ServicingTerms
from amicable.policy.offer import OfferKind
from amicable.policy.optimise import optimise
from amicable.service import outcomes
from amicable.service.conversations_ports import ConversationsUnitOfWork, NewMessage
from amicable.service.payments import (
    AgreementOrigin,
    ensure_nothing_serviced,
    servicing_rules_of,
    set_up_plan,
    set_up_promise,
)
from amicable.service.policies import StoredPolicy, policy_facts, policy_in_force
from amicable.service.ports import UnitOfWork
from amicable.service.queries import account_for_turn, resolve_account
from amicable.service.queue import open_item
from amicable.servicing.plans import InstallmentStatus
from amicable.servicing.promises import PaymentFact, part_left

__all__ = [
    "LocalPortalLinks",
    "NothingOwedError",
    "PaymentLinks",
    "arrangement_in_force",
    "dialogue_context",
    "embedded_understanding",
    "handle_inbound",
    "latest_conversation",
    "record_stop",
    "resume_approved_terms",
    "start_conversation",
]


class NothingOwedError(InvalidInput):
    """The account owes nothing on the day of the turn: there is no debt to converse about (a
    message that arrives then is handled by :mod:`amicable.service.settled`)."""


class PaymentLinks(Protocol):
    """Makes the payment link given with an agreement."""

    def link_for(self, account: str, total: Money | None) -> str: ...


class LocalPortalLinks:
    """The embedded default: a URL of the local payment portal, with an opaque token."""

    def __init__(self, base_url: str = "http://localhost:8000") -> None:
        self._base = base_url.rstrip("/")

    def link_for(self, account: str, total: Money | None) -> str:
        token = hashlib.sha256(f"{account}:{total}".encode()).hexdigest()[:16]
        return f"{self._base}/pay/{account}?t={token}"


def dialogue_context(
    uow: ConversationsUnitOfWork,
    account_ref: str,
    today: date,
    *,
    config: DialogueConfig | None = None,
    links: PaymentLinks | None = None,
) -> tuple[DialogueContext, int, str | None]:
    """What a turn on ``account_ref`` is decided on, the customer id and the account language.

    Raises :class:`NothingOwedError` (an ``InvalidInput``) when the account owes nothing as of
    ``today``.
    """
    ctx, customer_id, lang, _ = _turn_context(uow, account_ref, today, config, links)
    return ctx, customer_id, lang


def _turn_context(
    uow: ConversationsUnitOfWork,
    account_ref: str,
    today: date,
    config: DialogueConfig | None,
    links: PaymentLinks | None,
) -> tuple[DialogueContext, int, str | None, StoredPolicy]:
    """:func:`dialogue_context` and the policy in force it was built on (whose servicing section
    services an agreement the turn makes)."""
    view = account_for_turn(uow, account_ref, today)
    ledger = view.facts
    pfacts = policy_facts(ledger)
    if pfacts is None or ledger.currency is None:
        raise NothingOwedError(f"account {account_ref!r} owes nothing as of {today}")
    stored = policy_in_force(uow)
    space, ladder = _offer_space(_Question(stored, pfacts, today))
    code = ledger.currency
    invoices = tuple(
        InvoiceFact(
            i.number,
            i.issue_date,
            i.due_date,
            Money.from_minor(i.amount_minor, i.currency),
            Money.from_minor(i.open_minor, i.currency),
            i.dispute_status == "open",
        )
        for i in view.invoices
        if i.currency == code and i.open_minor > 0
    )
    paid = [p for p in view.payments if p.currency == code]
    last = max(paid, key=lambda p: (p.received_on, p.reference), default=None)
    postal = view.postal_code
    debtor = DebtorFacts(
        name=ledger.name,
        reference=ledger.external_id,
        balance=pfacts.balance,
        invoices=invoices,
        identity_answer=(str(postal).strip() or None) if postal else None,
        consumer=ledger.customer_type == "consumer",
        on_time_share=ledger.payments.on_time_share,
        last_payment=None
        if last is None
        else (last.received_on, Money.from_minor(last.amount_minor, last.currency)),
    )
    ctx = DialogueContext(
        now=uow.now,
        today=today,
        debtor=debtor,
        space=space,
        ladder=ladder,
        config=_servicing_config(config, stored.policy.servicing),
        payment_link=(links or LocalPortalLinks()).link_for(ledger.external_id, pfacts.balance),
        # Read only when the account's ledger rows name one: almost every account has none.
        arrangement=(
            arrangement_in_force(uow, ledger.customer_id, today) if view.arrangements else None
        ),
    )
    lang = ledger.language if ledger.language in ("en", "fr", "es") else None
    return ctx, ledger.customer_id, lang, stored


def _servicing_config(config: DialogueConfig | None, servicing: ServicingTerms) -> DialogueConfig:
    """The caller's dialogue settings (tone, creditor, …; default: the dialogue's defaults) with
    what the debtor is told of the servicing — the grace before a missed payment counts, the days
    before a due date a reminder goes out — always taken from the policy's servicing section,
    which services the agreement afterwards (a caller's own figures would promise the debtor
    terms the servicing does not keep)."""
    return replace(
        config or DialogueConfig(),
        grace_days=servicing.grace_days,
        reminder_days_before=tuple(servicing.reminder_offsets_days),
    )


def arrangement_in_force(
    uow: ConversationsUnitOfWork, customer_id: int, today: date
) -> Arrangement | None:
    """The payment plan or promise to pay in force on the account, as the dialogue tells it (the
    next payment it expects, what is left of it and of the whole); the first active plan with an
    installment left, else the first open promise with a part left; ``None`` when there is none.
    No other terms are offered or agreed beside it."""
    for sp in uow.payments.plans(customer_id=customer_id, status="active"):
        plan = sp.plan
        for inst in plan.installments:
            if inst.status not in (InstallmentStatus.PAID, InstallmentStatus.WAIVED):
                return Arrangement(
                    "plan", plan.id, inst.due_date, inst.amount - inst.paid, plan.outstanding()
                )
    for open_promise in uow.payments.promises(customer_id=customer_id, status="open"):
        promise = open_promise.promise
        code = promise.currency
        received = uow.payments.received_since(customer_id, code.code, promise.made_on)
        facts = [PaymentFact(Money.from_minor(m, code), on) for on, m in received]
        left = [
            (part.on, part_left(promise, facts, today, n))
            for n, part in enumerate(promise.parts, start=1)
        ]
        owed = [(on, m) for on, m in left if m.is_positive()]
        if owed:
            total = Money.sum((m for _, m in owed), code)
            return Arrangement("promise", promise.id, owed[0][0], owed[0][1], total)
    return None


class _Question:
    """What a turn's offer space and ladder depend on: the policy in force, the account's policy
    facts and the day — compared by content, hashed cheaply.

    Equality is the policy's, the facts' and the day's own, so an answer is only ever reused for
    the same question. The hash leaves the policy's deep structure out (hashing it was ~20 us a
    turn, and the policy is a new, equal object every turn) and takes the stored version's text
    and id instead: equal policies come from equal stored versions, and should two texts ever
    parse to equal policies, the only cost is a second entry.
    """

    __slots__ = ("_hash", "facts", "policy", "today")

    def __init__(self, stored: StoredPolicy, facts: AccountFacts, today: date) -> None:
        self.policy = stored.policy
        self.facts = facts
        self.today = today
        self._hash = hash((stored.stored.yaml, stored.version_id, facts, today))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Question)
            and self.today == other.today
            and self.facts == other.facts
            and self.policy == other.policy
        )


@lru_cache(maxsize=1024)
def _offer_space(q: _Question) -> tuple[OfferSpace, tuple[LadderStep, ...]]:
    # evaluate and optimise are pure in (policy, facts, day), and every turn of a conversation
    # asks them the same question (~3 % of a turn went to answering it again).
    space = evaluate(q.policy, q.facts, as_of=q.today)
    result = optimise(q.policy, space, q.facts)
    return space, tuple(LadderStep(v.offer, v.requires_approval) for v in result.ladder)


def _persist(
    uow: ConversationsUnitOfWork,
    conv_id: int,
    customer_id: int,
    ctx: DialogueContext,
    turn: Turn,
    inbound_text: str | None,
    phrased: PhrasedReply,
    policy: StoredPolicy,
) -> None:
    repo = uow.conversations
    state = turn.state.state.value
    account = ctx.debtor.reference
    # ``source`` says where the sent text came from: ``template``, ``model``, or
    # ``model_refused`` (a model was asked but its text failed the guardrails, so the template
    # was sent). The content decision is the dialogue's (always empty for a sent reply).
    source = phrased.source
    if turn.reply is None:
        source = "silent"
    elif phrased.refused:
        source = "model_refused"
    content = [{"rule": v.rule, "message": v.message} for v in turn.content]
    reply = NewMessage("out", turn.reply, (), state, tuple(content), source)
    if inbound_text is None:
        (seq,) = repo.add_messages(conv_id, [reply])
    else:
        # The debtor's message and the reply in one statement.
        heard = NewMessage("in", inbound_text, tuple(turn.intents), state, (), "debtor")
        in_seq, seq = repo.add_messages(conv_id, [heard, reply])
        outcomes.message_recorded(
            uow, account=account, conversation_id=conv_id, seq=in_seq, direction="in",
            state=state, intents=turn.intents, content=(), source="debtor",
        )  # fmt: skip
    outcomes.message_recorded(
        uow, account=account, conversation_id=conv_id, seq=seq, direction="out", state=state,
        intents=(), content=content, source=source,
    )  # fmt: skip
    if turn.offer is not None:
        gate = check(ctx.space, turn.offer)
        offer = offer_to_json(turn.offer)
        repo.add_offer(conv_id, seq, offer, gate.outcome.value, ctx.policy_version)
        outcomes.offer_made(
            uow, account=account, conversation_id=conv_id, seq=seq, offer=offer,
            gate=gate.to_json(), policy_version=ctx.policy_version, state=state,
        )  # fmt: skip
    if turn.agreement is not None:
        a = turn.agreement
        agreed = offer_to_json(a.offer)
        agreement_id = repo.add_agreement(
            conv_id,
            customer_id,
            offer=agreed,
            gate=a.gate.to_json(),
            policy_version=a.policy_version,
            total_minor=a.offer.total.minor,
            currency=a.offer.total.code,
        )
        outcomes.agreement_made(
            uow, account=account, conversation_id=conv_id, agreement_id=agreement_id,
            offer=agreed, gate=a.gate.to_json(), policy_version=a.policy_version,
        )  # fmt: skip
        p = turn.promise
        if p is not None:
            repo.add_promise(
                conv_id,
                customer_id,
                agreement_id,
                total_minor=p.total.minor,
                currency=p.total.code,
                first_due=min(d for d, _ in p.payments),
                payments_json=json.dumps(
                    [{"due_date": d.isoformat(), "amount": m.amount_str()} for d, m in p.payments]
                ),
                channel=p.channel,
                confirmed=p.confirmed,
                failed_payment_rule=p.failed_payment_rule,
                reminders_json=json.dumps([d.isoformat() for d in p.reminders]),
                consequence=p.consequence,
            )
        # Serviced from this turn on: a plan becomes a servicing plan (installment reminders, a
        # missed installment's retry link and renegotiation, broken -> a person), anything else
        # a promise to pay (kept / partially kept / broken -> a person) — committed with the
        # agreement, so an agreement is never left without the servicing that follows it up.
        origin = AgreementOrigin(conv_id, agreement_id, agreed, a.policy_version)
        # Fail closed: never beside a plan or promise in force (the dialogue escalates instead;
        # this is the same check a person's terms pass, in the agreement's transaction).
        ensure_nothing_serviced(uow, customer_id, account)
        if a.offer.kind is OfferKind.PLAN:
            rules = servicing_rules_of(policy.stored)
            set_up_plan(
                uow, customer_id, account, a.offer, agreed_on=ctx.today, rules=rules,
                origin=origin,
            )  # fmt: skip
            if p is not None:
                outcomes.promise_made(
                    uow, account=account, promise=f"agreement:{agreement_id}", total=p.total,
                    payments=[(d.isoformat(), m.amount_str()) for d, m in p.payments],
                    channel=p.channel, confirmed=p.confirmed, source="conversation",
                )  # fmt: skip
        else:
            payments = (
                p.payments
                if p is not None
                else tuple((x.due_date, x.amount) for x in a.offer.payments)
            )
            set_up_promise(
                uow, customer_id, account, payments,
                channel=p.channel if p is not None else turn.state.channel, made_on=ctx.today,
                confirmed=p.confirmed if p is not None else True,
                grace_days=ctx.config.grace_days, origin=origin,
            )  # fmt: skip
    if turn.escalation is not None:
        esc_id = repo.add_escalation(
            conv_id, customer_id, turn.escalation.reason.value, turn.escalation.summary
        )
        if turn.escalation.reason is EscalationReason.DISPUTE:
            outcomes.dispute_opened(
                uow, account=account, source="conversation", reason=turn.escalation.summary
            )
        # Into the human queue (one item per escalation), in the same transaction.
        open_item(
            uow, customer_id=customer_id, source="conversation", source_id=esc_id,
            source_ref=f"conversation:{conv_id}", reason=turn.escalation.reason.value,
            summary=turn.escalation.summary,
        )  # fmt: skip


def start_conversation(
    uow: ConversationsUnitOfWork,
    account_ref: str,
    channel: str,
    *,
    today: date | None = None,
    lang: str | None = None,
    inbound: bool = False,
    config: DialogueConfig | None = None,
    links: PaymentLinks | None = None,
    phraser: Phraser | None = None,
) -> Turn:
    """Open a new conversation with the account on ``channel``; returns the agent's opening
    (a silent turn when ``inbound``: the debtor speaks first)."""
    with uow:
        day = today or uow.today
        ctx, customer_id, account_lang, policy = _turn_context(uow, account_ref, day, config, links)
        chosen = lang or account_lang or "en"
        _state, turn = open_conversation(ctx, channel=channel, lang=chosen, inbound=inbound)
        turn, phrased = phrase_turn(turn, ctx, phraser)
        conv_id = uow.conversations.start(customer_id, channel, chosen, turn.state.to_json())
        if turn.reply is not None or turn.escalation is not None:
            _persist(uow, conv_id, customer_id, ctx, turn, None, phrased, policy)
        uow.commit()
        return turn


def handle_inbound(
    uow: ConversationsUnitOfWork,
    account_ref: str,
    channel: str,
    text: str,
    *,
    today: date | None = None,
    nlu: Understanding | None = None,
    config: DialogueConfig | None = None,
    links: PaymentLinks | None = None,
    phraser: Phraser | None = None,
) -> Turn:
    """Handle one debtor message on the account's newest conversation on ``channel``:
    understand, step, phrase, persist, commit.

    A new inbound conversation is started when there is none, or when the newest one ended in
    an agreement, a pause or a wrong party (:data:`RESTARTABLE_STATES`). A ceased conversation
    stays ceased (the message is recorded, nothing is sent); an escalated or locked-out one stays
    with the person who owns it (the message is recorded, the reply says a person has the case).
    """
    with uow:
        day = today or uow.today
        ctx, customer_id, account_lang, policy = _turn_context(uow, account_ref, day, config, links)
        found = uow.conversations.latest_open(customer_id, channel)
        state = None
        if found is not None:
            conv_id, version, raw = found
            state = ConversationState.from_json(json.loads(raw))
            if state.state in RESTARTABLE_STATES:
                # Agreed, paused or wrong party: a new message is a new conversation (identity
                # is verified afresh). Ceased, escalated and locked-out ones stay as they are.
                state = None
        if state is None:
            state, _ = open_conversation(
                ctx, channel=channel, lang=account_lang or "en", inbound=True
            )
            conv_id = uow.conversations.start(customer_id, channel, state.lang, state.to_json())
            version = 1
        parse = (nlu or embedded_understanding()).parse(
            text, lang=state.lang, today=day, currency=ctx.debtor.balance.code
        )
        turn = step(state, parse, ctx, text=text)
        turn, phrased = phrase_turn(turn, ctx, phraser)
        uow.conversations.save(conv_id, version, turn.state.to_json())
        _persist(uow, conv_id, customer_id, ctx, turn, text, phrased, policy)
        _honour_stop(uow, ctx.debtor.reference, conv_id, turn, parse.entities.channel or channel)
        uow.commit()
        return turn


def resume_approved_terms(
    uow: ConversationsUnitOfWork,
    conversation_id: int,
    *,
    today: date | None = None,
    links: PaymentLinks | None = None,
) -> tuple[Turn, int, str] | None:
    """A person approved the terms escalated conversation ``conversation_id`` proposed: resume
    it with them on the table (:func:`~amicable.negotiation.dialogue.resume_approved`) and record
    the message that puts them to the debtor, with the offer and its gate outcome
    (``needs_approval``). Returns ``(turn, customer_id, account)``; ``None`` when the
    conversation proposed no terms (nothing to put to the debtor). The caller commits and
    delivers the message.

    Terms whose first payment date has passed are moved by whole weeks
    (:func:`~amicable.negotiation.states.terms_for_today`). Raises ``Conflict`` when the gate
    refuses them today (the balance or the policy changed) or their message fails the content
    check — fail closed: a person then decides with new terms (``queue modify``) or declines."""
    found = uow.conversations.state_of(conversation_id)
    if found is None:
        raise InvalidInput(f"conversation {conversation_id} does not exist")
    customer_id, _channel, version, raw = found
    state = ConversationState.from_json(json.loads(raw))
    if state.proposal is None or state.state is not State.ESCALATED or not state.verified:
        return None
    day = today or uow.today
    refs = uow.reports.customer_refs([customer_id])
    account = refs[customer_id].external_id
    ctx, _, _, policy = _turn_context(uow, account, day, None, links)
    in_force = ctx.arrangement
    if in_force is not None:
        raise Conflict(
            f"account {account} has {in_force.kind} {in_force.key} in force: the terms proposed "
            f"in conversation {conversation_id} would run beside it; decline, or take the case "
            "over"
        )
    terms = terms_for_today(state.proposal, ctx.space, day)
    outcome = check(ctx.space, terms).outcome
    if outcome is Outcome.REFUSED:
        raise Conflict(
            f"the terms proposed in conversation {conversation_id} can no longer be offered "
            "(the policy in force refuses them today); decide with new terms (queue modify) or "
            "decline"
        )
    turn = resume_approved(state, ctx)
    if turn.state.state is not State.NEGOTIATING:
        raise Conflict(
            f"the message putting the approved terms to the debtor of conversation "
            f"{conversation_id} failed the content check; decide with new terms instead"
        )
    uow.conversations.save(conversation_id, version, turn.state.to_json())
    _persist(
        uow,
        conversation_id,
        customer_id,
        ctx,
        turn,
        None,
        PhrasedReply(turn.reply or "", "template"),
        policy,
    )
    return turn, customer_id, account


#: Channels a debtor can opt out of (the consent channels the loop contacts on).
_OPT_OUT_CHANNELS = frozenset({"email", "sms", "whatsapp", "call"})


def _honour_stop(
    uow: ConversationsUnitOfWork, account: str, conv_id: int, turn: Turn, channel: str
) -> None:
    """Record on the customer, in the turn's transaction, a stop the debtor asked for in
    conversation (:func:`record_stop`). The conversation ending is not enough: the loop plans
    contacts from the customer's record, not from conversations."""
    cease = "cease" in turn.reasons
    if not cease and "opt_out" not in turn.reasons:
        return
    record_stop(uow, account, cease=cease, channel=channel, conversation_id=conv_id,
                source=f"asked in conversation {conv_id}")  # fmt: skip


def record_stop(
    uow: ConversationsUnitOfWork,
    account: str,
    *,
    cease: bool,
    channel: str,
    conversation_id: int | None,
    source: str,
) -> bool:
    """Record a stop a debtor asked for in words: a cease as the customer's ``cease`` tag (every
    compliance pack then refuses every later contact, on every channel and path), otherwise an
    opt-out of ``channel`` as a withdrawn consent (a channel that takes no consent is left
    alone). Audited as ``contact.stopped``; the caller commits. Returns whether anything was
    recorded (a cease already on file is not recorded twice)."""
    if not cease and channel not in _OPT_OUT_CHANNELS:
        return False
    if cease:
        stored = uow.ledger.customers([account])[account]
        customer = stored.customer
        if "cease" in customer.tags:
            return False
        uow.ledger.update_customer(stored.id, replace(customer, tags=(*customer.tags, "cease")))
    else:
        record_consent(uow, account, channel, granted=False, at=uow.now, source=source)
    outcomes.contact_stopped(
        uow, account=account, conversation_id=conversation_id,
        kind="cease" if cease else "opt_out", channel=None if cease else channel,
    )  # fmt: skip
    return True


def record_consent(
    uow: UnitOfWork, account: str, channel: str, *, granted: bool, at: datetime, source: str
) -> None:
    """Append a consent record (given or withdrawn) for one channel of the account's customer;
    the caller commits. Used by a STOP / START keyword and by an opt-out said in conversation."""
    stored = uow.ledger.customers([account])[account]
    record = ConsentRecord(
        channel=channel,  # type: ignore[arg-type]  # the callers pass a consent channel
        granted=granted,
        at=at,
        source=source,
    )
    uow.ledger.update_customer(stored.id, replace(stored.customer, consents=(record,)))


def latest_conversation(
    uow: ConversationsUnitOfWork, account_ref: str, channel: str | None = None
) -> dict[str, Any]:
    """The account's newest conversation (on ``channel`` if given) with its messages in order::

        {"account": "<external id>", "conversation": null | {"id", "channel", "lang", "state",
         "started_at", "updated_at", "messages": [{"seq", "direction", "text", "intents",
         "state", "content_ok", "source", "at"}]}}

    The account is resolved inside the unit of work's organisation, so another organisation's
    conversation is never found."""
    with uow:
        customer = resolve_account(uow, account_ref)
        found = uow.conversations.latest(customer.id, channel)
    if found is None:
        return {"account": customer.external_id, "conversation": None}
    return {
        "account": customer.external_id,
        "conversation": {
            "id": found.id,
            "channel": found.channel,
            "lang": found.lang,
            "state": found.state,
            "started_at": _iso(found.started_at),
            "updated_at": _iso(found.updated_at),
            "messages": [
                {
                    "seq": m.seq,
                    "direction": m.direction,
                    "text": m.text,
                    "intents": list(m.intents),
                    "state": m.state,
                    "content_ok": m.content_ok,
                    "source": m.source,
                    "at": _iso(m.at),
                }
                for m in found.messages
            ],
        },
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


_NLU: list[EmbeddedUnderstanding] = []


def embedded_understanding() -> EmbeddedUnderstanding:
    """The embedded NLU, one shared model per process (loading it is the slow part of a turn)."""
    if not _NLU:
        _NLU.append(EmbeddedUnderstanding())
    return _NLU[0]
