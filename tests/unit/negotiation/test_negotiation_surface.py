"""The negotiation area's public surface is pinned: a change to it is a deliberate edit here."""

from __future__ import annotations

import importlib

import pytest

SURFACE = {
    "amicable.negotiation.dialogue": {"open_conversation", "resume_approved", "step"},
    "amicable.negotiation.llm": {
        "LLMSettings", "OpenAIPhraser", "PHRASING_PROMPT", "make_phraser", "phrase_turn",
    },
    "amicable.negotiation.guardrails": {
        "ALWAYS_HONOURED", "ELECTRONIC", "PhrasedReply", "Phraser", "check_model_text",
        "content_facts", "guarded_phrasing", "manipulation", "reply_terms", "vet",
    },
    "amicable.service.conversations": {
        "LocalPortalLinks", "NothingOwedError", "PaymentLinks", "arrangement_in_force",
        "dialogue_context",
        "embedded_understanding", "handle_inbound", "latest_conversation", "record_stop",
        "resume_approved_terms", "start_conversation",
    },
    "amicable.service.conversations_ports": {
        "ConversationRepository", "ConversationsUnitOfWork", "NewMessage", "StoredConversation",
        "StoredMessage",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_the_public_surface_is_exactly_what_is_pinned(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) == SURFACE[name]
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.{attr} is exported but missing"
