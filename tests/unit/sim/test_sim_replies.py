"""Simulated replies: every kind in English, French and Spanish, varied, filled in, and not copied
from the NLU corpus the agent was trained or evaluated on."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import amicable.negotiation.nlu as nlu_package
from amicable.sim.replies import KINDS, PHRASES, phrase


def test_every_kind_is_written_in_the_three_languages() -> None:
    for kind in KINDS:
        assert set(PHRASES[kind]) == {"en", "fr", "es"}, kind


def test_phrasings_vary_and_fill_in_the_amount_and_the_code() -> None:
    rng = random.Random(4)
    seen = {phrase("ask_plan", "en", rng) for _ in range(40)}
    assert len(seen) > 1
    text = phrase("counter", "es", rng, amount="120.50")
    assert "120.50" in text
    assert "H2X 1Y4" in phrase("identity", "fr", rng, code="H2X 1Y4")
    assert phrase("accept", "de", rng) in PHRASES["accept"]["en"]
    with pytest.raises(ValueError, match="unknown reply kind"):
        phrase("sing", "en", rng)


def test_no_phrasing_is_taken_from_the_nlu_corpus_files() -> None:
    data = Path(nlu_package.__file__).parent / "data"
    corpus: set[str] = set()
    for path in data.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                corpus.add(str(json.loads(line).get("text", "")).strip().lower())
    assert corpus
    ours = {
        t.format(amount="100.00", code="75001").strip().lower()
        for by_lang in PHRASES.values()
        for texts in by_lang.values()
        for t in texts
        if len(t) > 12  # bare keywords (STOP, Yes, a postal code) are everybody's words
    }
    assert not ours & corpus
