"""The embedded intent model: one-vs-rest logistic regression over word 1–2-grams and
character 2–5-grams (within word boundaries), with sub-linear TF-IDF weighting.

It is trained at *build time* by :func:`build` (scikit-learn, a few seconds) into the shipped file
``data/intent_model.json``; at run time :func:`intent_model` loads that file and predicts with
plain Python and NumPy — scikit-learn is not even imported — so loading takes a fraction of a
second and one message well under a millisecond.

Invariants
----------
* Deterministic: same corpus, same weights (liblinear with a fixed data order).
* The weights file records the SHA-256 of the corpus it was trained on; :func:`intent_model`
  refuses a file whose digest does not match the shipped corpus (a stale model must not ship).
  Rebuild with ``amicable nlu train`` (or ``python -m amicable.negotiation.nlu.train``).
* The analyzers here reproduce scikit-learn's ``word`` and ``char_wb`` analyzers exactly (a test
  checks it), so training-time and run-time features agree.
* Every score is in [0, 1]; the label order is :data:`INTENTS`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from amicable.domain.errors import InvariantViolation
from amicable.negotiation.nlu.corpus import load_split
from amicable.negotiation.nlu.lang import normalize
from amicable.negotiation.nlu.types import INTENTS, LANGS

__all__ = [
    "PARAMS",
    "IntentModel",
    "build",
    "char_wb_ngrams",
    "corpus_digest",
    "intent_model",
    "strip_accents",
    "training_texts",
    "word_ngrams",
]

PARAMS: Final[dict[str, Any]] = {"C": 8.0, "class_weight": "balanced", "char_min_df": 3}
_TOKEN_RE: Final = re.compile(r"(?u)\b\w[\w']*\b")
_WORD_TOKEN_PATTERN: Final = r"(?u)\b\w[\w']*\b"
_WHITE: Final = re.compile(r"\s\s+")
_FILE: Final = "intent_model.json"


def word_ngrams(text: str) -> list[str]:
    """Word 1- and 2-grams, as scikit-learn's ``word`` analyzer with this token pattern."""
    tokens = _TOKEN_RE.findall(text)
    grams = list(tokens)
    grams.extend(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    return grams


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries, as scikit-learn's ``char_wb`` analyzer."""
    text = _WHITE.sub(" ", text)
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:
                break
    return grams


def strip_accents(text: str) -> str:
    """``"déjà payé"`` -> ``"deja paye"`` (SMS writers often drop accents)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class _Block:
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    offset: int


class IntentModel:
    """Scores every intent of :data:`INTENTS` for one normalised message."""

    def __init__(
        self,
        blocks: tuple[_Block, ...],
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
    ) -> None:
        self._blocks = blocks
        self._weights = weights  # (n_features, n_intents)
        self._bias = bias

    def scores(self, text: str) -> dict[str, float]:
        """Intent name -> score in [0, 1] (one independent logistic model per intent)."""
        logits = self._bias.copy()
        for block in self._blocks:
            counts: dict[int, int] = {}
            for gram in block.analyzer(text):
                index = block.vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            values = (1.0 + np.log(tf)) * block.idf[idx]
            norm = float(np.sqrt(values @ values))
            if norm > 0.0:
                logits = logits + (values / norm) @ self._weights[idx + block.offset]
        probs = 1.0 / (1.0 + np.exp(-logits))
        return {name: float(p) for name, p in zip(INTENTS, probs, strict=True)}


def training_texts() -> tuple[list[str], list[tuple[str, ...]]]:
    """The normalised training texts and their labels, with accent-stripped copies added."""
    texts: list[str] = []
    labels: list[tuple[str, ...]] = []
    for lang in LANGS:
        for example in load_split("corpus", lang):
            text = normalize(example.text)
            texts.append(text)
            labels.append(example.intents)
            plain = strip_accents(text)
            if plain != text:
                texts.append(plain)
                labels.append(example.intents)
    return texts, labels


def corpus_digest() -> str:
    """SHA-256 over the training corpus files and the training parameters."""
    digest = hashlib.sha256(json.dumps(PARAMS, sort_keys=True).encode())
    for lang in LANGS:
        name = f"corpus_{lang}.jsonl"
        data = resources.files("amicable.negotiation.nlu").joinpath("data").joinpath(name)
        digest.update(data.read_bytes())
    return digest.hexdigest()


def fit(
    texts: list[str], labels: list[tuple[str, ...]], params: dict[str, Any] = PARAMS
) -> dict[str, Any]:
    """Train with scikit-learn; returns the JSON-ready model (vocabularies, idf, weights)."""
    from scipy.sparse import hstack  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    word = TfidfVectorizer(analyzer="word", ngram_range=(1, params.get("word_high", 2)), sublinear_tf=True, token_pattern=_WORD_TOKEN_PATTERN, lowercase=False, min_df=params.get("word_min_df", 1))  # fmt: skip
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=params["char_min_df"], lowercase=False)  # fmt: skip
    features = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    weights = np.zeros((features.shape[1], len(INTENTS)))
    bias = np.full(len(INTENTS), -8.0)
    for column, name in enumerate(INTENTS):
        target = np.array([1 if name in gold else 0 for gold in labels])
        if target.sum() == 0:
            continue  # an intent never seen in training keeps a near-zero score
        classifier = LogisticRegression(
            C=params["C"], solver="liblinear", class_weight=params["class_weight"], max_iter=1000
        )
        classifier.fit(features, target)
        weights[:, column] = classifier.coef_[0]
        bias[column] = classifier.intercept_[0]

    def vocab(vectorizer: Any) -> list[str]:
        terms = [""] * len(vectorizer.vocabulary_)
        for term, index in vectorizer.vocabulary_.items():
            terms[index] = term
        return terms

    return {
        "intents": list(INTENTS),
        "word_vocab": vocab(word),
        "word_idf": [round(float(x), 6) for x in word.idf_],
        "char_vocab": vocab(char),
        "char_idf": [round(float(x), 6) for x in char.idf_],
        "weights": [[round(float(w), 4) for w in row] for row in weights],
        "bias": [round(float(b), 6) for b in bias],
    }


def from_json(data: dict[str, Any]) -> IntentModel:
    """An :class:`IntentModel` from the dictionary :func:`fit` produced."""
    if data.get("intents") != list(INTENTS):
        raise InvariantViolation("intent model file was trained for a different intent set")
    word_vocab = {term: i for i, term in enumerate(data["word_vocab"])}
    char_vocab = {term: i for i, term in enumerate(data["char_vocab"])}
    blocks = (
        _Block(word_ngrams, word_vocab, np.asarray(data["word_idf"], dtype=np.float64), 0),
        _Block(char_wb_ngrams, char_vocab, np.asarray(data["char_idf"], dtype=np.float64), len(word_vocab)),
    )  # fmt: skip
    weights = np.asarray(data["weights"], dtype=np.float64)
    bias = np.asarray(data["bias"], dtype=np.float64)
    if weights.shape != (len(word_vocab) + len(char_vocab), len(INTENTS)):
        raise InvariantViolation(f"intent model weights have shape {weights.shape}")
    return IntentModel(blocks, weights, bias)


def build(path: Path | None = None) -> Path:
    """Train on the shipped corpus and write the weights file (the build step)."""
    texts, labels = training_texts()
    data = {"corpus_sha256": corpus_digest(), "params": PARAMS, **fit(texts, labels)}
    target = path or Path(str(resources.files("amicable.negotiation.nlu").joinpath("data"))) / _FILE
    target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return target


_lock = threading.Lock()
_cache: list[IntentModel] = []


def intent_model() -> IntentModel:
    """The process-wide model, loaded from the shipped weights file on first call."""
    with _lock:
        if not _cache:
            raw = resources.files("amicable.negotiation.nlu").joinpath("data").joinpath(_FILE)
            try:
                data = json.loads(raw.read_text("utf-8"))
            except FileNotFoundError as exc:
                raise InvariantViolation(
                    "intent model weights are missing; run amicable nlu train"
                ) from exc
            if data.get("corpus_sha256") != corpus_digest():
                raise InvariantViolation(
                    "intent model weights are stale (the corpus changed); run amicable nlu train"
                )
            _cache.append(from_json(data))
        return _cache[0]
