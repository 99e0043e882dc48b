"""The shipped corpus, dev and test splits, the shipped model weights, and the eval thresholds.

Three splits: training (``corpus_*``), dev (the first held-out split; looked at and tuned on) and
test (written afresh before any tuning, never tuned on). The thresholds are the acceptance targets
of issue 5, and the figures of record are measured on the *test* split. Every target met there is a
plain assert; every target still missed is a strict ``xfail`` recording the measured figure, so the
suite says so plainly and turns red the day it passes (to have the mark removed). The dev split
keeps its own asserts as a regression guard on what the tuning achieved (not a generalisation
claim). The dev split is the first held-out split plus the second one (the test split before the
current one), both seen, so both are tuning material now.
"""

from __future__ import annotations

import re

import pytest

from amicable.negotiation.nlu import INTENTS, LANGS, SAFETY_INTENTS, EmbeddedUnderstanding
from amicable.negotiation.nlu.corpus import Example, load_split
from amicable.negotiation.nlu.evaluate import TARGETS, LangReport, evaluate
from amicable.negotiation.nlu.model import (
    char_wb_ngrams,
    corpus_digest,
    intent_model,
    training_texts,
    word_ngrams,
)


@pytest.fixture(scope="module")
def test_reports() -> dict[str, LangReport]:
    found, _ = evaluate(EmbeddedUnderstanding(), split="test")
    return found


@pytest.fixture(scope="module")
def dev_reports() -> dict[str, LangReport]:
    found, _ = evaluate(EmbeddedUnderstanding(), split="dev")
    return found


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize("lang", LANGS)
def test_the_corpus_covers_every_intent_with_hundreds_of_lines(lang: str) -> None:
    corpus = load_split("corpus", lang)
    assert len(corpus) >= 1100
    seen = {name for ex in corpus for name in ex.intents}
    assert seen == set(INTENTS)
    assert sum(1 for ex in corpus if len(ex.intents) > 1) >= 30  # mixed-intent lines


def _assert_separate(held_out: tuple[Example, ...], others: tuple[Example, ...]) -> None:
    texts = {ex.text.lower().strip() for ex in others}
    other_words = [_words(ex.text) for ex in others]
    for ex in held_out:
        assert ex.text.lower().strip() not in texts, ex.text
        words = _words(ex.text)
        if len(words) >= 3:  # near-paraphrase guard: no other line shares ≥ 75% of the words
            closest = max(len(words & other) / len(words | other) for other in other_words)
            assert closest < 0.75, ex.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_dev_and_test_splits_are_separate_from_training_and_each_other(lang: str) -> None:
    corpus, dev, test = (load_split(split, lang) for split in ("corpus", "dev", "test"))
    _assert_separate(dev, corpus)
    _assert_separate(test, corpus)
    _assert_separate(test, dev)


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("lang", LANGS)
def test_each_held_out_split_covers_every_intent_alone(split: str, lang: str) -> None:
    examples = load_split(split, lang)
    assert {ex.intents for ex in examples} >= {(name,) for name in INTENTS}
    assert all(ex.entities is not None for ex in examples)  # every line is entity-labelled


@pytest.mark.parametrize("lang", LANGS)
def test_the_dev_split_is_big_enough_to_measure_safety_recall(lang: str) -> None:
    dev = load_split("dev", lang)
    assert len(dev) >= 280
    for name in SAFETY_INTENTS:
        assert sum(1 for ex in dev if name in ex.intents) >= 20, name


@pytest.mark.parametrize("lang", LANGS)
def test_the_test_split_has_at_least_150_lines_and_12_per_safety_intent(lang: str) -> None:
    test = load_split("test", lang)
    assert len(test) >= 150
    for name in SAFETY_INTENTS:
        assert sum(1 for ex in test if name in ex.intents) >= 12, name


def test_the_shipped_weights_match_the_shipped_corpus() -> None:
    import json
    from importlib import resources

    raw = resources.files("amicable.negotiation.nlu").joinpath("data").joinpath("intent_model.json")
    assert json.loads(raw.read_text("utf-8"))["corpus_sha256"] == corpus_digest()
    intent_model()  # refuses stale weights


def test_the_run_time_analyzers_equal_scikit_learns() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w[\w']*\b", lowercase=False).build_analyzer()  # fmt: skip
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    texts, _ = training_texts()
    for text in texts[::7]:
        assert word_ngrams(text) == word(text)
        assert char_wb_ngrams(text) == char(text)


def test_retraining_reproduces_the_shipped_weights() -> None:
    import json
    from importlib import resources

    from amicable.negotiation.nlu.model import fit

    shipped = json.loads(
        resources.files("amicable.negotiation.nlu").joinpath("data").joinpath("intent_model.json").read_text("utf-8")
    )  # fmt: skip
    texts, labels = training_texts()
    fresh = fit(texts, labels)
    assert fresh["word_vocab"] == shipped["word_vocab"]
    assert fresh["char_vocab"] == shipped["char_vocab"]
    # the solver is iterative and its floating point follows the CPU's vector unit: on another
    # machine the same corpus gave one bias 1.25e-4 away; a changed corpus moves them far more
    assert fresh["bias"] == pytest.approx(shipped["bias"], abs=1e-3)


# Measured on the tenth fresh test split (two new writers outside the repository, one everyday
# and one hard, 1,148 + 1,039 lines; each read only the intent, labelling-rule and entity sections
# of docs/nlu.md and the wire types, never the training or dev files, the ninth split or the
# model; the engineer tuning never opened it), deduplicated against training and dev and within
# itself (exact or >= 75% of words: 1,966 kept), one eval of round 9's final model; nothing
# changed after. Every target met: accuracy EN 0.950 / FR 0.948 / ES 0.955, entity accuracy
# 0.962, recall hardship 0.991, legal 0.987, cease_contact 0.9755 (199/204), wrong_party 0.982,
# request_human 0.995, abusive 0.995 (docs/nlu.md, "Figures"). A target measured short on a
# later split goes back here as a strict xfail with the kinds of lines it missed.
_TEST_NOT_YET: dict[str, str] = {}


def _target(key: str) -> object:
    if key in _TEST_NOT_YET:
        return pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=_TEST_NOT_YET[key]))
    return key


@pytest.mark.parametrize("lang", [_target(f"accuracy_{lang}") for lang in LANGS])
def test_top_intent_accuracy_on_the_test_split_meets_the_target(
    test_reports: dict[str, LangReport], lang: str
) -> None:
    code = lang.removeprefix("accuracy_")
    assert test_reports[code].accuracy >= TARGETS[lang]


@pytest.mark.parametrize("lang", [_target(f"entity_{lang}") for lang in [*LANGS, "all"]])
def test_entity_accuracy_on_the_test_split_meets_the_target(
    test_reports: dict[str, LangReport], lang: str
) -> None:
    code = lang.removeprefix("entity_")
    assert test_reports[code].entity_accuracy >= TARGETS["entity_accuracy"]


@pytest.mark.parametrize("intent", [_target(name) for name in SAFETY_INTENTS])
def test_safety_critical_recall_on_the_test_split_meets_the_target(
    test_reports: dict[str, LangReport], intent: str
) -> None:
    recall = test_reports["all"].recall[intent]
    assert recall is not None and recall >= TARGETS["safety_recall"]


def test_on_the_dev_split_the_tuning_reached_every_target(
    dev_reports: dict[str, LangReport],
) -> None:
    # A regression guard on the split the rules and training lines were tuned on; it proves
    # nothing about unseen messages (the test split above does).
    for lang in LANGS:
        assert dev_reports[lang].accuracy >= TARGETS[f"accuracy_{lang}"], lang
    assert dev_reports["all"].entity_accuracy >= TARGETS["entity_accuracy"]
    for name in SAFETY_INTENTS:
        recall = dev_reports["all"].recall[name]
        assert recall is not None and recall >= TARGETS["safety_recall"], name


def test_the_eval_counts_as_acted_on_what_the_dialogue_acts_on() -> None:
    from amicable.negotiation.dialogue import MIN_CONFIDENCE
    from amicable.negotiation.nlu.evaluate import ACTED_CONFIDENCE

    assert ACTED_CONFIDENCE == MIN_CONFIDENCE


def test_the_test_split_reports_precision_and_acted_recall_per_safety_intent(
    test_reports: dict[str, LangReport],
) -> None:
    report = test_reports["all"]
    for name in SAFETY_INTENTS:
        recall, acted = report.recall[name], report.acted_recall[name]
        assert recall is not None and acted is not None and acted <= recall
        assert report.precision[name] is not None
