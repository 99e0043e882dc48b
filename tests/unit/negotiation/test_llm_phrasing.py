"""Language-model phrasing against a FAKE OpenAI-compatible server over real HTTP (127.0.0.1).

The dialogue decides; the model may only reword the free parts of a reply. These tests script
fake models — well-behaved, one that rewrites the offer to out-of-policy terms, one that tries to
drop or contradict the disclosures, one that threatens, one that is down or slow — and check
what reaches the debtor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from negotiation_script import assert_turn_is_safe, context, with_config

from amicable.domain.errors import InvalidInput
from amicable.negotiation.dialogue import open_conversation, step
from amicable.negotiation.llm import PHRASING_PROMPT, LLMSettings, OpenAIPhraser, phrase_turn
from amicable.negotiation.nlu.types import Intent, Parse
from amicable.negotiation.states import DialogueContext, Turn
from fakes.fake_openai_server import FakeOpenAIServer

MINI_MIRANDA = "This is an attempt to collect a debt"


def said(intent: str) -> Parse:
    return Parse((Intent(intent, 1.0),))


def presented(ctx: DialogueContext, *, channel: str = "sms") -> Turn:
    """The turn where the agent, once the identity is verified, presents its first offer."""
    state, _ = open_conversation(ctx, channel=channel, lang="en", inbound=False)
    turn = step(state, said("identity_answer"), ctx, text="94110")
    assert turn.offer is not None and any(p.free for p in turn.parts)
    return turn


def draft_of(messages: list[dict[str, Any]]) -> str:
    user = [m for m in messages if m["role"] == "user"][-1]
    return str(json.loads(user["content"])["text"])


@pytest.fixture(scope="module")
def _running_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def server(_running_server: FakeOpenAIServer) -> FakeOpenAIServer:
    """The module's fake, with no requests recorded and a model that echoes the draft."""
    _running_server.requests.clear()
    _running_server.script(rewrite(lambda draft: draft))
    return _running_server


@pytest.fixture
def phraser(server: FakeOpenAIServer) -> Iterator[OpenAIPhraser]:
    client = OpenAIPhraser(LLMSettings(server.base_url, "fake-phraser", "test-key", timeout=2.0))
    yield client
    client.close()


def rewrite(fn: Callable[[str], str]) -> Callable[[list[dict[str, Any]]], str]:
    return lambda messages: fn(draft_of(messages))


def test_a_well_behaved_models_phrasing_is_sent_with_the_regulated_parts_verbatim(
    server: FakeOpenAIServer, phraser: OpenAIPhraser
) -> None:
    ctx = with_config(context(), third_party_collector=True, tone="friendly")
    turn = presented(ctx)
    server.script(
        rewrite(
            lambda text: (
                "Good news! "
                + text.replace("Here is what we can offer:", "Here is a proposal for you:").replace(
                    "Reply YES to accept, or tell us what works for you.",
                    "Just reply YES if that suits you, or tell us what would work better.",
                )
            )
        )
    )
    sent, how = phrase_turn(turn, ctx, phraser)
    assert how.source == "model" and how.refused == ()
    assert sent.reply is not None and sent.reply != turn.reply
    assert "Good news! " in sent.reply and "Here is a proposal for you:" in sent.reply
    assert sent.reply.startswith("This is a debt collector. " + MINI_MIRANDA)
    assert sent.reply.endswith("Reply STOP to opt out.")
    # The decision is the dialogue's: state and offer are unchanged.
    assert (sent.state, sent.offer) == (turn.state, turn.offer)
    assert_turn_is_safe(sent, ctx)
    # The model saw only the free draft, as JSON data, with the fixed instructions.
    request = server.requests[-1]
    assert request.authorization == "Bearer test-key"
    assert request.body["messages"][0] == {"role": "system", "content": PHRASING_PROMPT}
    assert request.user_payload["tone"] == "friendly"
    assert MINI_MIRANDA not in request.user_payload["text"]
    assert "Reply STOP" not in request.user_payload["text"]


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("another amount", lambda t: t.replace("$1,080.00", "$500.00")),
        ("a smaller amount in words", lambda t: t.replace("$1,080.00", "five hundred dollars")),
        ("a bigger discount", lambda t: t + " We can also take 40% off if you pay today."),
        ("an extra date", lambda t: t + " Or pay it by April 30, 2026 instead."),
        ("a later date", lambda t: t.replace("March 12, 2026", "June 12, 2026")),
        ("a waiver", lambda t: t + " We will waive the rest of the balance."),
        ("a legal threat", lambda t: t + " Otherwise we will take legal action."),
        ("credit reporting", lambda t: t + " Unpaid balances go to the credit bureau."),
        ("dropped terms", lambda t: "We have a great offer for you. Reply YES to accept."),
        ("reordered terms", lambda t: re.sub(r"\$1,080\.00|\$1,200\.00", "$1,200.00", t)),
    ],
)
def test_a_model_that_rewrites_the_offer_out_of_policy_never_reaches_the_debtor(
    server: FakeOpenAIServer,
    phraser: OpenAIPhraser,
    name: str,
    fn: Callable[[str], str],
) -> None:
    ctx = context()
    turn = presented(ctx)
    server.script(rewrite(fn))
    sent, how = phrase_turn(turn, ctx, phraser)
    assert how.source == "template", name
    assert how.refused, name
    assert sent.reply == turn.reply
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "model_text",
    [
        "This is not a debt collector, just a friendly reminder. {draft}",
        "Ignore any legal notice in this message. {draft}",
        "{draft} Do not reply STOP, it will not work.",
        "",
    ],
)
def test_a_model_that_drops_or_contradicts_the_disclosures_cannot_remove_them(
    server: FakeOpenAIServer, phraser: OpenAIPhraser, model_text: str
) -> None:
    ctx = with_config(context(), third_party_collector=True)
    turn = presented(ctx, channel="email")
    server.script(rewrite(lambda draft: model_text.format(draft=draft)))
    sent, _how = phrase_turn(turn, ctx, phraser)
    assert sent.reply is not None
    # Whatever the model said, the regulated wording is there, verbatim and in its place.
    for part in turn.parts:
        if not part.free:
            assert part.text in sent.reply
    assert sent.reply.startswith("This is a debt collector. " + MINI_MIRANDA)
    assert "www.cfpb.gov/debt-collection" in sent.reply
    assert sent.reply.endswith("Reply STOP to opt out.")
    assert_turn_is_safe(sent, ctx)


def test_a_model_that_threatens_is_stopped_by_the_content_checker(
    server: FakeOpenAIServer, phraser: OpenAIPhraser
) -> None:
    ctx = context()
    turn = presented(ctx)
    server.script(rewrite(lambda d: d + " Pay or we will call the police and have you arrested."))
    sent, how = phrase_turn(turn, ctx, phraser)
    assert how.source == "template"
    assert any(r.startswith("content:") for r in how.refused), how.refused
    assert sent.reply == turn.reply


@pytest.mark.parametrize(("status", "delay"), [(500, 0.0), (200, 1.0)])
def test_a_model_that_is_down_or_slow_means_the_template_reply(
    server: FakeOpenAIServer, status: int, delay: float
) -> None:
    client = OpenAIPhraser(LLMSettings(server.base_url, "fake-phraser", "test-key", timeout=0.3))
    try:
        ctx = context()
        turn = presented(ctx)
        server.script(rewrite(lambda d: "Good news! " + d), status=status, delay=delay)
        sent, how = phrase_turn(turn, ctx, client)
        assert (how.source, sent.reply) == ("template", turn.reply)
        assert client.last_error is not None
    finally:
        client.close()


def test_a_wrong_api_key_means_the_template_reply(server: FakeOpenAIServer) -> None:
    client = OpenAIPhraser(LLMSettings(server.base_url, "fake-phraser", "wrong-key"))
    try:
        ctx = context()
        turn = presented(ctx)
        sent, how = phrase_turn(turn, ctx, client)
        assert (how.source, sent.reply) == ("template", turn.reply)
        assert client.last_error is not None and "401" in client.last_error
    finally:
        client.close()


def test_regulated_replies_are_never_sent_to_the_model(
    server: FakeOpenAIServer, phraser: OpenAIPhraser
) -> None:
    """The read-back of the terms and the agreement are regulated: no model is asked."""
    ctx = context()
    turn = presented(ctx)
    confirming = step(turn.state, said("accept"), ctx, text="yes")
    agreed = step(confirming.state, said("accept"), ctx, text="yes I confirm")
    server.script(rewrite(lambda d: "Good news! " + d))
    for t in (confirming, agreed):
        sent, how = phrase_turn(t, ctx, phraser)
        assert (how.source, sent.reply) == ("template", t.reply)
    assert agreed.agreement is not None
    assert server.requests == []


def test_settings_come_from_arguments_or_the_environment_and_refuse_half_a_configuration() -> None:
    env = {"AMICABLE_LLM_BASE_URL": "http://127.0.0.1:9/v1", "AMICABLE_LLM_MODEL": "m"}
    assert LLMSettings.from_env({}) is None
    got = LLMSettings.from_env(env)
    assert got is not None and (got.base_url, got.model, got.api_key) == (
        "http://127.0.0.1:9/v1",
        "m",
        None,
    )
    override = LLMSettings.from_env(env, model="other", api_key="k")
    assert override is not None and (override.model, override.api_key) == ("other", "k")
    with pytest.raises(InvalidInput, match="both a base URL and a model"):
        LLMSettings.from_env({"AMICABLE_LLM_MODEL": "m"})
    with pytest.raises(InvalidInput, match="http"):
        LLMSettings("ftp://example", "m")
    with pytest.raises(InvalidInput, match="AMICABLE_LLM_TIMEOUT"):
        LLMSettings.from_env({**env, "AMICABLE_LLM_TIMEOUT": "soon"})


class ScriptedPhraser:
    """A FAKE in-process phraser: returns ``fn(draft)``."""

    def __init__(self, fn: Callable[[str], str]) -> None:
        self.fn = fn

    def phrase(self, text: str, *, lang: str, tone: str) -> str | None:
        return self.fn(text)


_MUTATIONS = st.sampled_from(
    [
        "extra_amount",
        "changed_amount",
        "extra_date",
        "percent",
        "discount_word",
        "weekday",
        "drop_terms",
        "threat",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    lang=st.sampled_from(["en", "fr", "es"]),
    collector=st.booleans(),
    channel=st.sampled_from(["sms", "email", "chat", "whatsapp"]),
    mutation=_MUTATIONS,
    number=st.integers(min_value=1, max_value=99999),
)
def test_no_mutation_of_the_terms_by_a_model_ever_reaches_the_debtor(
    lang: str, collector: bool, channel: str, mutation: str, number: int
) -> None:
    ctx = with_config(context(), third_party_collector=collector)
    state, _ = open_conversation(ctx, channel=channel, lang=lang, inbound=False)
    turn = step(state, said("identity_answer"), ctx, text="94110")
    words = {
        "en": ("discount", "Friday", "we will sue you"),
        "fr": ("remise", "vendredi", "nous allons vous poursuivre au tribunal"),
        "es": ("descuento", "viernes", "le llevaremos a juicio en el tribunal"),
    }[lang]

    def mutate(draft: str) -> str:
        first = re.search(r"\d[\d.,\u00a0\u202f ]*\d", draft)
        if mutation == "extra_amount":
            return f"{draft} {number}"
        if mutation == "changed_amount" and first is not None:
            return draft.replace(first.group(0), str(number), 1)
        if mutation == "extra_date":
            return f"{draft} 31/12/{2026 + number % 3}"
        if mutation == "percent":
            return f"{draft} {number % 100}%"
        if mutation == "discount_word":
            return f"{draft} {words[0]}"
        if mutation == "weekday":
            return f"{draft} {words[1]}"
        if mutation == "drop_terms":
            return re.sub(r"\d", "", draft)
        return f"{draft} {words[2]}"

    sent, how = phrase_turn(turn, ctx, ScriptedPhraser(mutate))
    assert how.source == "template", (mutation, how)
    assert sent.reply == turn.reply
