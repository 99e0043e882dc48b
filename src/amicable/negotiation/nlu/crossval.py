"""K-fold cross-validation of the embedded intent model on the *training* corpus only (a build-time
tool, like :mod:`~amicable.negotiation.nlu.train`; scikit-learn is needed).

``python -m amicable.negotiation.nlu.crossval [--folds 5] [--seed 0] [--scores FILE]`` trains the
model on k-1 folds of the training lines (with their accent-stripped copies, as the build does)
and scores the held-out fold, so every training line gets an out-of-fold score for every intent.
From those scores it reports, for the model alone and with the rules, the top-intent accuracy and
the recall and precision of each safety intent, and sweeps each safety intent's threshold — the
parameters and thresholds of the shipped model are chosen from these figures, never from the dev
or test split. Lines are split by line (a line and its accent-stripped copy stay in one fold);
the split is seeded, so the figures are reproducible.

The with-rules figures are optimistic: the rules were written while reading the training lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from amicable.negotiation.nlu.corpus import load_split
from amicable.negotiation.nlu.embedded import INTENT_THRESHOLDS, SAFETY_THRESHOLD, THRESHOLD, decide
from amicable.negotiation.nlu.lang import normalize
from amicable.negotiation.nlu.model import PARAMS, fit, from_json, strip_accents
from amicable.negotiation.nlu.rules import rule_intents
from amicable.negotiation.nlu.types import INTENTS, LANGS, SAFETY_INTENTS

__all__ = ["out_of_fold_scores", "report"]


def _lines() -> list[tuple[str, str, tuple[str, ...], str]]:
    """(text as written, normalised text, gold intents, language) of every training line."""
    return [
        (ex.text, normalize(ex.text), ex.intents, lang)
        for lang in LANGS
        for ex in load_split("corpus", lang)
    ]


_Line = tuple[str, str, tuple[str, ...], str]


def out_of_fold_scores(
    folds: int = 5, seed: int = 0, params: dict[str, Any] = PARAMS, lines: list[_Line] | None = None
) -> npt.NDArray[np.float64]:
    """(n_lines, n_intents) scores, each line scored by the model trained without its fold."""
    lines = _lines() if lines is None else lines
    order = np.random.default_rng(seed).permutation(len(lines))
    fold_of = np.empty(len(lines), dtype=np.int64)
    fold_of[order] = np.arange(len(lines)) % folds
    scores = np.zeros((len(lines), len(INTENTS)))
    for k in range(folds):
        texts: list[str] = []
        labels: list[tuple[str, ...]] = []
        for i in np.flatnonzero(fold_of != k):
            _, low, gold, _ = lines[i]
            texts.append(low)
            labels.append(gold)
            plain = strip_accents(low)
            if plain != low:
                texts.append(plain)
                labels.append(gold)
        model = from_json(fit(texts, labels, params))
        for i in np.flatnonzero(fold_of == k):
            got = model.scores(lines[i][1])
            scores[i] = [got[name] for name in INTENTS]
        sys.stderr.write(f"fold {k + 1}/{folds} done\n")
    return scores


def _figures(
    lines: list[_Line],
    scores: npt.NDArray[np.float64],
    rules: list[dict[str, float]],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    correct = 0
    found: dict[str, list[int]] = {name: [0, 0, 0] for name in SAFETY_INTENTS}  # tp, fp, fn
    for (_, _, gold, _), row, matched in zip(lines, scores, rules, strict=True):
        model_scores = dict(zip(INTENTS, (float(x) for x in row), strict=True))
        chosen, ordered = decide(model_scores, matched, thresholds)
        correct += ordered[0] in gold
        for name in SAFETY_INTENTS:
            said, wanted = name in chosen, name in gold
            found[name][0] += said and wanted
            found[name][1] += said and not wanted
            found[name][2] += wanted and not said
    out: dict[str, Any] = {"accuracy": round(correct / len(lines), 4)}
    for name, (tp, fp, fn) in found.items():
        out[name] = {
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "support": tp + fn,
        }
    return out


def report(
    scores: npt.NDArray[np.float64],
    thresholds: dict[str, float] | None = None,
    lines: list[_Line] | None = None,
) -> dict[str, Any]:
    """Accuracy and safety recall/precision from out-of-fold scores, model alone and with rules,
    at ``thresholds`` (default: the shipped ones), plus a sweep of each safety threshold."""
    lines = _lines() if lines is None else lines
    base = {name: SAFETY_THRESHOLD if name in SAFETY_INTENTS else THRESHOLD for name in INTENTS}
    base.update(INTENT_THRESHOLDS if thresholds is None else thresholds)
    no_rules: list[dict[str, float]] = [{} for _ in lines]
    with_rules = [rule_intents(low, text) for text, low, _, _ in lines]
    sweep: dict[str, dict[str, Any]] = {}
    for name in SAFETY_INTENTS:
        sweep[name] = {}
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
            trial = {**base, name: t}
            fig = _figures(lines, scores, no_rules, trial)
            sweep[name][str(t)] = {"accuracy": fig["accuracy"], **fig[name]}
    return {
        "thresholds": {n: base[n] for n in SAFETY_INTENTS},
        "model_alone": _figures(lines, scores, no_rules, base),
        "with_rules": _figures(lines, scores, with_rules, base),
        "sweep_model_alone": sweep,
    }


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a build-time tool
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scores", type=Path, help="cache of the out-of-fold scores (.npy)")
    args = parser.parse_args(argv)
    if args.scores is not None and args.scores.exists():
        scores = np.load(args.scores)
    else:
        scores = out_of_fold_scores(args.folds, args.seed)
        if args.scores is not None:
            np.save(args.scores, scores)
    sys.stdout.write(json.dumps(report(scores), indent=1) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
