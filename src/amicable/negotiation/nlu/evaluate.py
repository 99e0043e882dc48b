"""Measuring an :class:`Understanding` on a shipped labelled split (``test`` by default, or ``dev``).

Metrics, per language and overall:

* **accuracy** — the top predicted intent is one of the gold intents (a multi-intent message has
  no single right "first" intent, so any gold intent counts);
* **macro-F1** — per-intent F1 of the predicted intent *sets* against the gold sets, averaged
  over every intent that occurs in the gold labels or the predictions;
* **entity accuracy** — share of entity-labelled lines whose seven entity fields all equal the
  gold ones exactly (a missing or spurious field fails the line);
* **recall** of each safety-critical intent (:data:`SAFETY_INTENTS`).

Invariants: pure given the backend; the figures are plain floats rounded to four places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from amicable.domain.errors import InvalidInput
from amicable.negotiation.nlu.corpus import EVAL_SPLITS, Example, load_split
from amicable.negotiation.nlu.types import INTENTS, LANGS, SAFETY_INTENTS, Understanding

__all__ = ["TARGETS", "LangReport", "Miss", "evaluate"]

TARGETS: Final[dict[str, float]] = {
    "accuracy_en": 0.90,
    "accuracy_fr": 0.85,
    "accuracy_es": 0.85,
    "entity_accuracy": 0.90,
    "safety_recall": 0.97,
}


@dataclass(frozen=True, slots=True)
class Miss:
    """One test line the backend got wrong (for the eval's ``--verbose`` listing)."""

    lang: str
    text: str
    gold: tuple[str, ...]
    predicted: tuple[str, ...]
    kind: str  # "intent" or "entities"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LangReport:
    """The figures of one language (or ``"all"``)."""

    lang: str
    n: int
    accuracy: float
    macro_f1: float
    entity_n: int
    entity_accuracy: float
    recall: dict[str, float | None] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)
    #: per safety intent: the share of lines given it that carry it (None when never given)
    precision: dict[str, float | None] = field(default_factory=dict)
    #: per safety intent: recall counting only what the dialogue acts on — the top intent, or a
    #: following one at least ``ACTED_CONFIDENCE`` sure
    acted_recall: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "entity_n": self.entity_n,
            "entity_accuracy": self.entity_accuracy,
            "recall": self.recall,
            "support": self.support,
            "precision": self.precision,
            "acted_recall": self.acted_recall,
        }


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


#: The dialogue acts on a following intent only from this confidence
#: (``amicable.negotiation.dialogue.MIN_CONFIDENCE``; a test keeps the two equal).
ACTED_CONFIDENCE = 0.6

_Row = tuple[Example, tuple[str, ...], dict[str, Any], tuple[str, ...]]


def _report(lang: str, rows: list[_Row]) -> LangReport:
    correct = sum(1 for ex, pred, _, _ in rows if pred[0] in ex.intents)
    f1s: list[float] = []
    for name in INTENTS:
        tp = sum(1 for ex, pred, _, _ in rows if name in ex.intents and name in pred)
        fp = sum(1 for ex, pred, _, _ in rows if name not in ex.intents and name in pred)
        fn = sum(1 for ex, pred, _, _ in rows if name in ex.intents and name not in pred)
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    labelled = [(ex, ents) for ex, _, ents, _ in rows if ex.entities is not None]
    entity_ok = sum(1 for ex, ents in labelled if ents == ex.entities)
    recall: dict[str, float | None] = {}
    support: dict[str, int] = {}
    precision: dict[str, float | None] = {}
    acted: dict[str, float | None] = {}
    for name in SAFETY_INTENTS:
        gold = [(ex, pred, act) for ex, pred, _, act in rows if name in ex.intents]
        support[name] = len(gold)
        recall[name] = _ratio(sum(1 for _, p, _ in gold if name in p), len(gold)) if gold else None
        acted[name] = _ratio(sum(1 for _, _, a in gold if name in a), len(gold)) if gold else None
        given = [ex for ex, pred, _, _ in rows if name in pred]
        precision[name] = (
            _ratio(sum(1 for ex in given if name in ex.intents), len(given)) if given else None
        )
    return LangReport(
        lang=lang,
        n=len(rows),
        accuracy=_ratio(correct, len(rows)),
        macro_f1=round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        entity_n=len(labelled),
        entity_accuracy=_ratio(entity_ok, len(labelled)),
        recall=recall,
        support=support,
        precision=precision,
        acted_recall=acted,
    )


def evaluate(
    backend: Understanding, langs: tuple[str, ...] = LANGS, *, split: str = "test"
) -> tuple[dict[str, LangReport], list[Miss]]:
    """Run ``backend`` over ``split``; reports per language plus ``"all"``, and the misses.

    ``split`` is ``"test"`` (the held-out figures of record) or ``"dev"`` (the split used for
    tuning); anything else is refused.

    The language is given to the backend (the split is per language); language detection is
    measured separately.
    """
    if split not in EVAL_SPLITS:
        raise InvalidInput(f"unknown split {split!r}; expected one of {EVAL_SPLITS}")
    reports: dict[str, LangReport] = {}
    misses: list[Miss] = []
    everything: list[_Row] = []
    for lang in langs:
        rows: list[_Row] = []
        for ex in load_split(split, lang):
            parse = backend.parse(ex.text, lang=lang, today=ex.today, currency=ex.currency)
            ents = parse.entities.to_json()
            acted = tuple(
                i.name
                for k, i in enumerate(parse.intents)
                if k == 0 or i.confidence >= ACTED_CONFIDENCE
            )
            rows.append((ex, parse.names, ents, acted))
            if set(parse.names) != set(ex.intents):
                misses.append(Miss(lang, ex.text, ex.intents, parse.names, "intent"))
            if ex.entities is not None and ents != ex.entities:
                diff = {k: (ex.entities[k], ents[k]) for k in ents if ents[k] != ex.entities[k]}
                misses.append(Miss(lang, ex.text, ex.intents, parse.names, "entities", str(diff)))
        reports[lang] = _report(lang, rows)
        everything.extend(rows)
    reports["all"] = _report("all", everything)
    return reports, misses
