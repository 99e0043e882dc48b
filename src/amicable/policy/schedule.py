"""Exact installment schedules: dates by frequency, business days, amounts in minor units.

Invariants
----------
* Amounts: the payments of a schedule always sum exactly to its total; the installments after the
  down payment are split with :meth:`Money.split` (integer minor units, earlier ones take the odd
  units), so no two differ by more than one minor unit.
* Dates: nominal dates follow the frequency from one anchor (weekly +7 days, biweekly +14,
  monthly: same day of month as the anchor, clamped to the month's last day — Jan 31, Feb 28,
  Mar 31, never drifting). Each nominal date is moved to a business day of the debtor's calendar
  (weekends plus the public holidays of ``holidays`` for the country / region): to the following
  business day, or to the preceding one when following would cross a limit (the first-payment
  window or the term). Dates strictly increase. A schedule that cannot satisfy this is ``None``.
* Rescheduling (change an amount, move a date, insert an installment, grace period) returns a new
  offer with the same total; it never judges the result — the gate does, like any other offer.
"""

from __future__ import annotations

import calendar as _calendar
import threading
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.policy.model import Frequency
from amicable.policy.offer import Offer, OfferKind, Payment

__all__ = [
    "PERIOD_DAYS",
    "BusinessCalendar",
    "build_plan",
    "business_calendar",
    "change_amount",
    "grace_period",
    "insert_installment",
    "move_date",
    "nominal_date",
]

#: Shortest and longest gap in days between two nominal dates of each frequency.
PERIOD_DAYS: dict[Frequency, tuple[int, int]] = {
    Frequency.WEEKLY: (7, 7),
    Frequency.BIWEEKLY: (14, 14),
    Frequency.MONTHLY: (28, 31),
}


def nominal_date(anchor: date, frequency: Frequency, k: int) -> date:
    """The ``k``-th date (``k = 0`` is the anchor) of a schedule, end-of-month safe."""
    if frequency is Frequency.WEEKLY:
        return anchor + timedelta(days=7 * k)
    if frequency is Frequency.BIWEEKLY:
        return anchor + timedelta(days=14 * k)
    months = anchor.month - 1 + k
    year, month = anchor.year + months // 12, months % 12 + 1
    return date(year, month, min(anchor.day, _calendar.monthrange(year, month)[1]))


@cache
def _supported_countries() -> dict[str, list[str]]:
    """The holiday library's countries and their subdivisions, read once a process: the library
    rebuilds the table on every call (about 16 ms), and each new jurisdiction asked for."""
    return holidays.list_supported_countries()


class BusinessCalendar:
    """Business days of one jurisdiction: Monday to Friday except public holidays.

    ``country=None`` means weekends only (no holiday data is assumed for an unknown place).
    """

    def __init__(self, country: str | None = None, region: str | None = None) -> None:
        self.country = country
        self.region = region
        self._holidays: holidays.HolidayBase | None = None
        self._known: dict[date, bool] = {}  # memo: holiday lookups dominate plan building
        # The holiday tables fill a year in on its first lookup; a calendar is shared between
        # threads (``business_calendar``), so a lookup that may fill one in holds the lock.
        self._lock = threading.Lock()
        if country is not None:
            supported = _supported_countries()
            if country not in supported:
                raise InvalidInput(f"no holiday calendar for {country!r}")
            # A region the holiday tables do not know (e.g. FR-IDF: France has no regional
            # holidays there) uses the national calendar rather than refusing the account.
            subdiv = region if region in supported[country] else None
            self._holidays = holidays.country_holidays(country, subdiv=subdiv)

    def is_business_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            if day.weekday() >= 5:
                known = False
            elif self._holidays is None:
                known = True
            else:
                with self._lock:
                    known = day not in self._holidays
            self._known[day] = known
        return known

    def following(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def preceding(self, day: date) -> date:
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def run_before(self, day: date) -> int:
        """Non-business days immediately before ``day`` (how far ``following`` may have moved it)."""
        n = 0
        while not self.is_business_day(day - timedelta(days=n + 1)):
            n += 1
        return n

    def run_after(self, day: date) -> int:
        """Non-business days immediately after ``day`` (how far ``preceding`` may have moved it)."""
        n = 0
        while not self.is_business_day(day + timedelta(days=n + 1)):
            n += 1
        return n

    def adjust(self, day: date, *, earliest: date, latest: date) -> date | None:
        """``day`` moved to a business day in ``[earliest, latest]``: following, else preceding."""
        after = self.following(day)
        if earliest <= after <= latest:
            return after
        before = self.preceding(day)
        if earliest <= before <= latest:
            return before
        return None


@lru_cache(maxsize=256)
def business_calendar(country: str | None, region: str | None = None) -> BusinessCalendar:
    """A shared calendar per jurisdiction (holiday tables are built lazily and reused); shared
    between threads too, which is why a lookup that may fill a year in holds the lock."""
    return BusinessCalendar(country, region)


def build_plan(
    total: Money,
    *,
    as_of: date,
    first_due: date,
    first_due_latest: date,
    latest: date,
    frequency: Frequency,
    count: int,
    down_payment: Money | None,
    calendar: BusinessCalendar,
) -> Offer | None:
    """An installment plan of ``total``: optional down payment on ``first_due``, then ``count``
    installments one period apart (starting on ``first_due`` when there is no down payment).

    Returns ``None`` when the dates cannot all be business days with the first payment in
    ``[as_of, first_due_latest]`` and the last on or before ``latest``.
    """
    if count < 1:
        raise InvalidInput(f"a plan needs at least one installment, got {count}")
    remaining = total - down_payment if down_payment is not None else total
    if not remaining.is_positive():
        return None
    n = count + (1 if down_payment is not None else 0)
    dates = _plan_dates(calendar, first_due, frequency, n, as_of, first_due_latest, latest)
    if dates is None:
        return None
    amounts = ([down_payment] if down_payment is not None else []) + remaining.split(count)
    payments = [Payment(due, amount) for due, amount in zip(dates, amounts, strict=True)]
    return Offer(
        kind=OfferKind.PLAN,
        total=total,
        payments=tuple(payments),
        discount=Money.zero(total.currency),
        down_payment=down_payment,
        frequency=frequency,
    )


@lru_cache(maxsize=8192)
def _plan_dates(
    calendar: BusinessCalendar,
    first_due: date,
    frequency: Frequency,
    n: int,
    as_of: date,
    first_due_latest: date,
    latest: date,
) -> tuple[date, ...] | None:
    """The ``n`` business dates of a plan (see :func:`build_plan`), or ``None`` when they cannot
    all be placed. Dates do not depend on the amounts: remembered per calendar and arguments, as
    the optimiser asks the same few dozen questions for every account planned on one day (about
    a third of an offer search was placing dates again)."""
    dates: list[date] = []
    earliest = as_of
    for k in range(n):
        limit = first_due_latest if k == 0 else latest
        due = calendar.adjust(
            nominal_date(first_due, frequency, k), earliest=earliest, latest=limit
        )
        if due is None:
            return None
        dates.append(due)
        earliest = due + timedelta(days=1)
    return tuple(dates)


def _rebuilt(offer: Offer, payments: list[Payment]) -> Offer:
    down = payments[0].amount if offer.down_payment is not None else None
    return Offer(
        kind=offer.kind,
        total=offer.total,
        payments=tuple(payments),
        discount=offer.discount,
        down_payment=down,
        frequency=offer.frequency,
    )


def _check_index(offer: Offer, index: int) -> None:
    if not 0 <= index < len(offer.payments):
        raise InvalidInput(f"no payment #{index}: the schedule has {len(offer.payments)}")


def change_amount(offer: Offer, index: int, amount: Money) -> Offer:
    """Set payment ``index`` to ``amount``; the later payments absorb the difference in
    proportion to their amounts, so the total is unchanged."""
    _check_index(offer, index)
    later = offer.payments[index + 1 :]
    if not later:
        raise InvalidInput("the last payment's amount cannot change without a later payment")
    rest = Money.sum((p.amount for p in later), offer.total.currency) + (
        offer.payments[index].amount - amount
    )
    if not amount.is_positive() or not rest.is_positive():
        raise InvalidInput(f"{amount} leaves nothing positive for the later payments")
    shares = rest.allocate([p.amount.minor for p in later])
    payments = [*list(offer.payments[:index]), Payment(offer.payments[index].due_date, amount)]
    payments += [Payment(p.due_date, share) for p, share in zip(later, shares, strict=True)]
    return _rebuilt(offer, payments)


def move_date(offer: Offer, index: int, due_date: date) -> Offer:
    """Move payment ``index`` to ``due_date`` (the gate judges order, cadence and business days)."""
    _check_index(offer, index)
    payments = list(offer.payments)
    payments[index] = Payment(due_date, payments[index].amount)
    return _rebuilt(offer, payments)


def insert_installment(offer: Offer, due_date: date) -> Offer:
    """Add an installment on ``due_date`` and re-split everything after the down payment evenly
    over the new number of installments."""
    if offer.kind is not OfferKind.PLAN:
        raise InvalidInput("only a plan has installments to insert into")
    dates = sorted([*(p.due_date for p in offer.installments), due_date])
    down = offer.down_payment
    remaining = offer.total - down if down is not None else offer.total
    payments = [offer.payments[0]] if down is not None else []
    payments += [Payment(d, a) for d, a in zip(dates, remaining.split(len(dates)), strict=True)]
    return _rebuilt(offer, payments)


def grace_period(
    offer: Offer, days: int, calendar: BusinessCalendar, *, from_index: int = 0
) -> Offer:
    """Push payments ``from_index`` onwards back by ``days``, each to the following business day."""
    if days < 0:
        raise InvalidInput(f"a grace period cannot be negative, got {days}")
    _check_index(offer, from_index)
    payments = list(offer.payments[:from_index]) + [
        Payment(calendar.following(p.due_date + timedelta(days=days)), p.amount)
        for p in offer.payments[from_index:]
    ]
    return _rebuilt(offer, payments)
