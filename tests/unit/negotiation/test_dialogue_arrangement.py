"""A payment plan or promise already in force: once verified, the debtor is told how it stands
and offered no other terms; asking for other terms goes to a person, and an arrangement made
while terms were being read back stops the agreement (pure dialogue, real NLU). A second plan
used to be agreed beside the first, for the same balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from negotiation_script import POSTAL, assert_turn_is_safe, context, nlu, talk

from amicable.domain.money import Money
from amicable.negotiation.dialogue import step
from amicable.negotiation.states import (
    Arrangement,
    ConversationState,
    DialogueContext,
    EscalationReason,
    State,
    Turn,
)

PLAN = Arrangement(
    "plan", "PL-C000001", date(2026, 3, 9), Money.of("120.00", "USD"), Money.of("1200.00", "USD")
)


def _say(state: ConversationState, text: str, ctx: DialogueContext, lang: str = "en") -> Turn:
    parse = nlu().parse(text, lang=lang, today=ctx.today, currency=ctx.debtor.balance.code)
    turn = step(state, parse, ctx, text=text)
    assert_turn_is_safe(turn, ctx)
    return turn


def _told(lang: str = "en") -> tuple[DialogueContext, Turn]:
    ctx = replace(context(), arrangement=PLAN)
    return ctx, talk(ctx, [POSTAL], lang=lang).turns[-1]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "payment plan"), ("fr", "échéancier"), ("es", "plan de pagos")],
)
def test_verified_with_a_plan_in_force_the_debtor_is_told_it_and_offered_nothing(
    lang: str, words: str
) -> None:
    _ctx, turn = _told(lang)
    assert turn.state.state is State.NEGOTIATING
    assert turn.offer is None and turn.state.offer is None
    assert turn.state.arrangement == "PL-C000001"
    assert turn.reply is not None and words in turn.reply and "PL-C000001" in turn.reply
    assert "arrangement_in_force:PL-C000001" in turn.reasons
    # the state (and the arrangement told) survive the database round trip
    assert ConversationState.from_json(turn.state.to_json()) == turn.state


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_arrangements_own_amounts_pass_the_content_check(lang: str) -> None:
    """A plan partly paid, or agreed on terms that are not today's ladder: its next payment and
    what is left are amounts of the account too (they failed the content check as "misleading",
    and the verified debtor's conversation went to a person instead of being told the plan)."""
    odd = Arrangement(
        "plan", "PL-C000001", date(2026, 3, 9), Money.of("77.70", "USD"), Money.of("311.10", "USD")
    )
    ctx = replace(context(), arrangement=odd)
    turn = talk(ctx, [POSTAL], lang=lang).turns[-1]
    assert_turn_is_safe(turn, ctx)
    assert turn.escalation is None and turn.state.state is State.NEGOTIATING
    assert turn.reply is not None and "77" in turn.reply and "311" in turn.reply


def test_without_an_arrangement_the_options_are_presented_as_before() -> None:
    ctx = context()
    turn = talk(ctx, [POSTAL]).turns[-1]
    assert turn.offer is not None and turn.state.arrangement is None


@pytest.mark.parametrize("text", ["I can pay 200 a month", "can I get a payment plan?", "no"])
def test_asking_for_other_terms_beside_it_goes_to_a_person(text: str) -> None:
    ctx, told = _told()
    turn = _say(told.state, text, ctx)
    assert turn.state.state is State.ESCALATED
    assert turn.escalation is not None
    assert turn.escalation.reason is EscalationReason.ARRANGEMENT_CHANGE
    assert "PL-C000001" in turn.escalation.summary
    assert turn.agreement is None and turn.offer is None
    assert turn.reply is not None and "stays as agreed" in turn.reply


def test_an_acknowledgement_keeps_the_arrangement_and_nothing_is_agreed() -> None:
    ctx, told = _told()
    turn = _say(told.state, "yes", ctx)
    assert turn.state.state is State.NEGOTIATING and turn.agreement is None
    assert turn.reply is not None and "stays as agreed" in turn.reply
    # anything else is no progress: the arrangement is restated, nothing is offered
    other = _say(turn.state, "thanks", ctx)
    assert other.agreement is None and other.offer is None
    assert other.reply is not None and "PL-C000001" in other.reply


def test_once_the_arrangement_is_over_the_conversation_goes_on_without_it() -> None:
    ctx, told = _told()
    over = replace(ctx, arrangement=None)  # completed or broken since
    turn = _say(told.state, "I can pay 600 now and 600 next month", over)
    assert turn.state.arrangement is None
    assert turn.escalation is None or turn.escalation.reason is not (
        EscalationReason.ARRANGEMENT_CHANGE
    )


def test_an_arrangement_made_while_terms_were_read_back_stops_the_agreement() -> None:
    ctx = context()
    run = talk(ctx, [POSTAL, "yes"])
    confirming = run.state
    assert confirming.state is State.CONFIRMING and confirming.pending is not None
    meanwhile = replace(ctx, arrangement=PLAN)
    turn = _say(confirming, "yes", meanwhile)
    assert turn.agreement is None
    assert turn.escalation is not None
    assert turn.escalation.reason is EscalationReason.ARRANGEMENT_CHANGE
    # without it, the same confirmation agrees (the test above is not vacuous)
    assert _say(confirming, "yes", ctx).agreement is not None
