"""A weak safety signal (a second intent below MIN_CONFIDENCE, or a most-likely one set aside as a
guess) is not acted on, but the reply asks the one question that lets the debtor say it plainly.
Parses are built by hand, so the tests do not depend on the trained model."""

from __future__ import annotations

import pytest
from negotiation_script import assert_turn_is_safe, context

from amicable.negotiation.dialogue import (
    GUESS_FLOOR,
    MIN_CONFIDENCE,
    POSSIBLE_SIGNALS,
    open_conversation,
    step,
)
from amicable.negotiation.nlu import Entities, Intent, Parse
from amicable.negotiation.replies import REGULATED, render
from amicable.negotiation.states import ConversationState, DialogueContext, State

WEAK = MIN_CONFIDENCE - 0.2


def _verified(lang: str = "en") -> tuple[DialogueContext, ConversationState]:
    ctx = context()
    state, _ = open_conversation(ctx, channel="email", lang=lang, inbound=False)
    parse = Parse((Intent("identity_answer", 0.95),), Entities(), lang, "test")
    turn = step(state, parse, ctx, text="94110")
    assert turn.state.state is State.NEGOTIATING
    return ctx, turn.state


def _parse(*intents: tuple[str, float], lang: str = "en") -> Parse:
    return Parse(tuple(Intent(n, c) for n, c in intents), Entities(), lang, "test")


@pytest.mark.parametrize(("signal", "key"), POSSIBLE_SIGNALS)
def test_a_weak_second_safety_intent_gets_its_question_and_nothing_else_changes(
    signal: str, key: str
) -> None:
    ctx, state = _verified()
    plain = step(state, _parse(("reject", 0.9)), ctx, text="no")
    weak = step(state, _parse(("reject", 0.9), (signal, WEAK)), ctx, text="no")
    # Not acted on: the same state, the same offer, no escalation, no silence.
    assert weak.state.state is plain.state.state is State.NEGOTIATING
    assert weak.offer == plain.offer and weak.escalation is None
    assert weak.reply is not None and plain.reply is not None
    question = render(key, "en", ctx.config.tone)
    assert question in weak.reply and question not in plain.reply
    assert f"possible:{signal}" in weak.reasons
    assert [p.key for p in weak.parts].count(key) == 1
    assert_turn_is_safe(weak, ctx)


def test_only_the_highest_stake_question_is_asked() -> None:
    ctx, state = _verified()
    turn = step(
        state,
        _parse(("reject", 0.9), ("hardship", 0.3), ("legal", 0.25), ("cease_contact", 0.2)),
        ctx,
        text="no",
    )
    keys = [p.key for p in turn.parts]
    assert "check_legal" in keys
    assert "check_cease" not in keys and "check_hardship" not in keys
    assert turn.reasons.count("possible:legal") == 1


def test_a_confident_second_safety_intent_is_acted_on_not_asked() -> None:
    ctx, state = _verified()
    turn = step(state, _parse(("reject", 0.9), ("hardship", 0.8)), ctx, text="no, lost my job")
    assert turn.state.state is State.ESCALATED
    assert not any(p.key.startswith("check_") for p in turn.parts)


def test_a_guessed_request_for_a_person_is_asked_about() -> None:
    ctx, state = _verified()
    turn = step(state, _parse(("request_human", GUESS_FLOOR - 0.2)), ctx, text="i like trains")
    assert turn.state.state is State.NEGOTIATING and turn.escalation is None
    assert "check_person" in [p.key for p in turn.parts]


def test_no_question_before_verification() -> None:
    ctx = context()
    state, _ = open_conversation(ctx, channel="sms", lang="en", inbound=False)
    turn = step(state, _parse(("other", 0.9), ("legal", WEAK)), ctx, text="who is this")
    assert turn.state.state is State.VERIFYING
    assert turn.reply is not None
    assert not any(p.key.startswith("check_") for p in turn.parts)
    assert "possible:legal" not in turn.reasons


def test_no_question_on_a_silent_or_closing_turn() -> None:
    ctx, state = _verified()
    ceased = step(state, _parse(("cease_contact", 0.95), ("hardship", WEAK)), ctx, text="stop")
    assert ceased.reply is None
    escalated = step(state, _parse(("request_human", 0.95), ("legal", WEAK)), ctx, text="person")
    assert escalated.state.state is State.ESCALATED
    assert not any(p.key.startswith("check_") for p in escalated.parts)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_questions_are_approved_wording_in_every_language(lang: str) -> None:
    ctx, state = _verified(lang)
    for signal, key in POSSIBLE_SIGNALS:
        assert key in REGULATED  # never reworded by a language model
        turn = step(state, _parse(("reject", 0.9), (signal, WEAK), lang=lang), ctx, text="no")
        assert turn.reply is not None and render(key, lang, ctx.config.tone) in turn.reply
        assert_turn_is_safe(turn, ctx)
