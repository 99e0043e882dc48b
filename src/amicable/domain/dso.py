"""Days sales outstanding (standard and countback) and the collection effectiveness index.

Definitions (DESIGN §10):

* **Standard DSO** = ending AR ÷ credit sales in the period × days in the period.
* **Countback DSO**: walk back month by month from the as-of date, consuming the ending AR with
  each month's credit sales; a month fully consumed adds its days, the month where AR runs out
  adds the consumed fraction of its days. The as-of month counts only its elapsed days.
* **CEI** = (beginning AR + credit sales − ending total AR) ÷ (beginning AR + credit sales −
  ending current AR) × 100.

Invariants: pure functions of exact amounts of one currency (mixing raises); results are
``Decimal`` rounded half-even to one decimal place; when a ratio is undefined (no sales, zero
denominator) the result is ``None`` rather than a made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from amicable.domain.errors import CurrencyMismatch, InvalidInput
from amicable.domain.money import Money

__all__ = ["MonthSales", "cei", "countback_dso", "months_back", "standard_dso"]

_ONE_PLACE = Decimal("0.1")


def _check(*amounts: Money) -> None:
    codes = {a.code for a in amounts}
    if len(codes) > 1:
        raise CurrencyMismatch(f"DSO inputs mix currencies: {sorted(codes)}")


def standard_dso(ending_ar: Money, credit_sales: Money, days: int) -> Decimal | None:
    """Ending AR ÷ credit sales × days; None when there were no credit sales."""
    _check(ending_ar, credit_sales)
    if days <= 0:
        raise InvalidInput(f"the DSO period must be at least one day, got {days}")
    if not credit_sales.is_positive():
        return None
    value = ending_ar.amount / credit_sales.amount * days
    return value.quantize(_ONE_PLACE, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class MonthSales:
    """Credit sales of one month (or the elapsed part of it): ``days`` counted, ``sales`` made."""

    days: int
    sales: Money


def countback_dso(ending_ar: Money, months_newest_first: Sequence[MonthSales]) -> Decimal | None:
    """Countback DSO; None when the AR is positive but the months hold no sales at all.

    If the AR outlasts every month given, the result is the days of all months (a floor: the
    history is too short to say more).
    """
    _check(ending_ar, *(m.sales for m in months_newest_first))
    remaining = ending_ar.amount
    if remaining <= 0:
        return Decimal("0.0")
    if not any(m.sales.is_positive() for m in months_newest_first):
        return None
    days = Decimal(0)
    for month in months_newest_first:
        sales = month.sales.amount
        if sales <= 0:
            days += month.days
            continue
        if remaining >= sales:
            days += month.days
            remaining -= sales
            if remaining == 0:
                break
        else:
            days += remaining / sales * month.days
            remaining = Decimal(0)
            break
    return days.quantize(_ONE_PLACE, rounding=ROUND_HALF_EVEN)


def cei(
    beginning_ar: Money, credit_sales: Money, ending_total_ar: Money, ending_current_ar: Money
) -> Decimal | None:
    """Collection effectiveness index in percent; None when the denominator is zero."""
    _check(beginning_ar, credit_sales, ending_total_ar, ending_current_ar)
    collectible = beginning_ar.amount + credit_sales.amount
    denominator = collectible - ending_current_ar.amount
    if denominator == 0:
        return None
    value = (collectible - ending_total_ar.amount) / denominator * 100
    return value.quantize(_ONE_PLACE, rounding=ROUND_HALF_EVEN)


def months_back(as_of: date, count: int) -> list[tuple[date, date]]:
    """The ``count`` calendar-month windows ``(first_day, last_day_counted)`` ending at ``as_of``,
    newest first; the newest window ends at ``as_of`` itself."""
    windows: list[tuple[date, date]] = []
    end = as_of
    for _ in range(count):
        start = end.replace(day=1)
        windows.append((start, end))
        end = date.fromordinal(start.toordinal() - 1)
    return windows
