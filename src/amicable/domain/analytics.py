"""Pure computations behind the analytics reports: ratios, percentiles, roll rates, recovery.

Definitions (docs/analytics.md):

* **Ratio**: ``numerator ÷ denominator`` as a ``Decimal`` rounded half-even to 4 places; ``None``
  when the denominator is zero (an undefined ratio is never shown as 0).
* **Percentile** (median = 50, p90 = 90): linear interpolation between the order statistics
  (``rank = (n − 1) × q / 100``), exact in ``Decimal``; ``None`` for no values.
* **Roll rate** from bucket *B* observed at date *d*: of the invoices open in *B* at *d*, the share
  of their balance still unpaid :data:`ROLL_STEP_DAYS` days later (and, for ``current``, by then
  past due). The step equals the width of a bucket, so an unpaid amount in ``1-30`` at *d* sits
  in ``31-60`` at *d* + 30 exactly: the share that "rolled" to the next bucket.
* **Recovery curve**: of the overdue balance at a start date, the cumulative share collected
  (payments and credits posted to those invoices) by day *N* after it, for N = 0 … days.

Invariants: money stays in integer minor units of one currency per figure; nothing here reads a
clock or performs I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from amicable.domain.aging import BUCKETS, bucket_for
from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money

__all__ = [
    "ROLL_BUCKETS",
    "ROLL_STEP_DAYS",
    "BucketRoll",
    "RecoveryPoint",
    "RollSource",
    "percentile",
    "ratio",
    "recovery_curve",
    "roll_rates",
]

ROLL_STEP_DAYS: Final[int] = 30
"""Days between the two observations of a roll rate: one bucket's width."""

ROLL_BUCKETS: Final[tuple[str, ...]] = BUCKETS[:-1]
"""Buckets with a next bucket (``120+`` has none)."""

_RATIO_PLACES = Decimal("0.0001")


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """``numerator / denominator`` rounded half-even to 4 places; None when the denominator is 0."""
    if denominator == 0:
        return None
    value = Decimal(numerator) / Decimal(denominator)
    return value.quantize(_RATIO_PLACES, rounding=ROUND_HALF_EVEN)


def percentile(values: Sequence[Decimal], q: int) -> Decimal | None:
    """The ``q``-th percentile (0-100) by linear interpolation; None for no values."""
    if not 0 <= q <= 100:
        raise InvalidInput(f"a percentile is between 0 and 100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = Decimal(len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    frac = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * frac


@dataclass(frozen=True, slots=True)
class RollSource:
    """Invoices of one currency falling due on one day, seen at the roll's first date.

    Attributes:
        due_date: when they fell due.
        currency: ISO code.
        base_minor: their open amount (positive invoices only) at the first observation.
        unpaid_minor: the part of ``base_minor`` still open at the second observation.
    """

    due_date: date
    currency: str
    base_minor: int
    unpaid_minor: int


@dataclass(frozen=True, slots=True)
class BucketRoll:
    """The roll of one bucket of one currency between ``at`` and ``at + ROLL_STEP_DAYS``."""

    bucket: str
    to_bucket: str
    base: Money
    rolled: Money

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.rolled.minor, self.base.minor)

    def to_json(self) -> dict[str, object]:
        rate = self.rate
        return {
            "from": self.bucket,
            "to": self.to_bucket,
            "balance": self.base.amount_str(),
            "rolled": self.rolled.amount_str(),
            "rate": None if rate is None else str(rate),
        }


def roll_rates(sources: Iterable[RollSource], at: date) -> dict[str, list[BucketRoll]]:
    """Per currency, one :class:`BucketRoll` per bucket of :data:`ROLL_BUCKETS` (in order)."""
    later = date.fromordinal(at.toordinal() + ROLL_STEP_DAYS)
    base: dict[str, list[int]] = {}
    rolled: dict[str, list[int]] = {}
    for s in sources:
        if s.base_minor <= 0:
            continue
        name = bucket_for((at - s.due_date).days)
        if name not in ROLL_BUCKETS:
            continue
        index = ROLL_BUCKETS.index(name)
        base.setdefault(s.currency, [0] * len(ROLL_BUCKETS))[index] += s.base_minor
        unpaid = max(0, min(s.unpaid_minor, s.base_minor))
        if name == "current" and (later - s.due_date).days <= 0:
            unpaid = 0  # still not due a step later: it has not rolled
        rolled.setdefault(s.currency, [0] * len(ROLL_BUCKETS))[index] += unpaid
    return {
        code: [
            BucketRoll(
                name,
                BUCKETS[n + 1],
                Money.from_minor(base[code][n], code),
                Money.from_minor(rolled[code][n], code),
            )
            for n, name in enumerate(ROLL_BUCKETS)
        ]
        for code in sorted(base)
    }


@dataclass(frozen=True, slots=True)
class RecoveryPoint:
    """Day ``day`` after the start: ``collected`` so far and its ``share`` of the overdue start."""

    day: int
    collected: Money
    share: Decimal | None

    def to_json(self) -> list[object]:
        return [self.day, self.collected.amount_str(),
                None if self.share is None else str(self.share)]  # fmt: skip


def recovery_curve(
    overdue: Money, collected_by_day: Mapping[int, int], days: int
) -> list[RecoveryPoint]:
    """Cumulative collection for days 0 … ``days`` (``collected_by_day``: day -> minor units
    collected on that day, days outside the range are ignored)."""
    if days < 0:
        raise InvalidInput(f"a recovery curve needs days >= 0, got {days}")
    out: list[RecoveryPoint] = []
    total = 0
    for day in range(days + 1):
        total += collected_by_day.get(day, 0)
        out.append(
            RecoveryPoint(day, Money.from_minor(total, overdue.code), ratio(total, overdue.minor))
        )
    return out
