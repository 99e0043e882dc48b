"""Strict validation of a parse that came from outside the embedded engine (a language model's
JSON command): the same wire shape as ``amicable nlu parse``, checked field by field.

Invariants: nothing unknown passes — an intent outside ``INTENTS``, an extra key, an amount that
is not an exact decimal string of its currency's minor units (or is a JSON number), a date that is
not ISO, a count that is not a positive integer — each is a :class:`Rejection` naming the field.
Confidences are clamped to [0, 1] only when they are real numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.negotiation.nlu.types import CHANNELS, INTENTS, LANGS, PERIODS, Entities, Intent

__all__ = ["Rejection", "validate_command"]

_AMOUNT_RE: Final = re.compile(r"^\d{1,12}(\.\d{1,4})?$")
_ENTITY_KEYS: Final = frozenset(
    {"amount", "per", "date", "installments", "percent", "fraction", "channel"}
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why an outside parse was refused: the field path and what was wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _intents(raw: object) -> tuple[Intent, ...] | Rejection:
    if not isinstance(raw, list) or not raw:
        return Rejection("intents", "must be a non-empty list")
    intents: list[Intent] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - {"name", "confidence"}:
            return Rejection(f"intents[{i}]", "must be an object with name and confidence only")
        name, confidence = item.get("name"), item.get("confidence", 0.5)
        if name not in INTENTS:
            return Rejection(f"intents[{i}].name", f"unknown intent {name!r}")
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            return Rejection(f"intents[{i}].confidence", "must be a number")
        if confidence != confidence:  # NaN
            return Rejection(f"intents[{i}].confidence", "must be a number")
        if any(existing.name == name for existing in intents):
            return Rejection(f"intents[{i}].name", f"duplicate intent {name!r}")
        intents.append(Intent(str(name), min(1.0, max(0.0, float(confidence)))))
    return tuple(intents)


def _entities(raw: object) -> Entities | Rejection:
    if raw is None:
        return Entities()
    if not isinstance(raw, dict):
        return Rejection("entities", "must be an object")
    extra = set(raw) - _ENTITY_KEYS
    if extra:
        return Rejection("entities", f"unknown keys {sorted(extra)}")
    amount = None
    if raw.get("amount") is not None:
        value = raw["amount"]
        if not isinstance(value, dict) or set(value) != {"value", "currency"}:
            return Rejection("entities.amount", "must be {value, currency}")
        text, code = value["value"], value["currency"]
        if not isinstance(text, str) or not _AMOUNT_RE.match(text):
            return Rejection("entities.amount.value", f"must be a decimal string, got {text!r}")
        if not isinstance(code, str):
            return Rejection("entities.amount.currency", "must be a currency code")
        try:
            amount = Money.of(text, code)
        except InvalidInput as exc:
            return Rejection("entities.amount", str(exc))
        if not amount.is_positive():
            return Rejection("entities.amount.value", "must be positive")
    per = raw.get("per")
    if per is not None and per not in PERIODS:
        return Rejection("entities.per", f"must be one of {PERIODS}")
    when = None
    if raw.get("date") is not None:
        if not isinstance(raw["date"], str):
            return Rejection("entities.date", "must be an ISO date string")
        try:
            when = date.fromisoformat(raw["date"])
        except ValueError:
            return Rejection("entities.date", f"not an ISO date: {raw['date']!r}")
    count = raw.get("installments")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 120
    ):
        return Rejection("entities.installments", "must be an integer from 1 to 120")
    channel = raw.get("channel")
    if channel is not None and channel not in CHANNELS:
        return Rejection("entities.channel", f"must be one of {CHANNELS}")
    try:
        return Entities(
            amount=amount,
            per=per,
            date=when,
            installments=count,
            percent=raw.get("percent"),
            fraction=raw.get("fraction"),
            channel=channel,
        )
    except InvalidInput as exc:
        return Rejection("entities", str(exc))


def validate_command(
    data: object,
) -> tuple[tuple[Intent, ...], Entities, str | None] | Rejection:
    """The intents, entities and language of an outside parse, or why it was refused."""
    if not isinstance(data, dict):
        return Rejection("$", "must be a JSON object")
    extra = set(data) - {"intents", "entities", "lang"}
    if extra:
        return Rejection("$", f"unknown keys {sorted(extra)}")
    intents = _intents(data.get("intents"))
    if isinstance(intents, Rejection):
        return intents
    entities = _entities(data.get("entities"))
    if isinstance(entities, Rejection):
        return entities
    lang: Any = data.get("lang")
    if lang is not None and lang not in LANGS:
        return Rejection("lang", f"must be one of {LANGS}")
    return intents, entities, lang
