"""The shipped corpus of debtor messages: training lines, a dev split and a held-out test split.

Files (``data/``), three splits written separately (different sentences, not paraphrases of one
another):

* ``corpus_{en,fr,es}.jsonl`` — training;
* ``dev_{en,fr,es}.jsonl`` — development: looked at freely to find weaknesses and tune rules,
  training lines and thresholds (it was the first held-out split, so it is no longer unseen);
* ``test_{en,fr,es}.jsonl`` — the held-out test split, written before any tuning on it, never
  used to tune anything; the figures of record come from it (now the tenth fresh split; each
  earlier split, once measured and reported, was folded into training).

One JSON object per line::

    {"text": "can do 200 a month from friday", "intents": ["propose_terms"],
     "entities": {"amount": {"value": "200.00", "currency": "USD"}, "per": "month", ...}}

``entities`` is optional (test lines that carry it are scored for entities; absent fields mean
``null``). ``today`` (ISO date) and ``currency`` are optional per line; the defaults are
:data:`EVAL_TODAY` and the language's :data:`DEFAULT_CURRENCY`.

Invariants: every intent is one of ``INTENTS``; a bad line raises :class:`InvalidInput` naming
the file and line number (a corpus is code: it must be right, not skipped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, Final

from amicable.domain.errors import InvalidInput
from amicable.negotiation.nlu.types import INTENTS, LANGS

__all__ = ["DEFAULT_CURRENCY", "EVAL_SPLITS", "EVAL_TODAY", "Example", "load_split"]

EVAL_TODAY: Final = date(2025, 3, 12)  # a Wednesday
DEFAULT_CURRENCY: Final[dict[str, str]] = {"en": "USD", "fr": "EUR", "es": "EUR"}
EVAL_SPLITS: Final = ("dev", "test")  # the labelled splits an eval can run on
_SPLITS: Final = ("corpus", *EVAL_SPLITS)
_ENTITY_KEYS: Final = ("amount", "per", "date", "installments", "percent", "fraction", "channel")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message.

    Attributes:
        text: the message as the debtor wrote it.
        intents: its gold intents (at least one).
        lang: the language of the file it came from.
        entities: the gold entities in wire shape (every key present), or ``None`` if unlabelled.
        today: the reference date for relative dates.
        currency: the account currency for amounts without one.
    """

    text: str
    intents: tuple[str, ...]
    lang: str
    entities: dict[str, Any] | None
    today: date
    currency: str


def _read(name: str) -> str:
    return resources.files("amicable.negotiation.nlu").joinpath("data", name).read_text("utf-8")


def load_split(split: str, lang: str) -> tuple[Example, ...]:
    """The ``"corpus"`` (training), ``"dev"`` or ``"test"`` examples of one language."""
    if split not in _SPLITS:
        raise InvalidInput(f"unknown split {split!r}; expected one of {_SPLITS}")
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; expected one of {LANGS}")
    name = f"{split}_{lang}.jsonl"
    examples: list[Example] = []
    for number, line in enumerate(_read(name).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: not JSON ({exc.msg})") from exc
        text, intents = row.get("text"), row.get("intents")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(f"{where}: 'text' must be a non-empty string")
        if not isinstance(intents, list) or not intents:
            raise InvalidInput(f"{where}: 'intents' must be a non-empty list")
        bad = [i for i in intents if i not in INTENTS]
        if bad:
            raise InvalidInput(f"{where}: unknown intents {bad}")
        entities = row.get("entities")
        if entities is not None:
            extra = set(entities) - set(_ENTITY_KEYS)
            if extra:
                raise InvalidInput(f"{where}: unknown entity keys {sorted(extra)}")
            entities = {key: entities.get(key) for key in _ENTITY_KEYS}
        today = date.fromisoformat(row["today"]) if "today" in row else EVAL_TODAY
        examples.append(
            Example(
                text=text,
                intents=tuple(intents),
                lang=lang,
                entities=entities,
                today=today,
                currency=row.get("currency", DEFAULT_CURRENCY[lang]),
            )
        )
    return tuple(examples)
