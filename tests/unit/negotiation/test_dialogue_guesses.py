"""The dialogue does not act on the NLU's low-confidence best guess of an escalation or an ending
(a parse built by hand, so the test does not depend on the trained model)."""

from __future__ import annotations

from negotiation_script import context

from amicable.negotiation.dialogue import GUESS_FLOOR, open_conversation, step
from amicable.negotiation.nlu import Entities, Intent, Parse
from amicable.negotiation.states import ConversationState, DialogueContext, State


def _verified_state() -> tuple[DialogueContext, ConversationState]:
    ctx = context()
    state, _ = open_conversation(ctx, channel="sms", lang="en", inbound=False)
    parse = Parse((Intent("identity_answer", 0.95),), Entities(), "en", "test")
    turn = step(state, parse, ctx, text="94110")
    assert turn.state.state is State.NEGOTIATING
    return ctx, turn.state


def test_a_guessed_request_for_a_person_below_the_floor_is_not_an_escalation() -> None:
    ctx, state = _verified_state()
    guess = Parse((Intent("request_human", GUESS_FLOOR - 0.2),), Entities(), "en", "test")
    turn = step(state, guess, ctx, text="i like trains")
    assert turn.state.state is State.NEGOTIATING
    assert turn.escalation is None


def test_a_confident_request_for_a_person_escalates() -> None:
    ctx, state = _verified_state()
    sure = Parse((Intent("request_human", 0.97),), Entities(), "en", "test")
    turn = step(state, sure, ctx, text="let me talk to a person")
    assert turn.state.state is State.ESCALATED


def test_a_guessed_cease_is_still_honoured() -> None:
    ctx, state = _verified_state()
    guess = Parse((Intent("cease_contact", GUESS_FLOOR - 0.2),), Entities(), "en", "test")
    turn = step(state, guess, ctx, text="enough")
    assert turn.state.state is State.CEASED and turn.reply is None
