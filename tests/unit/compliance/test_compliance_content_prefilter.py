"""The content checker's prefilter: a lexicon's expression is run only on a text that holds one
of the literal texts its alternatives start with — never skipping a text it would match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from amicable.compliance import content
from amicable.compliance.content import _PREFIXES, _alternatives_at_top, _fold, _literal_prefix

LEXICONS = [
    (name, lang, pattern)
    for name in (
        "_ARREST",
        "_SUIT",
        "_DEADLINE",
        "_ATTORNEY",
        "_ABUSIVE",
        "_PRESSURE",
        "_DEBT_WORDS",
    )
    for lang, pattern in getattr(content, name).items()
]


def passes(pattern: re.Pattern[str], text: str) -> bool:
    prefixes = _PREFIXES[pattern]
    return prefixes is None or any(p in _fold(text) for p in prefixes)


def test_literal_prefixes_stop_where_a_match_may_differ() -> None:
    assert _literal_prefix(r"\barrest") == "arrest"
    assert _literal_prefix(r"\battorneys?\b") == "attorney"
    assert _literal_prefix(r"expires? (today|tonight)") == "expire"
    assert _literal_prefix(r"derni(è|e)re chance") == "derni"
    assert _literal_prefix(r"\bcabr[óo]n") == "cabr"
    assert _literal_prefix(r"ab{2}c") == "a"
    assert _literal_prefix(r"a+b") == "a"
    assert _literal_prefix(r"(plus jamais|jamais plus) offerte") == ""
    assert _literal_prefix(r"foo|bar") == ""  # "bar" matches without "foo"
    assert not _alternatives_at_top(r"(a|b)c[|]\|")
    assert _alternatives_at_top(r"(a)|b")
    assert _PREFIXES[content._ARREST["en"]] == (
        "arrest", "jail", "prison", "imprison", "warrant", "police",
    )  # fmt: skip


def test_every_lexicon_text_is_found_through_the_prefilter() -> None:
    # the words and phrases the lexicons exist for, as they appear in messages
    samples = {
        "en": ["you will be arrested", "the police", "we will sue", "last chance",
               "our attorney", "you deadbeat", "this debt", "imprisonment", "a warrant"],
        "fr": ["la police", "un huissier", "dernière chance", "notre avocat", "espèce de minable",
               "votre dette", "mandat d'arrêt"],
        "es": ["la policía", "lo demandaremos", "última oportunidad", "nuestro abogado",
               "pendejo", "su deuda", "orden de arresto"],
    }  # fmt: skip
    hits = 0
    for _name, lang, pattern in LEXICONS:
        for text in samples[lang]:
            body = content._normalise(text)
            if pattern.search(body):
                hits += 1
                assert passes(pattern, body), (pattern.pattern, body)
    assert hits >= 15


_ALPHABET = "aeiousrtnlcdpm ıſİK'’é.,!"


@settings(max_examples=400, deadline=None)
@given(
    pieces=st.lists(
        st.one_of(
            st.sampled_from(
                sorted({p for ps in _PREFIXES.values() if ps for p in ps} | {"legal", "sued"})
            ),
            st.text(alphabet=_ALPHABET, max_size=6),
        ),
        max_size=8,
    ),
    swaps=st.lists(st.tuples(st.sampled_from("is"), st.sampled_from("ıſİISK")), max_size=3),
)
def test_the_prefilter_never_skips_a_text_the_expression_matches(
    pieces: list[str], swaps: list[tuple[str, str]]
) -> None:
    text = " ".join(pieces)
    for plain, odd in swaps:  # characters re.IGNORECASE matches beyond lower case
        text = text.replace(plain, odd, 1)
    body = content._normalise(text)
    for _name, _lang, pattern in LEXICONS:
        if pattern.search(body):
            assert passes(pattern, body), (pattern.pattern, body)


def test_a_reply_with_none_of_a_lexicons_words_finds_nothing_by_either_path() -> None:
    body = content._normalise(
        "We can offer 5 payments of $51.25 on November 9, 2026. Reply STOP to opt out."
    )
    for _name, lang, pattern in LEXICONS:
        expected = None
        for m in pattern.finditer(body):
            expected = m.group(0)
            break
        if expected is None:
            assert content._found(pattern, body, lang, negatable=False) is None
