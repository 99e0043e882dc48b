"""Understanding debtor messages (NLU): intents, entities and language, behind one port.

Public surface: the port :class:`Understanding`, the immutable results (:class:`Parse`,
:class:`Intent`, :class:`Entities`), the closed intent set :data:`INTENTS`, and the backends —
:class:`EmbeddedUnderstanding` (default: offline rules + linear model, no torch),
:func:`make_understanding` to pick one by name, and the optional ``embeddings`` and ``llm``
backends (imported lazily from their modules; their extras are not needed for the default).

Invariant: every backend returns intents from :data:`INTENTS` only and amounts as ``Money``; a
debtor's message is data, never instructions.
"""

from __future__ import annotations

from amicable.negotiation.nlu.backends import BACKENDS, make_understanding
from amicable.negotiation.nlu.embedded import EmbeddedUnderstanding
from amicable.negotiation.nlu.lang import detect_language
from amicable.negotiation.nlu.types import (
    CHANNELS,
    INTENTS,
    LANGS,
    PERIODS,
    SAFETY_INTENTS,
    Entities,
    Intent,
    Parse,
    Understanding,
)

__all__ = [
    "BACKENDS",
    "CHANNELS",
    "INTENTS",
    "LANGS",
    "PERIODS",
    "SAFETY_INTENTS",
    "EmbeddedUnderstanding",
    "Entities",
    "Intent",
    "Parse",
    "Understanding",
    "detect_language",
    "make_understanding",
]
