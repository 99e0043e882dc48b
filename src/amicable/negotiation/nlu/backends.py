"""Choosing an NLU backend by name (``embedded`` | ``embeddings`` | ``llm``) from settings.

The language-model backend reads its server from the arguments or the environment:
``AMICABLE_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:8000/v1``), ``AMICABLE_LLM_MODEL`` and
``AMICABLE_LLM_API_KEY``. Invariant: an unknown name or a missing setting is a clear
:class:`InvalidInput`; the default needs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from amicable.domain.errors import InvalidInput
from amicable.negotiation.nlu.embedded import EmbeddedUnderstanding
from amicable.negotiation.nlu.types import Understanding

__all__ = ["BACKENDS", "make_understanding"]

BACKENDS: Final = ("embedded", "embeddings", "llm")


def make_understanding(
    name: str = "embedded", *, env: Mapping[str, str] | None = None
) -> Understanding:
    """The backend called ``name``, configured from ``env`` (default: the process environment)."""
    settings = os.environ if env is None else env
    if name == "embedded":
        return EmbeddedUnderstanding()
    if name == "embeddings":
        from amicable.negotiation.nlu.embeddings import EmbeddingsUnderstanding

        return EmbeddingsUnderstanding(settings.get("AMICABLE_EMBEDDINGS_MODEL_PATH"))
    if name == "llm":
        from amicable.negotiation.nlu.llm import LLMUnderstanding

        base_url, model = settings.get("AMICABLE_LLM_BASE_URL"), settings.get("AMICABLE_LLM_MODEL")
        if not base_url or not model:
            raise InvalidInput("the llm backend needs AMICABLE_LLM_BASE_URL and AMICABLE_LLM_MODEL")
        return LLMUnderstanding(
            base_url=base_url, model=model, api_key=settings.get("AMICABLE_LLM_API_KEY")
        )
    raise InvalidInput(f"unknown NLU backend {name!r}; expected one of {BACKENDS}")
