"""The result of understanding one debtor message: intents with confidences, entities, language.

Invariants
----------
* Everything here is immutable (frozen, slotted dataclasses; tuples, never lists).
* ``INTENTS`` is the exact, closed set of intent names; an :class:`Intent` with any other name is
  refused at construction, so no backend (rules, linear model, embeddings, a language model) can
  smuggle in a new one.
* A :class:`Parse` always carries at least one intent, ordered most likely first; ``other`` is the
  intent of a message nothing else fits.
* ``confidence`` is the only float in the package: a score in [0, 1], never money. Amounts are
  :class:`~amicable.domain.money.Money`; percentages and fractions are exact strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal, Protocol

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

__all__ = [
    "CHANNELS",
    "INTENTS",
    "LANGS",
    "PERIODS",
    "SAFETY_INTENTS",
    "Entities",
    "Intent",
    "Parse",
    "Understanding",
]

INTENTS: Final[tuple[str, ...]] = (
    "commit_payment",
    "propose_terms",
    "request_plan",
    "accept",
    "reject",
    "hardship",
    "dispute_amount",
    "dispute_delivery",
    "already_paid",
    "payment_problem",
    "wrong_party",
    "request_info",
    "request_human",
    "cease_contact",
    "opt_out_channel",
    "legal",
    "callback_later",
    "abusive",
    "identity_answer",
    "other",
)

# Intents whose miss is costly (a vulnerable debtor pressed, a lawyer ignored, a stop request not
# honoured): the rules layer targets them and the eval reports their recall separately.
SAFETY_INTENTS: Final[tuple[str, ...]] = (
    "hardship",
    "legal",
    "cease_contact",
    "wrong_party",
    "request_human",
    "abusive",
)

LANGS: Final[tuple[str, ...]] = ("en", "fr", "es")
PERIODS: Final[tuple[str, ...]] = ("week", "month")
CHANNELS: Final[tuple[str, ...]] = ("sms", "email", "call", "whatsapp")

Lang = Literal["en", "fr", "es"]

_PERCENT_RE: Final = re.compile(r"^\d+(\.\d+)?$")
_FRACTION_RE: Final = re.compile(r"^[1-9]\d*/[1-9]\d*$")


@dataclass(frozen=True, slots=True)
class Intent:
    """One recognised intent.

    Attributes:
        name: one of :data:`INTENTS`.
        confidence: a score in [0, 1] (not a calibrated probability for the rules layer, which
            gives its matches a fixed high score).
    """

    name: str
    confidence: float

    def __post_init__(self) -> None:
        if self.name not in INTENTS:
            raise InvalidInput(f"unknown intent {self.name!r}; expected one of {INTENTS}")
        if isinstance(self.confidence, bool) or not isinstance(self.confidence, (int, float)):
            raise InvalidInput(f"intent confidence must be a number, got {self.confidence!r}")
        if not 0.0 <= float(self.confidence) <= 1.0:
            raise InvalidInput(f"intent confidence {self.confidence!r} is outside [0, 1]")
        object.__setattr__(self, "confidence", float(self.confidence))


@dataclass(frozen=True, slots=True)
class Entities:
    """What the message says about money, time and channels (``None`` when it says nothing).

    Attributes:
        amount: the amount the debtor mentions, in its currency (the account's currency when the
            text names none).
        per: ``"week"`` or ``"month"`` when the amount is per period ("200 a month").
        date: a business date resolved against the parse's reference date.
        installments: a number of payments ("in 3 payments", "en 4 fois").
        percent: a percentage as an exact decimal string ("30").
        fraction: a fraction as ``"numerator/denominator"`` ("1/2" for "half").
        channel: ``"sms"``, ``"email"``, ``"call"`` or ``"whatsapp"``.
    """

    amount: Money | None = None
    per: str | None = None
    date: date | None = None
    installments: int | None = None
    percent: str | None = None
    fraction: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.amount is not None and not isinstance(self.amount, Money):
            raise InvalidInput(f"entity amount must be Money, got {self.amount!r}")
        if self.per is not None and self.per not in PERIODS:
            raise InvalidInput(f"entity per must be one of {PERIODS}, got {self.per!r}")
        if self.channel is not None and self.channel not in CHANNELS:
            raise InvalidInput(f"entity channel must be one of {CHANNELS}, got {self.channel!r}")
        if self.installments is not None and (
            isinstance(self.installments, bool)
            or not isinstance(self.installments, int)
            or self.installments < 1
        ):
            raise InvalidInput(
                f"entity installments must be a positive int, got {self.installments!r}"
            )
        if self.percent is not None and not _PERCENT_RE.match(self.percent):
            raise InvalidInput(f"entity percent must be a decimal string, got {self.percent!r}")
        if self.fraction is not None and not _FRACTION_RE.match(self.fraction):
            raise InvalidInput(f"entity fraction must look like '1/2', got {self.fraction!r}")

    def to_json(self) -> dict[str, Any]:
        """The wire shape of the ``nlu parse`` contract (amounts as strings, dates ISO)."""
        return {
            "amount": None
            if self.amount is None
            else {"value": self.amount.amount_str(), "currency": self.amount.code},
            "per": self.per,
            "date": None if self.date is None else self.date.isoformat(),
            "installments": self.installments,
            "percent": self.percent,
            "fraction": self.fraction,
            "channel": self.channel,
        }


@dataclass(frozen=True, slots=True)
class Parse:
    """The understanding of one message.

    Attributes:
        intents: at least one :class:`Intent`, most likely first, names unique.
        entities: the extracted :class:`Entities`.
        lang: ``"en"``, ``"fr"`` or ``"es"`` — the language the message was read in.
        backend: which backend produced it (``"embedded"``, ``"embeddings"``, ``"llm"`` …).
    """

    intents: tuple[Intent, ...]
    entities: Entities = field(default_factory=Entities)
    lang: str = "en"
    backend: str = "embedded"

    def __post_init__(self) -> None:
        if not self.intents:
            raise InvalidInput("a parse needs at least one intent (use 'other')")
        names = [i.name for i in self.intents]
        if len(set(names)) != len(names):
            raise InvalidInput(f"duplicate intents in a parse: {names}")
        if self.lang not in LANGS:
            raise InvalidInput(f"parse language must be one of {LANGS}, got {self.lang!r}")
        ordered = tuple(sorted(self.intents, key=lambda i: -i.confidence))
        object.__setattr__(self, "intents", ordered)

    @property
    def top(self) -> str:
        """The most likely intent's name."""
        return self.intents[0].name

    @property
    def names(self) -> tuple[str, ...]:
        """Every intent name, most likely first."""
        return tuple(i.name for i in self.intents)

    def has(self, name: str) -> bool:
        """Whether the message carries intent ``name``."""
        return name in self.names

    def to_json(self) -> dict[str, Any]:
        """The wire shape of the ``nlu parse`` contract."""
        return {
            "intents": [
                {"name": i.name, "confidence": round(i.confidence, 4)} for i in self.intents
            ],
            "entities": self.entities.to_json(),
            "lang": self.lang,
        }


class Understanding(Protocol):
    """The NLU port: turn one debtor message into a :class:`Parse`.

    ``lang`` is ``"en"``, ``"fr"``, ``"es"`` or ``None`` (detect it). ``today`` is the reference date
    for relative dates; ``currency`` the account's currency, used when the text names none.
    Implementations never read the wall clock and never raise on odd text — a message is data.
    """

    def parse(
        self, text: str, *, lang: str | None, today: date, currency: str = "USD"
    ) -> Parse: ...
