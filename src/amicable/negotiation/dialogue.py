"""The governed dialogue: a pure state machine per conversation.

``open_conversation(context, *, channel, lang, inbound) -> Turn`` starts a conversation (the
agent's opening, or nothing when the debtor writes first); ``step(state, parse, context, *,
text) -> Turn`` handles one debtor message already understood by the NLU; ``resume_approved(state,
context) -> Turn`` puts terms a person approved back to the debtor. None does I/O or
reads a clock: ``now``/``today``, the account facts, the policy's offer space and concession
ladder are in the :class:`~amicable.negotiation.states.DialogueContext`.

Transitions (``docs/negotiation.md`` draws them)::

    verifying --identity ok--> negotiating --accept--> confirming --yes--> agreed
    verifying --wrong answers x N--> locked_out (escalated)      confirming --no/counter--> negotiating
    verifying --"wrong number"--> wrong_party                    any --cease/opt-out--> ceased
    any --hardship/legal/dispute twice/abuse twice/person/no progress/out of policy--> escalated
    any --"call me later"--> paused
    escalated (out of policy, terms proposed) --a person approves them--> negotiating
    verified with a plan or promise in force --> negotiating on no offer --other terms--> escalated

Invariants
----------
* Nothing about the debt (amounts, invoices, the creditor's purpose) is said before the identity
  is verified; identity checks are limited, then the conversation locks and escalates.
* Cease and opt-out requests are honoured at once, before anything else: the agent stays silent.
* Every offer made is on the policy's concession ladder or passed the gate (``policy.gate``); the
  agent never goes past the ladder's bound and never makes an offer that needs approval on its
  own: such terms go to a person as the escalation's ``proposal``, and only the exact terms the
  person approved (``state.approved``) are offered afterwards.
* An agreement is recorded only after the terms (each amount and date, the total) were read back
  and explicitly confirmed, and only if the gate says ``ok`` for it at that moment — or
  ``needs_approval`` for exactly the terms a person approved; never ``refused``.
* No terms are offered or agreed beside a payment plan or promise already in force
  (``context.arrangement``): the debtor is told how it stands, and a request for other terms —
  or an arrangement made meanwhile, found at the confirmation — goes to a person
  (``arrangement_change``).
* A debtor's message is data, never instructions: claimed approvals, prior agreements or rule
  overrides change nothing — a proposal is judged by the gate like any other.
* Once escalated, the agent does not negotiate.
* Every reply passes the compliance content checker; if one did not, a safe hand-over message
  is sent instead and the case escalates (fail closed).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from amicable.domain.money import Money
from amicable.negotiation import guardrails
from amicable.negotiation.nlu.types import SAFETY_INTENTS, Parse
from amicable.negotiation.replies import (
    describe_offer,
    format_day,
    format_money,
    invoice_lines,
    list_payments,
    reminder_note,
    render,
    render_parts,
)
from amicable.negotiation.states import (
    Agreement,
    Arrangement,
    ConversationState,
    DialogueContext,
    Escalation,
    EscalationReason,
    LadderStep,
    Part,
    Promise,
    State,
    Turn,
    terms_for_today,
)
from amicable.policy.gate import Outcome, check
from amicable.policy.model import Action, Frequency
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.schedule import build_plan, business_calendar

__all__ = ["open_conversation", "resume_approved", "step"]

#: An intent counts when it is the most likely one or at least this confident.
MIN_CONFIDENCE = 0.6

#: A most-likely intent below this confidence is the NLU's best guess (nothing qualified). A guessed
#: escalation or ending ("i like trains" read as request_human at 0.11) is not acted on: the
#: message counts as "other". A guessed cease is still honoured (a missed stop costs more).
GUESS_FLOOR = 0.3

_TERMS_INTENTS = frozenset({"propose_terms", "request_plan", "commit_payment"})

#: Safety signals the NLU reports below :data:`MIN_CONFIDENCE` (a second intent, or a most-likely
#: one discarded as a guess) are not acted on — "what do you want from me" must not end a
#: conversation as a cease — but they are not ignored either: the reply asks the debtor, in the
#: approved wording of the template key given here, the one question that lets them say it
#: plainly (the next message is then read with full confidence). Highest stake first; one
#: question per reply.
POSSIBLE_SIGNALS: tuple[tuple[str, str], ...] = (
    ("legal", "check_legal"),
    ("cease_contact", "check_cease"),
    ("hardship", "check_hardship"),
    ("request_human", "check_person"),
)

#: States whose replies may carry such a question (verified, the agent still talking terms).
_ASKING_STATES = frozenset({State.NEGOTIATING, State.CONFIRMING})

#: Channels where a first communication is "written" (the validation notice rule).
_WRITTEN = frozenset({"email", "letter"})


class _Draft:
    """The reply being assembled for one turn (parts in order) and the turn's outcome."""

    def __init__(self, ctx: DialogueContext, state: ConversationState) -> None:
        self.ctx = ctx
        self.lang = state.lang
        self.tone = ctx.config.tone
        self.parts: list[Part] = []
        self.offer: Offer | None = None
        self.agreement: Agreement | None = None
        self.promise: Promise | None = None
        self.escalation: Escalation | None = None
        self.reasons: list[str] = []
        self.silent = False
        #: Weak safety signals of the message (see :data:`POSSIBLE_SIGNALS`).
        self.possible: frozenset[str] = frozenset()

    def say(self, key: str, *, free: bool = False, **params: object) -> None:
        self.parts.append(Part(key, render(key, self.lang, self.tone, **params), free))


# -- entry points --------------------------------------------------------------------------------


def open_conversation(
    ctx: DialogueContext, *, channel: str, lang: str, inbound: bool
) -> tuple[ConversationState, Turn]:
    """A new conversation; without ``inbound`` the agent opens it (asking for identity first)."""
    state = ConversationState(
        state=State.VERIFYING,
        lang=lang,
        channel=channel,
        currency=ctx.debtor.balance.code,
        inbound=inbound,
    )
    if inbound:
        return state, Turn(state=state, reply=None, reasons=("awaiting_debtor",))
    draft = _Draft(ctx, state)
    if ctx.debtor.identity_answer is None:
        return state, _escalate_unverifiable(draft, state)
    draft.say("verify_ask", name=ctx.debtor.name, creditor=ctx.config.creditor)
    return state, _finish(draft, state)


def step(state: ConversationState, parse: Parse, ctx: DialogueContext, *, text: str) -> Turn:
    """Handle one debtor message (``text``, understood as ``parse``); see the module docstring."""
    intents = _intents(parse)
    manip = guardrails.manipulation(text)
    if manip:
        # The message tries to instruct the agent; only its terms count (judged by the gate),
        # and requests the agent must always honour (stop, legal, wrong person) still do.
        intents = {i for i in intents if i in guardrails.ALWAYS_HONOURED} | {"propose_terms"}
    state = replace(state, turns=state.turns + 1)
    draft = _Draft(ctx, state)
    draft.reasons.extend(f"manipulation:{m}" for m in manip)
    draft.possible = _possible(parse, intents)
    names = tuple(parse.names)

    if "cease_contact" in intents or "opt_out_channel" in intents:
        draft.silent = True
        draft.reasons.append("cease" if "cease_contact" in intents else "opt_out")
        return _finish(draft, replace(state, state=State.CEASED), names)
    if state.state is State.CEASED:
        # Stays ended: the message is recorded, nothing is said (see RESTARTABLE_STATES).
        draft.silent = True
        draft.reasons.append("conversation_ceased")
        return _finish(draft, state, names)
    if state.state in (State.ESCALATED, State.LOCKED_OUT):
        draft.say("human_owned")
        return _finish(draft, state, names)
    if state.state in (State.AGREED, State.WRONG_PARTY, State.PAUSED):
        draft.silent = True
        draft.reasons.append("conversation_closed")
        return _finish(draft, state, names)

    if state.state is State.VERIFYING:
        return _finish(draft, _verifying(state, parse, intents, text, draft), names)
    return _finish(draft, _verified(state, parse, intents, draft), names)


def resume_approved(state: ConversationState, ctx: DialogueContext) -> Turn:
    """A person approved the terms this escalated conversation proposed: put them to the debtor.

    The conversation goes back to ``negotiating`` with the approved terms on the table (the
    debtor accepts, then confirms the read-back, as for any offer); the escalation is over.
    Terms whose first payment date has passed meanwhile are moved by whole weeks
    (:func:`~amicable.negotiation.states.terms_for_today`).
    Raises ``ValueError`` unless the conversation is escalated with a proposal and verified (an
    approval never discloses anything to an unverified person)."""
    if state.state is not State.ESCALATED or state.proposal is None or not state.verified:
        raise ValueError("only an escalated, verified conversation with proposed terms resumes")
    offer = terms_for_today(state.proposal, ctx.space, ctx.today)
    state = replace(
        state, state=State.NEGOTIATING, offer=offer, approved=offer, proposal=None,
        escalation=None, pending=None, stalled=0, at_bound=0,
    )  # fmt: skip
    draft = _Draft(ctx, state)
    draft.offer = offer
    draft.reasons.append("approved_terms")
    draft.say(
        "approved_offer",
        name=ctx.debtor.name,
        offer=describe_offer(offer, state.lang, ctx.debtor.balance),
    )
    return _finish(draft, state)


# -- helpers -------------------------------------------------------------------------------------


def _intents(parse: Parse) -> set[str]:
    names = {
        i.name for k, i in enumerate(parse.intents) if k == 0 or i.confidence >= MIN_CONFIDENCE
    }
    top = parse.intents[0]
    if top.confidence < GUESS_FLOOR and top.name in SAFETY_INTENTS and top.name != "cease_contact":
        names.discard(top.name)
        names.add("other")
    return names


def _possible(parse: Parse, acted: set[str]) -> frozenset[str]:
    """The safety intents the message may carry but the turn does not act on: reported below
    :data:`MIN_CONFIDENCE`, or a most-likely one set aside as a guess (:data:`GUESS_FLOOR`)."""
    watched = {name for name, _ in POSSIBLE_SIGNALS}
    return frozenset(i.name for i in parse.intents if i.name in watched and i.name not in acted)


def _ask_possible(draft: _Draft, state: ConversationState) -> None:
    """Append the question for the message's highest-stake weak safety signal, if the reply
    may carry one (verified, still talking terms, nothing escalated)."""
    if not draft.possible or not state.verified or draft.escalation is not None:
        return
    if state.state not in _ASKING_STATES:
        return
    for name, key in POSSIBLE_SIGNALS:
        if name in draft.possible:
            draft.say(key)
            draft.reasons.append(f"possible:{name}")
            return


def _usable(ctx: DialogueContext) -> tuple[LadderStep, ...]:
    """Ladder steps the agent may offer alone: inside policy and needing no approval."""
    return tuple(s for s in ctx.ladder if not s.requires_approval)


def _for_approval(
    ctx: DialogueContext, state: ConversationState | None = None, asked: Offer | None = None
) -> Offer | None:
    """The terms to put to a person when nothing the agent may offer alone fits: the debtor's
    own ask when the gate says it needs approval (not refused); else the next ladder step that
    needs approval after the terms a person already approved and the debtor turned down (the
    first such step when none was approved); ``None`` when there is none."""
    if asked is not None and check(ctx.space, asked).outcome is Outcome.NEEDS_APPROVAL:
        return asked
    steps = [s.offer for s in ctx.ladder if s.requires_approval]
    done = state.approved if state is not None else None
    if done is not None:
        # The ladder is built for today, so the step a person approved on an earlier day has
        # other dates: it is found by its terms (the same terms, re-dated, were put to a person
        # again on every business day while the debtor kept turning them down).
        turned_down = [k for k, step in enumerate(steps) if _same_terms(step, done)]
        if turned_down:
            steps = steps[turned_down[0] + 1 :]
    return steps[0] if steps else None


def _same_terms(a: Offer, b: Offer) -> bool:
    """Whether two offers ask for the same money the same way, whatever their payment dates."""
    return (
        a.kind is b.kind
        and a.total == b.total
        and a.discount == b.discount
        and a.down_payment == b.down_payment
        and a.frequency == b.frequency
        and [p.amount for p in a.payments] == [p.amount for p in b.payments]
    )


def _finish(draft: _Draft, state: ConversationState, names: tuple[str, ...] = ()) -> Turn:
    ctx = draft.ctx
    if draft.escalation is not None and state.escalation is None:
        state = replace(state, escalation=draft.escalation)
    if not draft.silent and draft.parts:
        _ask_possible(draft, state)
    if draft.silent or not draft.parts:
        return Turn(
            state=state,
            reply=None,
            intents=names,
            offer=draft.offer,
            agreement=draft.agreement,
            promise=draft.promise,
            escalation=draft.escalation,
            reasons=tuple(draft.reasons),
        )
    first = state.verified and not state.disclosed
    if first:
        state = replace(state, disclosed=True)
    parts = _regulated_frame(tuple(draft.parts), ctx, state, first=first)
    reply = render_parts(parts)
    facts = guardrails.content_facts(ctx, state, draft.offer)
    findings = guardrails.vet(
        reply,
        lang=draft.lang,
        channel=state.channel,
        verified=state.verified,
        first_communication=first,
        facts=facts,
    )
    if findings:
        # Fail closed: never send a text the checker refuses; hand over instead (the hand-over
        # message carries the same regulated frame: disclosures and the opt-out).
        esc = Escalation(
            EscalationReason.OUT_OF_POLICY,
            "a reply failed the content check: " + "; ".join(v.rule for v in findings),
        )
        state = replace(state, state=State.ESCALATED, escalation=esc)
        fallback = _regulated_frame(
            (Part("escalated", render("escalated", draft.lang, days=ctx.config.human_reply_days)),),
            ctx,
            state,
            first=first,
        )
        return Turn(
            state=state,
            reply=render_parts(fallback),
            intents=names,
            escalation=esc,
            reasons=(*draft.reasons, "content_check_failed"),
            content=(),
            first_communication=first,
            parts=fallback,
        )
    return Turn(
        state=state,
        reply=reply,
        intents=names,
        offer=draft.offer,
        agreement=draft.agreement,
        promise=draft.promise,
        escalation=draft.escalation,
        reasons=tuple(draft.reasons),
        content=(),
        first_communication=first,
        parts=parts,
    )


def _regulated_frame(
    parts: tuple[Part, ...], ctx: DialogueContext, state: ConversationState, *, first: bool
) -> tuple[Part, ...]:
    """``parts`` inside the regulated wording the channel and the creditor's role require.

    A third-party collector's first message after verification opens with the mini-Miranda (and,
    in writing, the validation notice); its later messages say they come from a debt collector.
    Electronic messages end with the opt-out. Nothing is added before verification: the debt
    must not be mentioned to a person who may not be the debtor.
    """
    head: tuple[Part, ...] = ()
    lang = state.lang
    if state.verified and ctx.config.third_party_collector:
        if first:
            head = (Part("mini_miranda", render("mini_miranda", lang)),)
            if state.channel in _WRITTEN:
                head += (
                    Part(
                        "validation_notice",
                        render("validation_notice", lang, creditor=ctx.config.creditor),
                    ),
                )
        else:
            head = (Part("from_collector", render("from_collector", lang)),)
    tail: tuple[Part, ...] = ()
    if state.channel in guardrails.ELECTRONIC:
        tail = (Part("opt_out", render("opt_out", lang)),)
    return (*head, *parts, *tail)


def _escalate(
    draft: _Draft,
    state: ConversationState,
    reason: EscalationReason,
    summary: str,
    *,
    proposal: Offer | None = None,
) -> ConversationState:
    ctx = draft.ctx
    if proposal is not None:
        summary += f"; proposed for approval: {describe_offer(proposal, 'en', ctx.debtor.balance)}"
    draft.escalation = Escalation(reason, f"{ctx.debtor.reference}: {summary}")
    draft.reasons.append(f"escalated:{reason.value}")
    key = {
        EscalationReason.HARDSHIP: "escalated_hardship",
        EscalationReason.LEGAL: "escalated_legal",
        # the plan or promise in force goes on meanwhile: its reminders are not "no payment asked"
        EscalationReason.ARRANGEMENT_CHANGE: "escalated_arrangement",
    }.get(reason, "escalated")
    draft.say(key, days=ctx.config.human_reply_days)
    return replace(state, state=State.ESCALATED, pending=None, proposal=proposal)


def _escalate_unverifiable(draft: _Draft, state: ConversationState) -> Turn:
    draft.escalation = Escalation(
        EscalationReason.IDENTITY_DOUBT,
        f"{draft.ctx.debtor.reference}: no identity answer on file; the agent cannot verify",
    )
    draft.say("verify_unavailable")
    return _finish(draft, replace(state, state=State.ESCALATED))


def _matches_identity(text: str, expected: str) -> bool:
    def norm(s: str) -> str:
        return "".join(ch for ch in s.casefold() if ch.isalnum())

    want = norm(expected)
    return bool(want) and want in norm(text)


# -- before verification ---------------------------------------------------------------------


def _verifying(
    state: ConversationState, parse: Parse, intents: set[str], text: str, draft: _Draft
) -> ConversationState:
    ctx = draft.ctx
    debtor = ctx.debtor
    if debtor.identity_answer is None:
        draft.escalation = Escalation(
            EscalationReason.IDENTITY_DOUBT,
            f"{debtor.reference}: no identity answer on file; the agent cannot verify",
        )
        draft.say("verify_unavailable")
        return replace(state, state=State.ESCALATED)
    # Only a message that is above all "wrong person" ends the conversation: before verification
    # nothing is disclosed anyway, while a false "wrong party" would end a real debtor's chat
    # ("who is this?").
    if parse.top == "wrong_party" and not _matches_identity(text, debtor.identity_answer):
        draft.say("wrong_party")
        draft.escalation = Escalation(
            EscalationReason.IDENTITY_DOUBT,
            f"{debtor.reference}: the person contacted says they are not the debtor; "
            "check the contact details",
        )
        return replace(state, state=State.WRONG_PARTY)
    for intent, reason in (
        ("legal", EscalationReason.LEGAL),
        ("hardship", EscalationReason.HARDSHIP),
        ("request_human", EscalationReason.HUMAN_REQUESTED),
    ):
        if intent in intents:
            # Nothing is disclosed before verification; a person takes it from here.
            draft.escalation = Escalation(
                reason, f"{debtor.reference}: {intent} before identity verification"
            )
            draft.say("escalated", days=ctx.config.human_reply_days)
            return replace(state, state=State.ESCALATED)
    if _matches_identity(text, debtor.identity_answer):
        state = replace(state, verified=True, stalled=0)
        draft.reasons.append("identity_verified")
        return _after_verification(state, draft)
    if state.inbound and state.turns == 1:
        # The debtor wrote first and was never asked: ask, and count no failed attempt.
        draft.reasons.append("identity_asked")
        draft.say("verify_ask_inbound", creditor=ctx.config.creditor)
        return state
    if not any(ch.isdigit() for ch in text):
        # Not an answer to the identity question (every postal code carries a digit): ask
        # again without counting a failed check, but not forever.
        stalled = state.stalled + 1
        if stalled >= ctx.config.max_stalled_turns:
            draft.escalation = Escalation(
                EscalationReason.IDENTITY_DOUBT,
                f"{debtor.reference}: no answer to the identity question after {stalled} messages",
            )
            draft.reasons.append("identity_unanswered")
            draft.say("verify_unavailable")
            return replace(state, state=State.ESCALATED, stalled=stalled)
        draft.reasons.append("identity_asked_again")
        draft.say("verify_reask")
        return replace(state, stalled=stalled)
    attempts = state.id_attempts + 1
    left = ctx.config.max_identity_attempts - attempts
    if left <= 0:
        draft.escalation = Escalation(
            EscalationReason.IDENTITY_DOUBT,
            f"{debtor.reference}: {attempts} failed identity answers; conversation locked",
        )
        draft.reasons.append("locked_out")
        draft.say("verify_locked")
        return replace(state, state=State.LOCKED_OUT, id_attempts=attempts)
    draft.say("verify_retry", left=left)
    return replace(state, id_attempts=attempts)


def _after_verification(state: ConversationState, draft: _Draft) -> ConversationState:
    """The disclosure of the debt, then options — or a hand-over when the policy says so."""
    ctx = draft.ctx
    debtor = ctx.debtor
    lang = state.lang
    draft.say(
        "balance",
        name=debtor.name,
        balance=format_money(debtor.balance, lang),
        invoices=invoice_lines(debtor.invoices, lang),
    )
    if debtor.on_time_share is not None and debtor.on_time_share >= Decimal("0.8"):
        draft.say("history_good", free=True)
    if ctx.space.action is not Action.NEGOTIATE:
        return _escalate(
            draft,
            state,
            EscalationReason.DISPUTE
            if any(i.disputed for i in debtor.invoices)
            else EscalationReason.POLICY_ACTION,
            f"policy segment {ctx.space.segment!r} says {ctx.space.action.value}",
        )
    if ctx.arrangement is not None:
        # A plan or promise is in force: how it stands, and no other terms beside it.
        _say_arrangement(draft, ctx.arrangement)
        draft.reasons.append(f"arrangement_in_force:{ctx.arrangement.key}")
        return replace(state, state=State.NEGOTIATING, offer=None, arrangement=ctx.arrangement.key)
    if ctx.config.high_value is not None and debtor.balance > ctx.config.high_value:
        return _escalate(
            draft,
            state,
            EscalationReason.HIGH_VALUE,
            f"balance {debtor.balance} is above {ctx.config.high_value}",
        )
    ladder = _usable(ctx)
    if not ladder:
        return _escalate(
            draft, state, EscalationReason.OUT_OF_POLICY, "no offer fits the policy unapproved",
            proposal=_for_approval(ctx),
        )  # fmt: skip
    offer = ladder[0].offer
    draft.offer = offer
    draft.say("present", free=True, offer=describe_offer(offer, lang, debtor.balance))
    return replace(state, state=State.NEGOTIATING, offer=offer, ladder_index=0)


# -- after verification ----------------------------------------------------------------------


def _verified(
    state: ConversationState, parse: Parse, intents: set[str], draft: _Draft
) -> ConversationState:
    ctx = draft.ctx
    ref = ctx.debtor.reference
    has_terms = _has_terms(parse)
    if state.arrangement is not None:
        # The arrangement the debtor was told about: still in force (perhaps under a new key),
        # or no longer (completed, broken): then the conversation goes on without it.
        now_in_force = None if ctx.arrangement is None else ctx.arrangement.key
        if now_in_force != state.arrangement:
            state = replace(state, arrangement=now_in_force)
    for intent, reason, summary in (
        ("legal", EscalationReason.LEGAL, "the debtor mentions legal action or representation"),
        ("request_human", EscalationReason.HUMAN_REQUESTED, "the debtor asks for a person"),
    ):
        if intent in intents:
            return _escalate(draft, state, reason, summary)
    if "hardship" in intents and not has_terms:
        return _escalate(
            draft, state, EscalationReason.HARDSHIP, "the debtor reports hardship or vulnerability"
        )
    if "abusive" in intents and not has_terms:
        if state.warned_abuse:
            return _escalate(draft, state, EscalationReason.ABUSE, "repeated abusive messages")
        draft.say("abuse_warning")
        _restate(state, draft)
        return replace(state, warned_abuse=True, stalled=state.stalled + 1)
    if "callback_later" in intents and not has_terms:
        draft.say("paused")
        draft.reasons.append("callback_later")
        return replace(state, state=State.PAUSED, pending=None)

    for objection in ("dispute_amount", "dispute_delivery", "already_paid"):
        if objection in intents:
            if objection in state.objections:
                return _escalate(
                    draft,
                    state,
                    EscalationReason.DISPUTE,
                    f"{objection.replace('_', ' ')} raised again after the facts were given",
                )
            _objection(objection, state, draft)
            return replace(
                state,
                objections=(*state.objections, objection),
                pending=None,
                state=State.NEGOTIATING,
            )
    if "request_info" in intents and not has_terms and "accept" not in intents:
        draft.say("request_info", invoices=invoice_lines(ctx.debtor.invoices, state.lang))
        _restate(state, draft)
        return state
    if "payment_problem" in intents:
        draft.say("payment_problem", free=True, link=ctx.payment_link)
        return state

    if state.arrangement is not None:
        if has_terms or intents & _TERMS_INTENTS or "reject" in intents:
            return _escalate(
                draft, state, EscalationReason.ARRANGEMENT_CHANGE,
                f"the debtor asks for other terms while {state.arrangement} is in force",
            )  # fmt: skip
        if "accept" in intents:
            draft.say("arrangement_kept")
            draft.reasons.append("arrangement_kept")
            return replace(state, stalled=0)
        # anything else: no progress, the arrangement restated (below)
    if state.state is State.CONFIRMING and state.pending is not None:
        if "accept" in intents and not has_terms and "reject" not in intents:
            if ctx.arrangement is not None:
                # A plan or promise was made meanwhile (another channel, a person): the terms
                # read back would run beside it.
                return _escalate(
                    draft, state, EscalationReason.ARRANGEMENT_CHANGE,
                    f"{ctx.arrangement.key} came into force while these terms were read back",
                )  # fmt: skip
            return _agree(state, state.pending, draft)
        if "reject" in intents and not has_terms:
            return _concede(replace(state, state=State.NEGOTIATING, pending=None), draft)
    if has_terms or intents & _TERMS_INTENTS:
        return _proposal(state, parse, draft)
    if "accept" in intents and "reject" not in intents and state.offer is not None:
        return _read_back(state, state.offer, draft)
    if "reject" in intents:
        return _concede(state, draft)
    stalled = state.stalled + 1
    if stalled >= ctx.config.max_stalled_turns:
        return _escalate(
            draft, state, EscalationReason.NO_PROGRESS, f"no progress after {state.turns} turns"
        )
    draft.reasons.append(f"no_progress:{ref}")
    _restate(state, draft)
    return replace(state, stalled=stalled)


def _approved(state: ConversationState, offer: Offer, outcome: Outcome) -> bool:
    """Terms needing approval that a person approved for this conversation, exactly."""
    return outcome is Outcome.NEEDS_APPROVAL and state.approved == offer


def _has_terms(parse: Parse) -> bool:
    e = parse.entities
    return any(v is not None for v in (e.amount, e.per, e.installments, e.percent, e.fraction))


def _say_arrangement(draft: _Draft, arrangement: Arrangement) -> None:
    lang = draft.lang
    draft.say(
        f"arrangement_{arrangement.kind}",
        ref=arrangement.key,
        amount=format_money(arrangement.next_amount, lang),
        date=format_day(arrangement.next_due, lang),
        left=format_money(arrangement.left, lang),
    )


def _restate(state: ConversationState, draft: _Draft) -> None:
    arrangement = draft.ctx.arrangement
    if state.arrangement is not None and arrangement is not None:
        _say_arrangement(draft, arrangement)
    elif state.offer is not None:
        draft.say(
            "restate",
            free=True,
            offer=describe_offer(state.offer, state.lang, draft.ctx.debtor.balance),
        )


def _objection(objection: str, state: ConversationState, draft: _Draft) -> None:
    ctx = draft.ctx
    lang = state.lang
    invoices = invoice_lines(ctx.debtor.invoices, lang)
    if objection == "already_paid":
        last = ctx.debtor.last_payment
        detail = (
            render(
                "last_payment",
                lang,
                date=format_day(last[0], lang),
                amount=format_money(last[1], lang),
            )
            if last is not None
            else render("no_payment", lang)
        )
        draft.say("already_paid", last_payment=detail)
    else:
        draft.say(objection, invoices=invoices)
    draft.reasons.append(f"objection:{objection}")
    _restate(state, draft)


def _read_back(state: ConversationState, offer: Offer, draft: _Draft) -> ConversationState:
    """Read the final terms back (each amount and date, the total) and wait for a yes."""
    lang = state.lang
    decision = check(draft.ctx.space, offer)
    if decision.outcome is not Outcome.OK and not _approved(state, offer, decision.outcome):
        draft.reasons.append(f"gate:{decision.outcome.value}")
        return _concede(state, draft)
    if decision.outcome is not Outcome.OK:
        draft.offer = offer  # approved terms: the turn names them (and the gate's outcome)
    draft.say(
        "confirm",
        payments=list_payments(offer, lang),
        total=format_money(offer.total, lang),
    )
    return replace(state, state=State.CONFIRMING, pending=offer, offer=offer, stalled=0)


def _agree(state: ConversationState, offer: Offer, draft: _Draft) -> ConversationState:
    ctx = draft.ctx
    decision = check(ctx.space, offer)
    if decision.outcome is not Outcome.OK and not _approved(state, offer, decision.outcome):
        # The terms no longer pass (e.g. the policy changed): never record; a person decides.
        return _escalate(
            draft,
            state,
            EscalationReason.OUT_OF_POLICY,
            f"confirmed terms no longer pass the gate ({decision.outcome.value})",
        )
    cfg = ctx.config
    lang = state.lang
    draft.agreement = Agreement(offer, decision, ctx.policy_version)
    draft.promise = Promise(
        total=offer.total,
        payments=tuple((p.due_date, p.amount) for p in offer.payments),
        channel=state.channel,
        confirmed=True,
        failed_payment_rule=(
            f"a failed payment is to be paid within {cfg.grace_days} days of its due date"
        ),
        reminders=tuple(
            sorted(
                {
                    p.due_date - timedelta(days=days)
                    for p in offer.payments
                    for days in cfg.reminder_days_before
                    if p.due_date - timedelta(days=days) > ctx.today
                }
            )
        ),
        consequence=(
            f"a payment missed for more than {cfg.grace_days} days ends the agreement and the "
            "full remaining balance becomes due"
        ),
    )
    draft.reasons.append("agreement_recorded")
    draft.say(
        "agreed",
        payments=list_payments(offer, lang),
        total=format_money(offer.total, lang),
        link=ctx.payment_link,
        reminders=reminder_note(cfg.reminder_days_before, lang),
        grace_days=cfg.grace_days,
    )
    draft.say("close", name=ctx.debtor.name)
    return replace(state, state=State.AGREED, agreement=offer, pending=None, offer=offer)


def _concede(
    state: ConversationState, draft: _Draft, *, counter: bool = False, asked: Offer | None = None
) -> ConversationState:
    """Move one step down the concession ladder; at the bound, restate it (twice: escalate).
    With no step the agent may offer alone, a person is asked (``asked``: the debtor's terms)."""
    ctx = draft.ctx
    ladder = _usable(ctx)
    lang = state.lang
    if not ladder:
        return _escalate(
            draft, state, EscalationReason.OUT_OF_POLICY, "no offer fits the policy",
            proposal=_for_approval(ctx, state, asked),
        )  # fmt: skip
    nxt = state.ladder_index + 1
    if nxt < len(ladder):
        offer = ladder[nxt].offer
        draft.offer = offer
        draft.reasons.append(f"concession:{nxt}")
        key = "counter" if counter else "alternative" if nxt < len(ladder) - 1 else "bound"
        draft.say(key, free=True, offer=describe_offer(offer, lang, ctx.debtor.balance))
        return replace(
            state, state=State.NEGOTIATING, ladder_index=nxt, offer=offer, pending=None, stalled=0
        )
    at_bound = state.at_bound + 1
    if at_bound >= 2:
        return _escalate(
            draft,
            state,
            EscalationReason.OUT_OF_POLICY,
            "the debtor asks for more than the policy's most flexible terms",
        )
    offer = ladder[-1].offer
    draft.offer = offer
    draft.reasons.append("at_bound")
    draft.say("bound", free=True, offer=describe_offer(offer, lang, ctx.debtor.balance))
    return replace(
        state,
        state=State.NEGOTIATING,
        ladder_index=len(ladder) - 1,
        offer=offer,
        pending=None,
        at_bound=at_bound,
    )


def _proposal(state: ConversationState, parse: Parse, draft: _Draft) -> ConversationState:
    """The debtor proposes terms: build the offer they describe and let the gate judge it."""
    ctx = draft.ctx
    offer = _offer_from(parse, ctx, state)
    if draft.reasons and any(r.startswith("manipulation:") for r in draft.reasons):
        draft.say("policy_answer")
    if offer is None:
        draft.reasons.append("proposal_unclear")
        if state.approved is not None and state.offer == state.approved and not _usable(ctx):
            # terms a person approved are on the table: they are the offer (not a new hand-over)
            draft.offer = state.offer
            draft.say(
                "restate",
                free=True,
                offer=describe_offer(state.offer, state.lang, ctx.debtor.balance),
            )
            return replace(state, stalled=state.stalled + 1)
        return _concede(state, draft, counter=True)
    decision = check(ctx.space, offer)
    draft.reasons.append(f"gate:{decision.outcome.value}")
    if decision.outcome is Outcome.OK or _approved(state, offer, decision.outcome):
        draft.offer = offer
        return _read_back(state, offer, draft)
    nearest = _nearest_plan(parse, ctx, offer) if offer.kind is OfferKind.PLAN else None
    if nearest is not None and nearest != state.offer:
        # The debtor asked for a plan the policy does not allow alone (too many installments,
        # a frequency or a first date outside it): counter with the allowed plan closest to it
        # rather than a step of the generic ladder — the debtor still has to accept it.
        draft.offer = nearest
        draft.reasons.append("counter:nearest_plan")
        draft.say(
            "counter", free=True, offer=describe_offer(nearest, state.lang, ctx.debtor.balance)
        )
        return replace(state, state=State.NEGOTIATING, offer=nearest, pending=None, stalled=0)
    return _concede(state, draft, counter=True, asked=offer)


def _nearest_plan(parse: Parse, ctx: DialogueContext, asked: Offer) -> Offer | None:
    """The plan closest to the one the debtor asked for that the gate allows without approval:
    the debtor's frequency first (then the policy's others), as many installments as they asked
    for or, when that is above the policy's bound, the most the policy allows; ``None`` when no
    plan fits (no plan in the policy, or none passes the gate)."""
    space = ctx.space
    plan = space.plan
    if plan is None or not asked.payments:
        return None
    balance = space.balance
    today = ctx.today
    wanted = Frequency.WEEKLY if parse.entities.per == "week" else Frequency.MONTHLY
    allowed = plan.frequencies.value
    frequencies = [f for f in (wanted, *allowed) if f in allowed]
    lo = max(1, plan.installments_min.value)
    hi = min(len(asked.payments), plan.installments_max.value)
    pct = plan.down_payment_min_pct.value
    down = balance.percent(pct, rounding="ROUND_CEILING") if pct > 0 else None
    rest = balance if down is None else balance - down
    first = today + timedelta(days=min(7, plan.first_due_within_days.value))
    cal = business_calendar(space.country, space.region)
    for frequency in dict.fromkeys(frequencies):
        for count in range(hi, lo - 1, -1):
            offer = build_plan(
                balance, as_of=today, first_due=first, first_due_latest=first + timedelta(days=7),
                latest=today + timedelta(days=plan.max_term_days.value), frequency=frequency,
                count=count, down_payment=down, calendar=cal,
            )  # fmt: skip
            if offer is None or not rest.is_positive():
                continue
            if check(space, offer).outcome is Outcome.OK:
                return offer
    return None


def _offer_from(parse: Parse, ctx: DialogueContext, state: ConversationState) -> Offer | None:
    """The concrete offer a debtor's message describes, or ``None`` if it describes none."""
    e = parse.entities
    space = ctx.space
    balance = space.balance
    today = ctx.today
    if e.amount is not None and e.amount.code != balance.code:
        return None
    cal = business_calendar(space.country, space.region)
    if e.per is not None or e.installments is not None or parse.top == "request_plan":
        frequency = Frequency.WEEKLY if e.per == "week" else Frequency.MONTHLY
        if e.installments is not None:
            count = e.installments
        elif e.amount is not None and e.amount.is_positive():
            count = int(
                (balance.amount / e.amount.amount).to_integral_value(rounding=ROUND_CEILING)
            )
        else:
            return None
        if count < 1 or count > 120:
            return None
        first = e.date if e.date is not None and e.date >= today else today + timedelta(days=7)
        return build_plan(
            balance,
            as_of=today,
            first_due=first,
            first_due_latest=first + timedelta(days=7),
            latest=today + timedelta(days=3660),
            frequency=frequency,
            count=count,
            down_payment=None,
            calendar=cal,
        )
    window = (
        space.settlement.pay_within_days.value
        if space.settlement is not None
        else space.pay_in_full_within_days.value
        if space.pay_in_full_within_days is not None
        else 0
    )
    wanted = e.date if e.date is not None and e.date >= today else today + timedelta(days=window)
    due = cal.adjust(wanted, earliest=today, latest=max(wanted, today + timedelta(days=window)))
    if due is None:
        return None
    total: Money | None = None
    if e.amount is not None:
        total = e.amount
    elif e.percent is not None:
        total = balance - balance.percent(Decimal(e.percent), rounding="ROUND_FLOOR")
    elif e.fraction is not None:
        num, den = (int(x) for x in e.fraction.split("/"))
        total = balance.multiply(Decimal(num) / Decimal(den), rounding="ROUND_CEILING")
    if total is None:
        if parse.top == "commit_payment" or "commit_payment" in parse.names:
            return Offer(
                OfferKind.FULL, balance, (Payment(due, balance),), Money.zero(balance.code)
            )
        return None
    if not total.is_positive():
        return None
    if total >= balance:
        return Offer(OfferKind.FULL, balance, (Payment(due, balance),), Money.zero(balance.code))
    return Offer(OfferKind.SETTLEMENT, total, (Payment(due, total),), balance - total)
