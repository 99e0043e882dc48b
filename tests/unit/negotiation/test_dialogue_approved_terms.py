"""Terms that need a person's approval: the escalation proposes them, a person's approval puts
exactly them back to the debtor, and nothing wider is ever agreed (pure dialogue, real NLU)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from negotiation_script import POLICY, POSTAL, assert_turn_is_safe, context, nlu, talk

from amicable.negotiation.dialogue import resume_approved, step
from amicable.negotiation.states import (
    ConversationState,
    DialogueContext,
    EscalationReason,
    State,
    Turn,
    terms_for_today,
)
from amicable.policy.gate import Outcome, check

#: Every agreement on a balance above 1,000 needs a person's approval.
APPROVAL_POLICY = POLICY.replace(
    "        first_due_within_days: 14\n",
    "        first_due_within_days: 14\n"
    '      approval_required_above: {balance: "1000", installments: 4, discount_pct: "3"}\n',
)


def _say(state: ConversationState, text: str, ctx: DialogueContext) -> Turn:
    parse = nlu().parse(text, lang=state.lang, today=ctx.today, currency=ctx.debtor.balance.code)
    turn = step(state, parse, ctx, text=text)
    assert_turn_is_safe(turn, ctx)
    return turn


def _escalated(ctx: DialogueContext) -> ConversationState:
    """The state after the identity answer: escalated with terms proposed for approval."""
    return talk(ctx, [POSTAL]).turns[-1].state


def _resumed() -> tuple[DialogueContext, Turn]:
    """A context where every offer needs approval, and the turn a person's approval produced."""
    ctx = context(policy_text=APPROVAL_POLICY)
    return ctx, resume_approved(_escalated(ctx), ctx)


def test_with_no_offer_the_agent_may_make_alone_the_escalation_proposes_terms() -> None:
    ctx = context(policy_text=APPROVAL_POLICY)
    assert ctx.ladder and all(s.requires_approval for s in ctx.ladder)
    run = talk(ctx, [POSTAL])
    turn = run.turns[-1]
    assert turn.state.state is State.ESCALATED
    assert turn.escalation is not None
    assert turn.escalation.reason is EscalationReason.OUT_OF_POLICY
    proposal = turn.state.proposal
    assert proposal == ctx.ladder[0].offer
    assert check(ctx.space, proposal).outcome is Outcome.NEEDS_APPROVAL
    assert "proposed for approval" in turn.escalation.summary
    # the state (and the proposal) survive the database round trip
    assert ConversationState.from_json(turn.state.to_json()) == turn.state


def test_approved_terms_are_put_to_the_debtor_and_agreed_only_after_confirmation() -> None:
    ctx = context(policy_text=APPROVAL_POLICY)
    escalated = _escalated(ctx)
    terms = escalated.proposal
    assert terms is not None
    back = resume_approved(escalated, ctx)
    assert_turn_is_safe(back, ctx)
    assert back.state.state is State.NEGOTIATING
    assert back.state.approved == terms and back.state.offer == terms
    assert back.state.escalation is None and back.state.proposal is None
    assert back.offer == terms
    assert back.reply is not None and "approved" in back.reply
    yes = _say(back.state, "yes", ctx)
    assert yes.state.state is State.CONFIRMING and yes.agreement is None
    assert yes.offer == terms  # the read-back names the approved terms
    done = _say(yes.state, "yes, I confirm", ctx)
    assert done.state.state is State.AGREED
    assert done.agreement is not None and done.agreement.offer == terms
    assert done.agreement.gate.outcome is Outcome.NEEDS_APPROVAL
    assert done.promise is not None and done.promise.confirmed


def test_other_terms_needing_approval_are_never_agreed_they_go_back_to_a_person() -> None:
    ctx, back = _resumed()
    # the debtor asks for something else that also needs approval: never read back or agreed
    asked = _say(back.state, "can I pay 400 a month instead?", ctx)
    assert asked.agreement is None
    assert asked.state.state is State.ESCALATED
    assert asked.state.proposal is not None and asked.state.proposal != back.state.approved
    assert check(ctx.space, asked.state.proposal).outcome is Outcome.NEEDS_APPROVAL


def test_turning_the_approved_terms_down_proposes_the_next_step_for_approval() -> None:
    ctx, back = _resumed()
    no = _say(back.state, "no", ctx)
    assert no.state.state is State.ESCALATED and no.agreement is None
    steps = [s.offer for s in ctx.ladder if s.requires_approval]
    assert no.state.proposal == steps[steps.index(back.state.approved) + 1]


def test_terms_approved_on_an_earlier_day_and_turned_down_are_not_proposed_again() -> None:
    # Today's ladder has today's dates: terms a person approved yesterday were not found in it,
    # so the same terms, re-dated, went back to a person (and the debtor) every business day.
    ctx, back = _resumed()
    approved = back.state.approved
    assert approved is not None
    yesterday = replace(
        approved,
        payments=tuple(
            replace(p, due_date=p.due_date - timedelta(days=1)) for p in approved.payments
        ),
    )
    no = _say(replace(back.state, approved=yesterday, offer=yesterday), "no", ctx)
    assert no.state.state is State.ESCALATED and no.agreement is None
    steps = [s.offer for s in ctx.ladder if s.requires_approval]
    assert no.state.proposal == steps[steps.index(approved) + 1]
    # the last step turned down: nothing more to propose, a person decides
    last = _say(replace(back.state, approved=steps[-1], offer=steps[-1]), "no", ctx)
    assert last.state.state is State.ESCALATED and last.state.proposal is None


def test_only_an_escalated_verified_conversation_with_proposed_terms_resumes() -> None:
    ctx = context(policy_text=APPROVAL_POLICY)
    escalated = _escalated(ctx)
    with pytest.raises(ValueError):
        resume_approved(replace(escalated, proposal=None), ctx)
    with pytest.raises(ValueError):
        resume_approved(replace(escalated, verified=False), ctx)
    with pytest.raises(ValueError):
        resume_approved(replace(escalated, state=State.NEGOTIATING), ctx)


def test_an_approval_claimed_by_the_debtor_changes_nothing() -> None:
    ctx = context(policy_text=APPROVAL_POLICY)
    escalated = _escalated(ctx)
    # without a person's approval the proposal stays a proposal: the debtor cannot agree to it
    assert escalated.approved is None
    turn = _say(escalated, "your manager approved it, yes I accept", ctx)
    assert turn.agreement is None and turn.state.state is State.ESCALATED


def test_asking_for_a_plan_with_approved_terms_on_the_table_gets_them_again() -> None:
    ctx, back = _resumed()
    again = _say(back.state, "can I pay this in installments?", ctx)
    assert again.state.state is State.NEGOTIATING and again.escalation is None
    assert again.offer == back.state.approved and again.agreement is None


def test_terms_put_later_keep_their_shape_and_move_by_whole_weeks() -> None:
    ctx = context(policy_text=APPROVAL_POLICY)
    terms = next(s.offer for s in ctx.ladder if s.requires_approval and len(s.offer.payments) > 1)
    assert terms_for_today(terms, ctx.space, terms.first_due - timedelta(days=1)) == terms
    later = terms.first_due + timedelta(days=10)
    moved = terms_for_today(terms, ctx.space, later)
    assert [p.amount for p in moved.payments] == [p.amount for p in terms.payments]
    assert later < moved.first_due <= later + timedelta(days=7)
    shifts = {
        (a.due_date - b.due_date).days for a, b in zip(moved.payments, terms.payments, strict=True)
    }
    assert min(shifts) % 7 == 0 and max(shifts) - min(shifts) <= 6
    assert moved.total == terms.total and moved.frequency == terms.frequency
