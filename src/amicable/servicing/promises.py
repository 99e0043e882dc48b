"""Promises to pay ("I'll pay on Friday", or several amounts on several dates) and their status.

A :class:`Promise` is what the debtor said: one or more :class:`PromisedPayment` (date, amount),
the channel it was made on, whether it was confirmed back to the debtor, and the date it was made.
:func:`evaluate_promise` is a pure function of the promise, the payments received and a business
date; it answers with a :class:`PromiseEvaluation` carrying the status and the rule that decided.

Rules (in the order they are tried)
-----------------------------------
Only payments received on or after the day the promise was made count, and each promised part is
judged at its *deadline* (its date + ``grace_days``) against what was paid cumulatively by then:

1. ``promise.kept`` — everything promised has been paid (on or before the last deadline): kept,
   even early.
2. ``promise.missed_date`` — a deadline passed with less paid than promised by then: *broken* when
   nothing at all was paid by that deadline, *partially kept* otherwise. Payments after the
   deadline do not repair a missed date (they still reduce the balance elsewhere).
3. ``promise.pending`` — otherwise the promise is *open*.

:func:`due_promise_reminders` gives the reminders an open promise has on a business date: one
``offset`` days before each promised date whose amount is not yet covered by what was paid
(``servicing.promise_reminder_before_due``), for what is left of it.

The ``confirmed`` flag does not change the evaluation: an unconfirmed promise is still a promise;
reports filter on the flag.

Invariants
----------
* Every part's amount is positive, all in the promise's currency, dates strictly increasing.
* The evaluation never reads a clock; the same inputs give the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Currency, Money

__all__ = [
    "PaymentFact",
    "Promise",
    "PromiseEvaluation",
    "PromiseReminder",
    "PromiseStatus",
    "PromisedPayment",
    "due_promise_reminders",
    "evaluate_promise",
    "new_promise",
    "part_left",
]


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class PromisedPayment:
    """One promised amount on one business date."""

    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Promise:
    """A promise to pay. Build one with :func:`new_promise` (which validates it)."""

    id: str
    currency: Currency
    parts: tuple[PromisedPayment, ...]
    channel: str
    confirmed: bool
    made_on: date

    @property
    def total(self) -> Money:
        return Money.sum((p.amount for p in self.parts), self.currency)


@dataclass(frozen=True, slots=True)
class PaymentFact:
    """A payment received (from any source) that may count toward a promise."""

    amount: Money
    on: date


@dataclass(frozen=True, slots=True)
class PromiseEvaluation:
    """The status on ``as_of`` and why.

    Attributes:
        status: open, kept, partially kept or broken.
        rule_id: ``promise.kept`` / ``promise.missed_date`` / ``promise.pending``.
        parameter: the parameter the rule used (``grace_days``).
        promised: total promised; ``paid``: what counted toward it.
        deciding_date: the deadline that decided (``None`` while open and nothing is late).
        message: a sentence for people.
    """

    status: PromiseStatus
    rule_id: str
    parameter: str
    promised: Money
    paid: Money
    deciding_date: date | None
    message: str


def new_promise(
    promise_id: str,
    parts: Sequence[tuple[date, Money]],
    *,
    channel: str,
    made_on: date,
    confirmed: bool = False,
) -> Promise:
    """A validated promise; refuses empty, mixed-currency, non-positive or unordered parts."""
    if not parts:
        raise InvalidInput(f"promise {promise_id!r}: needs at least one promised payment")
    cur = parts[0][1].currency
    built: list[PromisedPayment] = []
    for n, (on, amount) in enumerate(parts, start=1):
        where = f"promise {promise_id!r} part {n}"
        if amount.currency != cur:
            raise InvalidInput(f"{where}: {amount.code} differs from {cur.code}")
        if not amount.is_positive():
            raise InvalidInput(f"{where}: amount must be positive, got {amount}")
        if on < made_on:
            raise InvalidInput(f"{where}: date {on} is before the promise was made ({made_on})")
        if built and on <= built[-1].on:
            raise InvalidInput(f"{where}: dates must increase ({on} after {built[-1].on})")
        built.append(PromisedPayment(on, amount))
    if not channel.strip():
        raise InvalidInput(f"promise {promise_id!r}: channel is empty")
    return Promise(promise_id, cur, tuple(built), channel, confirmed, made_on)


def evaluate_promise(
    promise: Promise,
    payments: Sequence[PaymentFact],
    as_of: date,
    grace_days: int,
) -> PromiseEvaluation:
    """The status of ``promise`` on ``as_of`` given ``payments`` (any order), with its rule."""
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise InvalidInput(f"grace_days must be an int >= 0, got {grace_days!r}")
    code = promise.currency
    counted = sorted(
        (p for p in payments if p.on >= promise.made_on and p.on <= as_of),
        key=lambda p: p.on,
    )
    for p in counted:
        if p.amount.currency != code:
            raise InvalidInput(
                f"promise {promise.id!r} is in {code.code}, a payment in {p.amount.code}"
            )

    def paid_by(day: date) -> Money:
        return Money.sum((p.amount for p in counted if p.on <= day), code)

    total = promise.total
    final_deadline = promise.parts[-1].on + timedelta(days=grace_days)
    paid_final = paid_by(final_deadline)
    if paid_final >= total:
        return PromiseEvaluation(
            PromiseStatus.KEPT,
            "promise.kept",
            "grace_days",
            total,
            paid_final,
            None,
            f"{paid_final} paid against {total} promised",
        )
    promised_so_far = Money.zero(code)
    for part in promise.parts:
        promised_so_far = promised_so_far + part.amount
        deadline = part.on + timedelta(days=grace_days)
        if deadline >= as_of:
            break
        paid = paid_by(deadline)
        if paid < promised_so_far:
            status = PromiseStatus.PARTIALLY_KEPT if paid.is_positive() else PromiseStatus.BROKEN
            return PromiseEvaluation(
                status,
                "promise.missed_date",
                "grace_days",
                total,
                paid,
                part.on,
                f"by {deadline} ({part.on} + {grace_days} grace days) {paid} was paid of "
                f"{promised_so_far} promised",
            )
    return PromiseEvaluation(
        PromiseStatus.OPEN,
        "promise.pending",
        "grace_days",
        total,
        paid_by(as_of),
        None,
        "no promised date has passed its grace period unpaid",
    )


@dataclass(frozen=True, slots=True)
class PromiseReminder:
    """A reminder of promised part ``part`` (1-based) due on ``due_date``: ``amount_due`` is what
    is left of it, ``offset_days`` how many days before the date it goes out."""

    promise_id: str
    part: int
    due_date: date
    amount_due: Money
    offset_days: int
    rule_id: str
    message: str


def part_left(promise: Promise, payments: Sequence[PaymentFact], as_of: date, number: int) -> Money:
    """What is left to pay of promised part ``number`` (1-based) on ``as_of``: what was paid
    since the promise was made covers its parts in date order."""
    if not 1 <= number <= len(promise.parts):
        raise InvalidInput(f"promise {promise.id!r} has no part {number}")
    code = promise.currency
    paid = Money.sum((p.amount for p in payments if promise.made_on <= p.on <= as_of), code)
    before = Money.sum((p.amount for p in promise.parts[: number - 1]), code)
    part = promise.parts[number - 1].amount
    covered = paid - before
    if not covered.is_positive():
        return part
    return part - covered if covered < part else Money.zero(code)


def due_promise_reminders(
    promise: Promise, payments: Sequence[PaymentFact], as_of: date, offsets: Sequence[int]
) -> list[PromiseReminder]:
    """The reminders of ``promise`` that fall on ``as_of``: ``offset`` days before each promised
    date (for each of ``offsets``), for what is left of that part (none once it is covered). The
    caller asks for open promises only."""
    wanted = {o for o in offsets if o >= 0}
    out: list[PromiseReminder] = []
    for number, part in enumerate(promise.parts, start=1):
        offset = (part.on - as_of).days
        if offset not in wanted:
            continue
        left = part_left(promise, payments, as_of, number)
        if left.is_positive():
            out.append(
                PromiseReminder(
                    promise.id, number, part.on, left, offset,
                    "servicing.promise_reminder_before_due",
                    f"reminder {offset} day(s) before the promised date",
                )
            )  # fmt: skip
    return out
