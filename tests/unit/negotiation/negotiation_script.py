"""Conversation scenarios written as scripts (the test's docstring), run through the real NLU and
the pure dialogue.

Script format, one instruction per line (blank lines and ``#`` comments ignored)::

    open                      # the agent opens (outbound); omit for an inbound conversation
    > I can pay 100 a month   # a debtor message
    = negotiating offer       # expected state after it, then flags that must hold:
                              #   offer, agreement, silent, no-offer, no-agreement,
                              #   escalation:<reason>, no-disclosure, reply~<substring>

The runner asserts, for every turn, that the reply passes the compliance content checker and that
any agreement passes the policy gate with ``ok``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache

from amicable.compliance.content import check_content
from amicable.domain.money import Money
from amicable.negotiation import guardrails
from amicable.negotiation.dialogue import open_conversation, step
from amicable.negotiation.nlu import EmbeddedUnderstanding
from amicable.negotiation.states import (
    ConversationState,
    DebtorFacts,
    DialogueConfig,
    DialogueContext,
    InvoiceFact,
    LadderStep,
    Turn,
)
from amicable.policy.evaluate import evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import Outcome, check
from amicable.policy.load import load_policy
from amicable.policy.optimise import optimise

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
POSTAL = "94110"

POLICY = """
version: "test-1"
currency: USD
segments:
  - name: disputed
    when: {dispute: open}
    action: hold
  - name: standard
    when: {days_past_due: {max: 180}}
    action: negotiate
    terms:
      pay_in_full_within_days: 14
      settlement: {max_discount_pct: "10", pay_within_days: 10}
      plan:
        installments: {min: 2, max: 4}
        frequencies: [monthly]
        max_term_days: 150
        min_installment: "50.00"
        first_due_within_days: 14
"""


@cache
def nlu() -> EmbeddedUnderstanding:
    return EmbeddedUnderstanding()


def context(
    *,
    balance: str = "1200.00",
    currency: str = "USD",
    config: DialogueConfig | None = None,
    disputed: bool = False,
    consumer: bool = False,
    postal: str | None = POSTAL,
    policy_text: str = POLICY,
) -> DialogueContext:
    bal = Money.of(balance, currency)
    policy = load_policy(policy_text.replace("currency: USD", f"currency: {currency}"))
    from amicable.policy.model import DisputeStatus

    facts = AccountFacts(
        balance=bal,
        days_past_due=45,
        country="US",
        region="CA",
        dispute=DisputeStatus.OPEN if disputed else DisputeStatus.NONE,
    )
    space = evaluate(policy, facts, as_of=TODAY)
    result = optimise(policy, space, facts)
    ladder = tuple(LadderStep(v.offer, v.requires_approval) for v in result.ladder)
    debtor = DebtorFacts(
        name="Jane Doe",
        reference="C-001",
        balance=bal,
        invoices=(
            InvoiceFact("INV-1001", date(2026, 1, 2), date(2026, 1, 16), bal, bal, disputed),
        ),
        identity_answer=postal,
        consumer=consumer,
        last_payment=None,
    )
    return DialogueContext(
        now=NOW,
        today=TODAY,
        debtor=debtor,
        space=space,
        ladder=ladder,
        config=config or DialogueConfig(),
        payment_link="http://localhost:8000/pay/C-001",
    )


@dataclass
class Run:
    turns: list[Turn] = field(default_factory=list)
    state: ConversationState | None = None


def assert_turn_is_safe(turn: Turn, ctx: DialogueContext) -> None:
    """Every reply passes the content checker; every agreement passes the gate with ``ok`` (or
    ``needs_approval`` for exactly the terms a person approved in this conversation)."""
    st = turn.state
    if turn.reply is not None:
        facts = guardrails.content_facts(ctx, st, turn.offer)
        found = guardrails.vet(
            turn.reply,
            lang=st.lang,
            channel=st.channel,
            verified=st.verified,
            first_communication=turn.first_communication,
            facts=facts,
        )
        assert found == (), (turn.reply, found)
        if st.verified:
            # The full checker (disclosures included) also passes once verified.
            assert (
                check_content(
                    turn.reply,
                    lang=st.lang,
                    channel=st.channel,
                    first_communication=turn.first_communication,
                    facts=facts,
                )
                == ()
            )
    if turn.agreement is not None:
        outcome = check(ctx.space, turn.agreement.offer).outcome
        assert outcome is Outcome.OK or (
            outcome is Outcome.NEEDS_APPROVAL and turn.agreement.offer == st.approved
        )
        assert turn.promise is not None and turn.promise.confirmed


def talk(
    ctx: DialogueContext,
    lines: list[str],
    *,
    channel: str = "sms",
    lang: str = "en",
    inbound: bool = False,
) -> Run:
    run = Run()
    state, first = open_conversation(ctx, channel=channel, lang=lang, inbound=inbound)
    assert_turn_is_safe(first, ctx)
    run.turns.append(first)
    for line in lines:
        parse = nlu().parse(line, lang=lang, today=ctx.today, currency=ctx.debtor.balance.code)
        turn = step(state, parse, ctx, text=line)
        assert_turn_is_safe(turn, ctx)
        run.turns.append(turn)
        state = turn.state
    run.state = state
    return run


def play(script: str, ctx: DialogueContext, *, channel: str = "sms", lang: str = "en") -> Run:
    """Run a docstring script and check every expectation in it."""
    lines = [
        ln.split("#", 1)[0].strip() if not ln.strip().startswith(">") else ln.strip()
        for ln in textwrap.dedent(script).splitlines()
    ]
    lines = [ln for ln in lines if ln]
    inbound = lines[0] != "open"
    if not inbound:
        lines = lines[1:]
    state, first = open_conversation(ctx, channel=channel, lang=lang, inbound=inbound)
    assert_turn_is_safe(first, ctx)
    run = Run(turns=[first], state=state)
    turn = first
    for ln in lines:
        if ln.startswith(">"):
            text = ln[1:].strip()
            parse = nlu().parse(text, lang=lang, today=ctx.today, currency=ctx.debtor.balance.code)
            assert run.state is not None
            turn = step(run.state, parse, ctx, text=text)
            assert_turn_is_safe(turn, ctx)
            run.turns.append(turn)
            run.state = turn.state
        elif ln.startswith("="):
            expect(turn, ln[1:].split(), ctx)
        else:
            raise AssertionError(f"bad script line {ln!r}")
    return run


def expect(turn: Turn, words: list[str], ctx: DialogueContext) -> None:
    state, *flags = words
    where = f"after {turn.intents}: reply {turn.reply!r}, reasons {turn.reasons}"
    assert turn.state.state.value == state, f"state {turn.state.state.value} != {state} {where}"
    for flag in flags:
        if flag == "offer":
            assert turn.offer is not None, where
        elif flag == "no-offer":
            assert turn.offer is None, where
        elif flag == "agreement":
            assert turn.agreement is not None, where
        elif flag == "no-agreement":
            assert turn.agreement is None, where
        elif flag == "silent":
            assert turn.reply is None, where
        elif flag.startswith("escalation:"):
            assert turn.escalation is not None, where
            assert turn.escalation.reason.value == flag.split(":", 1)[1], where
        elif flag == "no-disclosure":
            reply = turn.reply or ""
            assert ctx.debtor.invoices[0].number not in reply, where
            assert "$" not in reply and "€" not in reply, where
            assert not turn.state.disclosed, where
        elif flag.startswith("reply~"):
            assert flag.split("~", 1)[1].replace("_", " ") in (turn.reply or ""), where
        else:
            raise AssertionError(f"unknown flag {flag!r}")


def with_config(ctx: DialogueContext, **changes: object) -> DialogueContext:
    return replace(ctx, config=replace(ctx.config, **changes))
