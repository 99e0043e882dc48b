"""Conversation use cases: start a conversation and handle one inbound message, persisting
everything (state, messages with their content decision, offers, agreement, promise, escalation)
in one unit of work.

The policy in force is the organisation's newest stored policy version, else the packaged default.
The NLU is the embedded backend unless another :class:`Understanding` is given.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, Protocol

from amicable.domain.money import Money
from amicable.negotiation.dialogue import open_conversation, step
from amicable.negotiation.nlu import EmbeddedUnderstanding, Understanding
from amicable.negotiation.states import (
    ConversationState,
    DebtorFacts,
    DialogueConfig,
    DialogueContext,
    InvoiceFact,
    LadderStep,
    Turn,
    offer_to_json,
)
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts as PolicyFacts
from amicable.policy.gate import check
from amicable.policy.load import load_default_policy, load_policy
from amicable.policy.model import CustomerType
from amicable.policy.optimise import optimise
from amicable.service.queries import _facts, resolve_account

__all__ = ["LocalPortalLinks", "PaymentLinks", "handle_inbound", "start_conversation"]


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


def _context(uow: Any, ref: str, today: date, now: datetime, config: DialogueConfig,
             links: PaymentLinks) -> tuple[DialogueContext, int, str | None]:  # fmt: skip
    customer = resolve_account(uow, ref)
    facts, invs, data = _facts(uow, customer, today)
    if facts.currency is None:
        from amicable.domain.errors import InvalidInput

        raise InvalidInput(f"account {ref!r} owes nothing as of {today}")
    balance = facts.balances[facts.currency]
    stored = uow.policies.latest()
    policy = load_policy(stored.yaml) if stored is not None else load_default_policy()
    pfacts = PolicyFacts(
        balance=balance,
        days_past_due=facts.max_days_past_due,
        customer_type=CustomerType(facts.customer_type)
        if facts.customer_type in ("business", "consumer")
        else CustomerType.BUSINESS,
        oldest_due_date=facts.oldest_due_date,
        tier=facts.tier,
        country=facts.country if facts.country and len(facts.country) == 2 else None,
        region=facts.region,
        tags=frozenset(facts.tags),
        open_invoices=max(1, facts.open_invoices),
        on_time_ratio=facts.payments.on_time_share,
    )
    space = evaluate(policy, pfacts, as_of=today)
    result = optimise(policy, space, pfacts)
    invoices = tuple(
        InvoiceFact(
            i.number,
            i.issue_date,
            i.due_date,
            Money.from_minor(i.amount_minor, i.currency),
            Money.from_minor(i.open_minor, i.currency),
            i.dispute_status == "open",
        )
        for i in invs
        if i.currency == facts.currency and i.open_minor > 0
    )
    debtor = DebtorFacts(
        name=customer.name,
        reference=customer.external_id,
        balance=balance,
        invoices=invoices,
        identity_answer=str(data.get("postal_code") or "") or None,
        consumer=facts.customer_type == "consumer",
        on_time_share=facts.payments.on_time_share,
    )
    ctx = DialogueContext(
        now=now,
        today=today,
        debtor=debtor,
        space=space,
        ladder=tuple(LadderStep(v.offer, v.requires_approval) for v in result.ladder),
        config=config,
        payment_link=links.link_for(customer.external_id, balance),
    )
    lang = facts.language if facts.language in ("en", "fr", "es") else None
    return ctx, customer.id, lang


def _persist(uow: Any, conv_id: int, customer_id: int, ctx: DialogueContext, turn: Turn,
             inbound_text: str | None) -> None:  # fmt: skip
    repo = uow.conversations
    if inbound_text is not None:
        repo.add_message(conv_id, direction="in", text=inbound_text, intents=list(turn.intents),
                         state=turn.state.state.value, content=[], source="debtor")  # fmt: skip
    seq = repo.add_message(
        conv_id, direction="out", text=turn.reply, intents=[], state=turn.state.state.value,
        content=[{"rule": v.rule, "message": v.message} for v in turn.content],
        source="template" if turn.reply is not None else "silent",
    )  # fmt: skip
    if turn.offer is not None:
        gate = check(ctx.space, turn.offer)
        repo.add_offer(conv_id, seq, offer_to_json(turn.offer), gate.outcome.value,
                       ctx.policy_version)  # fmt: skip
    if turn.agreement is not None:
        a = turn.agreement
        agreement_id = repo.add_agreement(
            conv_id, customer_id, offer=offer_to_json(a.offer), gate=a.gate.to_json(),
            policy_version=a.policy_version, total_minor=a.offer.total.minor,
            currency=a.offer.total.code,
        )  # fmt: skip
        if turn.promise is not None:
            p = turn.promise
            import json

            repo.add_promise(
                conv_id, customer_id, agreement_id, total_minor=p.total.minor,
                currency=p.total.code, first_due=min(d for d, _ in p.payments),
                payments_json=json.dumps([{"due_date": d.isoformat(), "amount": m.amount_str()}
                                          for d, m in p.payments]),
                channel=p.channel, confirmed=p.confirmed,
                failed_payment_rule=p.failed_payment_rule,
                reminders_json=json.dumps([d.isoformat() for d in p.reminders]),
                consequence=p.consequence,
            )  # fmt: skip
    if turn.escalation is not None:
        repo.add_escalation(conv_id, customer_id, turn.escalation.reason.value,
                            turn.escalation.summary)  # fmt: skip


def start_conversation(uow: Any, account_ref: str, channel: str, *, today: date | None = None,
                       lang: str | None = None, inbound: bool = False,
                       config: DialogueConfig | None = None,
                       links: PaymentLinks | None = None) -> Turn:  # fmt: skip
    """Open a new conversation with the account on ``channel``; returns the agent's opening."""
    with uow:
        day = today or uow.today
        ctx, customer_id, account_lang = _context(
            uow, account_ref, day, uow.now, config or DialogueConfig(), links or LocalPortalLinks()
        )
        chosen = lang or account_lang or "en"
        _state, turn = open_conversation(ctx, channel=channel, lang=chosen, inbound=inbound)
        conv_id = uow.conversations.start(customer_id, channel, chosen, turn.state.to_json())
        _persist(uow, conv_id, customer_id, ctx, turn, None)
        uow.commit()
        return turn


def handle_inbound(uow: Any, account_ref: str, channel: str, text: str, *,
                   today: date | None = None, nlu: Understanding | None = None,
                   config: DialogueConfig | None = None,
                   links: PaymentLinks | None = None) -> Turn:  # fmt: skip
    """Handle one debtor message: load the conversation, understand, step, persist, commit."""
    with uow:
        day = today or uow.today
        ctx, customer_id, account_lang = _context(
            uow, account_ref, day, uow.now, config or DialogueConfig(), links or LocalPortalLinks()
        )
        found = uow.conversations.latest_open(customer_id, channel)
        if found is None:
            state, _ = open_conversation(
                ctx, channel=channel, lang=account_lang or "en", inbound=True
            )
            conv_id = uow.conversations.start(customer_id, channel, state.lang, state.to_json())
            version = 1
        else:
            import json

            conv_id, version, raw = found
            state = ConversationState.from_json(json.loads(raw))
        parse = (nlu or _embedded()).parse(
            text, lang=state.lang, today=day, currency=ctx.debtor.balance.code
        )
        turn = step(state, parse, ctx, text=text)
        uow.conversations.save(conv_id, version, turn.state.to_json())
        _persist(uow, conv_id, customer_id, ctx, turn, text)
        uow.commit()
        return turn


_NLU: list[EmbeddedUnderstanding] = []


def _embedded() -> EmbeddedUnderstanding:
    if not _NLU:
        _NLU.append(EmbeddedUnderstanding())
    return _NLU[0]
