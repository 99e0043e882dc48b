"""AR aging: open receivables grouped by days past due, per currency.

Buckets (DESIGN §10): ``current`` (not yet due, or due today), ``1-30``, ``31-60``, ``61-90``,
``91-120``, ``120+`` days past due.

Invariants: the buckets of a currency always sum exactly to its ``total``; currencies are never
mixed; the report is a pure function of its inputs and the explicit ``as_of`` date. Credits
(negative open amounts, such as an unallocated payment) are aged by their own date like any item,
so a total can be lower than the sum of the positive items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from amicable.domain.money import Money

__all__ = ["BUCKETS", "AgedItem", "AgingBuckets", "AgingReport", "age", "bucket_for"]

BUCKETS: Final[tuple[str, ...]] = ("current", "1-30", "31-60", "61-90", "91-120", "120+")


def bucket_for(days_past_due: int) -> str:
    """The bucket name for a number of days past due (negative or zero = ``current``)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    if days_past_due <= 120:
        return "91-120"
    return "120+"


@dataclass(frozen=True, slots=True)
class AgedItem:
    """An open amount with the date it fell due (``key`` groups items, e.g. a customer id)."""

    due_date: date
    open_amount: Money
    key: str = ""


@dataclass(frozen=True, slots=True)
class AgingBuckets:
    """One currency's buckets, in integer minor units; ``total`` is their exact sum."""

    currency: str
    minor: tuple[int, int, int, int, int, int]

    @property
    def total(self) -> Money:
        return Money.from_minor(sum(self.minor), self.currency)

    def bucket(self, name: str) -> Money:
        return Money.from_minor(self.minor[BUCKETS.index(name)], self.currency)

    def to_json(self) -> dict[str, str]:
        out = {name: self.bucket(name).amount_str() for name in BUCKETS}
        out["total"] = self.total.amount_str()
        return out


@dataclass(frozen=True, slots=True)
class AgingReport:
    """Aging as of a date: per currency, and optionally per key (customer) and currency."""

    as_of: date
    currencies: dict[str, AgingBuckets]
    by_key: dict[str, dict[str, AgingBuckets]] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "currencies": {code: b.to_json() for code, b in sorted(self.currencies.items())},
        }
        return out


def age(items: Iterable[AgedItem], as_of: date, *, by_key: bool = False) -> AgingReport:
    """Bucket ``items`` as of ``as_of`` (zero amounts are ignored)."""
    totals: dict[str, list[int]] = {}
    keyed: dict[str, dict[str, list[int]]] = {}
    for item in items:
        units = item.open_amount.minor
        if units == 0:
            continue
        index = BUCKETS.index(bucket_for((as_of - item.due_date).days))
        code = item.open_amount.code
        totals.setdefault(code, [0] * 6)[index] += units
        if by_key:
            keyed.setdefault(item.key, {}).setdefault(code, [0] * 6)[index] += units
    return AgingReport(
        as_of=as_of,
        currencies={code: _buckets(code, v) for code, v in totals.items()},
        by_key={
            key: {code: _buckets(code, v) for code, v in per.items()} for key, per in keyed.items()
        },
    )


def _buckets(code: str, values: list[int]) -> AgingBuckets:
    a, b, c, d, e, f = values
    return AgingBuckets(code, (a, b, c, d, e, f))
