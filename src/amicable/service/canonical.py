"""Canonical JSON: one byte sequence per value, for hashing (audit chain) and signing (webhooks).

Invariants: keys sorted, no insignificant whitespace, UTF-8, no floats (a float is refused: money
and other numbers travel as strings or integers); ``Decimal``, ``date`` and ``datetime`` values
become strings (instants must be aware and are written in UTC with a ``Z``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from amicable.domain.errors import InvalidInput

__all__ = ["canonical_json", "instant_text", "plain"]

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


def instant_text(at: datetime) -> str:
    """An aware instant as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(f"naive datetime {at.isoformat()} has no time zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(value: object, path: str = "$") -> JsonValue:
    """``value`` as plain JSON data; refuses floats and unknown types, naming the path."""
    try:
        return _plain(value)
    except InvalidInput:
        # Walk it again naming every path: the same conversion, and the message names where.
        return _plain_at(value, path)


def _plain(value: object) -> JsonValue:
    # The conversion of _plain_at without building a path string for every key and item (the
    # audit trail converts every payload, a few per conversation turn); anything refused
    # raises, and plain() walks again with the paths to say where.
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInput("key")
            out[k] = _plain(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        raise InvalidInput("float")
    return _text_leaf(value, "$")


def _text_leaf(value: object, path: str) -> str:
    """A Decimal, instant or date as its string; anything else is not JSON data."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return instant_text(value)
    if isinstance(value, date):
        return value.isoformat()
    raise InvalidInput(f"{path}: {type(value).__name__} is not JSON data")


def _plain_at(value: object, path: str) -> JsonValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise InvalidInput(f'{path}: floats are not allowed (use a string such as "12.50")')
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInput(f"{path}: keys must be strings, got {k!r}")
            out[k] = _plain_at(v, f"{path}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain_at(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return _text_leaf(value, path)


def canonical_json(value: object) -> str:
    """The canonical JSON text of ``value`` (see the module invariants)."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
